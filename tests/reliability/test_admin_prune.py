"""Soft delete / restore (survives a restart) and `lineage db prune`, on SQLite and PostgreSQL."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.events import ds, run_event
from tests.reliability.conftest import AppClient

LINEAGE = str(Path(sys.executable).with_name("lineage"))


def downstream_ids(answer: dict) -> set[str]:
    return {node["id"] for node in answer["nodes"]}


async def test_soft_delete_and_restore(app_client: AppClient, db_url: str) -> None:
    events = [
        run_event("j", inputs=[ds("ns", "a")], outputs=[ds("ns", "b")]),
        run_event("k", inputs=[ds("ns", "b")], outputs=[ds("ns", "c")]),
    ]
    down = {"nodeId": "dataset:ns:a"}
    async with app_client(database_url=db_url) as client:
        for event in events:
            assert (await client.post("/api/v1/lineage", json=event)).status_code == 201
        deleted = await client.delete("/api/v1/namespaces/ns/jobs/k")
        assert (deleted.status_code, deleted.json()["isDeleted"]) == (200, True)
        again = await client.delete("/api/v1/namespaces/ns/jobs/k")
        assert again.status_code == 404
        assert (await client.get("/api/v1/namespaces/ns/jobs/k")).status_code == 404
        jobs = (await client.get("/api/v1/namespaces/ns/jobs")).json()["jobs"]
        assert [j["name"] for j in jobs] == ["j"]
        answer = (await client.get("/api/v1/lineage/downstream", params=down)).json()
        assert downstream_ids(answer) == {"dataset:ns:a", "job:ns:j", "dataset:ns:b"}
        gone = await client.delete("/api/v1/namespaces/ns/datasets/b")
        assert gone.status_code == 200
        datasets = (await client.get("/api/v1/namespaces/ns/datasets")).json()["datasets"]
        assert [d["name"] for d in datasets] == ["a", "c"]
    async with app_client(database_url=db_url) as client:  # restart: rebuilt from the store
        answer = (await client.get("/api/v1/lineage/downstream", params=down)).json()
        assert downstream_ids(answer) == {"dataset:ns:a", "job:ns:j"}
        assert (await client.get("/api/v1/namespaces/ns/datasets/b")).status_code == 404
        for path in ("datasets/b", "jobs/k"):
            restored = await client.post(f"/api/v1/namespaces/ns/{path}/restore")
            assert (restored.status_code, restored.json()["isDeleted"]) == (200, False)
        not_deleted = await client.post("/api/v1/namespaces/ns/jobs/k/restore")
        assert not_deleted.json()["error"]["message"] == (
            "job 'k' in namespace 'ns' is not deleted"
        )
        answer = (await client.get("/api/v1/lineage/downstream", params=down)).json()
        assert downstream_ids(answer) == {
            "dataset:ns:a",
            "job:ns:j",
            "dataset:ns:b",
            "job:ns:k",
            "dataset:ns:c",
        }


def _ago(days: int) -> str:
    return (datetime.now(UTC) - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")


def _prune(db_url: str, *extra: str) -> str:
    done = subprocess.run(
        [LINEAGE, "db", "prune", "--older-than", "90d", "--database-url", db_url, *extra],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.split(": ", 1)[1].strip()


async def test_prune_keeps_the_current_graph(app_client: AppClient, db_url: str) -> None:
    quality = {"inputFacets": {"dataQualityMetrics": {"rowCount": 1}}}
    old_runs = [
        run_event(
            "j",
            time=_ago(days),
            inputs=[{**ds("ns", "a"), **quality}],
            outputs=[ds("ns", "b")],
            run_facets={"nominalTime": {"nominalStartTime": _ago(days)}},
        )
        for days in (200, 150, 120)
    ]
    recent = run_event("k", time=_ago(1), inputs=[ds("ns", "b")], outputs=[ds("ns", "c")])
    lonely_old = run_event("solo", time=_ago(300), outputs=[ds("ns", "d")])
    dataset_event = {
        "eventTime": _ago(365),
        "producer": "https://example.com/t",
        "dataset": {"namespace": "ns", "name": "e"},
    }
    down = {"nodeId": "dataset:ns:a"}
    async with app_client(database_url=db_url) as client:
        for event in [*old_runs, recent, lonely_old, dataset_event]:
            assert (await client.post("/api/v1/lineage", json=event)).status_code == 201
        before = (await client.get("/api/v1/lineage/downstream", params=down)).json()
    # dependent rows: 3 of the change log, and the 2 pruned runs' dataQualityMetrics rows
    expected = "2 runs, 4 run_io rows, 4 facets, 5 dependent rows, 3 events"
    assert _prune(db_url, "--dry-run") == expected
    assert _prune(db_url) == expected
    assert _prune(db_url) == "0 runs, 0 run_io rows, 0 facets, 0 dependent rows, 0 events"
    async with app_client(database_url=db_url) as client:
        runs = (await client.get("/api/v1/namespaces/ns/jobs/j/runs")).json()["runs"]
        assert [r["id"] for r in runs] == [old_runs[2]["run"]["runId"]]
        assert len((await client.get("/api/v1/namespaces/ns/jobs/solo/runs")).json()["runs"]) == 1
        events = (await client.get("/api/v1/events/lineage")).json()
        assert events["totalCount"] == 3
        after = (await client.get("/api/v1/lineage/downstream", params=down)).json()
        assert after == before
        assert (await client.get("/api/v1/namespaces/ns/datasets/e")).status_code == 200
