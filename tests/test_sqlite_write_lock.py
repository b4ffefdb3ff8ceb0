"""SQLite writes outside the writer wait for a concurrent writer instead of failing.

A deferred transaction that has read, then writes after another connection committed, fails
at once with "database is locked". Each case below starts a blocker that holds the write
lock, writes and commits ~0.3 s later, while the operation under test reads in between.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import httpx
import orjson
import pytest
from sqlalchemy import Engine, insert

from lineage.store import schema as s
from lineage.store.db import make_engine
from lineage.store.prune import prune
from lineage.store.replay import replay
from tests.events import ds, run_event

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


@contextmanager
def _blocking_writer(url: str, hold_s: float = 0.3) -> Iterator[None]:
    """Another connection holds the write lock for `hold_s`, writes a row, commits."""
    engine = make_engine(url)
    locked = threading.Event()

    def block() -> None:
        with engine.connect() as conn:
            conn = conn.execution_options(sqlite_immediate=True)
            with conn.begin():
                locked.set()
                now, name = datetime.now(UTC), uuid.uuid4().hex
                conn.execute(
                    insert(s.namespaces),
                    {
                        "name": name,
                        "ident": s.ident("", name),
                        "created_at": now,
                        "updated_at": now,
                    },
                )
                time.sleep(hold_s)

    thread = threading.Thread(target=block)
    thread.start()
    locked.wait()
    try:
        yield
    finally:
        thread.join()
        engine.dispose()


async def _seed(client: httpx.AsyncClient) -> None:
    events = [run_event("j", inputs=[ds("n", "a")], outputs=[ds("n", "b")])]
    response = await client.post("/api/v1/lineage/batch", content=orjson.dumps(events))
    assert response.status_code == 204


async def test_soft_delete_and_restore_wait_for_a_concurrent_writer(
    sqlite_url: str, client: httpx.AsyncClient
) -> None:
    await _seed(client)
    with _blocking_writer(sqlite_url):
        deleted = await client.delete("/api/v1/namespaces/n/datasets/a")
    assert deleted.status_code == 200, deleted.text
    with _blocking_writer(sqlite_url):
        restored = await client.post("/api/v1/namespaces/n/datasets/a/restore")
    assert restored.status_code == 200, restored.text


@pytest.mark.parametrize(
    "operation",
    [
        lambda engine: prune(engine, older_than=datetime(2030, 1, 1, tzinfo=UTC), dry_run=False),
        replay,
    ],
    ids=["prune", "replay"],
)
async def test_maintenance_waits_for_a_concurrent_writer(
    sqlite_url: str, client: httpx.AsyncClient, operation: Callable[[Engine], object]
) -> None:
    await _seed(client)
    engine = make_engine(sqlite_url)
    try:
        with _blocking_writer(sqlite_url):
            operation(engine)
    finally:
        engine.dispose()


async def test_tag_writes_wait_for_a_concurrent_writer(
    sqlite_url: str, client: httpx.AsyncClient
) -> None:
    await _seed(client)
    for method, path in [
        ("PUT", "/api/v1/tags/pii"),
        ("POST", "/api/v1/namespaces/n/datasets/a/tags/pii"),
        ("DELETE", "/api/v1/namespaces/n/datasets/a/tags/pii"),
        ("POST", "/api/v1/namespaces/ns/jobs/j/tags/pii"),
    ]:
        with _blocking_writer(sqlite_url):
            response = await client.request(method, path)
        assert response.status_code == 200, (method, path, response.text)
