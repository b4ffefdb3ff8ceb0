"""The types the store and the graph share: node keys, `Changes` (what one committed event
changed, handed from the store to the graph) and `Snapshot` (everything the graph holds).

Keys are plain tuples so the graph never needs SQL ids:
a node is `("dataset"|"job", namespace, name)`, a field is `(dataset node, field name)`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

NodeKey = tuple[str, str, str]
FieldKey = tuple[NodeKey, str]
ColumnKey = tuple[FieldKey, FieldKey, NodeKey, str, str | None]  # src, dst, job, type, subtype
Flow = tuple[NodeKey, NodeKey]


def dataset_key(namespace: str, name: str) -> NodeKey:
    """The graph key of a dataset."""
    return ("dataset", namespace, name)


def job_key(namespace: str, name: str) -> NodeKey:
    """The graph key of a job."""
    return ("job", namespace, name)


@dataclass
class NodeState:
    """The few node attributes that traversal answers need."""

    kind: str = "dataset"
    dropped: bool = False
    incomplete: bool = False
    parent: NodeKey | None = None


@dataclass
class Snapshot:
    """Everything the graph holds, in plain keys; the store builds it at start-up
    (or for part of the store), the graph is made from it and can be compared with one."""

    nodes: dict[NodeKey, NodeState] = field(default_factory=dict)
    edges: set[tuple[NodeKey, NodeKey]] = field(default_factory=set)
    columns: set[ColumnKey] = field(default_factory=set)
    aliases: dict[NodeKey, NodeKey] = field(default_factory=dict)
    flows: dict[NodeKey, frozenset[Flow]] = field(default_factory=dict)
    hidden: set[NodeKey] = field(default_factory=set)


@dataclass
class Changes:
    """Graph delta of one event (or soft delete); applied after its transaction commits."""

    nodes: dict[NodeKey, NodeState] = field(default_factory=dict)
    removed_nodes: set[NodeKey] = field(default_factory=set)  # soft deleted: hidden
    restored_nodes: set[NodeKey] = field(default_factory=set)  # restored: shown again
    edges_added: set[tuple[NodeKey, NodeKey]] = field(default_factory=set)
    edges_removed: set[tuple[NodeKey, NodeKey]] = field(default_factory=set)
    columns_added: set[ColumnKey] = field(default_factory=set)
    columns_removed: set[ColumnKey] = field(default_factory=set)
    merges: list[tuple[NodeKey, NodeKey]] = field(default_factory=list)
    flows: dict[NodeKey, frozenset[Flow] | None] = field(default_factory=dict)

    def add_edges(self, edges: set[tuple[NodeKey, NodeKey]]) -> None:
        """Note edges added. The graph applies removals before additions, so the two sets
        stay disjoint: an edge removed earlier in this delta is then just added."""
        self.edges_added |= edges
        self.edges_removed -= edges

    def remove_edges(self, edges: set[tuple[NodeKey, NodeKey]]) -> None:
        """Note edges removed: one added earlier in this delta is then just removed (else the
        graph would remove it first and add it back)."""
        self.edges_removed |= edges
        self.edges_added -= edges

    def add_columns(self, columns: set[ColumnKey]) -> None:
        """Note column edges added (see `add_edges`)."""
        self.columns_added |= columns
        self.columns_removed -= columns

    def remove_columns(self, columns: set[ColumnKey]) -> None:
        """Note column edges removed (see `remove_edges`)."""
        self.columns_removed |= columns
        self.columns_added -= columns

    def __bool__(self) -> bool:
        return any(
            (
                self.nodes,
                self.removed_nodes,
                self.restored_nodes,
                self.edges_added,
                self.edges_removed,
                self.columns_added,
                self.columns_removed,
                self.merges,
                self.flows,
            )
        )
