"""Turn an impact request into targets: datasets in the graph with the changes aimed at them.

A request names a dataset (node id, or name with a namespace) with explicit changes or a
proposed schema, or carries DDL whose table names are matched to datasets (db.schema.table
and shorter forms, case-insensitive). `scope` finds in the store the datasets that resolving
a request looks at, so that the offline CLI can build just their part of the graph.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from lineage import ids
from lineage.ddl import CHANGE_KINDS, Change, parse_ddl
from lineage.errors import BadRequest, NodeNotFound, PayloadTooLarge
from lineage.facets import flatten_fields
from lineage.graph import LineageGraph
from lineage.impact_context import StoreFacts
from lineage.query.names import suggest_keys
from lineage.store import subgraph
from lineage.store.changes import NodeKey, dataset_key


@dataclass(frozen=True, slots=True)
class ImpactLimits:
    """How much work one request may ask for (None: unbounded, as offline in the CLI)."""

    max_statements: int | None = None
    max_targets: int | None = None
    max_sql_chars: int | None = None


UNBOUNDED = ImpactLimits()


@dataclass(frozen=True, slots=True)
class Target:
    """A dataset node and the changes proposed for it."""

    node: int
    changes: tuple[Change, ...]


def resolve_targets(
    graph: LineageGraph,
    conn: Connection,
    request: dict[str, Any],
    limits: ImpactLimits = UNBOUNDED,
) -> list[Target]:
    """Targets of a request; usage errors name the closest existing datasets or columns.

    More (dataset, change) pairs than `limits.max_targets` is a 413 naming where they came
    from (`ddl`, `schema` or `changes`): each pair is one walk downstream.
    """
    facts = StoreFacts(conn)
    namespace = request.get("namespace")
    grouped: dict[int, list[Change]] = {}
    if request.get("ddl"):
        for table_change in _ddl(request, limits):
            node = match_table(graph, table_change.table, namespace)
            grouped.setdefault(node, []).append(table_change.change)
    if request.get("dataset"):
        node = find_dataset(graph, request["dataset"], namespace)
        changes = grouped.setdefault(node, [])
        changes.extend(_change(raw, i) for i, raw in enumerate(request.get("changes") or []))
        if request.get("schema") is not None:
            changes.extend(schema_diff(facts.schema_fields(graph.key(node)), request["schema"]))
    elif request.get("changes") or request.get("schema") is not None:
        raise BadRequest("changes and schema need a dataset", field="dataset")
    if not grouped:
        raise BadRequest("give a dataset with changes, or DDL", field="dataset")
    _check_count(request, grouped, limits.max_targets)
    targets = []
    for node, changes in grouped.items():
        if not changes:
            raise BadRequest(f"no change given for {_id(graph, node)}", field="changes")
        for change in changes:
            _check_column(graph, facts, node, change, field=_source(request))
        targets.append(Target(node, tuple(dict.fromkeys(changes))))
    return targets


def _ddl(request: dict[str, Any], limits: ImpactLimits) -> list[Any]:
    return parse_ddl(
        request["ddl"],
        dialect=request.get("dialect"),
        max_statements=limits.max_statements,
        max_chars=limits.max_sql_chars,
    )


def _check_count(
    request: dict[str, Any], grouped: dict[int, list[Change]], max_targets: int | None
) -> None:
    count = sum(len(dict.fromkeys(changes)) for changes in grouped.values())
    if max_targets is None or count <= max_targets:
        return
    raise PayloadTooLarge(
        f"the request names {count} (dataset, change) targets, over impact_max_targets "
        f"({max_targets})",
        field=_source(request),
    )


def _source(request: dict[str, Any]) -> str:
    """The request field the changes came from, for errors about them."""
    if request.get("changes"):
        return "changes"
    return "schema" if request.get("schema") is not None else "ddl"


def _change(raw: Any, index: int) -> Change:
    at = f"changes.{index}"
    if not isinstance(raw, dict) or raw.get("kind") not in CHANGE_KINDS:
        kinds = ", ".join(CHANGE_KINDS)
        raise BadRequest(f"a change needs kind, one of {kinds}", field=f"{at}.kind")
    change = Change(raw["kind"], raw.get("column"), raw.get("newName"), raw.get("newType"))
    needs = {"rename_column": "newName", "change_type": "newType"}.get(change.kind)
    if change.kind != "drop_dataset" and not change.column:
        raise BadRequest(f"{change.kind} needs a column", field=f"{at}.column")
    if needs and not raw.get(needs):
        raise BadRequest(f"{change.kind} needs {needs}", field=f"{at}.{needs}")
    return change


def find_dataset(
    graph: LineageGraph, text: str, namespace: str | None, *, field: str = "dataset"
) -> int:
    """A dataset by node id, by namespace + name, or by a name unique across namespaces;
    `field` is the request field named in errors."""
    if text.startswith("dataset:"):
        readings = ids.candidates(text[len("dataset:") :], graph.namespaces)
    elif namespace is not None:
        readings = [(namespace, text)]
    else:
        readings = [(k[1], k[2]) for k in _datasets(graph) if k[2] == text]
        if len(readings) > 1:
            names = ", ".join(sorted(ids.format_id("dataset", *r) for r in readings))
            raise BadRequest(f"dataset {text!r} is ambiguous: {names}", field=field)
    for ns, name in readings:
        node = graph.find(("dataset", ns, name))
        if node is not None:
            return node
    # from the graph's bounded name index, never a scan of every dataset
    close = suggest_keys(graph, text.rsplit(":", 1)[-1], kind="dataset", limit=20)
    close = [k for k in close if namespace in (None, k[1])][:5]
    closest = f"; closest: {', '.join(k[2] for k in close[:3])}" if close else ""
    raise NodeNotFound(
        f"unknown dataset {text!r}{closest}",
        suggestions=[ids.format_id(*k) for k in close],
        field=field,
    )


def match_table(graph: LineageGraph, parts: tuple[str, ...], namespace: str | None) -> int:
    """The dataset a DDL table name means: equal names, or one a dotted suffix of the other."""
    wanted = table_name(parts)
    found = table_matches(_datasets(graph), wanted, namespace)
    if len(found) == 1:
        node = graph.find(found[0])
        assert node is not None
        return node
    if found:
        names = ", ".join(sorted(ids.format_id(*k) for k in found))
        raise BadRequest(f"table {wanted!r} matches several datasets: {names}", field="ddl")
    return find_dataset(graph, wanted, namespace, field="ddl")


def table_name(parts: tuple[str, ...]) -> str:
    """A DDL table name as datasets are matched to it: dotted, lower-cased."""
    return ".".join(parts).lower()


def table_matches(keys: Iterable[NodeKey], wanted: str, namespace: str | None) -> list[NodeKey]:
    """The dataset keys a DDL table name may mean: those of equal names (case-insensitive)
    if any, else those where one name is a dotted suffix of the other."""
    found = []
    for key in keys:
        if namespace is not None and key[1] != namespace:
            continue
        name = key[2].lower()
        if name == wanted or name.endswith("." + wanted) or wanted.endswith("." + name):
            found.append(key)
    return [k for k in found if k[2].lower() == wanted] or found


@dataclass(frozen=True, slots=True)
class Scope:
    """The part of the store that resolving one request looks at (see `scope`)."""

    datasets: set[int]
    namespaces: set[str]


def scope(conn: Connection, request: dict[str, Any]) -> Scope | None:
    """The datasets (store ids) that resolving `request` may pick, found in the store by key
    and by name, and the namespaces that a node id in it may start with.

    A graph holding these datasets and knowing these namespaces resolves the request as the
    graph of the whole store does: a lookup by key finds the same node, a lookup by name or
    by DDL table name meets every dataset that can match. None when resolution needs every
    dataset's name: an unknown dataset, whose error names the closest ones.
    """
    found = Scope(set(), set())
    namespace = request.get("namespace")
    if request.get("ddl"):
        visible = subgraph.visible_datasets(conn)
        for table_change in parse_ddl(request["ddl"], dialect=request.get("dialect")):
            wanted = table_name(table_change.table)
            matches = table_matches(visible, wanted, namespace)
            found.datasets.update(visible[key] for key in matches)
            if not matches and not _scope_dataset(conn, found, wanted, namespace):
                return None
    if request.get("dataset") and not _scope_dataset(conn, found, request["dataset"], namespace):
        return None
    return found


def _scope_dataset(conn: Connection, found: Scope, text: Any, namespace: Any) -> bool:
    """Add what `find_dataset(graph, text, namespace)` looks at; False if it finds nothing."""
    if not isinstance(text, str):
        return False
    if text.startswith("dataset:"):
        rest = text[len("dataset:") :]
        prefixes = {rest[:i] for i, char in enumerate(rest) if char == ":"}
        known = subgraph.namespaces_among(conn, prefixes)
        found.namespaces.update(known)
        readings = ids.candidates(rest, known)
    elif namespace is not None:
        readings = [(namespace, text)]
    else:
        named = subgraph.named_datasets(conn, text)
        found.datasets.update(named)
        return bool(named)
    hits = subgraph.find_datasets(conn, [dataset_key(*reading) for reading in readings])
    found.datasets.update(dataset for dataset, _ in hits.values())
    return any(visible for _, visible in hits.values())


def schema_diff(current: dict[str, str | None], proposed: Any) -> list[Change]:
    """Changes from the latest known schema to a proposed one (removed or retyped fields)."""
    fields = proposed.get("fields") if isinstance(proposed, dict) else proposed
    if not isinstance(fields, list):
        raise BadRequest("schema must be a list of fields or {fields: [...]}", field="schema")
    new = {f.name: f.type for f in flatten_fields([f for f in fields if isinstance(f, dict)])}
    changes = []
    for name, old_type in current.items():
        if name not in new:
            changes.append(Change("drop_column", name))
        elif old_type and new[name] and old_type.lower() != str(new[name]).lower():
            changes.append(Change("change_type", name, new_type=new[name]))
    return changes


def _check_column(
    graph: LineageGraph, facts: StoreFacts, node: int, change: Change, *, field: str
) -> None:
    column = change.column
    if column is None or graph.find_field(node, column) is not None:
        return
    known = set(facts.schema_fields(graph.key(node))) | set(graph.fields_of(node))
    if column in known:
        return
    raise NodeNotFound(
        f"unknown column {column!r} in {_id(graph, node)}{_closest(column, known)}",
        suggestions=difflib.get_close_matches(column, sorted(known), n=5),
        field=field,
    )


def _closest(text: str, names: Any) -> str:
    close = difflib.get_close_matches(text, sorted(names), n=3)
    return f"; closest: {', '.join(close)}" if close else ""


def _datasets(graph: LineageGraph) -> list[tuple[str, str, str]]:
    return [k for k in graph.keys() if k[0] == "dataset"]


def _id(graph: LineageGraph, node: int) -> str:
    return ids.format_id(*graph.key(node))
