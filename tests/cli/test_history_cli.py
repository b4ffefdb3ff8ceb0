"""`lineage runs` against a collector that knows more namespaces than one page holds."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator

import httpx
import pytest
from typer.testing import CliRunner

from lineage.api.app import create_app
from lineage.cli.main import app
from lineage.settings import Settings
from tests.conftest import Server
from tests.events import ds, run_event

PAGE = 1000  # the most namespaces GET /api/v1/namespaces answers at once
RUN_ID = "00000000-0000-4000-8000-00000000000a"


async def _ingest_batch(url: str, events: list[dict[str, object]]) -> None:
    app_ = create_app(Settings(database_url=url))
    async with app_.router.lifespan_context(app_):
        transport = httpx.ASGITransport(app=app_)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            response = await client.post("/api/v1/lineage/batch", json=events)
            assert response.status_code == 204, response.text  # every event stored


@pytest.fixture
def crowded(db_url: str) -> Iterator[tuple[str, str]]:
    """(collector URL, database URL) of a store with more than a page of namespaces, the
    dataset asked about in the namespace sorting last."""
    events = [run_event("noise", namespace=f"ns{i:04}") for i in range(PAGE + 1)]
    events.append(run_event("load", namespace="zz", run_id=RUN_ID, outputs=[ds("zz", "orders")]))
    asyncio.run(_ingest_batch(db_url, events))
    server = Server(db_url).start()
    try:
        yield server.url, db_url
    finally:
        server.stop()


def test_runs_finds_a_dataset_in_a_namespace_past_the_first_page(
    crowded: tuple[str, str],
) -> None:
    collector, database = crowded
    answers = []
    for where in (["--url", collector], ["--database-url", database]):
        result = CliRunner().invoke(app, ["runs", "dataset:zz:orders", "--format", "json", *where])
        assert result.exit_code == 0, result.stderr
        answers.append(json.loads(result.stdout))
    assert answers[0] == answers[1]
    assert [(r["id"], r["jobName"], r["roles"]) for r in answers[0]["runs"]] == [
        (RUN_ID, "load", ["output"])
    ]
