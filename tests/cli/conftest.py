"""Stores filled with the scenario through the real API, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from lineage.api.app import create_app
from lineage.settings import Settings
from tests.cli.scenario import events
from tests.conftest import Server


async def ingest(url: str, stream: list[dict[str, Any]] | None = None) -> None:
    """Post `stream` (default: the scenario) to a collector app on `url`, one event at a time."""
    app = create_app(Settings(database_url=url))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            for event in events() if stream is None else stream:
                response = await client.post("/api/v1/lineage", json=event)
                assert response.status_code == 201, response.text


@pytest.fixture
def store_url(db_url: str) -> str:
    """A fresh database (SQLite file or PostgreSQL database) holding the scenario."""
    asyncio.run(ingest(db_url))
    return db_url


def _serving(url: str) -> Iterator[str]:
    server = Server(url).start()
    try:
        yield server.wait_ready().url
    finally:
        server.stop()


@pytest.fixture
def collector(store_url: str) -> Iterator[str]:
    """A real `lineage serve` on the scenario's store, ready (graph loaded)."""
    yield from _serving(store_url)


@pytest.fixture
def empty_collector(db_url: str) -> Iterator[str]:
    """A real `lineage serve` on an empty store."""
    yield from _serving(db_url)
