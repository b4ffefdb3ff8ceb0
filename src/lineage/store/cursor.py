"""Hot statements run straight on the DBAPI cursor, compiled once per dialect and column set.

`Connection.execute` spends ~40 us per statement building an execution context and a result
around a ~4 us SQLite lookup; the writer runs about ten statements per event, so that
machinery was a third of its time (benchmarks/ingest.py). `execute` keeps what matters from
it (the dialect's SQL and bind/result type processing, scalar column defaults, DBAPI errors
wrapped as SQLAlchemy's, a dropped connection invalidated) and skips the rest. A statement it
cannot plan (RETURNING, expanding IN, callable defaults) goes through `Connection.execute`.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Delete, Insert, Select, Update, event
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.expression import Executable

from lineage.store.schema import UtcDateTime

Params = dict[str, Any]
Processor = Callable[[Any], Any]


class Rows:
    """What a statement returned: its rows (read by attribute or index) and `rowcount`."""

    __slots__ = ("rowcount", "rows")

    def __init__(self, rows: list[Any], rowcount: int) -> None:
        self.rows, self.rowcount = rows, rowcount

    def __iter__(self) -> Iterator[Any]:
        return iter(self.rows)

    def first(self) -> Any:
        """The first row, or None."""
        return self.rows[0] if self.rows else None

    def one(self) -> Any:
        """The only row; raises unless there is exactly one."""
        if len(self.rows) != 1:
            raise LookupError(f"expected one row, got {len(self.rows)}")
        return self.rows[0]

    def scalar(self) -> Any:
        """The first column of the first row, or None."""
        return self.rows[0][0] if self.rows else None


@dataclass(frozen=True, slots=True)
class _Plan:
    sql: str
    # positional paramstyle: (bind name, its processor) in placeholder order; else None
    order: tuple[tuple[str, Processor | None], ...] | None
    fixed: Params  # binds whose value is part of the statement, and scalar column defaults
    processors: tuple[tuple[str, Processor], ...]
    row: Any  # the namedtuple class of a result row, or None
    results: tuple[Processor | None, ...]


# keyed by the statement object itself: statements compare by identity
_plans: dict[tuple[Executable, str, tuple[str, ...]], _Plan | None] = {}


def execute(
    conn: Connection, statement: Executable, params: Params | list[Params] | None = None
) -> Rows:
    """Run `statement` with one parameter dict, or with a list of them as an executemany, in
    `conn`'s transaction. Pass statements built once (at import, or cached): each one is
    planned and kept per dialect and parameter names."""
    many = isinstance(params, list)
    rows: list[Params] = params if isinstance(params, list) else [params or {}]
    if many and not rows:
        return Rows([], 0)
    plan = _plan_of(conn, statement, rows[0])
    if plan is None:
        result = conn.execute(statement, params)
        return Rows(list(result.all()) if result.returns_rows else [], result.rowcount)
    if not conn.in_transaction():
        conn.begin()
    _send_queued(conn)
    bound = [_bind(plan, row) for row in rows]
    dbapi_conn = conn.connection.dbapi_connection
    assert dbapi_conn is not None
    cursor = dbapi_conn.cursor()
    try:
        if many:
            cursor.executemany(plan.sql, bound)
        else:
            cursor.execute(plan.sql, bound[0])
        fetched = cursor.fetchall() if plan.row is not None else []
        rowcount = cursor.rowcount
    except conn.dialect.loaded_dbapi.Error as exc:
        raise _wrapped(conn, plan.sql, exc, cursor) from exc
    finally:
        cursor.close()
    if plan.row is None:
        return Rows([], rowcount)
    make, processors = plan.row._make, plan.results
    return Rows(
        [
            make([p(v) if p is not None else v for p, v in zip(processors, raw, strict=True)])
            for raw in fetched
        ],
        rowcount,
    )


def send(conn: Connection, statement: Executable, params: Params | list[Params]) -> None:
    """`execute` a write whose answer nothing reads. Inside `pipelined` on PostgreSQL it is
    queued, and goes out with the others queued, without waiting for their answers, just
    before the next statement that needs an answer (or at the end of the block)."""
    queued = conn.info.get(_QUEUED)
    rows = params if isinstance(params, list) else [params]
    plan = _plan_of(conn, statement, rows[0]) if queued is not None and rows else None
    if plan is None:
        execute(conn, statement, params)
        return
    assert queued is not None
    queued.append((plan.sql, [_bind(plan, row) for row in rows], isinstance(params, list)))


@contextmanager
def pipelined(conn: Connection) -> Iterator[None]:
    """Let `send` hold writes back on PostgreSQL (psycopg's pipeline mode) within the block.

    Half of the writer's per-event statements are writes whose answer nothing reads; not
    waiting for each one took 7-11% off the writer's time per event on the development VM
    (groups alternating with and without, in one process). An error in a queued write
    is raised by the statement that sends it, or at the end of the block: use this only
    where any error abandons the whole transaction. On SQLite `send` runs at once.
    """
    if conn.dialect.driver != "psycopg":
        yield
        return
    if not event.contains(conn.engine, "before_cursor_execute", _before_sqlalchemy):
        event.listen(conn.engine, "before_cursor_execute", _before_sqlalchemy)
    conn.info[_QUEUED] = []
    try:
        yield
        _send_queued(conn)
    finally:
        conn.info.pop(_QUEUED, None)


_QUEUED = "lineage.queued_writes"


def _before_sqlalchemy(conn: Connection, *_args: Any) -> None:
    _send_queued(conn)  # a statement run by SQLAlchemy itself sees the queued writes too


def _send_queued(conn: Connection) -> None:
    queued = conn.info.get(_QUEUED)
    if not queued:
        return
    writes = list(queued)
    queued.clear()
    dbapi_conn: Any = conn.connection.dbapi_connection
    cursor = dbapi_conn.cursor()
    sql = ""
    try:
        with dbapi_conn.pipeline():
            for sql, bound, many in writes:
                if many:
                    cursor.executemany(sql, bound)
                else:
                    cursor.execute(sql, bound[0])
    except conn.dialect.loaded_dbapi.Error as exc:
        raise _wrapped(conn, sql, exc, cursor) from exc
    finally:
        cursor.close()


def _plan_of(conn: Connection, statement: Executable, row: Params) -> _Plan | None:
    keys = tuple(sorted(row))
    key = (statement, conn.dialect.name, keys)
    try:
        return _plans[key]
    except KeyError:
        plan = _plans[key] = _plan(conn.dialect, statement, keys)
        return plan


def _bind(plan: _Plan, row: Params) -> Any:
    values = {**plan.fixed, **row} if plan.fixed else row
    if plan.order is not None:
        return tuple([values[name] if p is None else p(values[name]) for name, p in plan.order])
    values = dict(values)
    for name, process in plan.processors:
        if name in values:
            values[name] = process(values[name])
    return values


def _plan(dialect: Dialect, statement: Executable, keys: tuple[str, ...]) -> _Plan | None:
    if not isinstance(statement, Select | Insert | Update | Delete):
        return None
    if getattr(statement, "_returning", ()):
        return None
    compiled = statement.compile(dialect=dialect, column_keys=list(keys))
    if compiled.escaped_bind_names or any(b.expanding for b in compiled.binds.values()):
        return None
    fixed: Params = {}
    for column in (*compiled.insert_prefetch, *compiled.update_prefetch):
        default: Any = column.default if column in compiled.insert_prefetch else column.onupdate
        if default is None or not default.is_scalar:
            return None
        fixed[column.key] = default.arg
    processors = []
    for name, bind in compiled.binds.items():
        if not bind.required and bind.callable is None and name not in (*keys, *fixed):
            fixed[name] = bind.value
        process = bind.type.dialect_impl(dialect).bind_processor(dialect)
        if process is not None:
            processors.append((name, _memo(bind.type, process)))
    row: Any = None
    results: tuple[Processor | None, ...] = ()
    if isinstance(statement, Select):
        columns = list(statement.selected_columns)
        row = namedtuple("Row", [c.key for c in columns])  # type: ignore[misc,no-redef]
        results = tuple(
            _memo(c.type, c.type.dialect_impl(dialect).result_processor(dialect, None))
            for c in columns
        )
    by_name = dict(processors)
    order = (
        tuple((name, by_name.get(name)) for name in compiled.positiontup or ())
        if compiled.positional
        else None
    )
    return _Plan(compiled.string, order, fixed, tuple(processors), row, results)


def _memo(kind: Any, process: Any) -> Any:
    """Timestamps are converted once per distinct value: the rows of a group share a few
    event times, and each conversion (to UTC, then to SQLite's text form) costs ~3 us."""
    if process is None or not isinstance(kind, UtcDateTime):
        return process
    return lru_cache(maxsize=4096)(process)


def _wrapped(conn: Connection, sql: str, exc: Any, cursor: Any) -> Exception:
    dialect = conn.dialect
    lost = dialect.is_disconnect(exc, conn.connection.dbapi_connection, cursor)
    if lost:
        conn.invalidate(exc)
    return DBAPIError.instance(
        sql,
        None,
        exc,
        dialect.loaded_dbapi.Error,
        hide_parameters=True,
        connection_invalidated=lost,
        dialect=dialect,
    )
