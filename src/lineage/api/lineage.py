"""Lineage queries: Marquez's `/lineage` and `/column-lineage`, and our directed
upstream / downstream / path / hierarchy endpoints."""

from __future__ import annotations

import difflib
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from sqlalchemy import Engine

from lineage import ids
from lineage.api.deps import ConnDep, EngineDep, GraphDep
from lineage.api.errors import FastJSONResponse
from lineage.api.paths import restore
from lineage.errors import BadRequest, NodeNotFound
from lineage.events import parse_time
from lineage.graph import DROPPED, INCOMPLETE, LineageGraph
from lineage.store import history, read
from lineage.store.changes import NodeKey
from lineage.store.db import unavailable_as_503

router = APIRouter(tags=["lineage"])

NodeIdQuery = Annotated[
    str | None,
    Query(alias="nodeId", description="dataset:<ns>:<name>, job:<ns>:<name> or datasetField:..."),
]
Depth = Annotated[int | None, Query(ge=0, le=10_000, description="Hops; default unlimited.")]


# --- resolving ids -----------------------------------------------------------------------------


def resolve(
    graph: LineageGraph,
    node_id: str | None,
    namespace: str | None = None,
    name: str | None = None,
    kind: str | None = None,
) -> int:
    """The graph node named by a node id, or by namespace + name (+ type)."""
    if node_id is None:
        if namespace is None or name is None:
            raise BadRequest("give nodeId, or namespace and name", field="nodeId")
        kinds = [kind.lower()] if kind else ["dataset", "job"]
        for k in kinds:
            node = graph.find((k, namespace, name))
            if node is not None:
                return node
        raise _not_found(graph, f"{kinds[0]}:{namespace}:{name}", name)
    kind_part, rest = ids.split(node_id)
    if kind_part not in ("dataset", "job"):
        raise BadRequest(f"nodeId {node_id!r} must name a dataset or a job here", field="nodeId")
    for ns, nm in ids.candidates(rest, graph.namespaces):
        node = graph.find((kind_part, ns, nm))
        if node is not None:
            return node
    raise _not_found(graph, node_id, rest)


def _not_found(graph: LineageGraph, node_id: str, name: str) -> NodeNotFound:
    return NodeNotFound(f"node {node_id!r} not found", suggestions=suggest(graph, name))


def suggest(graph: LineageGraph, text: str, *, limit: int = 5) -> list[str]:
    """The closest existing node ids to `text` (by name)."""
    pool: dict[str, str] = {}
    for key in graph.keys():
        pool.setdefault(key[2], ids.format_id(*key))
        if len(pool) > 50_000:
            break
    needle = text.rsplit(":", 1)[-1]
    names = difflib.get_close_matches(needle, list(pool), n=limit, cutoff=0.5)
    return [pool[n] for n in names]


def node_summary(graph: LineageGraph, node: int) -> dict[str, Any]:
    """What every answer says about a node."""
    kind, namespace, name = graph.key(node)
    flags = graph.flags(node)
    out: dict[str, Any] = {
        "id": ids.format_id(kind, namespace, name),
        "type": "JOB" if kind == "job" else "DATASET",
        "kind": graph.kind(node),
        "namespace": namespace,
        "name": name,
    }
    if flags & DROPPED:
        out["dropped"] = True
    if flags & INCOMPLETE:
        out["lineageIncomplete"] = True
    parent = graph.parent(node)
    if parent is not None:
        out["parent"] = ids.format_id(*graph.key(parent))
    return out


def _key_summary(key: NodeKey) -> dict[str, Any]:
    kind, namespace, name = key
    return {
        "id": ids.format_id(kind, namespace, name),
        "type": "JOB" if kind == "job" else "DATASET",
        "namespace": namespace,
        "name": name,
    }


# --- directed queries --------------------------------------------------------------------------


