"""Turn an impact request into targets: datasets in the graph with the changes aimed at them.

A request names a dataset (node id, or name with a namespace) with explicit changes or a
proposed schema, or carries DDL whose table names are matched to datasets (db.schema.table
and shorter forms, case-insensitive).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from lineage import ids
from lineage.ddl import CHANGE_KINDS, Change, parse_ddl
from lineage.errors import BadRequest, NodeNotFound
from lineage.facets import flatten_fields
from lineage.graph import LineageGraph
from lineage.impact_context import StoreFacts


@dataclass(frozen=True, slots=True)
class Target:
    """A dataset node and the changes proposed for it."""

    node: int
    changes: tuple[Change, ...]


def resolve_targets(graph: LineageGraph, conn: Connection, request: dict[str, Any]) -> list[Target]:
    """Targets of a request; usage errors name the closest existing datasets or columns."""
    facts = StoreFacts(conn)
    namespace = request.get("namespace")
    grouped: dict[int, list[Change]] = {}
    if request.get("ddl"):
        for table_change in parse_ddl(request["ddl"], dialect=request.get("dialect")):
            node = match_table(graph, table_change.table, namespace)
            grouped.setdefault(node, []).append(table_change.change)
    if request.get("dataset"):
        node = find_dataset(graph, request["dataset"], namespace)
        changes = grouped.setdefault(node, [])
        changes.extend(_change(raw) for raw in request.get("changes") or [])
        if request.get("schema") is not None:
            changes.extend(schema_diff(facts.schema_fields(graph.key(node)), request["schema"]))
    elif request.get("changes") or request.get("schema") is not None:
        raise BadRequest("changes and schema need a dataset", field="dataset")
    if not grouped:
        raise BadRequest("give a dataset with changes, or DDL", field="dataset")
    targets = []
    for node, changes in grouped.items():
        if not changes:
            raise BadRequest(f"no change given for {_id(graph, node)}", field="changes")
        for change in changes:
            _check_column(graph, facts, node, change)
        targets.append(Target(node, tuple(dict.fromkeys(changes))))
    return targets


def _change(raw: Any) -> Change:
    if not isinstance(raw, dict) or raw.get("kind") not in CHANGE_KINDS:
        raise BadRequest(f"a change needs kind, one of {', '.join(CHANGE_KINDS)}", field="changes")
    change = Change(raw["kind"], raw.get("column"), raw.get("newName"), raw.get("newType"))
    needs = {"rename_column": "newName", "change_type": "newType"}.get(change.kind)
    if change.kind != "drop_dataset" and not change.column:
        raise BadRequest(f"{change.kind} needs a column", field="changes")
    if needs and not raw.get(needs):
        raise BadRequest(f"{change.kind} needs {needs}", field="changes")
    return change


def find_dataset(graph: LineageGraph, text: str, namespace: str | None) -> int:
    """A dataset by node id, by namespace + name, or by a name unique across namespaces."""
    if text.startswith("dataset:"):
        readings = ids.candidates(text[len("dataset:") :], graph.namespaces)
    elif namespace is not None:
        readings = [(namespace, text)]
    else:
        readings = [(k[1], k[2]) for k in _datasets(graph) if k[2] == text]
        if len(readings) > 1:
            names = ", ".join(sorted(ids.format_id("dataset", *r) for r in readings))
            raise BadRequest(f"dataset {text!r} is ambiguous: {names}", field="dataset")
    for ns, name in readings:
        node = graph.find(("dataset", ns, name))
        if node is not None:
            return node
    pool = {k[2]: ids.format_id(*k) for k in _datasets(graph) if namespace in (None, k[1])}
    raise NodeNotFound(
        f"unknown dataset {text!r}{_closest(text.rsplit(':', 1)[-1], pool)}",
        suggestions=[pool[n] for n in difflib.get_close_matches(text, list(pool), n=5)],
    )


def match_table(graph: LineageGraph, parts: tuple[str, ...], namespace: str | None) -> int:
    """The dataset a DDL table name means: equal names, or one a dotted suffix of the other."""
    wanted = ".".join(parts).lower()
    found = []
    for key in _datasets(graph):
        if namespace is not None and key[1] != namespace:
            continue
        name = key[2].lower()
        if name == wanted or name.endswith("." + wanted) or wanted.endswith("." + name):
            found.append(key)
    exact = [k for k in found if k[2].lower() == wanted]
    found = exact or found
    if len(found) == 1:
        node = graph.find(found[0])
        assert node is not None
        return node
    if found:
        names = ", ".join(sorted(ids.format_id(*k) for k in found))
        raise BadRequest(f"table {wanted!r} matches several datasets: {names}", field="ddl")
    return find_dataset(graph, wanted, namespace)


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


def _check_column(graph: LineageGraph, facts: StoreFacts, node: int, change: Change) -> None:
    column = change.column
    if column is None or graph.find_field(node, column) is not None:
        return
    known = set(facts.schema_fields(graph.key(node))) | set(graph.fields_of(node))
    if column in known:
        return
    raise NodeNotFound(
        f"unknown column {column!r} in {_id(graph, node)}{_closest(column, known)}",
        suggestions=difflib.get_close_matches(column, sorted(known), n=5),
    )


def _closest(text: str, names: Any) -> str:
    close = difflib.get_close_matches(text, sorted(names), n=3)
    return f"; closest: {', '.join(close)}" if close else ""


def _datasets(graph: LineageGraph) -> list[tuple[str, str, str]]:
    return [k for k in graph.keys() if k[0] == "dataset"]


def _id(graph: LineageGraph, node: int) -> str:
    return ids.format_id(*graph.key(node))
