"""Prometheus metrics on `/metrics`, one registry per app (nothing global, tests stay apart).

Events: accepted, duplicates, rejected by reason (the error code); ingest and HTTP latency
by route template (never by raw path, so names in URLs cannot blow up cardinality);
group-commit sizes; graph size read live from the app's graph.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

from fastapi import FastAPI, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from lineage.errors import LineageError
from lineage.store.writer import Outcome

API_PREFIX = "/api/v1"
INGEST_PATH_PREFIX = API_PREFIX + "/lineage"
_GROUP_BUCKETS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000)


class Metrics:
    """The collector's metrics and the helpers that record them."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.accepted = Counter(
            "lineage_events_accepted", "Events stored (duplicates excluded).", registry=r
        )
        self.duplicates = Counter(
            "lineage_events_duplicate", "Events that repeated an already stored event.", registry=r
        )
        self.rejected = Counter(
            "lineage_events_rejected",
            "Events or bodies rejected, by error code.",
            ["reason"],
            registry=r,
        )
        self.ingest_seconds = Histogram(
            "lineage_ingest_seconds",
            "Ingest request latency, receipt to commit.",
            ["route"],
            registry=r,
        )
        self.group_events = Histogram(
            "lineage_group_commit_events",
            "Events written per group-commit transaction.",
            buckets=_GROUP_BUCKETS,
            registry=r,
        )
        self.http_seconds = Histogram(
            "lineage_http_request_seconds",
            "HTTP request latency by route template.",
            ["method", "route", "status"],
            registry=r,
        )
        self.graph_nodes = Gauge("lineage_graph_nodes", "Nodes in the lineage graph.", registry=r)
        self.graph_edges = Gauge(
            "lineage_graph_edges", "Current dataset/job edges in the lineage graph.", registry=r
        )

    def record_outcomes(self, outcomes: Iterable[Outcome]) -> None:
        """Count what the writer did with each event."""
        for outcome in outcomes:
            if outcome.error is not None:
                self.record_rejection(outcome.error)
            elif outcome.stored:
                self.accepted.inc()
            else:
                self.duplicates.inc()

    def record_rejection(self, error: LineageError, count: int = 1) -> None:
        """Count `count` events rejected for `error`'s reason."""
        self.rejected.labels(reason=error.code).inc(count)

    def record_group(self, events: int) -> None:
        """Observe the size of one committed group."""
        self.group_events.observe(events)

    def track_graph(self, app: FastAPI) -> None:
        """Read the graph size from `app.state.graph` at every scrape."""
        self.graph_nodes.set_function(lambda: _graph_size(app)[0])
        self.graph_edges.set_function(lambda: _graph_size(app)[1])


def _graph_size(app: FastAPI) -> tuple[int, int]:
    graph = getattr(app.state, "graph", None)
    return (0, 0) if graph is None else (len(graph), graph.edge_count())


class TimingMiddleware:
    """Observe each request's latency under its route template once the response is sent."""

    def __init__(self, app: ASGIApp, *, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_with_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_with_status)
        finally:
            self._observe(scope, status, time.perf_counter() - started)

    def _observe(self, scope: Scope, status: int, seconds: float) -> None:
        route = _route_template(scope)
        method = scope["method"]
        self.metrics.http_seconds.labels(method, route, str(status)).observe(seconds)
        if method == "POST" and route.startswith(INGEST_PATH_PREFIX):
            self.metrics.ingest_seconds.labels(route).observe(seconds)


def _route_template(scope: Scope) -> str:
    """The matched route's path template, with the `/api/v1` prefix routers are mounted at."""
    template = getattr(scope.get("route"), "path", None)
    if template is None:
        return "unmatched"
    under_api = scope["path"].startswith(API_PREFIX + "/")
    return API_PREFIX + template if under_api and not template.startswith(API_PREFIX) else template


def install(app: FastAPI, metrics: Metrics) -> None:
    """Serve `/metrics` and time every request."""
    metrics.track_graph(app)
    app.state.metrics = metrics

    text_format = {"text/plain": {"schema": {"type": "string"}}}
    answer: dict[int | str, dict[str, Any]] = {
        200: {"description": "The Prometheus text format", "content": text_format}
    }

    @app.get(
        "/metrics",
        tags=["health"],
        summary="Prometheus metrics",
        response_class=Response,
        responses=answer,
    )
    def prometheus_metrics() -> Response:
        """Metrics in the Prometheus text format."""
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    app.add_middleware(TimingMiddleware, metrics=metrics)
