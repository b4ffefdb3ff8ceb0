"""Traffic helpers for the fault and load tests: unique events, concurrent senders, RSS."""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tests.events import ds, run_event


def stream_event(index: int, *, job_prefix: str = "stream") -> dict[str, Any]:
    """Event `index`: job `<prefix>-<index>` reads `src` and writes `out-<index>`."""
    return run_event(
        f"{job_prefix}-{index}",
        run_id=str(uuid.uuid4()),
        inputs=[ds("ns", "src")],
        outputs=[ds("ns", f"out-{index}")],
    )


@dataclass
class Tally:
    """What the senders saw: acknowledged run ids, answers by status, error bodies."""

    acked: list[str] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    unavailable: list[dict[str, Any]] = field(default_factory=list)
    transport_errors: int = 0
    latencies_s: list[float] = field(default_factory=list)

    def count(self, status: int) -> None:
        self.statuses[status] = self.statuses.get(status, 0) + 1


async def send_events(
    url: str, tally: Tally, stop: asyncio.Event, *, workers: int, first_index: int = 0
) -> None:
    """Post unique events from `workers` concurrent senders until `stop` is set."""
    counter = iter(range(first_index, 10**9))

    async def sender(client: httpx.AsyncClient) -> None:
        while not stop.is_set():
            event = stream_event(next(counter))
            started = time.perf_counter()
            try:
                response = await client.post(f"{url}/api/v1/lineage", json=event)
            except httpx.HTTPError:
                tally.transport_errors += 1
                await asyncio.sleep(0.05)
                continue
            tally.latencies_s.append(time.perf_counter() - started)
            tally.count(response.status_code)
            if response.is_success:
                tally.acked.append(event["run"]["runId"])
            elif response.status_code == 503:
                tally.unavailable.append(response.json())
                await asyncio.sleep(0.05)

    async with httpx.AsyncClient(timeout=30) as client:
        await asyncio.gather(*(sender(client) for _ in range(workers)))


async def wait_until(predicate: Any, *, timeout_s: float, what: str) -> None:
    """Poll `predicate()` every 50 ms until true; fail naming `what` after `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.05)


def rss_bytes(pid: int) -> int:
    """Resident set size of a process, from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError(f"no VmRSS for pid {pid}")
