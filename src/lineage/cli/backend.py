"""Where CLI queries go: a collector over HTTP (`--url`) or a database directly (offline).

Both ends run the same code: the server route and the offline backend call the same
`impact.analyze_request` and `api.lineage.directed`.
"""

from __future__ import annotations

import socket
from typing import Any, Protocol

from lineage.errors import BadRequest, LineageError, NodeNotFound, StoreUnavailable

DEFAULT_URL = "http://127.0.0.1:5000"
DEFAULT_TIMEOUT_S = 30.0


class CollectorUnreachable(StoreUnavailable):
    """No collector answers at the URL."""

    code = "collector_unreachable"


class Backend(Protocol):
    """The queries the CLI needs."""

    def impact(self, request: dict[str, Any]) -> dict[str, Any]: ...

    def lineage(self, *, downstream: bool, params: dict[str, Any]) -> dict[str, Any]: ...

    def status(self) -> dict[str, Any]: ...


class HttpBackend:
    """A running collector; each request may wait `timeout_s` for connecting and answering."""

    def __init__(self, url: str, *, timeout_s: float = DEFAULT_TIMEOUT_S) -> None:
        import httpx

        self.url = url.rstrip("/")
        self.timeout_s = timeout_s
        # TCP_NODELAY: httpx writes a POST's headers and body apart; Nagle + delayed ACK
        # would hold the body back ~40 ms on every request
        transport = httpx.HTTPTransport(
            socket_options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)]
        )
        self.client = httpx.Client(base_url=self.url, timeout=timeout_s, transport=transport)

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        """One request; errors come back as the LineageError the server raised."""
        import httpx

        try:
            response = self.client.request(method, path, **kwargs)
        except httpx.TimeoutException as exc:
            raise CollectorUnreachable(
                f"collector unreachable at {self.url}: no answer within {self.timeout_s:g} s"
                f" ({type(exc).__name__}; raise --timeout)"
            ) from exc
        except httpx.TransportError as exc:
            raise CollectorUnreachable(f"collector unreachable at {self.url} ({exc})") from exc
        if response.status_code >= 400:
            raise _error_from(response)
        return response.json() if response.content else None

    def impact(self, request: dict[str, Any]) -> dict[str, Any]:
        """POST /api/v1/impact."""
        return dict(self.call("POST", "/api/v1/impact", json=request))

    def lineage(self, *, downstream: bool, params: dict[str, Any]) -> dict[str, Any]:
        """GET /api/v1/lineage/{down,up}stream."""
        path = f"/api/v1/lineage/{'downstream' if downstream else 'upstream'}"
        return dict(self.call("GET", path, params={k: v for k, v in params.items() if v}))

    def status(self) -> dict[str, Any]:
        """GET /readyz."""
        return {"collector": self.url, **self.call("GET", "/readyz")}


def _error_from(response: Any) -> LineageError:
    try:
        body = response.json()["error"]
        message = str(body["message"])
    except (ValueError, KeyError, TypeError):
        return StoreUnavailable(f"collector answered HTTP {response.status_code}")
    if response.status_code == 404:
        return NodeNotFound(message, suggestions=body.get("suggestions") or [])
    if response.status_code >= 500:
        return StoreUnavailable(message)
    return BadRequest(message, field=body.get("field"))


class OfflineBackend:
    """A store read straight from its database, graph built in this process."""

    def __init__(self, database_url: str) -> None:
        from lineage.api.app import load_graph
        from lineage.store.db import make_engine, unavailable_as_503

        self.engine = make_engine(database_url)
        with unavailable_as_503("loading the graph"):
            self.graph = load_graph(self.engine)

    def impact(self, request: dict[str, Any]) -> dict[str, Any]:
        """The same analysis the server runs."""
        from lineage import impact

        with self.engine.connect() as conn:
            return impact.analyze_request(self.graph, conn, request)

    def lineage(self, *, downstream: bool, params: dict[str, Any]) -> dict[str, Any]:
        """The same closure the server answers."""
        from lineage.api.lineage import directed

        return directed(
            self.graph,
            self.engine,
            downstream=downstream,
            node_id=params["nodeId"],
            namespace=None,
            name=None,
            type_=None,
            depth=params.get("depth"),
            as_of=params.get("as_of"),
            kinds=None,
            limit=1_000_000,
        )

    def status(self) -> dict[str, Any]:
        """Graph size and row counts."""
        from lineage.store import read
        from lineage.store.db import redact

        with self.engine.connect() as conn:
            counts = read.counts(conn)
        return {
            "database": redact(str(self.engine.url.render_as_string(hide_password=False))),
            "status": "ok",
            "graphNodes": len(self.graph),
            "graphEdges": self.graph.edge_count(),
            **counts,
        }


def open_backend(
    url: str | None, database_url: str | None, *, timeout_s: float = DEFAULT_TIMEOUT_S
) -> Backend:
    """Offline when a database URL is given, else the collector at `url`."""
    if database_url:
        return OfflineBackend(database_url)
    return HttpBackend(url or DEFAULT_URL, timeout_s=timeout_s)
