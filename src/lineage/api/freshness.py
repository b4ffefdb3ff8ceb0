"""Replica wiring for the app: the change follower, and how fresh an answer is.

Every GET answered while the graph is loaded carries `X-Lineage-Applied-Id`: the highest
change-log id this replica had applied when the request arrived, so the answer reflects at
least every change up to it (a lower id still in flight on another replica may come later).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from lineage.errors import GraphLoading
from lineage.follow import ChangeFollower
from lineage.graph import LineageGraph
from lineage.settings import Settings
from lineage.store.writer import GroupCommitWriter

APPLIED_ID_HEADER = "X-Lineage-Applied-Id"


def start_replica(
    app: FastAPI, engine: Any, settings: Settings, **writer_options: Any
) -> GroupCommitWriter:
    """Start loading the graph in the background and return a writer that logs changes.

    Ingest works at once; queries answer 503 `graph_loading` until `app.state.graph` is set.
    `writer_options` go to the `GroupCommitWriter` as they are.
    """

    def loaded(graph: LineageGraph) -> None:
        app.state.graph = graph

    app.state.graph = None
    follower = ChangeFollower(
        engine,
        interval_ms=settings.graph_follow_interval_ms,
        gap_grace_ms=settings.graph_follow_gap_grace_ms,
        on_loaded=loaded,
    )
    app.state.follower = follower
    follower.start()
    return GroupCommitWriter(
        engine,
        origin=follower.replica_id,
        on_commit=follower.apply_own,
        max_events=settings.group_commit_max_events,
        **writer_options,
    )


def readiness(app: FastAPI) -> dict[str, Any]:
    """The graph and change-log part of `/readyz`; GraphLoading while the graph loads."""
    follower: ChangeFollower = app.state.follower
    graph = follower.graph
    if graph is None:
        raise GraphLoading("the lineage graph is still loading; retry shortly")
    return {
        "graphNodes": len(graph),
        "graphEdges": graph.edge_count(),
        "replica": follower.replica_id,
        "appliedChangeId": follower.applied_id,
        "pendingChangeIds": follower.pending_ids,
    }


class AppliedIdHeader:
    """ASGI middleware adding the applied change-log id to GET answers."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Note the applied id when the request arrives; add it to the response head."""
        follower = getattr(scope["app"].state, "follower", None) if "app" in scope else None
        if (
            scope["type"] == "http"
            and scope["method"] == "GET"
            and isinstance(follower, ChangeFollower)
        ):
            send = _with_applied_id(send, follower)
        await self.app(scope, receive, send)


def _with_applied_id(send: Send, follower: ChangeFollower) -> Send:
    if follower.graph is None:
        return send
    header = (APPLIED_ID_HEADER.lower().encode(), str(follower.applied_id).encode())

    async def send_with_id(message: Message) -> None:
        if message["type"] == "http.response.start":
            message = {**message, "headers": [*message.get("headers", []), header]}
        await send(message)

    return send_with_id
