"""`lineage db replay` keeps soft deletes: the rebuilt rows are deleted again, at the same time."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sqlalchemy import text

from lineage.store.db import make_engine
from tests.events import ds, run_event
from tests.reliability.conftest import AppClient

LINEAGE = str(Path(sys.executable).with_name("lineage"))
MARKS = text(
    "SELECT 'dataset', name, deleted_at FROM datasets WHERE deleted_at IS NOT NULL "
    "UNION ALL SELECT 'job', name, deleted_at FROM jobs WHERE deleted_at IS NOT NULL "
    "ORDER BY 1, 2"
)


def _marks(db_url: str) -> list[tuple[object, ...]]:
    engine = make_engine(db_url)
    with engine.connect() as conn:
        marks = [tuple(row) for row in conn.execute(MARKS)]
    engine.dispose()
    return marks


async def test_replay_keeps_deleted_datasets_and_jobs(app_client: AppClient, db_url: str) -> None:
    events = [
        run_event("j", inputs=[ds("ns", "a")], outputs=[ds("ns", "b")]),
        run_event("k", inputs=[ds("ns", "b")], outputs=[ds("ns", "c")]),
    ]
    async with app_client(database_url=db_url) as client:
        for event in events:
            assert (await client.post("/api/v1/lineage", json=event)).status_code == 201
        for path in ("jobs/k", "datasets/c"):
            assert (await client.delete(f"/api/v1/namespaces/ns/{path}")).status_code == 200
    before = _marks(db_url)
    assert [mark[:2] for mark in before] == [("dataset", "c"), ("job", "k")]
    done = subprocess.run(
        [LINEAGE, "db", "replay", "--database-url", db_url],
        capture_output=True,
        text=True,
        check=False,
    )
    assert (done.returncode, done.stderr.strip()) == (0, "replayed 2 events")
    assert _marks(db_url) == before
    async with app_client(database_url=db_url) as client:
        answer = await client.get("/api/v1/lineage/downstream", params={"nodeId": "dataset:ns:a"})
        assert {node["id"] for node in answer.json()["nodes"]} == {
            "dataset:ns:a",
            "job:ns:j",
            "dataset:ns:b",
        }
        assert (await client.get("/api/v1/namespaces/ns/jobs/k")).status_code == 404
        restored = await client.post("/api/v1/namespaces/ns/jobs/k/restore")
        assert (restored.status_code, restored.json()["isDeleted"]) == (200, False)
