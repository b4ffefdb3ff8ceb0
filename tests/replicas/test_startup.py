"""The start-up window on PostgreSQL: ingest works at once while queries answer 503
`graph_loading` (with Retry-After) until the graph is loaded, then 200.

The graph load is held back deterministically: another connection keeps an ACCESS EXCLUSIVE
lock on `column_edges`, which the snapshot reads and a plain run event never writes."""

from __future__ import annotations

import asyncio

import httpx
from sqlalchemy import text

from lineage.api.app import create_app
from lineage.settings import Settings
from lineage.store.db import make_engine
from lineage.store.migrate import upgrade
from tests.replicas.test_replicas import run_event

DOWN = {"nodeId": "dataset:ns:raw"}


async def _when_loaded(client: httpx.AsyncClient, timeout_s: float = 30) -> httpx.Response:
    async with asyncio.timeout(timeout_s):
        while (
            answer := await client.get("/api/v1/lineage/downstream", params=DOWN)
        ).status_code == 503:
            await asyncio.sleep(0.05)
    return answer


async def test_ingest_answers_while_queries_wait_for_the_graph(replica_db_url: str) -> None:
    engine = make_engine(replica_db_url)
    upgrade(engine)
    blocker = engine.connect()
    blocker_tx = blocker.begin()
    blocker.execute(text("LOCK TABLE column_edges IN ACCESS EXCLUSIVE MODE"))
    app = create_app(Settings(database_url=replica_db_url))
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://test") as client,
    ):
        stored = await client.post("/api/v1/lineage", json=run_event("load", "raw", "clean"))
        assert stored.status_code == 201
        for path in ("/api/v1/lineage/downstream", "/readyz"):
            waiting = await client.get(path, params=DOWN)
            assert (waiting.status_code, waiting.headers["Retry-After"]) == (503, "1")
            assert waiting.json()["error"] == {
                "code": "graph_loading",
                "message": "the lineage graph is still loading; retry shortly",
            }
        blocker_tx.rollback()
        blocker.close()
        answer = await _when_loaded(client)
        assert answer.status_code == 200
        assert {node["id"] for node in answer.json()["nodes"]} == {
            "dataset:ns:raw",
            "job:ns:load",
            "dataset:ns:clean",
        }
    engine.dispose()
