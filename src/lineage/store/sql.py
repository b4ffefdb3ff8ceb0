"""Dialect quirks in one place: INSERT ... ON CONFLICT and row locks, SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Select, Table
from sqlalchemy.dialects import postgresql, sqlite


def _insert(conn: Connection, table: Table) -> Any:
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    return dialect.insert(table)


def insert_ignore(conn: Connection, table: Table, conflict: Sequence[str]) -> Any:
    """INSERT that silently skips rows clashing on the `conflict` unique columns."""
    return _insert(conn, table).on_conflict_do_nothing(index_elements=list(conflict))


def upsert_newer(
    conn: Connection, table: Table, conflict: Sequence[str], columns: Sequence[str], clock: str
) -> Any:
    """INSERT, or UPDATE `columns` when the incoming row's `clock` is not older."""
    stmt = _insert(conn, table)
    return stmt.on_conflict_do_update(
        index_elements=list(conflict),
        set_={c: stmt.excluded[c] for c in columns},
        where=table.c[clock] <= stmt.excluded[clock],
    )


def for_update(conn: Connection, query: Select[Any]) -> Select[Any]:
    """`query` locking the rows it reads (SELECT ... FOR UPDATE) on PostgreSQL, where several
    replicas write at once; SQLite has a single writer, so the query is left as it is."""
    return query.with_for_update() if conn.dialect.name == "postgresql" else query
