"""The real openlineage-python client, emitting into a list: its events (with the tags,
environment variables and other facets its configuration adds) are then posted to a
collector as they would have been over HTTP."""

from __future__ import annotations

from typing import Any

import httpx
import orjson
from openlineage.client import OpenLineageClient, constants
from openlineage.client.serde import Serde
from openlineage.client.transport import Transport

PRODUCER = "https://example.com/lineage-tests"
VERSION = constants.__version__  # the client adds it to every run as a tag


class Captured(Transport):
    """A transport keeping each event's JSON, as the client serializes it."""

    kind = "captured"

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []

    def emit(self, event: Any) -> None:
        self.events.append(orjson.loads(Serde.to_json(event)))


def client(config: dict[str, Any] | None = None) -> tuple[OpenLineageClient, Captured]:
    """A client with `config` (tags, facets...) whose events land in the returned list."""
    captured = Captured()
    ol = OpenLineageClient(transport=captured, config=config or {})
    return ol, captured


async def post(collector: httpx.AsyncClient, captured: Captured) -> None:
    """Send what the client emitted (and forget it), as one batch; 204 expected."""
    response = await collector.post("/api/v1/lineage/batch", content=orjson.dumps(captured.events))
    assert response.status_code == 204, response.text
    captured.events.clear()
