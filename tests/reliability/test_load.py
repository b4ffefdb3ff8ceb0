"""Bounded load test: mixed ingest and queries against a real collector; prints the figures.

Duration: LINEAGE_LOAD_SECONDS (default 20). Only `errors == 0` is asserted; throughput,
latency percentiles and RSS growth are printed for the README.
"""

from __future__ import annotations

import asyncio
import os
import random
import statistics
import time

import httpx

from tests.conftest import Server
from tests.reliability.traffic import Tally, rss_bytes, send_events

QUERIES = [
    ("/api/v1/lineage/downstream", {"nodeId": "dataset:ns:src", "depth": "2"}),
    ("/api/v1/namespaces/ns/jobs", {"limit": "50"}),
    ("/api/v1/search", {"q": "out-1"}),
    ("/api/v1/namespaces/ns/datasets/src", {}),
]


async def _query(url: str, tally: Tally, stop: asyncio.Event, *, workers: int) -> None:
    rng = random.Random(7)

    async def reader(client: httpx.AsyncClient) -> None:
        while not stop.is_set():
            path, params = rng.choice(QUERIES)
            started = time.perf_counter()
            response = await client.get(f"{url}{path}", params=params)
            tally.latencies_s.append(time.perf_counter() - started)
            tally.count(response.status_code)

    async with httpx.AsyncClient(timeout=30) as client:
        await asyncio.gather(*(reader(client) for _ in range(workers)))


def _report(name: str, tally: Tally, seconds: float) -> str:
    latencies = sorted(tally.latencies_s)
    p99 = latencies[int(len(latencies) * 0.99) - 1] if latencies else 0.0
    return (
        f"{name}: {len(latencies)} requests, {len(latencies) / seconds:.0f}/s, "
        f"p50 {statistics.median(latencies) * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms, "
        f"statuses {tally.statuses}"
    )


async def test_mixed_load(db_url: str) -> None:
    seconds = float(os.environ.get("LINEAGE_LOAD_SECONDS", "20"))
    server = Server(db_url).start()
    writes, reads, stop = Tally(), Tally(), asyncio.Event()
    try:
        assert server.proc is not None
        warm = Tally()
        warm_stop = asyncio.Event()
        warmup = asyncio.create_task(send_events(server.url, warm, warm_stop, workers=4))
        await asyncio.sleep(2)
        warm_stop.set()
        await warmup
        rss_start = rss_bytes(server.proc.pid)
        load = asyncio.gather(
            send_events(server.url, writes, stop, workers=8, first_index=10**6),
            _query(server.url, reads, stop, workers=8),
        )
        await asyncio.sleep(seconds)
        stop.set()
        await load
        rss_end = rss_bytes(server.proc.pid)
    finally:
        stop.set()
        server.stop()
    errors = (
        sum(
            count
            for tally in (writes, reads)
            for status, count in tally.statuses.items()
            if status >= 400
        )
        + writes.transport_errors
    )
    backend = db_url.split(":", 1)[0]
    print(f"\nload ({seconds:.0f} s, {backend}, 8 ingest + 8 query workers)")
    print(_report("ingest", writes, seconds))
    print(_report("queries", reads, seconds))
    print(
        f"errors {errors}; RSS {rss_start / 2**20:.1f} -> {rss_end / 2**20:.1f} MiB "
        f"(+{(rss_end - rss_start) / 2**20:.1f} MiB)"
    )
    assert errors == 0
