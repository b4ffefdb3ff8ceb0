"""Property: the re-run plan's order of jobs is networkx's, on any dependency graph.

`lineage.query.incidents._groups_in_order` orders the strongly connected groups of a graph
upstream first, and among the groups ready the one whose smallest key is smallest; it skips
both algorithms when ordering by key alone already respects every edge. networkx's
condensation and lexicographical topological sort are the reference here.
"""

from __future__ import annotations

import networkx as nx
from hypothesis import given
from hypothesis import strategies as st

from lineage.query.incidents import _groups_in_order


def reference(after: dict[int, set[int]], key: dict[int, int]) -> list[list[int]]:
    graph = nx.DiGraph()
    graph.add_nodes_from(after)
    graph.add_edges_from((source, n) for n, sources in after.items() for source in sources)
    condensed = nx.condensation(graph)
    members = condensed.graph["mapping"]
    groups: dict[int, list[int]] = {}
    for n, group in members.items():
        groups.setdefault(group, []).append(n)
    rank = {group: min(key[n] for n in nodes) for group, nodes in groups.items()}
    order = nx.lexicographical_topological_sort(condensed, key=rank.__getitem__)
    return [sorted(groups[g], key=key.__getitem__) for g in order]


@st.composite
def graphs(draw: st.DrawFn) -> tuple[dict[int, set[int]], dict[int, int]]:
    nodes = draw(st.integers(1, 9))
    keys = draw(st.permutations(range(nodes)))
    # mostly forward edges (by key), as in a radius walked hop by hop, with some going back
    edges = draw(st.lists(st.tuples(st.integers(0, nodes - 1), st.integers(0, nodes - 1))))
    after: dict[int, set[int]] = {n: set() for n in range(nodes)}
    for source, n in edges:
        if source != n:
            after[n].add(source)
    return after, dict(enumerate(keys))


@given(graph=graphs())
def test_the_order_is_networkx_condensation_in_key_order(
    graph: tuple[dict[int, set[int]], dict[int, int]],
) -> None:
    after, key = graph
    got = [sorted(group, key=key.__getitem__) for group in _groups_in_order(after, key.__getitem__)]
    assert got == reference(after, key)


def test_an_edge_against_the_keys_puts_its_source_first() -> None:
    after = {0: set(), 1: {2}, 2: set()}
    key = {0: 0, 1: 1, 2: 2}
    assert _groups_in_order(after, key.__getitem__) == [[0], [2], [1]]


def test_a_cycle_is_one_group() -> None:
    after = {0: set(), 1: {0, 2}, 2: {1}}
    key = {0: 0, 1: 1, 2: 2}
    assert [sorted(g) for g in _groups_in_order(after, key.__getitem__)] == [[0], [1, 2]]
