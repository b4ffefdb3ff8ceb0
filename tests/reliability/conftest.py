"""Fixtures for the reliability tests: in-process apps built from custom settings."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import httpx
import pytest

from lineage.api.app import create_app
from lineage.settings import Settings
from tests.conftest import Server

AppClient = Callable[..., AbstractAsyncContextManager[httpx.AsyncClient]]


async def wait_ready(client: httpx.AsyncClient, *, timeout_s: float = 30.0) -> None:
    """Wait until /readyz answers 200 (the graph loads in the background at start-up)."""
    deadline = time.monotonic() + timeout_s
    while (await client.get("/readyz")).status_code != 200:
        assert time.monotonic() < deadline, "collector not ready in time"
        await asyncio.sleep(0.05)


@pytest.fixture
def app_client(sqlite_url: str) -> AppClient:
    """Open an in-process client of an app with extra settings (SQLite unless given a URL)."""

    @asynccontextmanager
    async def open_client(**overrides: Any) -> AsyncIterator[httpx.AsyncClient]:
        app = create_app(Settings(**{"database_url": sqlite_url, **overrides}))
        transport = httpx.ASGITransport(app=app)
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=transport, base_url="http://test") as client,
        ):
            await wait_ready(client)
            yield client

    return open_client


@pytest.fixture
def server_with_keys(sqlite_url: str) -> Iterator[str]:
    """A real collector (uvicorn subprocess) with API keys on; yields its base URL."""
    env = {"LINEAGE_API_KEYS": "both-key,reader-key:read,writer-key:write"}
    server = Server(sqlite_url, env=env).start()
    try:
        yield server.url
    finally:
        server.stop()
