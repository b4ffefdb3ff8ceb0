"""Stores filled with the scenario through the real API, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import create_engine, text

from lineage.api.app import create_app
from lineage.settings import Settings
from tests.cli.scenario import events

PG = "postgresql+psycopg://postgres@127.0.0.1:5432"


async def _ingest(url: str) -> None:
    app = create_app(Settings(database_url=url))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            for event in events():
                response = await client.post("/api/v1/lineage", json=event)
                assert response.status_code == 201, response.text


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """A fresh database holding the scenario."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'lineage.db'}"
        asyncio.run(_ingest(url))
        yield url
        return
    name = f"cli_{uuid.uuid4().hex[:12]}"
    admin = create_engine(f"{PG}/test", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        asyncio.run(_ingest(f"{PG}/{name}"))
        yield f"{PG}/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()
