"""Replay benchmark (issue 17): `lineage db replay` of an event log of 100,000 events.

The log is filled through the collector itself (`lineage serve`, `POST /api/v1/lineage/batch`
of 500 events, two requests in flight) with `ingest.py`'s ~7.8 KB events, a fresh runId each;
then the collector stops and `lineage db replay` rebuilds every derived table from the log in
its own process. Prints events/s of both, the ingest of the same events being the same-run
baseline, and the replay's CPU time. Asserts nothing.

    .venv/bin/python benchmarks/replay.py [--events 100000] [--database sqlite|postgres|both]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).parent))
from common import VENV_BIN, free_port, pg_database, row, server
from ingest import NODELAY, fresh_event
from wrk_client import children_cpu_s

BATCH = 500


def fill(url: str, events: int) -> float:
    """POST `events` events in batches of 500, two requests in flight; events/s."""
    transport = httpx.HTTPTransport(socket_options=NODELAY, limits=httpx.Limits(max_connections=2))
    headers = {"Content-Type": "application/json"}
    with httpx.Client(base_url=url, transport=transport, timeout=600) as client:

        def post(start: int) -> None:
            stop = min(events, start + BATCH)
            body = b"[" + b",".join(fresh_event(i) for i in range(start, stop)) + b"]"
            resp = client.post("/api/v1/lineage/batch", content=body, headers=headers)
            if resp.status_code != 204:
                raise RuntimeError(f"batch answered {resp.status_code}: {resp.text[:300]}")

        t0 = time.perf_counter()
        with ThreadPoolExecutor(2) as pool:
            list(pool.map(post, range(0, events, BATCH)))
        return events / (time.perf_counter() - t0)


def measure(kind: str, db_url: str, events: int) -> None:
    """Fill a fresh store on `db_url`, replay it, print both rates."""
    port = free_port()
    cmd = [str(VENV_BIN / "lineage"), "serve", "--port", str(port), "--database-url", db_url]
    with server([*cmd, "--log-level", "warning"], port) as collector:
        ingest_rate = fill(collector["url"], events)
    replay_cmd = [str(VENV_BIN / "lineage"), "db", "replay", "--database-url", db_url]
    cpu0, t0 = children_cpu_s(), time.perf_counter()
    proc = subprocess.run(replay_cmd, capture_output=True, text=True, check=True)
    wall = time.perf_counter() - t0
    cpu = children_cpu_s() - cpu0
    said = proc.stderr.strip().splitlines()[-1]
    print(f"\n== {kind}: {events:,} events")
    print(row("", "events/s", "wall s", "CPU s"))
    print(
        row(
            "batch ingest through the collector",
            f"{ingest_rate:.0f}",
            f"{events / ingest_rate:.1f}",
        )
    )
    print(
        row(
            "lineage db replay (whole process)", f"{events / wall:.0f}", f"{wall:.1f}", f"{cpu:.1f}"
        )
    )
    print(row("replay / ingest", f"{events / wall / ingest_rate:.2f}"))
    print(f"   replay said: {said}")


def main() -> None:
    """Parse options, measure on each database."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    args = parser.parse_args()
    if args.database in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as tmp:
            measure("sqlite", f"sqlite:///{tmp}/lineage.db", args.events)
    if args.database in ("postgres", "both"):
        with pg_database("bench_replay") as db_url:
            measure("postgres", db_url, args.events)


if __name__ == "__main__":
    main()
