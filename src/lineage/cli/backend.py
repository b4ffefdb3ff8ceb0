"""Where CLI queries go: a collector over HTTP (`--url`) or a database directly (offline).

Both ends run the same code: the server route and the offline backend call the same
`impact.analyze_request` and `lineage.query` (never FastAPI). Offline, impact analysis runs on the
part of the store downstream of the datasets the request names (`impact_graph`), not on the
whole graph, which only lineage and status build.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import quote

from lineage import ids
from lineage.errors import (
    BadRequest,
    Forbidden,
    LineageError,
    NodeNotFound,
    StoreUnavailable,
    Unauthorized,
)

if TYPE_CHECKING:
    from sqlalchemy import Connection, Engine

    from lineage.graph import LineageGraph

DEFAULT_TIMEOUT_S = 30.0
NAMESPACE_PAGE = 1000  # the most GET /api/v1/namespaces answers at once


class CollectorUnreachable(StoreUnavailable):
    """No collector answers at the URL."""

    code = "collector_unreachable"


class Backend(Protocol):
    """The queries the CLI needs."""

    def impact(self, request: dict[str, Any]) -> dict[str, Any]: ...

    def lineage(self, *, downstream: bool, params: dict[str, Any]) -> dict[str, Any]: ...

    def status(self) -> dict[str, Any]: ...

    def dataset_runs(self, node: str, params: dict[str, Any]) -> dict[str, Any]: ...

    def models_trained_on(self, node: str, *, limit: int) -> dict[str, Any]: ...

    def blast_radius(self, request: dict[str, Any]) -> dict[str, Any]: ...

    def provenance(self, run_id: str, *, limit: int, depth: int) -> dict[str, Any]: ...


def dataset_parts(node: str, namespaces: Collection[str]) -> tuple[str, str]:
    """(namespace, name) of the dataset id `node`, split on the known `namespaces`."""
    kind, rest = ids.split(node)
    found = ids.candidates(rest, namespaces) if kind == "dataset" else []
    if not found:
        raise NodeNotFound(
            f"dataset {node!r} not found (give dataset:<namespace>:<name>)", field="dataset"
        )
    return found[0]


class HttpBackend:
    """A running collector; each request may wait `timeout_s` for connecting and answering,
    and carries `api_key` as a Bearer token (what the collector's key check reads).

    The standard library's http.client, not httpx: a CLI call pays every import, and httpx
    costs ~90 ms of start-up for one request on a kept-alive connection.
    """

    def __init__(
        self, url: str, *, timeout_s: float = DEFAULT_TIMEOUT_S, api_key: str | None = None
    ) -> None:
        from urllib.parse import urlsplit

        self.url = url.rstrip("/")
        self.timeout_s = timeout_s
        self._headers = {"Accept": "application/json"}
        if api_key:
            self._headers["Authorization"] = f"Bearer {api_key}"
        parts = urlsplit(self.url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise BadRequest(f"--url must be http(s)://host[:port], got {url!r}", field="--url")
        self._parts = parts
        self._connection: Any = None
        self._reused = False

    def _connect(self) -> Any:
        import http.client

        if self._connection is None:
            kind = http.client.HTTPSConnection if self._parts.scheme == "https" else None
            self._connection = (kind or http.client.HTTPConnection)(
                self._parts.hostname or "", self._parts.port, timeout=self.timeout_s
            )
        return self._connection

    def call(
        self, method: str, path: str, *, json: Any = None, params: dict[str, Any] | None = None
    ) -> Any:
        """One request's decoded answer; errors come back as the LineageError the server raised."""
        return self.call_with_headers(method, path, json=json, params=params)[0]

    def call_with_headers(
        self, method: str, path: str, *, json: Any = None, params: dict[str, Any] | None = None
    ) -> tuple[Any, dict[str, str]]:
        """One request: its decoded answer and its headers (names in lower case)."""
        import http.client
        import json as json_module
        from urllib.parse import urlencode

        target = self._parts.path + path + (f"?{urlencode(params)}" if params else "")
        headers = dict(self._headers)
        body = None
        if json is not None:
            body = json_module.dumps(json).encode()
            headers["Content-Type"] = "application/json"
        try:
            try:
                status, payload, answered = self._exchange(method, target, body, headers)
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                if not self._reused:
                    raise
                # the server closed the idle kept-alive connection: every call is idempotent
                # (reads, and event posts deduplicated by content), so send it once more
                self.close()
                status, payload, answered = self._exchange(method, target, body, headers)
        except TimeoutError as exc:
            self.close()
            raise CollectorUnreachable(
                f"collector unreachable at {self.url}: no answer within {self.timeout_s:g} s"
                " (ReadTimeout; raise --timeout)"
            ) from exc
        except (OSError, http.client.HTTPException) as exc:
            self.close()
            raise CollectorUnreachable(f"collector unreachable at {self.url} ({exc})") from exc
        if status >= 400:
            raise _error_from(status, payload)
        return (json_module.loads(payload) if payload else None), answered

    def _exchange(
        self, method: str, target: str, body: bytes | None, headers: dict[str, str]
    ) -> tuple[int, bytes, dict[str, str]]:
        self._reused = self._connection is not None
        connection = self._connect()
        # a bytes body goes out in the same send as the headers: no Nagle delay
        connection.request(method, target, body=body, headers=headers)
        response = connection.getresponse()
        answered = {name.lower(): value for name, value in response.getheaders()}
        return response.status, response.read(), answered

    def close(self) -> None:
        """Drop the kept-alive connection (the next call opens a new one)."""
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def impact(self, request: dict[str, Any]) -> dict[str, Any]:
        """POST /api/v1/impact."""
        return dict(self.call("POST", "/api/v1/impact", json=request))

    def lineage(self, *, downstream: bool, params: dict[str, Any]) -> dict[str, Any]:
        """GET /api/v1/lineage/{down,up}stream."""
        path = f"/api/v1/lineage/{'downstream' if downstream else 'upstream'}"
        return dict(self.call("GET", path, params={k: v for k, v in params.items() if v}))

    def status(self) -> dict[str, Any]:
        """GET /readyz (health, graph size) and the counts of GET /api/v1/overview."""
        ready = self.call("GET", "/readyz")
        return {"collector": self.url, **ready, **self.call("GET", "/api/v1/overview")["counts"]}

    def dataset_runs(self, node: str, params: dict[str, Any]) -> dict[str, Any]:
        """GET /api/v1/namespaces/{ns}/datasets/{name}/runs (`node` split on the collector's
        namespaces)."""
        ns, name = dataset_parts(node, self.namespace_names())
        path = f"/api/v1/namespaces/{quote(ns, safe='')}/datasets/{quote(name, safe='')}/runs"
        return dict(self.call("GET", path, params=params))

    def namespace_names(self) -> set[str]:
        """Every namespace the collector knows: GET /api/v1/namespaces, page after page."""
        names: set[str] = set()
        while True:
            params = {"limit": NAMESPACE_PAGE, "offset": len(names)}
            listed = self.call("GET", "/api/v1/namespaces", params=params)
            names.update(n["name"] for n in listed["namespaces"])
            if not listed["namespaces"] or len(names) >= listed["totalCount"]:
                return names

    def models_trained_on(self, node: str, *, limit: int) -> dict[str, Any]:
        """GET /api/v1/models?dataset=."""
        return dict(self.call("GET", "/api/v1/models", params={"dataset": node, "limit": limit}))

    def blast_radius(self, request: dict[str, Any]) -> dict[str, Any]:
        """POST /api/v1/incidents/blast-radius."""
        return dict(self.call("POST", "/api/v1/incidents/blast-radius", json=request))

    def provenance(self, run_id: str, *, limit: int, depth: int) -> dict[str, Any]:
        """GET /api/v1/jobs/runs/{runId}/provenance."""
        path = f"/api/v1/jobs/runs/{quote(run_id, safe='')}/provenance"
        return dict(self.call("GET", path, params={"limit": limit, "depth": depth}))


def _error_from(status: int, payload: bytes) -> LineageError:
    import json

    try:
        body = json.loads(payload)["error"]
        message = str(body["message"])
    except (ValueError, KeyError, TypeError):
        return StoreUnavailable(f"collector answered HTTP {status}")
    if status == 401:
        return Unauthorized(f"{message} (--api-key or LINEAGE_API_KEY)", field=body.get("field"))
    if status == 403:
        return Forbidden(message, field=body.get("field"))
    if status == 404:
        return NodeNotFound(
            message, field=body.get("field") or "", suggestions=body.get("suggestions") or []
        )
    if status >= 500:
        return StoreUnavailable(message)
    return BadRequest(message, field=body.get("field"))


class OfflineBackend:
    """A store read straight from its database, graphs built in this process."""

    def __init__(self, database_url: str) -> None:
        self.engine = open_store(database_url)
        self._graph: LineageGraph | None = None

    @property
    def graph(self) -> LineageGraph:
        """The graph of the whole store, built on first use."""
        if self._graph is None:
            from lineage.follow import build_graph
            from lineage.store.db import unavailable_as_503

            with unavailable_as_503("loading the graph"), self.engine.connect() as conn:
                self._graph = build_graph(conn)
        return self._graph

    def with_connection(self, doing: str, query: Callable[[Connection], Any]) -> dict[str, Any]:
        """`query`'s answer on a connection of the store, as the plain JSON values the
        collector would send; a database that fails meanwhile is one StoreUnavailable
        naming what was being done."""
        import msgspec

        from lineage.store.db import unavailable_as_503

        with unavailable_as_503(doing), self.engine.connect() as conn:
            answer = query(conn)
        return dict(msgspec.to_builtins(answer))

    def impact(self, request: dict[str, Any]) -> dict[str, Any]:
        """The same analysis the server runs, on the part of the store the request touches."""
        from lineage import impact

        return self.with_connection(
            "loading the graph",
            lambda conn: impact.analyze_request(impact_graph(conn, request), conn, request),
        )

    def lineage(self, *, downstream: bool, params: dict[str, Any]) -> dict[str, Any]:
        """The same closure the server answers."""
        import msgspec

        from lineage.query import lineage, names
        from lineage.query import params as checked
        from lineage.query import tags as tagging
        from lineage.store.db import unavailable_as_503

        graph = self.graph
        root = names.resolve(graph, params["nodeId"])
        at = checked.time(params.get("as_of"), "as_of")
        tagged = tagging.parse(params.get("tag"))
        depth = params.get("depth")
        if at is None:
            answer = lineage.directed(
                graph, root, downstream=downstream, depth=depth, kinds=None, limit=1_000_000
            )
        with unavailable_as_503("reading lineage history"), self.engine.connect() as conn:
            if at is not None:
                answer = lineage.directed_as_of(
                    graph, conn, root, downstream=downstream, depth=depth, kinds=None, at=at
                )
            tagging.walk(conn, answer, tagged)
        return dict(msgspec.to_builtins(answer))

    def status(self) -> dict[str, Any]:
        """Graph size and the counts the collector's overview answers."""
        import msgspec

        from lineage.query.browse import counts as browse_counts
        from lineage.store.db import redact

        graph = self.graph  # first: it reports a dead database as a StoreUnavailable
        with self.engine.connect() as conn:
            counts = msgspec.to_builtins(browse_counts(conn))
        return {
            "database": redact(str(self.engine.url.render_as_string(hide_password=False))),
            "status": "ok",
            "graphNodes": len(graph),
            "graphEdges": graph.edge_count(),
            **counts,
        }

    def _dataset_id(self, conn: Connection, node: str) -> int:
        from sqlalchemy import select

        from lineage.store import read
        from lineage.store import schema as s

        known: set[str] = set(conn.execute(select(s.datasets.c.namespace).distinct()).scalars())
        row = read.find_dataset(conn, *dataset_parts(node, known))
        if row is None:
            raise NodeNotFound(f"dataset {node!r} not found", field="dataset")
        return int(row.id)

    def dataset_runs(self, node: str, params: dict[str, Any]) -> dict[str, Any]:
        """The same run history the collector's dataset runs route answers."""
        from lineage.query import params as checked
        from lineage.query import run_history

        return self.with_connection(
            "reading run history",
            lambda conn: run_history.runs_of_dataset(
                conn,
                self._dataset_id(conn, node),
                role=params.get("role"),
                since=checked.time(params.get("since"), "since"),
                until=checked.time(params.get("until"), "until"),
                limit=params["limit"],
                offset=0,
            ),
        )

    def models_trained_on(self, node: str, *, limit: int) -> dict[str, Any]:
        """The same model versions the collector's `/models?dataset=` answers."""
        from lineage.query import ml

        return self.with_connection(
            "reading run history",
            lambda conn: ml.trained_on(
                conn, self._dataset_id(conn, node), node, limit=limit, offset=0
            ),
        )

    def blast_radius(self, request: dict[str, Any]) -> dict[str, Any]:
        """The same blast radius the collector's incidents route answers."""
        from lineage.query import incidents

        return self.with_connection(
            "reading run history", lambda conn: incidents.blast_radius(conn, **request)
        )

    def provenance(self, run_id: str, *, limit: int, depth: int) -> dict[str, Any]:
        """The same provenance the collector's run provenance route answers."""
        from lineage.query import incidents

        return self.with_connection(
            "reading run history",
            lambda conn: incidents.run_provenance(conn, run_id, limit=limit, depth=depth),
        )


def open_store(database_url: str) -> Engine:
    """The store at `database_url`, read-only, after checking it is a current lineage store.

    Nothing is created: a missing SQLite file, a missing database, an empty or outdated
    schema are each one StoreUnavailable naming the problem.
    """
    from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError

    from lineage.store.db import make_engine, redact
    from lineage.store.migrate import check_current

    try:
        engine = make_engine(database_url, read_only=True)
    except (ArgumentError, ValueError) as exc:
        raise BadRequest(f"--database-url is not a database URL: {exc}") from exc
    except (ImportError, NoSuchModuleError) as exc:  # a dialect or driver we do not ship
        raise BadRequest(
            f"--database-url {redact(database_url)}: a store is sqlite:///FILE or "
            "postgresql+psycopg://..."
        ) from exc
    try:
        check_current(engine)
    except DBAPIError as exc:
        engine.dispose()
        reason = str(exc.orig or exc).strip().splitlines()[0]
        raise StoreUnavailable(
            f"cannot open the store at {redact(database_url)}: {reason}"
        ) from exc
    except LineageError:
        engine.dispose()
        raise
    return engine


def impact_graph(conn: Connection, request: dict[str, Any]) -> LineageGraph:
    """A graph on which `impact.analyze_request(graph, conn, request)` answers as on the
    graph of the whole store: the part downstream of the datasets the request may name, or
    the whole store when resolving it needs every dataset's name (an unknown dataset)."""
    from lineage.graph import LineageGraph
    from lineage.impact_targets import scope
    from lineage.store.subgraph import downstream_snapshot

    found = scope(conn, request)
    if found is None:
        from lineage.follow import build_graph  # not at the top: its imports cost ~40 ms

        return build_graph(conn)
    graph = LineageGraph.from_snapshot(downstream_snapshot(conn, found.datasets))
    # node ids are split on the namespaces the whole graph knows, not only those of its part
    graph.namespaces.update(found.namespaces)
    return graph


def open_backend(
    url: str | None,
    database_url: str | None,
    *,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    api_key: str | None = None,
) -> Backend:
    """Offline when a database URL is given, else the collector at `url`."""
    if database_url:
        return OfflineBackend(database_url)
    assert url is not None, "the caller resolves the collector URL (cli.common.collector_url)"
    return HttpBackend(url, timeout_s=timeout_s, api_key=api_key)
