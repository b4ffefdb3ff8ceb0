"""Naming nodes: node ids and namespace + name resolved to graph nodes, and suggestions.

Nothing here takes the graph's lock: resolution is a few dict lookups (atomic under the GIL,
and node ids are never reused), and suggestions come from `NameIndex`, which reads only the
graph's append-only key list and has a lock of its own.
"""

from __future__ import annotations

import difflib
import threading
import weakref
from collections import defaultdict

from lineage import ids
from lineage.errors import BadRequest, NodeNotFound
from lineage.graph import LineageGraph
from lineage.store.changes import NodeKey

SUGGESTIONS = 5
BUCKET_CAP = 400  # names kept per bucket: bounds the candidates difflib compares
CUTOFF = 0.5


def _stem(name: str) -> str:
    """The part of a name a typo is most likely in: after the last '.' or '/', lower-cased."""
    tail = name.replace("/", ".").rsplit(".", 1)[-1]
    return (tail or name).lower()


def _buckets(name: str) -> tuple[str, ...]:
    """Keys under which a name is indexed and looked for: stem prefix, stem suffix, length."""
    stem = _stem(name)
    return (f"<{stem[:3]}", f">{stem[-3:]}", f"#{len(stem)}")


class NameIndex:
    """Candidate names for suggestions, bucketed so that a lookup compares a few hundred
    names with difflib, not every name in the graph.

    A name is found when its stem shares the first three or the last three characters with
    the mistyped one, or has the same length (one wrong character). The index catches up with
    the graph's key list on each lookup (keys are only ever appended); hidden nodes are
    filtered out when suggesting.
    """

    def __init__(self, graph: LineageGraph) -> None:
        self._graph = graph
        self._upto = 0
        self._buckets: defaultdict[str, list[int]] = defaultdict(list)
        self._lock = threading.Lock()

    def _catch_up(self) -> None:
        for node, key in self._graph.keys_since(self._upto):
            self._upto = node + 1
            for bucket in _buckets(key[2]):
                nodes = self._buckets[bucket]
                if len(nodes) < BUCKET_CAP:
                    nodes.append(node)

    def suggest(
        self, text: str, *, kind: str | None = None, limit: int = SUGGESTIONS
    ) -> list[NodeKey]:
        """Up to `limit` keys of visible nodes whose names are closest to `text`."""
        graph = self._graph
        with self._lock:
            self._catch_up()
            candidates = {n for b in _buckets(text) for n in self._buckets.get(b, ())}
        pool: dict[str, NodeKey] = {}
        for node in sorted(candidates):
            key = graph.key(node)
            if graph.visible(node) and (kind is None or key[0] == kind):
                pool.setdefault(key[2], key)
        names = difflib.get_close_matches(text, list(pool), n=limit, cutoff=CUTOFF)
        return [pool[n] for n in names]


_INDEXES: weakref.WeakKeyDictionary[LineageGraph, NameIndex] = weakref.WeakKeyDictionary()
_INDEXES_LOCK = threading.Lock()


def name_index(graph: LineageGraph) -> NameIndex:
    """The suggestion index of a graph (made on first use)."""
    with _INDEXES_LOCK:
        index = _INDEXES.get(graph)
        if index is None:
            index = _INDEXES[graph] = NameIndex(graph)
        return index


def suggest(graph: LineageGraph, text: str, *, kind: str | None = None) -> list[str]:
    """The closest existing node ids to the name in `text` (a name, or the end of an id)."""
    return [ids.format_id(*key) for key in suggest_keys(graph, text, kind=kind)]


def suggest_keys(
    graph: LineageGraph, text: str, *, kind: str | None = None, limit: int = SUGGESTIONS
) -> list[NodeKey]:
    """The keys of the closest existing nodes to the name `text`."""
    return name_index(graph).suggest(text, kind=kind, limit=limit)


def not_found(
    graph: LineageGraph, what: str, name: str, *, field: str, kind: str | None = None
) -> NodeNotFound:
    """The 404 for an unknown node, with suggestions; `field` is the parameter that named it."""
    return NodeNotFound(
        f"{what} not found", field=field, suggestions=suggest(graph, name, kind=kind)
    )


def resolve(
    graph: LineageGraph,
    node_id: str | None,
    namespace: str | None = None,
    name: str | None = None,
    kind: str | None = None,
    *,
    field: str = "nodeId",
) -> int:
    """The graph node named by a node id, or by namespace + name (+ kind); a 404 names
    `field`, the parameter the id came in.

    Aliases (symlinks, renames) resolve to their canonical node either way, whether or not the
    alias' namespace holds a node of its own.
    """
    if node_id is None:
        if namespace is None or name is None:
            raise BadRequest("give nodeId, or namespace and name", field="nodeId")
        kinds = [kind.lower()] if kind else ["dataset", "job"]
        for k in kinds:
            node = graph.find((k, namespace, name))
            if node is not None:
                return node
        raise not_found(
            graph, f"node {ids.format_id(kinds[0], namespace, name)!r}", name, field="name"
        )
    kind_part, rest = ids.split(node_id)
    if kind_part not in ("dataset", "job"):
        raise BadRequest(f"nodeId {node_id!r} must name a dataset or a job here", field="nodeId")
    for ns, nm in ids.candidates(rest, graph.namespaces):
        node = graph.find((kind_part, ns, nm))
        if node is not None:
            return node
    raise not_found(graph, f"node {node_id!r}", rest.rsplit(":", 1)[-1], field=field)


def resolve_field(graph: LineageGraph, node_id: str) -> list[int]:
    """Column-graph roots: every field of a dataset id, every field of the datasets a job id
    writes, or the one field of a field id."""
    kind, rest = ids.split(node_id)
    if kind in ("dataset", "job"):
        node = resolve(graph, node_id)
        datasets = sorted(graph.adjacent(node)[1], key=graph.key) if kind == "job" else [node]
        fields = (graph.find_field(d, name) for d in datasets for name in graph.fields_of(d))
        return [f for f in fields if f is not None]
    if kind != "datasetField":
        raise BadRequest(
            "column lineage needs a dataset, job or datasetField nodeId", field="nodeId"
        )
    for ns, name_field in ids.candidates(rest, graph.namespaces):
        parts = ids.split_field(name_field)
        if parts is None:
            continue
        found = graph.find(("dataset", ns, parts[0]))
        if found is None:
            continue
        dataset = found
        field = graph.find_field(dataset, parts[1])
        if field is None:
            _, canonical_ns, canonical_name = graph.key(dataset)
            raise NodeNotFound(
                f"field {parts[1]!r} of dataset {parts[0]!r} has no column lineage",
                field="nodeId",
                suggestions=[
                    ids.format_id("datasetField", canonical_ns, canonical_name, f)
                    for f in graph.fields_of(dataset)
                ][:10],
            )
        return [field]
    raise not_found(
        graph, f"node {node_id!r}", rest.rsplit(":", 1)[-1], field="nodeId", kind="dataset"
    )
