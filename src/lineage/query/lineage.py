"""Lineage queries over the in-memory graph (and the edge history for `as_of`).

Queries never hold the graph's lock themselves: the graph's traversals take it in short
spells while they collect plain ints, and the answer is built and the store read without
it, so the writer's graph update never waits for SQL, answer building or suggestions.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime
from operator import attrgetter

from sqlalchemy import Connection

from lineage import ids
from lineage.graph import DROPPED, INCOMPLETE, JOB, MODEL, LineageGraph, Transformation
from lineage.query import marquez
from lineage.query import types as t
from lineage.store import history, read
from lineage.store.changes import NodeKey

_ID, _DEPTH = attrgetter("id"), attrgetter("depth")
MAX_TREE_DEPTH = 100  # levels of a job hierarchy an answer nests (deeper: childrenTruncated)

# The positional fields of `types.NodeFields`: id, type, kind, namespace, name, dropped,
# lineage_incomplete, parent
Fields = tuple[str, t.TypeName, t.KindName, str, str, bool, bool, str | None]


_FLAG_MASK = JOB | MODEL | DROPPED | INCOMPLETE
# (type, kind, dropped, lineageIncomplete) of a node, by its flag bits: one lookup per node
_FLAG_FIELDS: list[tuple[t.TypeName, t.KindName, bool, bool]] = [
    (
        "JOB" if bits & JOB else "DATASET",
        "job" if bits & JOB else ("model" if bits & MODEL else "dataset"),
        bool(bits & DROPPED),
        bool(bits & INCOMPLETE),
    )
    for bits in range(_FLAG_MASK + 1)
]


def _node_id(graph: LineageGraph, node: int) -> str:
    return ids.format_id(*graph.key(node))


def node_fields(graph: LineageGraph, node: int) -> Fields:
    """The positional fields of `NodeFields` for a graph node."""
    kind, namespace, name = graph.key(node)
    type_name, kind_name, dropped, incomplete = _FLAG_FIELDS[graph.flags(node) & _FLAG_MASK]
    parent = graph.parent(node)
    return (
        f"{kind}:{namespace}:{name}",
        type_name,
        kind_name,
        namespace,
        name,
        dropped,
        incomplete,
        _node_id(graph, parent) if parent is not None else None,
    )


def _key_fields(graph: LineageGraph, key: NodeKey) -> Fields:
    """`NodeFields` for a key of the edge history: the graph's current flags when it still
    holds the node, plain otherwise."""
    node = graph.find(key)
    if node is not None and graph.key(node) == key:
        return node_fields(graph, node)
    _, namespace, name = key
    if key[0] == "job":
        return (ids.format_id(*key), "JOB", "job", namespace, name, False, False, None)
    return (ids.format_id(*key), "DATASET", "dataset", namespace, name, False, False, None)


# --- directed walks ----------------------------------------------------------------------------


def directed(
    graph: LineageGraph,
    root: int,
    *,
    downstream: bool,
    depth: int | None,
    kinds: Collection[str] | None,
    limit: int,
) -> t.DirectedLineage:
    """Upstream or downstream closure of `root` in the current graph.

    `kinds` keeps only nodes of those kinds (the root always stays) and the edges between
    the nodes kept.
    """
    walk = graph.walk(root, downstream=downstream, depth=depth, max_nodes=limit)
    depths = walk.depths
    nodes = []
    kept: dict[int, str] = {}  # node -> its id, so each id is written once
    parents: dict[int, str] = {}  # parent ids repeat (every task of a DAG): written once
    # the hot loop of the most common query: NodeFields built inline, not by node_fields
    for node, (kind_part, namespace, name), flags, parent in graph.describe(depths):
        type_name, kind, dropped, incomplete = _FLAG_FIELDS[flags & _FLAG_MASK]
        if kinds is not None and kind not in kinds and node != root:
            continue
        parent_id = None
        if parent is not None:
            parent_id = parents.get(parent)
            if parent_id is None:
                parent_id = parents[parent] = _node_id(graph, parent)
        node_ref = kept[node] = f"{kind_part}:{namespace}:{name}"
        nodes.append(
            t.WalkNode(
                node_ref,
                type_name,
                kind,
                namespace,
                name,
                dropped,
                incomplete,
                parent_id,
                depths[node],
            )
        )
    if len(kept) == len(depths) and not walk.truncated:  # every edge joins two kept nodes
        edges = [(kept[a], kept[b]) for a, b in walk.edges]
    else:
        edges = [(kept[a], kept[b]) for a, b in walk.edges if a in kept and b in kept]
    return _walk_answer(kept[root], downstream, nodes, edges, walk.truncated, walk.incomplete, None)


def _walk_answer(
    root: str,
    downstream: bool,
    nodes: list[t.WalkNode],
    edges: list[tuple[str, str]],
    truncated: bool,
    incomplete: bool,
    at: str | None,
) -> t.DirectedLineage:
    """A walk's answer with its nodes by depth then id and its edges by their ends' ids: the
    walk itself meets them in the graph's order, which follows arrival (and in a graph built
    from a snapshot, the hash seed of the process), and the answer must not."""
    # two sorts on a C key each cost less than one on a (depth, id) tuple; the second is stable
    nodes.sort(key=_ID)
    nodes.sort(key=_DEPTH)
    return t.DirectedLineage(
        root,
        "downstream" if downstream else "upstream",
        nodes,
        [t.Edge(a, b) for a, b in sorted(edges)],
        truncated,
        incomplete,
        at,
    )


def directed_as_of(
    graph: LineageGraph,
    conn: Connection,
    root: int,
    *,
    downstream: bool,
    depth: int | None,
    kinds: Collection[str] | None,
    at: datetime,
) -> t.DirectedLineage:
    """The same closure over the edges that were current at `at` (from the edge history)."""
    root_key = graph.key(root)
    depths, edges, truncated = history.walk_as_of(
        conn, root_key, downstream=downstream, as_of=at, depth=depth
    )
    nodes = []
    kept: dict[NodeKey, str] = {}
    for key, d in depths.items():
        fields = _key_fields(graph, key)
        if kinds is None or fields[2] in kinds or key == root_key:
            nodes.append(t.WalkNode(*fields, d))
            kept[key] = fields[0]
    found = [(kept[a], kept[b]) for a, b in edges if a in kept and b in kept]
    return _walk_answer(kept[root_key], downstream, nodes, found, truncated, False, read.iso(at))


def paths(graph: LineageGraph, source: int, target: int, *, limit: int) -> t.LineagePaths:
    """Shortest downstream paths from `source` to `target`, else from `target` to `source`."""
    found = graph.path(source, target, limit=limit)
    direction: t.Direction = "downstream"
    if not found:
        found, direction = graph.path(target, source, limit=limit), "upstream"
    return t.LineagePaths(
        _node_id(graph, source),
        _node_id(graph, target),
        direction if found else None,
        [[_node_id(graph, n) for n in p] for p in found],
    )


# --- the Marquez neighbourhood -----------------------------------------------------------------


def neighbourhood(
    graph: LineageGraph, conn: Connection, root: int, *, depth: int
) -> t.Neighbourhood:
    """Every node within `depth` hops in either direction, with in/out edges and the full
    dataset or job as Marquez has it (one statement per kind of row however many nodes)."""
    nodes, edges = graph.neighbourhood(root, depth=depth)
    preds: dict[int, list[int]] = {}
    succs: dict[int, list[int]] = {}
    for a, b in edges:
        succs.setdefault(a, []).append(b)
        preds.setdefault(b, []).append(a)
    order = sorted(nodes, key=graph.key)
    # a job's data lists all its inputs and outputs, inside the neighbourhood or not
    adjacent = {n: graph.adjacent(n) for n in order if graph.flags(n) & JOB}
    data = marquez.node_data(graph, conn, order, adjacent)
    ref = {node: _node_id(graph, node) for node in order}
    out = []
    for node in order:
        node_ref = ref[node]
        out.append(
            t.NeighbourhoodEntry(
                node_ref,
                "JOB" if graph.flags(node) & JOB else "DATASET",
                data[node],
                [
                    t.MarquezEdge(ref[p], node_ref)
                    for p in sorted(preds.get(node, ()), key=graph.key)
                ],
                [
                    t.MarquezEdge(node_ref, ref[s])
                    for s in sorted(succs.get(node, ()), key=graph.key)
                ],
            )
        )
    return t.Neighbourhood(out)


def latest_runs_by_key(conn: Connection, jobs: Iterable[NodeKey]) -> dict[NodeKey, t.LatestRun]:
    """The newest run of each job key, in two statements."""
    rows = read.jobs_by_key(conn, jobs)
    runs = read.latest_runs(conn, [row.id for row in rows.values()])
    out = {}
    for key, row in rows.items():
        run = runs.get(row.id)
        if run is not None:
            out[key] = t.LatestRun(
                run.id, run.state, read.iso(run.started_at), read.iso(run.ended_at)
            )
    return out


# --- column lineage ----------------------------------------------------------------------------


def column_lineage(
    graph: LineageGraph, roots: list[int], *, depth: int, with_downstream: bool
) -> t.ColumnLineage:
    """Fields feeding the root fields (and those they feed, with `with_downstream`)."""
    depths, edges = graph.column_walk(roots, downstream=False, depth=depth)
    if with_downstream:
        down_depths, down_edges = graph.column_walk(roots, downstream=True, depth=depth)
        depths.update({k: v for k, v in down_depths.items() if k not in depths})
        edges += down_edges
    return t.ColumnLineage(_column_graph(graph, depths, edges))


def _column_graph(
    graph: LineageGraph,
    depths: dict[int, int],
    edges: list[tuple[int, int, frozenset[Transformation]]],
) -> list[t.ColumnNode]:
    names: dict[int, tuple[str, str, str, str]] = {}

    def fid(field: int) -> tuple[str, str, str, str]:
        found = names.get(field)
        if found is None:
            dataset, name = graph.field_key(field)
            _, ns, ds_name = graph.key(dataset)
            found = names[field] = (
                ids.format_id("datasetField", ns, ds_name, name),
                ns,
                ds_name,
                name,
            )
        return found

    inputs: dict[int, list[t.InputField]] = {}
    in_edges: dict[int, set[int]] = {}
    out_edges: dict[int, set[int]] = {}
    # by field id, never by node number (which follows arrival order)
    for a, b, transforms in sorted(edges, key=lambda e: (fid(e[0])[0], fid(e[1])[0])):
        in_edges.setdefault(b, set()).add(a)
        out_edges.setdefault(a, set()).add(b)
        _, ns, ds_name, name = fid(a)
        # by job id too, never by node number: one field pair can come through several jobs
        order = sorted(transforms, key=lambda x: (x[1], x[2] or "", _node_id(graph, x[0])))
        for job, kind, subtype in order:
            entry = t.InputField(ns, ds_name, name, kind, subtype, _node_id(graph, job))
            if entry not in inputs.setdefault(b, []):
                inputs[b].append(entry)
    out = []
    for field in sorted(depths, key=lambda f: fid(f)[0]):
        node_ref, ns, ds_name, name = fid(field)
        out.append(
            t.ColumnNode(
                node_ref,
                "DATASET_FIELD",
                t.FieldData(ns, ds_name, name, inputs.get(field, [])),
                [
                    t.MarquezEdge(a, node_ref)
                    for a in sorted(fid(a)[0] for a in in_edges.get(field, ()))
                ],
                [
                    t.MarquezEdge(node_ref, b)
                    for b in sorted(fid(b)[0] for b in out_edges.get(field, ()))
                ],
            )
        )
    return out


# --- the job hierarchy -------------------------------------------------------------------------


def job_hierarchy(graph: LineageGraph, conn: Connection, root: int) -> t.JobHierarchy:
    """A job's child jobs, recursively (up to `MAX_TREE_DEPTH` levels), with latest runs.

    Built level by level, never by recursion, so a parent chain of any length is answered.
    """
    order: list[tuple[int, int]] = []  # (child, parent), level by level, siblings by key
    seen, cut = {root}, set()  # cut: nodes whose children lie deeper than the answer shows
    frontier, level = [root], 0
    while frontier:
        below = []
        for node in frontier:
            kids = [c for c in graph.children(node) if c not in seen]
            if kids and level >= MAX_TREE_DEPTH:
                cut.add(node)
                continue
            seen.update(kids)
            order += [(kid, node) for kid in kids]
            below += kids
        frontier, level = below, level + 1
    runs = latest_runs_by_key(conn, [graph.key(child) for child, _ in order])
    trees = {}
    for child, _ in order:
        key = graph.key(child)
        trees[child] = t.JobTree(
            key[1], key[2], ids.format_id(*key), runs.get(key), [], child in cut
        )
    top: list[t.JobTree] = []
    for child, parent in order:
        (top if parent == root else trees[parent].children).append(trees[child])
    _, namespace, name = graph.key(root)
    return t.JobHierarchy(t.JobRef(namespace, name, _node_id(graph, root)), top)