def directed(
    graph: LineageGraph,
    engine: Engine,
    *,
    downstream: bool,
    node_id: str | None,
    namespace: str | None,
    name: str | None,
    type_: str | None,
    depth: int | None,
    as_of: str | None,
    kinds: str | None,
    limit: int,
) -> dict[str, Any]:
    """Upstream or downstream closure, from the graph (now) or from SQL (as_of).

    The store is only touched for `as_of`, so the usual query takes no connection.
    """
    wanted = {k.strip().lower() for k in kinds.split(",")} if kinds else None
    if as_of is not None:
        with unavailable_as_503("reading lineage history"), engine.connect() as conn:
            return _directed_as_of(
                graph, conn, downstream, node_id, namespace, name, type_, depth, as_of, wanted
            )
    with graph.lock:  # only the walk iterates adjacency dicts the writer may be changing
        root = resolve(graph, node_id, namespace, name, type_)
        walk = graph.walk(root, downstream=downstream, depth=depth, max_nodes=limit)
    nodes = []
    kept: dict[int, str] = {}  # node -> its id, so each id is written once
    for node, d in walk.depths.items():
        if wanted is None or graph.kind(node) in wanted or node == root:
            summary = node_summary(graph, node)
            summary["depth"] = d
            nodes.append(summary)
            kept[node] = summary["id"]
    edges = [{"from": kept[a], "to": kept[b]} for a, b in walk.edges if a in kept and b in kept]
    return {
        "root": kept[root],
        "direction": "downstream" if downstream else "upstream",
        "nodes": nodes,
        "edges": edges,
        "truncated": walk.truncated,
        "incomplete": walk.incomplete,
        "asOf": None,
    }


def _directed_as_of(
    graph: LineageGraph,
    conn: Any,
    downstream: bool,
    node_id: str | None,
    namespace: str | None,
    name: str | None,
    type_: str | None,
    depth: int | None,
    as_of: str,
    wanted: set[str] | None,
) -> dict[str, Any]:
    at = _query_time(as_of, "as_of")
    with graph.lock:
        root_key = graph.key(resolve(graph, node_id, namespace, name, type_))
    depths, edges, truncated = history.walk_as_of(
        conn, root_key, downstream=downstream, as_of=at, depth=depth
    )
    nodes = []
    for key, d in depths.items():
        if wanted is None or key[0] in wanted or key == root_key:
            nodes.append({**_key_summary(key), "depth": d})
    kept = {n["id"] for n in nodes}
    pairs = [(ids.format_id(*a), ids.format_id(*b)) for a, b in edges]
    return {
        "root": ids.format_id(*root_key),
        "direction": "downstream" if downstream else "upstream",
        "nodes": nodes,
        "edges": [{"from": a, "to": b} for a, b in pairs if a in kept and b in kept],
        "truncated": truncated,
        "incomplete": False,
        "asOf": read.iso(at),
    }


def _query_time(value: str, name: str) -> Any:
    from lineage.errors import InvalidEvent

    try:
        return parse_time(value, name, required=True)
    except InvalidEvent as exc:
        raise BadRequest(exc.message, field=name) from exc


def _directed_route(downstream: bool) -> Any:
    def route(
        graph: GraphDep,
        engine: EngineDep,
        node_id: NodeIdQuery = None,
        namespace: str | None = None,
        name: str | None = None,
        type: Literal["DATASET", "JOB", "dataset", "job"] | None = None,
        depth: Depth = None,
        as_of: Annotated[
            str | None, Query(description="RFC 3339 time: lineage as it was then.")
        ] = None,
        kinds: Annotated[str | None, Query(description="Comma list: dataset,job,model.")] = None,
        limit: Annotated[int, Query(ge=1, le=1_000_000)] = 100_000,
    ) -> FastJSONResponse:
        # Rendered straight by orjson: letting FastAPI re-validate a plain dict of thousands
        # of nodes cost more CPU than the traversal itself (benchmarks/graph.py).
        answer = directed(
            graph,
            engine,
            downstream=downstream,
            node_id=node_id,
            namespace=namespace,
            name=name,
            type_=type,
            depth=depth,
            as_of=as_of,
            kinds=kinds,
            limit=limit,
        )
        return FastJSONResponse(answer)

    route.__doc__ = f"Every node {'downstream' if downstream else 'upstream'} of a node."
    return route


router.add_api_route(
    "/lineage/downstream", _directed_route(True), methods=["GET"], summary="Downstream closure"
)
router.add_api_route(
    "/lineage/upstream", _directed_route(False), methods=["GET"], summary="Upstream closure"
)


