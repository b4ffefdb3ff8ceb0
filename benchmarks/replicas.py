"""Replicas on PostgreSQL: ingest throughput with 1 and 2 collectors, and cross-replica lag.

    .venv/bin/python benchmarks/replicas.py [--seconds 15] [--lag-seconds 20]

(a) 16 concurrent clients POST single events for `--seconds`: to one replica, then spread
    over two replicas (each run on a fresh database). (b) A steady background load to replica
    A while a marker event is sent to A every 250 ms; the lag is A's 201 -> the first 200 from
    replica B for the marker's lineage (B polled every 10 ms). Printed, not asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import orjson

sys.path.insert(0, str(Path(__file__).parent))
from common import VENV_BIN, free_port, median, pct, pg_database, row, server

CONCURRENCY = 16
JSON = {"Content-Type": "application/json"}


def event(job: str, source: str, target: str) -> bytes:
    """A COMPLETE run of `job` reading `source` and writing `target`, with a new runId."""
    return orjson.dumps(
        {
            "eventType": "COMPLETE",
            "eventTime": "2024-05-01T10:00:00Z",
            "producer": "https://example.com/benchmarks/replicas",
            "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
            "run": {"runId": str(uuid.uuid4())},
            "job": {"namespace": "bench", "name": job},
            "inputs": [{"namespace": "bench", "name": source}],
            "outputs": [{"namespace": "bench", "name": target}],
        }
    )


@contextlib.contextmanager
def replicas(db_url: str, count: int) -> Iterator[list[str]]:
    """`count` `lineage serve` processes on one database (started one after the other)."""
    with contextlib.ExitStack() as stack:
        urls = []
        for _ in range(count):
            port = free_port()
            cmd = [str(VENV_BIN / "lineage"), "serve", "--port", str(port)]
            info = stack.enter_context(
                server([*cmd, "--database-url", db_url], port, ready_path="/readyz")
            )
            urls.append(info["url"])
        yield urls


async def _post(client: httpx.AsyncClient, url: str, body: bytes) -> None:
    resp = await client.post(url + "/api/v1/lineage", content=body, headers=JSON)
    if resp.status_code != 201:
        raise RuntimeError(f"ingest answered {resp.status_code}: {resp.text[:200]}")


async def throughput(urls: list[str], seconds: float) -> float:
    """Events/s stored by `CONCURRENCY` clients spread round-robin over `urls`."""
    done = 0
    deadline = time.perf_counter() + seconds
    async with httpx.AsyncClient(timeout=60) as client:

        async def worker(n: int) -> None:
            nonlocal done
            url, i = urls[n % len(urls)], n
            while time.perf_counter() < deadline:
                await _post(client, url, event(f"job_{i % 200}", f"src_{i % 50}", f"t_{i % 200}"))
                done, i = done + 1, i + CONCURRENCY

        started = time.perf_counter()
        await asyncio.gather(*(worker(n) for n in range(CONCURRENCY)))
    return done / (time.perf_counter() - started)


async def lag(first: str, second: str, seconds: float, load_rate: float) -> list[float]:
    """Seconds from a marker's 201 on `first` until `second` answers its lineage."""
    lags: list[float] = []
    deadline = time.perf_counter() + seconds
    async with httpx.AsyncClient(timeout=60) as client:

        async def background() -> None:
            i = 0
            while time.perf_counter() < deadline:
                await _post(client, first, event(f"job_{i % 200}", "src", f"t_{i % 200}"))
                i += 1
                await asyncio.sleep(1 / load_rate)

        async def markers() -> None:
            n = 0
            while time.perf_counter() < deadline:
                n += 1
                await _post(client, first, event(f"marker_{n}", f"m_in_{n}", f"m_out_{n}"))
                sent = time.perf_counter()
                params = {"nodeId": f"dataset:bench:m_in_{n}"}
                path = second + "/api/v1/lineage/downstream"
                while (await client.get(path, params=params)).status_code != 200:
                    await asyncio.sleep(0.01)
                lags.append(time.perf_counter() - sent)
                await asyncio.sleep(0.25)

        await asyncio.gather(background(), markers())
    return lags


def main() -> None:
    """Run both measurements and print them."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--lag-seconds", type=float, default=20)
    parser.add_argument("--load-rate", type=float, default=50, help="background events/s")
    args = parser.parse_args()
    rates = {}
    for count in (1, 2):
        with pg_database("bench_replicas") as db_url, replicas(db_url, count) as urls:
            asyncio.run(throughput(urls, 2))  # warm up
            rates[count] = asyncio.run(throughput(urls, args.seconds))
    print(row("replicas", "events/s", "ratio"))
    print(row("1", f"{rates[1]:.0f}", "1.00"))
    print(row("2", f"{rates[2]:.0f}", f"{rates[2] / rates[1]:.2f}"))
    with pg_database("bench_replicas") as db_url, replicas(db_url, 2) as (first, second):
        lags = asyncio.run(lag(first, second, args.lag_seconds, args.load_rate))
    print(
        f"cross-replica lag under ~{args.load_rate:.0f} events/s to A ({len(lags)} markers): "
        f"p50 {median(lags) * 1000:.0f} ms, p99 {pct(lags, 99) * 1000:.0f} ms, "
        f"max {max(lags) * 1000:.0f} ms"
    )


if __name__ == "__main__":
    main()
