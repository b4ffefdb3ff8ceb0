"""Bounded-load benchmark (issue 17 item 7, issue 18): does a heavy read hold ingest back?

A ~100,000-node estate (estate.py's DAGs with column lineage and schemas, as impact.py
stores it) behind `lineage serve`. One client posts single events back to back and records
each one's latency, first alone (idle), then while 4 reader processes loop over the heavy
reads: the impact of a column drop on a DAG's landing table, Marquez's `/lineage` at depth
10, and a downstream query of a mistyped id (a 404 with name suggestions). Prints ingest p50
and p99 in both phases, their ratio (target: loaded p99 <= 1.5x idle) and what the readers
got through. `--collector-src DIR` serves another checkout's `src` (a before/after pair in
one run). Asserts nothing.

    .venv/bin/python benchmarks/bounded_load.py [--nodes 100000] [--seconds 20]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).parent))
import estate as est
from common import VENV_BIN, free_port, median, pct, pg_database, row, server
from graph import load_store
from impact import add_columns_and_schemas
from ingest import NODELAY, fresh_event

from lineage import ids

READERS = 4


def reads(dag: int) -> list[tuple[str, str, dict[str, Any]]]:
    """The heavy reads, aimed at one DAG: (method, path, params or JSON body)."""
    landing = ids.format_id("dataset", est.DS_NS, f"landing.dag_{dag}_raw")
    typo = ids.format_id("dataset", est.DS_NS, f"landing.dag_{dag}_rawx")
    return [
        (
            "POST",
            "/api/v1/impact",
            {"dataset": landing, "changes": [{"kind": "drop_column", "column": "c0"}]},
        ),
        ("GET", "/api/v1/lineage", {"nodeId": landing, "depth": 10}),
        ("GET", "/api/v1/lineage/downstream", {"nodeId": typo}),
    ]


def reader(args: tuple[str, int, float]) -> dict[str, list[float]]:
    """Loop over the heavy reads until the deadline; latencies (ms) by route."""
    url, seed, deadline = args
    done: dict[str, list[float]] = {}
    transport = httpx.HTTPTransport(socket_options=NODELAY)
    with httpx.Client(base_url=url, transport=transport, timeout=120) as client:
        i = seed
        while time.time() < deadline:
            for method, path, data in reads(i % 50):
                t0 = time.perf_counter()
                if method == "POST":
                    resp = client.post(path, json=data)
                else:
                    resp = client.get(path, params=data)
                if resp.status_code not in (200, 404):
                    raise RuntimeError(f"{path}: {resp.status_code} {resp.text[:300]}")
                done.setdefault(path, []).append((time.perf_counter() - t0) * 1000)
            i += 1
    return done


def ingest_for(url: str, seconds: float, start: int) -> list[float]:
    """Single-event POSTs back to back for `seconds`; latencies in ms."""
    latencies = []
    transport = httpx.HTTPTransport(socket_options=NODELAY)
    headers = {"Content-Type": "application/json"}
    with httpx.Client(base_url=url, transport=transport, timeout=120) as client:
        deadline, i = time.perf_counter() + seconds, start
        while time.perf_counter() < deadline:
            t0 = time.perf_counter()
            resp = client.post("/api/v1/lineage", content=fresh_event(i), headers=headers)
            latencies.append((time.perf_counter() - t0) * 1000)
            if resp.status_code != 201:
                raise RuntimeError(f"ingest: {resp.status_code} {resp.text[:300]}")
            i += 1
    return latencies


def measure(label: str, url: str, seconds: float, src: str | None) -> None:
    """Serve `url`'s store; ingest idle, then under the readers; print the figures."""
    port = free_port()
    cmd = [str(VENV_BIN / "lineage"), "serve", "--port", str(port), "--database-url", url]
    env = None
    if src is not None:
        cmd = [sys.executable, "-c", "from lineage.cli import main; main()", *cmd[1:]]
        env = {**os.environ, "PYTHONPATH": src}
    with server([*cmd, "--log-level", "warning"], port, ready_path="/readyz", env=env) as srv:
        base = srv["url"]
        ingest_for(base, 2, 0)  # warm
        idle = ingest_for(base, seconds, 10_000)
        deadline = time.time() + seconds + 4
        with multiprocessing.get_context("fork").Pool(READERS) as pool:
            pending = pool.map_async(reader, [(base, r * 13, deadline) for r in range(READERS)])
            time.sleep(2)  # the readers are under way
            loaded = ingest_for(base, seconds, 20_000)
            results = pending.get()
    print(f"\n== {label}{'' if src is None else f' (collector from {src})'}")
    print(row("ingest, single POSTs", "p50 ms", "p99 ms", "events"))
    print(row("  idle", f"{median(idle):.1f}", f"{pct(idle, 99):.1f}", len(idle)))
    print(
        row(
            f"  with {READERS} heavy readers",
            f"{median(loaded):.1f}",
            f"{pct(loaded, 99):.1f}",
            len(loaded),
        )
    )
    print(row("  loaded p99 / idle p99 (<= 1.5)", f"{pct(loaded, 99) / pct(idle, 99):.2f}x"))
    print(row("readers", "p50 ms", "p99 ms", "requests"))
    merged: dict[str, list[float]] = {}
    for result in results:
        for path, values in result.items():
            merged.setdefault(path, []).extend(values)
    for path, values in sorted(merged.items()):
        print(row(f"  {path}", f"{median(values):.0f}", f"{pct(values, 99):.0f}", len(values)))


def main() -> None:
    """Parse options, store the estate, measure on each database."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--nodes", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=20.0, help="ingest time per phase")
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="sqlite")
    parser.add_argument("--collector-src", action="append", default=[], help="another src/")
    args = parser.parse_args()
    estate = est.for_nodes(args.nodes)
    print(f"estate: {estate.dags} DAGs, {estate.datasets + estate.jobs:,} nodes")
    from lineage.store.db import make_engine

    def run(label: str, url: str) -> None:
        t0 = time.perf_counter()
        engine = make_engine(url)
        load_store(engine, estate)
        add_columns_and_schemas(engine, estate)
        engine.dispose()
        print(f"{label}: estate stored in {time.perf_counter() - t0:.1f} s (bulk writes)")
        for src in [None, *args.collector_src]:
            measure(label, url, args.seconds, src)

    if args.database in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as tmp:
            run("sqlite", f"sqlite:///{tmp}/estate.db")
    if args.database in ("postgres", "both"):
        with pg_database("bench_bounded") as url:
            run("postgres", url)


if __name__ == "__main__":
    main()
