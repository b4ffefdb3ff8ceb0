"""Stores filled with the scenario through the real API, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from lineage.api.app import create_app
from lineage.settings import Settings
from tests.cli.scenario import events


async def _ingest(url: str) -> None:
    app = create_app(Settings(database_url=url))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            for event in events():
                response = await client.post("/api/v1/lineage", json=event)
                assert response.status_code == 201, response.text


@pytest.fixture
def store_url(db_url: str) -> str:
    """A fresh database (SQLite file or PostgreSQL database) holding the scenario."""
    asyncio.run(_ingest(db_url))
    return db_url
