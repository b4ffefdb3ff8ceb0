"""Waiting for an app's in-memory graph before a test compares it."""

from __future__ import annotations

import asyncio
from typing import Any

from lineage.store import changelog


async def caught_up(app: Any) -> None:
    """The graph loads in the background while ingest already answers: wait until it is
    published, then it holds every change this process acknowledged, up to the newest one in
    the change log."""
    follower = app.state.follower
    assert await asyncio.to_thread(follower.wait_loaded, 60)
    with app.state.engine.connect() as conn:
        assert follower.applied_id == changelog.head(conn)
