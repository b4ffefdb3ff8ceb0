"""Engines for SQLite and PostgreSQL, with the connection discipline each needs.

SQLite: WAL, `synchronous=FULL` (a 2xx means the event survives power loss), a busy
timeout, foreign keys on, and explicit BEGIN so savepoints work; every transaction that
writes (`write_transaction`: the group-commit writer, soft delete, prune, replay) opens with
BEGIN IMMEDIATE so it waits for the busy timeout instead of failing on a lock upgrade.
PostgreSQL: pre-ping and a connect timeout, so a dead server becomes a quick 503.
`read_only=True` (offline CLI queries) opens an existing SQLite file with `mode=ro` (never
creating it) and PostgreSQL sessions with `default_transaction_read_only`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError

from lineage.errors import StoreUnavailable


def make_engine(
    url: str, *, busy_timeout_ms: int = 5000, connect_timeout_s: int = 5, read_only: bool = False
) -> Engine:
    """Create the engine for `url`, configured for its dialect."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if read_only:
            return _sqlite_read_only(url, busy_timeout_ms)
        return _sqlite_engine(url, busy_timeout_ms)
    connect_args: dict[str, Any] = {}
    if parsed.get_backend_name() == "postgresql":
        connect_args["connect_timeout"] = connect_timeout_s
        if read_only:
            connect_args["options"] = "-c default_transaction_read_only=on"
    return create_engine(
        url,
        hide_parameters=True,  # event payloads never reach logs through SQL errors
        pool_pre_ping=True,
        pool_size=8,
        max_overflow=8,
        pool_timeout=connect_timeout_s,
        connect_args=connect_args,
    )


def _sqlite_engine(url: str, busy_timeout_ms: int) -> Engine:
    parsed = make_url(url)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url,
        hide_parameters=True,
        connect_args={"check_same_thread": False, "timeout": busy_timeout_ms / 1000},
        pool_size=8,
        max_overflow=8,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves (savepoints need it)
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        immediate = conn.get_execution_options().get("sqlite_immediate", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """A transaction that writes: on SQLite it takes the write lock at BEGIN (IMMEDIATE).

    A deferred transaction that reads first and writes later fails at once with "database
    is locked" when another writer committed in between (its snapshot is stale; the busy
    timeout does not apply). Taking the lock up front waits for the busy timeout instead.
    """
    with engine.connect() as conn:
        conn = conn.execution_options(sqlite_immediate=True)
        with conn.begin():
            yield conn


def _sqlite_read_only(url: str, busy_timeout_ms: int) -> Engine:
    """An existing SQLite file opened read-only: a wrong path is an error, not a new file."""
    database = make_url(url).database or ""
    path = Path(database).expanduser()
    if database in ("", ":memory:") or not path.is_file():
        raise StoreUnavailable(f"no SQLite database at {database or '(no path)'}")
    uri = f"{path.resolve().as_uri()}?mode=ro"

    def connect() -> sqlite3.Connection:
        conn = sqlite3.connect(
            uri, uri=True, check_same_thread=False, timeout=busy_timeout_ms / 1000
        )
        conn.execute("PRAGMA foreign_keys=ON")
        return conn

    return create_engine(url, creator=connect, hide_parameters=True, pool_size=2, max_overflow=2)


def is_unavailable(exc: BaseException) -> bool:
    """True for errors that mean "the database is down or locked", not "bad data"."""
    if isinstance(exc, OperationalError):
        return True
    return isinstance(exc, DBAPIError) and bool(exc.connection_invalidated)


@contextmanager
def unavailable_as_503(what: str) -> Iterator[None]:
    """Turn a dead or locked database into StoreUnavailable with a clear message."""
    try:
        yield
    except DBAPIError as exc:
        if not is_unavailable(exc):
            raise
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
        raise StoreUnavailable(f"database unavailable while {what}: {reason}") from exc


def redact(url: str) -> str:
    """The URL with any password hidden, for logs and status output."""
    return make_url(url).render_as_string(hide_password=True)
