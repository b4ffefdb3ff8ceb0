"""Fault injection: PostgreSQL stopped under load, and kill -9 of the collector on SQLite."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
from collections import Counter

import httpx
from sqlalchemy import create_engine, select

from lineage.store import schema as s
from tests.conftest import Server
from tests.reliability.traffic import Tally, send_events, wait_until

PG_CLUSTER = ["pg_ctlcluster", "--skip-systemctl-redirect", "15", "main"]


def pg_ctl(action: str, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*PG_CLUSTER, action, *extra], check=False, capture_output=True, text=True
    )


def ensure_postgres_running() -> None:
    if pg_ctl("status").returncode != 0:
        started = pg_ctl("start")
        assert started.returncode == 0, started.stderr


def stored_run_ids(database_url: str) -> Counter[str]:
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            return Counter(conn.execute(select(s.events.c.run_id)).scalars())
    finally:
        engine.dispose()


async def test_postgres_outage_answers_503_and_recovers(postgres_url: str) -> None:
    server = Server(postgres_url).start()
    tally, stop = Tally(), asyncio.Event()
    try:
        senders = asyncio.create_task(send_events(server.url, tally, stop, workers=4))
        await wait_until(lambda: len(tally.acked) >= 50, timeout_s=30, what="50 acks")
        try:
            assert pg_ctl("stop", "-m", "fast").returncode == 0
            await wait_until(lambda: len(tally.unavailable) >= 5, timeout_s=30, what="503s")
            ready = httpx.get(f"{server.url}/readyz", timeout=10)
            assert ready.status_code == 503
        finally:
            ensure_postgres_running()
        acked_before = len(tally.acked)
        await wait_until(
            lambda: len(tally.acked) >= acked_before + 50, timeout_s=60, what="recovery"
        )
        stop.set()
        await senders
        assert httpx.get(f"{server.url}/readyz", timeout=10).status_code == 200
    finally:
        stop.set()
        ensure_postgres_running()
        server.stop()
    print(f"\npostgres outage: {tally.statuses}, transport errors {tally.transport_errors}")
    codes = {body["error"]["code"] for body in tally.unavailable}
    assert codes == {"store_unavailable"}
    assert all("not stored" in b["error"]["message"] for b in tally.unavailable)
    assert set(tally.statuses) == {201, 503}
    stored = stored_run_ids(postgres_url)
    assert {run_id: stored[run_id] for run_id in tally.acked} == dict.fromkeys(tally.acked, 1)
    assert max(stored.values()) == 1


async def test_kill_9_loses_no_acknowledged_event(sqlite_url: str) -> None:
    server = Server(sqlite_url).start()
    tally, stop = Tally(), asyncio.Event()
    try:
        senders = asyncio.create_task(send_events(server.url, tally, stop, workers=8))
        await wait_until(lambda: len(tally.acked) >= 200, timeout_s=60, what="200 acks")
        assert server.proc is not None
        os.kill(server.proc.pid, signal.SIGKILL)
        server.proc.wait()
        stop.set()
        await senders
    finally:
        stop.set()
        server.stop()
    stored = stored_run_ids(sqlite_url)
    assert {run_id: stored[run_id] for run_id in tally.acked} == dict.fromkeys(tally.acked, 1)
    restarted = Server(sqlite_url).start()
    try:
        async with httpx.AsyncClient(base_url=restarted.url, timeout=30) as client:
            await _wait_ready(client)
            answer = await client.get(
                "/api/v1/lineage/downstream", params={"nodeId": "dataset:ns:src"}
            )
            events = (await client.get("/api/v1/events/lineage", params={"limit": 1000})).json()
    finally:
        restarted.stop()
    print(f"\nkill -9: {len(tally.acked)} acknowledged, {sum(stored.values())} stored")
    implied = {"dataset:ns:src"}
    for event in events["events"]:
        implied |= {f"job:ns:{event['job']['name']}", f"dataset:ns:{event['outputs'][0]['name']}"}
    assert events["totalCount"] == sum(stored.values())
    assert {node["id"] for node in answer.json()["nodes"]} == implied


async def _wait_ready(client: httpx.AsyncClient) -> None:
    for _ in range(600):
        if (await client.get("/readyz")).status_code == 200:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("restarted collector never became ready")