@router.get("/lineage/path", summary="Lineage paths between two nodes")
def lineage_path(
    graph: GraphDep,
    source: Annotated[str, Query(alias="from")],
    target: Annotated[str, Query(alias="to")],
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
) -> dict[str, Any]:
    """Shortest downstream paths from `from` to `to` (tries the reverse direction too)."""
    with graph.lock:
        a, b = resolve(graph, source), resolve(graph, target)
        paths = graph.path(a, b, limit=limit)
        direction = "downstream"
        if not paths:
            paths, direction = graph.path(b, a, limit=limit), "upstream"
        return {
            "from": ids.format_id(*graph.key(a)),
            "to": ids.format_id(*graph.key(b)),
            "direction": direction if paths else None,
            "paths": [[ids.format_id(*graph.key(n)) for n in p] for p in paths],
        }


# --- Marquez-compatible ------------------------------------------------------------------------


@router.get("/lineage", summary="Marquez-style lineage neighbourhood")
def lineage(
    graph: GraphDep,
    conn: ConnDep,
    node_id: Annotated[str, Query(alias="nodeId")],
    depth: Annotated[int, Query(ge=0, le=100)] = 20,
) -> dict[str, Any]:
    """Every node within `depth` hops in either direction, with in/out edges (Marquez shape)."""
    with graph.lock:
        root = resolve(graph, node_id)
        nodes = graph.neighbourhood(root, depth=depth)
        ordered = sorted(nodes, key=graph.key)
        graph_out = []
        job_nodes = [n for n in ordered if graph.kind(n) == "job"]
        for node in ordered:
            node_ref = ids.format_id(*graph.key(node))
            graph_out.append(
                {
                    "id": node_ref,
                    "type": "JOB" if graph.kind(node) == "job" else "DATASET",
                    "data": node_summary(graph, node),
                    "inEdges": [
                        {"origin": ids.format_id(*graph.key(p)), "destination": node_ref}
                        for p in sorted(graph.in_edges(node), key=graph.key)
                        if p in nodes
                    ],
                    "outEdges": [
                        {"origin": node_ref, "destination": ids.format_id(*graph.key(s))}
                        for s in sorted(graph.out_edges(node), key=graph.key)
                        if s in nodes
                    ],
                }
            )
        job_keys = {graph.key(n) for n in job_nodes}
    _add_latest_runs(conn, graph_out, job_keys)
    return {"graph": graph_out}


def _add_latest_runs(conn: Any, graph_out: list[dict[str, Any]], job_keys: set[NodeKey]) -> None:
    if not job_keys or len(job_keys) > 2000:
        return
    rows = {
        (r.namespace, r.name): r.id
        for r in (read.find_job(conn, ns, nm) for _, ns, nm in job_keys)
        if r
    }
    latest = read.latest_runs(conn, list(rows.values()))
    by_id = {v: k for k, v in rows.items()}
    states = {by_id[j]: r.state for j, r in latest.items()}
    for entry in graph_out:
        data = entry["data"]
        if entry["type"] == "JOB":
            data["latestRunState"] = states.get((data["namespace"], data["name"]))


@router.get("/column-lineage", summary="Marquez-style column lineage")
def column_lineage(
    graph: GraphDep,
    node_id: Annotated[str, Query(alias="nodeId")],
    depth: Annotated[int, Query(ge=0, le=100)] = 20,
    withDownstream: bool = False,
) -> dict[str, Any]:
    """Fields feeding a dataset's (or one field's) columns, and optionally those they feed."""
    with graph.lock:
        roots = _field_roots(graph, node_id)
        depths, edges = graph.column_walk(roots, downstream=False, depth=depth)
        if withDownstream:
            down_depths, down_edges = graph.column_walk(roots, downstream=True, depth=depth)
            depths.update({k: v for k, v in down_depths.items() if k not in depths})
            edges += down_edges
        return {"graph": _column_graph(graph, depths, edges)}


def _field_roots(graph: LineageGraph, node_id: str) -> list[int]:
    kind, rest = ids.split(node_id)
    if kind == "dataset":
        dataset = resolve(graph, node_id)
        return [
            f
            for name in graph.fields_of(dataset)
            if (f := graph.find_field(dataset, name)) is not None
        ]
    if kind != "datasetField":
        raise BadRequest("column lineage needs a dataset or datasetField nodeId", field="nodeId")
    for ns, name_field in ids.candidates(rest, graph.namespaces):
        parts = ids.split_field(name_field)
        if parts is None:
            continue
        found = graph.find(("dataset", ns, parts[0]))
        if found is not None:
            dataset = found
            field = graph.find_field(dataset, parts[1])
            if field is None:
                raise NodeNotFound(
                    f"field {parts[1]!r} of dataset {parts[0]!r} has no column lineage",
                    suggestions=[
                        ids.format_id("datasetField", ns, parts[0], f)
                        for f in graph.fields_of(dataset)
                    ][:10],
                )
            return [field]
    raise _not_found(graph, node_id, rest)


