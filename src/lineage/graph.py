"""`LineageGraph`: the in-memory lineage graph (networkx behind a small interface).

Nodes are interned to dense ints; per-node attributes live in a bytearray of flags, so a
million-node estate costs little beyond networkx's own adjacency dicts. Two graphs: the
dataset/job graph (bipartite but for job-to-job edges) and the column graph of dataset
fields. History (`as_of`) is answered from SQL; this graph always holds the current lineage.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TypeVar

import networkx as nx

from lineage.store.changes import (
    Changes,
    ColumnKey,
    FieldKey,
    Flow,
    NodeKey,
    NodeState,
    Snapshot,
)

JOB, MODEL, DROPPED, INCOMPLETE, HIDDEN = 1, 2, 4, 8, 16
Transformation = tuple[int, str, str | None]  # (job node, type, subtype) of a column edge
CHUNK = 500  # queue items a traversal handles per hold of the lock
Q = TypeVar("Q")
KIND_NAMES = {"dataset": "DATASET", "job": "JOB", "model": "MODEL"}


@dataclass(frozen=True, slots=True)
class Walk:
    """A traversal answer: nodes with their depth, the edges between them, and caveats."""

    root: int
    depths: dict[int, int]
    edges: list[tuple[int, int]]
    truncated: bool
    incomplete: bool


class _NoAttributes(dict[str, object]):
    """The one attribute dict every node and edge of the lineage graph shares.

    The dataset/job graph keeps no node or edge attributes (flags live in a bytearray), so
    sharing one empty dict saves two allocations per node and one per edge (~20% of the
    graph's memory and build time at a million nodes); writing to it is a bug.
    """

    def update(self, *args: object, **kwargs: object) -> None:
        if any(args) or kwargs:
            raise TypeError("the lineage graph keeps no node or edge attributes")

    def __setitem__(self, key: str, value: object) -> None:
        raise TypeError("the lineage graph keeps no node or edge attributes")


_NO_ATTRIBUTES = _NoAttributes()


class _BareDiGraph(nx.DiGraph):
    """A networkx DiGraph whose nodes and edges all share one empty attribute dict."""

    node_attr_dict_factory = staticmethod(lambda: _NO_ATTRIBUTES)
    edge_attr_dict_factory = staticmethod(lambda: _NO_ATTRIBUTES)

    def add_bare_edges(self, pairs: Iterable[tuple[int, int]]) -> None:
        """Add edges between existing nodes, writing the adjacency dicts directly.

        Same result as add_edges_from for attribute-free edges, without its per-edge attribute
        handling, which dominated the start-up rebuild at a million edges.
        """
        succ, pred = self._succ, self._pred
        for u, v in pairs:
            succ[u][v] = _NO_ATTRIBUTES
            pred[v][u] = _NO_ATTRIBUTES

    def neighbours(self, downstream: bool) -> dict[int, dict[int, object]]:
        """Node -> its successors (or predecessors), the dict-of-dicts networkx documents for
        subclasses: a traversal iterates it directly, without a method call per node (a
        third of a 991-node walk's time went to `successors`)."""
        return self._succ if downstream else self._pred


def _held(lock: threading.RLock, queue: deque[Q]) -> Iterator[Q]:
    """Pop `queue` to its end, holding `lock` for at most `CHUNK` items at a time.

    A traversal is the only reader work under the graph's lock, and even a traversal of the
    whole graph holds it in short spells: the writer's `apply` waits for one spell, never for
    a whole walk. A change applied between two spells shows in the rest of the walk (every
    node and edge reported was current when it was reached); nodes merged away in between
    are skipped by the caller.
    """
    while queue:
        with lock:
            for _ in range(min(CHUNK, len(queue))):
                yield queue.popleft()


class LineageGraph:
    """Current lineage: build from a snapshot, apply committed changes, traverse.

    `lock` is held by `apply`; on the read side only the traversals take it (`walk`,
    `neighbourhood`, `column_walk` in spells of `CHUNK` nodes, `path` for its search: they
    iterate dicts the writer changes). Callers never hold it, so no SQL, answer building or
    suggestion ever runs under it. Single-node reads (`find`, `key`, `kind`,
    `flags`, `parent`, `children`, `fields_of`, `find_field`, `field_key`) are safe without it:
    ids are never reused, and what they return is copied in one C-level call or never
    changed in place (column transformations are frozensets, replaced on change).
    """

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self._index: dict[NodeKey, int] = {}
        self._keys: list[NodeKey] = []
        self._flags = bytearray()
        self._g = _BareDiGraph()
        self._aliases: dict[NodeKey, int] = {}
        self._parent: dict[int, int] = {}
        self._children: dict[int, set[int]] = {}
        self._flows: dict[int, frozenset[tuple[int, int]]] = {}
        self._field_index: dict[tuple[int, str], int] = {}
        self._fields_by_dataset: dict[int, dict[str, int]] = {}
        self._field_keys: list[tuple[int, str]] = []
        self._cg = nx.DiGraph()
        self.namespaces: set[str] = set()

    # --- building and updating ------------------------------------------------------------

    @classmethod
    def from_snapshot(cls, snap: Snapshot) -> LineageGraph:
        """A graph holding exactly what the snapshot says."""
        graph = cls()
        for key, state in snap.nodes.items():
            graph._set_node(key, state)
        for alias, target in snap.aliases.items():
            graph._aliases[alias] = graph._intern(target)
            graph.namespaces.add(alias[1])
        index, intern = graph._index, graph._intern
        graph._g.add_bare_edges(
            (index.get(a) or intern(a), index.get(b) or intern(b)) for a, b in snap.edges
        )
        for column in snap.columns:
            graph._add_column(column)
        for job, flows in snap.flows.items():
            graph._set_flows(job, flows)
        for key in snap.hidden:
            graph._flags[graph._intern(key)] |= HIDDEN
        return graph

    def apply(self, changes: Iterable[Changes]) -> None:
        """Apply committed changes in commit order."""
        with self.lock:
            for change in changes:
                for loser, winner in change.merges:
                    self._merge(loser, winner)
                for key, state in change.nodes.items():
                    self._set_node(key, state)
                for key in change.removed_nodes:
                    self._flags[self._intern(key)] |= HIDDEN
                for key in change.restored_nodes:
                    self._flags[self._intern(key)] &= ~HIDDEN
                self._g.remove_edges_from(
                    (self._intern(a), self._intern(b)) for a, b in change.edges_removed
                )
                self._g.add_edges_from(
                    (self._intern(a), self._intern(b)) for a, b in change.edges_added
                )
                for column in change.columns_removed:
                    self._remove_column(column)
                for column in change.columns_added:
                    self._add_column(column)
                for job, flows in change.flows.items():
                    self._set_flows(job, flows)

    def _intern(self, key: NodeKey) -> int:
        node = self._index.get(key)
        if node is not None:
            return node
        alias = self._aliases.get(key)
        if alias is not None:
            return alias
        node = len(self._keys)
        self.namespaces.add(key[1])
        self._index[key] = node
        self._keys.append(key)
        self._flags.append(JOB if key[0] == "job" else 0)
        self._g.add_node(node)
        return node

    def _set_node(self, key: NodeKey, state: NodeState) -> None:
        if key not in self._index and key in self._aliases:
            # a name merged into another dataset (in this delta or before) has no state of
            # its own: applying it would overwrite its canonical dataset's (e.g. a DROP)
            return
        node = self._intern(key)
        flags = self._flags[node] & HIDDEN
        flags |= JOB if state.kind == "job" else (MODEL if state.kind == "model" else 0)
        flags |= (DROPPED if state.dropped else 0) | (INCOMPLETE if state.incomplete else 0)
        self._flags[node] = flags
        old_parent = self._parent.pop(node, None)
        if old_parent is not None:
            self._children[old_parent].discard(node)
        if state.parent is not None:
            parent = self._intern(state.parent)
            self._parent[node] = parent
            self._children.setdefault(parent, set()).add(node)

    def _merge(self, loser: NodeKey, winner: NodeKey) -> None:
        target = self._intern(winner)
        source = self._index.get(loser)
        self.namespaces.add(loser[1])  # so an id in the alias' namespace splits right
        if source is None or source == target:
            self._aliases[loser] = target
            return
        g = self._g
        g.add_edges_from((p, target) for p in g.predecessors(source) if p != source)
        g.add_edges_from((target, s) for s in g.successors(source) if s != source)
        g.remove_node(source)
        for name, field_node in self._fields_by_dataset.pop(source, {}).items():
            self._field_index.pop((source, name))
            self._rehome_field(field_node, (target, name))
        self._flags[source] = HIDDEN
        del self._index[loser]
        self._aliases[loser] = target
        for alias, node in self._aliases.items():
            if node == source:
                self._aliases[alias] = target

    def _rehome_field(self, field_node: int, new_key: tuple[int, str]) -> None:
        existing = self._field_index.get(new_key)
        if existing is None:
            self._field_index[new_key] = field_node
            self._fields_by_dataset.setdefault(new_key[0], {})[new_key[1]] = field_node
            self._field_keys[field_node] = new_key
            return
        cg = self._cg
        none: dict[str, frozenset[Transformation]] = {"t": frozenset()}
        for p, _, data in list(cg.in_edges(field_node, data=True)):
            cg.add_edge(p, existing, t=cg.get_edge_data(p, existing, none)["t"] | data["t"])
        for _, s, data in list(cg.out_edges(field_node, data=True)):
            cg.add_edge(existing, s, t=cg.get_edge_data(existing, s, none)["t"] | data["t"])
        cg.remove_node(field_node)

    def _field(self, key: FieldKey) -> int:
        dataset = self._intern(key[0])
        node = self._field_index.get((dataset, key[1]))
        if node is None:
            node = len(self._field_keys)
            self._field_index[(dataset, key[1])] = node
            self._fields_by_dataset.setdefault(dataset, {})[key[1]] = node
            self._field_keys.append((dataset, key[1]))
            self._cg.add_node(node)
        return node

    def _add_column(self, column: ColumnKey) -> None:
        src, dst, job, kind, subtype = column
        a, b = self._field(src), self._field(dst)
        data = self._cg.get_edge_data(a, b)
        added = frozenset({(self._intern(job), kind, subtype)})
        if data is None:
            self._cg.add_edge(a, b, t=added)
        else:  # replaced, not changed in place: a reader may hold the old set
            data["t"] = data["t"] | added

    def _remove_column(self, column: ColumnKey) -> None:
        src, dst, job, kind, subtype = column
        a, b = self._field(src), self._field(dst)
        data = self._cg.get_edge_data(a, b)
        if data is not None:
            data["t"] = data["t"] - {(self._intern(job), kind, subtype)}
            if not data["t"]:
                self._cg.remove_edge(a, b)

    def _set_flows(self, job: NodeKey, flows: frozenset[Flow] | None) -> None:
        node = self._intern(job)
        if flows is None:
            self._flows.pop(node, None)
        else:
            self._flows[node] = frozenset((self._intern(a), self._intern(b)) for a, b in flows)

    # --- lookups --------------------------------------------------------------------------

    def find(self, key: NodeKey) -> int | None:
        """The node for a key (aliases resolve to their canonical node); None if unknown."""
        node = self._index.get(key)
        if node is None:
            node = self._aliases.get(key)
        if node is None or self._flags[node] & HIDDEN:
            return None
        return node

    def key(self, node: int) -> NodeKey:
        """The (kind, namespace, name) of a node."""
        return self._keys[node]

    def kind(self, node: int) -> str:
        """`dataset`, `job` or `model`."""
        flags = self._flags[node]
        return "job" if flags & JOB else ("model" if flags & MODEL else "dataset")

    def flags(self, node: int) -> int:
        """The node's flag bits (JOB, MODEL, DROPPED, INCOMPLETE, HIDDEN)."""
        return self._flags[node]

    def describe(self, nodes: Iterable[int]) -> list[tuple[int, NodeKey, int, int | None]]:
        """(node, key, flags, parent) of many nodes at once: what an answer says about each."""
        keys, flags, parent = self._keys, self._flags, self._parent
        return [(n, keys[n], flags[n], parent.get(n)) for n in nodes]

    def parent(self, node: int) -> int | None:
        """The parent job (DAG of a task, task of a query)."""
        return self._parent.get(node)

    def visible(self, node: int) -> bool:
        """Not soft deleted nor merged away."""
        return not self._flags[node] & HIDDEN

    def children(self, node: int) -> list[int]:
        """Child jobs, sorted by key."""
        kids = [c for c in list(self._children.get(node, ())) if not self._flags[c] & HIDDEN]
        return sorted(kids, key=self._keys.__getitem__)

    def keys(self) -> Iterator[NodeKey]:
        """Every visible node key."""
        return (k for i, k in enumerate(self._keys) if not self._flags[i] & HIDDEN)

    def keys_since(self, start: int) -> list[tuple[int, NodeKey]]:
        """(node, key) of every node interned at or after `start`, visible or not (node ids
        only grow: a reader can follow the graph's nodes without the lock)."""
        return list(enumerate(self._keys[start:], start))

    def __len__(self) -> int:
        return self._g.number_of_nodes()

    def edge_count(self) -> int:
        """Number of current dataset/job edges."""
        return int(self._g.number_of_edges())

    # --- traversal ------------------------------------------------------------------------

    def walk(
        self,
        root: int,
        *,
        downstream: bool,
        depth: int | None = None,
        max_nodes: int | None = None,
    ) -> Walk:
        """Breadth-first closure from `root` in one direction, cycle-safe.

        Through a job with explicit lineage (the `lineage` facet), only the declared
        input -> output pairs are followed, not the inputs x outputs cross product. Edges
        between two jobs (job-to-job lineage, `lineage.store.job_links`) are walked like any.
        """
        adjacency = self._g.neighbours(downstream)
        flags, flows = self._flags, self._flows
        depths = {root: 0}
        came: dict[int, int] = {}  # the node each explicit-lineage job was first reached from
        edges: list[tuple[int, int]] = []
        add_edge, limit = edges.append, max_nodes if max_nodes is not None else len(flags) + 1
        truncated = incomplete = False
        queue = deque([root])
        popleft, enqueue = queue.popleft, queue.append
        # the lock is held for CHUNK queue items at a time (see `_held`), the loop inlined
        while queue:
            with self.lock:
                for _ in range(min(CHUNK, len(queue))):
                    node = popleft()
                    node_flags = flags[node]
                    if node_flags & HIDDEN:  # merged away or deleted since it was queued
                        continue
                    if node_flags & INCOMPLETE:
                        incomplete = True
                    allowed = None
                    pairs = flows.get(node) if node in came else None
                    if pairs is not None:  # (flows may have changed since it was queued)
                        came_from = came[node]
                        allowed = (
                            {b for a, b in pairs if a == came_from}
                            if downstream
                            else {a for a, b in pairs if b == came_from}
                        )
                    d = depths[node]
                    for nxt in adjacency.get(node, ()):
                        if flags[nxt] & HIDDEN or (allowed is not None and nxt not in allowed):
                            continue
                        if depth is not None and d >= depth:
                            truncated = True
                            break
                        add_edge((node, nxt) if downstream else (nxt, node))
                        if nxt in depths:
                            continue
                        if len(depths) >= limit:
                            truncated = True
                            continue
                        depths[nxt] = d + 1
                        # a job reached from another job (job-to-job lineage) runs as a
                        # whole: every output is downstream of it, whatever its flows say
                        if nxt in flows and not node_flags & JOB:
                            came[nxt] = node
                        enqueue(nxt)
        return Walk(root, depths, edges, truncated, incomplete)

    def path(self, source: int, target: int, *, limit: int = 10) -> list[list[int]]:
        """Up to `limit` shortest lineage paths from `source` to `target` (downstream): the
        first in the order of their nodes' keys, so neither arrival order nor the order the
        graph was built in picks them.

        Holds the lock throughout (a breadth-first search from `source`)."""
        visible = nx.subgraph_view(self._g, filter_node=lambda n: not self._flags[n] & HIDDEN)
        with self.lock:
            try:
                preds = nx.predecessor(visible, source)  # each node's on its shortest paths
            except nx.NodeNotFound:
                return []
            if target not in preds:
                return []
            # the shortest paths' nodes, each with its next nodes on them, sorted by key
            nexts: dict[int, list[int]] = {}
            todo, met = [target], {target}
            while todo:
                node = todo.pop()
                for before in preds[node]:
                    nexts.setdefault(before, []).append(node)
                    if before not in met:
                        met.add(before)
                        todo.append(before)
            paths: list[list[int]] = []
            stack = [[source]]
            while stack and len(paths) < limit:
                path = stack.pop()
                if path[-1] == target:
                    paths.append(path)
                    continue
                ahead = sorted(nexts[path[-1]], key=self._keys.__getitem__, reverse=True)
                stack += [[*path, node] for node in ahead]
            return paths

    def neighbourhood(self, root: int, *, depth: int) -> tuple[set[int], set[tuple[int, int]]]:
        """Marquez semantics: every node within `depth` hops, ignoring direction, and the
        edges among them."""
        g, flags = self._g, self._flags
        seen = {root}
        edges: set[tuple[int, int]] = set()
        level = {root: 0}
        queue = deque([root])
        for node in _held(self.lock, queue):
            if flags[node] & HIDDEN or node not in g:
                continue
            expand = level[node] < depth
            for ends, other in (
                *(((node, s), s) for s in g.successors(node)),
                *(((p, node), p) for p in g.predecessors(node)),
            ):
                if flags[other] & HIDDEN:
                    continue
                if other in seen:
                    edges.add(ends)
                elif expand:
                    seen.add(other)
                    edges.add(ends)
                    level[other] = level[node] + 1
                    queue.append(other)
        return seen, edges

    def adjacent(self, node: int) -> tuple[list[int], list[int]]:
        """Visible predecessors and successors of one node across dataset edges: a job's
        inputs and outputs, a dataset's writers and readers (job-to-job edges left out)."""
        flags = self._flags
        skip = HIDDEN | (flags[node] & JOB)  # a job's neighbours that are jobs are skipped
        with self.lock:
            if node not in self._g:
                return [], []
            return (
                [p for p in self._g.predecessors(node) if not flags[p] & skip],
                [s for s in self._g.successors(node) if not flags[s] & skip],
            )

    def linked_jobs(self, job: int) -> tuple[list[int], list[int]]:
        """Visible jobs linked to a job by job-to-job edges: (upstream, downstream)."""
        flags = self._flags
        with self.lock:
            if job not in self._g or not flags[job] & JOB:
                return [], []
            return (
                [p for p in self._g.predecessors(job) if flags[p] & (JOB | HIDDEN) == JOB],
                [s for s in self._g.successors(job) if flags[s] & (JOB | HIDDEN) == JOB],
            )

    # --- columns --------------------------------------------------------------------------

    def fields_of(self, dataset: int) -> list[str]:
        """Fields of a dataset that appear in column lineage now. (A field whose column edges
        were all retired keeps its node: whether it had any depends on arrival order, so it
        is not listed.)"""
        fields = self._fields_by_dataset.get(dataset, {})
        return sorted(name for name, node in fields.items() if self._cg.degree(node))

    def find_field(self, dataset: int, name: str) -> int | None:
        """The column-graph node of a dataset field in column lineage now."""
        node = self._field_index.get((dataset, name))
        return node if node is not None and self._cg.degree(node) else None

    def field_key(self, field_node: int) -> tuple[int, str]:
        """(dataset node, field name) of a column-graph node."""
        return self._field_keys[field_node]

    def column_walk(
        self, roots: list[int], *, downstream: bool, depth: int | None = None
    ) -> tuple[dict[int, int], list[tuple[int, int, frozenset[Transformation]]]]:
        """Closure over field nodes; returns depths and (src, dst, transformations) edges."""
        cg = self._cg
        depths = dict.fromkeys(roots, 0)
        edges = []
        queue = deque(roots)
        for node in _held(self.lock, queue):
            d = depths[node]
            if (depth is not None and d >= depth) or node not in cg:
                continue
            pairs = cg.out_edges(node, data="t") if downstream else cg.in_edges(node, data="t")
            for a, b, t in pairs:
                nxt = b if downstream else a
                if self._flags[self._field_keys[nxt][0]] & HIDDEN:
                    continue
                edges.append((a, b, t))
                if nxt not in depths:
                    depths[nxt] = d + 1
                    queue.append(nxt)
        return depths, edges

    def snapshot(self) -> Snapshot:
        """The graph's content in plain keys (for equality checks against a rebuild)."""
        with self.lock:
            keys, flags = self._keys, self._flags
            snap = Snapshot()
            for node, key in enumerate(keys):
                if node not in self._g or (flags[node] & HIDDEN and key not in self._index):
                    continue
                f = flags[node]
                if f & HIDDEN:
                    snap.hidden.add(key)
                parent = self._parent.get(node)
                snap.nodes[key] = NodeState(
                    kind=self.kind(node),
                    dropped=bool(f & DROPPED),
                    incomplete=bool(f & INCOMPLETE),
                    parent=keys[parent] if parent is not None else None,
                )
            snap.edges = {(keys[a], keys[b]) for a, b in self._g.edges}
            for a, b, t in self._cg.edges(data="t"):
                (da, fa), (db, fb) = self._field_keys[a], self._field_keys[b]
                for job, kind, subtype in t:
                    snap.columns.add(((keys[da], fa), (keys[db], fb), keys[job], kind, subtype))
            snap.aliases = {alias: keys[node] for alias, node in self._aliases.items()}
            snap.flows = {
                keys[j]: frozenset((keys[a], keys[b]) for a, b in pairs)
                for j, pairs in self._flows.items()
            }
            return snap
