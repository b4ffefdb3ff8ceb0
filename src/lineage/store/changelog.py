"""The graph change log: what each stored event changed in the graph, as JSON rows.

The writer appends one row per stored event in the event's own transaction (one statement
for the group), so the log and the normalized model commit (or roll back) together; a soft
delete or restore appends its row in the transaction that sets `deleted_at`. The process that
wrote a row applies its `Changes` to its own graph as they are, with the row ids the insert
returned; the other replicas read the rows by increasing id (see `lineage.follow`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import Connection, bindparam, func, insert, select

from lineage.store import schema as s
from lineage.store.changes import Changes, ColumnKey, NodeKey, NodeState

_gc = s.graph_changes.c
# Plain bound values, so that one statement inserts all of a group's rows. Each row's id is
# matched to its entry by event id: asking for RETURNING in parameter order instead makes
# SQLite send one INSERT per row (it has no client-side sentinel to sort by).
_APPEND = insert(s.graph_changes).returning(_gc.event_id, _gc.id)
_ROWS = select(_gc.id, _gc.origin, _gc.payload)
_AFTER = (
    _ROWS.where(_gc.id > bindparam("after"), _gc.origin != bindparam("skip_origin"))
    .order_by(_gc.id)
    .limit(bindparam("limit"))
)


@dataclass(frozen=True, slots=True)
class LoggedChange:
    """One row of the change log."""

    id: int
    origin: str
    changes: Changes


def encode(changes: Changes) -> str:
    """The JSON text of a `Changes` (tuples become lists, sets become sorted lists)."""
    body = {
        "nodes": [
            [key, state.kind, state.dropped, state.incomplete, state.parent]
            for key, state in changes.nodes.items()
        ],
        "removed": sorted(changes.removed_nodes),
        "restored": sorted(changes.restored_nodes),
        "edgesAdded": sorted(changes.edges_added),
        "edgesRemoved": sorted(changes.edges_removed),
        "columnsAdded": sorted(changes.columns_added, key=_column_order),
        "columnsRemoved": sorted(changes.columns_removed, key=_column_order),
        "merges": changes.merges,
        "flows": [
            [job, None if flows is None else sorted(flows)] for job, flows in changes.flows.items()
        ],
    }
    return orjson.dumps(body).decode()


def decode(text: str) -> Changes:
    """The `Changes` a JSON text from `encode` holds."""
    body = orjson.loads(text)
    return Changes(
        nodes={
            _node(key): NodeState(kind, dropped, incomplete, _node(parent) if parent else None)
            for key, kind, dropped, incomplete, parent in body["nodes"]
        },
        removed_nodes={_node(key) for key in body["removed"]},
        restored_nodes={_node(key) for key in body.get("restored", ())},  # absent in old rows
        edges_added={_pair(edge) for edge in body["edgesAdded"]},
        edges_removed={_pair(edge) for edge in body["edgesRemoved"]},
        columns_added={_column(column) for column in body["columnsAdded"]},
        columns_removed={_column(column) for column in body["columnsRemoved"]},
        merges=[_pair(merge) for merge in body["merges"]],
        flows={
            _node(job): None if flows is None else frozenset(_pair(flow) for flow in flows)
            for job, flows in body["flows"]
        },
    )


def append(conn: Connection, origin: str, changes: Changes) -> LoggedChange:
    """Log `changes` made outside ingest (soft delete, restore) in `conn`'s transaction."""
    return log(conn, origin, [(None, changes)])[0]


def log(
    conn: Connection, origin: str, entries: Sequence[tuple[int | None, Changes]]
) -> list[LoggedChange]:
    """Log each (event's log id, changes) in one statement in `conn`'s transaction (None:
    no event, a soft delete or restore); the rows as logged, ids included, in the order
    given."""
    if not entries:
        return []
    keys = [event_id for event_id, _ in entries]
    if len(entries) > 1 and (None in keys or len(set(keys)) < len(keys)):
        raise ValueError("a change log batch needs one distinct event id per row")
    rows = [_row(origin, changes, event_id) for event_id, changes in entries]
    ids = {row.event_id: row.id for row in conn.execute(_APPEND, rows)}
    return [LoggedChange(ids[event_id], origin, changes) for event_id, changes in entries]


def _row(origin: str, changes: Changes, event_id: int | None) -> dict[str, Any]:
    return {
        "event_id": event_id,
        "origin": origin,
        "payload": encode(changes),
        "created_at": datetime.now(UTC),
    }


def head(conn: Connection) -> int:
    """The highest id in the log (0 when empty)."""
    return int(conn.execute(select(func.coalesce(func.max(_gc.id), 0))).scalar_one())


def missing_below(conn: Connection, top: int, *, window: int) -> list[int]:
    """Ids in (top - window, top] with no visible row: in flight, or burnt by a rollback."""
    low = max(top - window, 0)
    present: set[int] = set(
        conn.execute(select(_gc.id).where(_gc.id > low, _gc.id <= top)).scalars()
    )
    return [i for i in range(low + 1, top + 1) if i not in present]


def read_after(
    conn: Connection,
    after: int,
    also: Sequence[int] = (),
    *,
    skip_origin: str = "",
    limit: int = 5000,
) -> list[LoggedChange]:
    """Rows with id > `after` (at most `limit`), plus the rows among `also`, in id order;
    none written by `skip_origin` (a replica's own rows, which it applied when it wrote them).
    """
    rows: Iterable[Any]
    if also:  # ids skipped over and still looked for: rare, and a fresh IN list each time
        rows = conn.execute(
            _ROWS.where((_gc.id > after) | _gc.id.in_(list(also)), _gc.origin != skip_origin)
            .order_by(_gc.id)
            .limit(limit)
        )
    else:
        rows = conn.execute(_AFTER, {"after": after, "skip_origin": skip_origin, "limit": limit})
    return [LoggedChange(row.id, row.origin, decode(row.payload)) for row in rows]


def _node(key: Sequence[str]) -> NodeKey:
    kind, namespace, name = key
    return (kind, namespace, name)


def _pair(pair: Sequence[Any]) -> tuple[NodeKey, NodeKey]:
    return (_node(pair[0]), _node(pair[1]))


def _column(column: Sequence[Any]) -> ColumnKey:
    src, dst, job, kind, subtype = column
    return ((_node(src[0]), src[1]), (_node(dst[0]), dst[1]), _node(job), kind, subtype)


def _column_order(column: ColumnKey) -> tuple[Any, ...]:
    return (column[0], column[1], column[2], column[3], column[4] or "")