def _column_graph(
    graph: LineageGraph,
    depths: dict[int, int],
    edges: list[tuple[int, int, set[tuple[int, str, str | None]]]],
) -> list[dict[str, Any]]:
    def fid(field: int) -> tuple[str, str, str, str]:
        dataset, name = graph.field_key(field)
        _, ns, ds_name = graph.key(dataset)
        return ids.format_id("datasetField", ns, ds_name, name), ns, ds_name, name

    inputs: dict[int, list[dict[str, Any]]] = {}
    in_edges: dict[int, set[int]] = {}
    out_edges: dict[int, set[int]] = {}
    for a, b, transforms in edges:
        in_edges.setdefault(b, set()).add(a)
        out_edges.setdefault(a, set()).add(b)
        _, ns, ds_name, name = fid(a)
        for job, kind, subtype in sorted(transforms, key=lambda t: (t[1], t[2] or "")):
            entry = {
                "namespace": ns,
                "dataset": ds_name,
                "field": name,
                "transformationType": kind,
                "transformationSubtype": subtype,
                "job": ids.format_id(*graph.key(job)),
            }
            if entry not in inputs.setdefault(b, []):
                inputs[b].append(entry)
    out = []
    for field in sorted(depths, key=lambda f: fid(f)[0]):
        node_ref, ns, ds_name, name = fid(field)
        out.append(
            {
                "id": node_ref,
                "type": "DATASET_FIELD",
                "data": {
                    "namespace": ns,
                    "dataset": ds_name,
                    "field": name,
                    "inputFields": inputs.get(field, []),
                },
                "inEdges": [
                    {"origin": fid(a)[0], "destination": node_ref}
                    for a in sorted(in_edges.get(field, ()))
                ],
                "outEdges": [
                    {"origin": node_ref, "destination": fid(b)[0]}
                    for b in sorted(out_edges.get(field, ()))
                ],
            }
        )
    return out


# --- job hierarchy -----------------------------------------------------------------------------


@router.get("/jobs/{namespace}/{job:path}/children", summary="The DAG / task / query hierarchy")
def job_children(graph: GraphDep, conn: ConnDep, namespace: str, job: str) -> dict[str, Any]:
    """Child jobs (recursively) with the latest run state of each."""
    namespace, job = restore(namespace), restore(job)
    with graph.lock:
        root = graph.find(("job", namespace, job))
        if root is None:
            raise _not_found(graph, ids.format_id("job", namespace, job), job)
        tree = _subtree(graph, root, set())
    rows = {}
    for key in _tree_keys(tree):
        row = read.find_job(conn, key[1], key[2])
        if row is not None:
            rows[key] = row.id
    latest = read.latest_runs(conn, list(rows.values()))
    _fill_runs(tree, rows, latest)
    return {"job": tree["node"], "children": tree["children"]}


def _subtree(graph: LineageGraph, node: int, seen: set[int]) -> dict[str, Any]:
    seen.add(node)
    kind, ns, name = graph.key(node)
    return {
        "node": {"namespace": ns, "name": name, "nodeId": ids.format_id(kind, ns, name)},
        "key": (kind, ns, name),
        "children": [_subtree(graph, c, seen) for c in graph.children(node) if c not in seen],
    }


def _tree_keys(tree: dict[str, Any]) -> list[NodeKey]:
    out = [tree["key"]]
    for child in tree["children"]:
        out += _tree_keys(child)
    return out


def _fill_runs(tree: dict[str, Any], rows: dict[NodeKey, int], latest: dict[int, Any]) -> None:
    children = []
    for child in tree["children"]:
        _fill_runs(child, rows, latest)
        run = latest.get(rows.get(child["key"], -1))
        children.append(
            {
                **child["node"],
                "latestRun": (
                    {
                        "id": run.id,
                        "state": run.state,
                        "startedAt": read.iso(run.started_at),
                        "endedAt": read.iso(run.ended_at),
                    }
                    if run is not None
                    else None
                ),
                "children": child["children"],
            }
        )
    tree["children"] = children
