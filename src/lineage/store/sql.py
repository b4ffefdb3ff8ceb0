"""SQL shared by the writers: dialect quirks (INSERT ... ON CONFLICT, row locks) and appends."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Select, Table, bindparam, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.expression import Executable


def _dialect_insert(dialect: str, table: Table) -> Any:
    return (postgresql if dialect == "postgresql" else sqlite).insert(table)


def insert_ignore(conn: Connection, table: Table, conflict: Sequence[str]) -> Any:
    """INSERT that silently skips rows clashing on the `conflict` unique columns."""
    return _insert_ignore(conn.dialect.name, table, tuple(conflict))


def upsert_newer(
    conn: Connection, table: Table, conflict: Sequence[str], columns: Sequence[str], clock: str
) -> Any:
    """INSERT, or UPDATE `columns` when the incoming row's `clock` is newer. A tie on `clock`
    goes to the greater value of the first other column (NULL is least), so which of two
    rows arrived first never decides."""
    tiebreak = next(c for c in columns if c != clock)
    return upsert_when(conn, table, conflict, columns, _newer(clock, tiebreak))


def upsert_when(
    conn: Connection,
    table: Table,
    conflict: Sequence[str],
    columns: Sequence[str],
    condition: Callable[[Table, Any], Any],
) -> Any:
    """INSERT, or UPDATE `columns` from the incoming row where `condition(table, excluded)`
    holds (`excluded` is the incoming row). Pass a module-level function: it keys the cache."""
    return _upsert(conn.dialect.name, table, tuple(conflict), tuple(columns), condition)


# The constructs are built once per (dialect, table, columns): building and cache-keying a new
# ON CONFLICT statement for every event cost more than executing it (benchmarks/ingest.py).
@lru_cache(maxsize=64)
def _insert_ignore(dialect: str, table: Table, conflict: tuple[str, ...]) -> Any:
    return _dialect_insert(dialect, table).on_conflict_do_nothing(index_elements=list(conflict))


@lru_cache(maxsize=64)
def _upsert(
    dialect: str,
    table: Table,
    conflict: tuple[str, ...],
    columns: tuple[str, ...],
    condition: Callable[[Table, Any], Any],
) -> Any:
    stmt = _dialect_insert(dialect, table)
    return stmt.on_conflict_do_update(
        index_elements=list(conflict),
        set_={c: stmt.excluded[c] for c in columns},
        where=condition(table, stmt.excluded),
    )


@lru_cache(maxsize=16)
def _newer(clock: str, tiebreak: str) -> Callable[[Table, Any], Any]:
    def condition(table: Table, excluded: Any) -> Any:
        held, incoming = table.c[tiebreak], excluded[tiebreak]
        return (table.c[clock] < excluded[clock]) | (
            (table.c[clock] == excluded[clock])
            & incoming.is_not(None)
            & (held.is_(None) | (held <= incoming))
        )

    return condition


def for_update(conn: Connection, query: Select[Any]) -> Select[Any]:
    """`query` locking the rows it reads (SELECT ... FOR UPDATE) on PostgreSQL, where several
    replicas write at once; SQLite has a single writer, so the query is left as it is."""
    return _locking(query) if conn.dialect.name == "postgresql" else query


@lru_cache(maxsize=16)
def _locking(query: Select[Any]) -> Select[Any]:
    return query.with_for_update()


def update_by_id(table: Table, columns: Iterable[str]) -> Any:
    """UPDATE table SET <columns> WHERE id = :row_id, built once per column set.

    Execute with `{"row_id": ..., **values}`.
    """
    return _update_by_id(table, tuple(sorted(columns)))


@lru_cache(maxsize=256)
def _update_by_id(table: Table, columns: tuple[str, ...]) -> Any:
    return (
        update(table)
        .where(table.c.id == bindparam("row_id"))
        .values({c: bindparam(c) for c in columns})
    )


class Appends:
    """Writes held back to the end of the transaction so a whole group commit sends each as
    one executemany: log rows, facets, schema versions, which nothing reads before COMMIT,
    and rows that have one reader, which flushes them first (`flush_table`): a run's
    datasets (`run_io`), a job's attributes.

    Rows are queued by table, or by a named queue of a table whose rows commute with the
    table's others (a job's `io_time`): rows of one queue keep their order (a facet's newer
    value still lands after its older one); consecutive rows of the same statement are sent
    together.
    """

    def __init__(self) -> None:
        self._queues: dict[str, list[tuple[Executable, list[dict[str, Any]]]]] = {}

    def add(
        self,
        table: Table,
        statement: Executable,
        rows: list[dict[str, Any]],
        *,
        queue: str | None = None,
    ) -> None:
        """Queue `rows` for `statement` (built once: runs are merged by identity) on `queue`
        (by default the table's own)."""
        runs = self._queues.setdefault(queue or table.name, [])
        if runs and runs[-1][0] is statement:
            runs[-1][1].extend(rows)
        else:
            runs.append((statement, list(rows)))

    def flush(self, conn: Connection) -> None:
        """Execute everything queued, queue by queue, and forget it."""
        for name in list(self._queues):
            self.flush_table(conn, name)

    def flush_table(self, conn: Connection, name: str) -> None:
        """Execute what is queued on `name`, a table's (before a statement reads it)."""
        for statement, rows in self._queues.pop(name, ()):
            if rows:
                conn.execute(statement, rows)
