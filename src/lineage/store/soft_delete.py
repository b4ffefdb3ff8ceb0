"""Soft delete: a dataset or job keeps its rows and history but is hidden until restored.

Ingest never clears `deleted_at`, so new events about a deleted node are stored (nothing is
lost) while the node stays hidden; restoring it shows everything that arrived meanwhile.
`lineage db replay` keeps the marks: it notes them before emptying the tables and puts them
back on the rebuilt rows.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Row, Table, select, update

from lineage.store import schema as s

DeletedMark = tuple[str, str, str, datetime]  # table name, namespace, name, deleted_at
_TABLES = {table.name: table for table in (s.datasets, s.jobs)}


def set_deleted(conn: Connection, table: Table, row_id: int, *, deleted: bool) -> Row[Any]:
    """Mark a `datasets` or `jobs` row deleted (now) or restored; returns the updated row.

    Restoring a dataset also clears the marks of its aliases (a deleted dataset merged into
    another one made the merged dataset deleted), so replay does not hide it again."""
    deleted_at = datetime.now(UTC) if deleted else None
    rows = table.c.id == row_id
    if not deleted and table is s.datasets:
        rows = rows | (table.c.canonical_id == row_id)
    conn.execute(update(table).where(rows).values(deleted_at=deleted_at))
    return conn.execute(select(table).where(table.c.id == row_id)).one()


def deleted_marks(conn: Connection) -> list[DeletedMark]:
    """Every deleted dataset and job, by identity (ids change when the tables are rebuilt)."""
    return [
        (name, row.namespace, row.name, row.deleted_at)
        for name, table in _TABLES.items()
        for row in conn.execute(
            select(table.c.namespace, table.c.name, table.c.deleted_at).where(
                table.c.deleted_at.is_not(None)
            )
        )
    ]


def reapply_marks(conn: Connection, marks: list[DeletedMark]) -> None:
    """Mark the rows of `marks` deleted again, at their original time."""
    for table_name, namespace, name, deleted_at in marks:
        table = _TABLES[table_name]
        conn.execute(
            update(table)
            .where(table.c.namespace == namespace, table.c.name == name)
            .values(deleted_at=deleted_at)
        )
