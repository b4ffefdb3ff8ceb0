"""Driving an in-process collector in tests: sending a stream of events, and waiting for its
in-memory graph before a test compares it."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import orjson

from lineage.store import changelog


async def send_stream(
    client: httpx.AsyncClient, stream: list[dict[str, Any]], sizes: list[int] | None
) -> None:
    """POST `stream` one event at a time, or as batches of these `sizes`; each must be stored."""
    if sizes is None:
        for event in stream:
            response = await client.post("/api/v1/lineage", content=orjson.dumps(event))
            assert response.status_code == 201, response.text
        return
    start = 0
    for size in sizes:
        batch, start = stream[start : start + size], start + size
        response = await client.post("/api/v1/lineage/batch", content=orjson.dumps(batch))
        assert response.status_code == 204, response.text


async def caught_up(app: Any) -> None:
    """The graph loads in the background while ingest already answers: wait until it is
    published, then it holds every change this process acknowledged, up to the newest one in
    the change log."""
    follower = app.state.follower
    assert await asyncio.to_thread(follower.wait_loaded, 60)
    with app.state.engine.connect() as conn:
        assert follower.applied_id == changelog.head(conn)
