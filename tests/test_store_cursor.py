"""`lineage.store.cursor.execute` answers exactly what `Connection.execute` answers, on both
databases: typed values, column defaults, rowcounts, errors, and the statements it hands back
to SQLAlchemy; writes held back by `send` are seen by every later statement."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import Connection, bindparam, func, select, update
from sqlalchemy.exc import IntegrityError

from lineage.store import schema as s
from lineage.store.cursor import execute, pipelined, send
from lineage.store.db import make_engine
from lineage.store.sql import insert_ignore

AT = datetime(2026, 11, 20, 3, 14, 15, 926535, tzinfo=UTC)
INSERT_JOB = s.jobs.insert()
JOB_BY_IDENT = select(s.jobs).where(s.jobs.c.ident == bindparam("ident"))
TOUCH_JOB = (
    update(s.jobs)
    .where(s.jobs.c.updated_at < bindparam("at"))
    .values(updated_at=bindparam("at"), sql=bindparam("sql"))
)


@pytest.fixture
def conn(db_url: str) -> Iterator[Connection]:
    engine = make_engine(db_url)
    with engine.connect() as connection, connection.begin() as transaction:
        yield connection
        transaction.rollback()
    engine.dispose()


def _job(name: str, at: datetime = AT) -> dict[str, object]:
    return {
        "ident": s.ident("ns", name),
        "namespace": "ns",
        "name": name,
        "created_at": at,
        "updated_at": at,
    }


def test_rows_are_typed_like_sqlalchemy_rows(conn: Connection) -> None:
    # lineage_incomplete is left out: its scalar column default (False) must be filled in
    execute(conn, INSERT_JOB, _job("a", AT.astimezone(timezone(timedelta(hours=5)))))
    fast = execute(conn, JOB_BY_IDENT, {"ident": s.ident("ns", "a")}).one()
    slow = conn.execute(JOB_BY_IDENT, {"ident": s.ident("ns", "a")}).one()
    assert tuple(fast) == tuple(slow)
    assert fast._fields == tuple(slow._fields)
    assert (fast.name, fast.lineage_incomplete, fast.created_at) == ("a", False, AT)
    assert fast.created_at.tzinfo is UTC
    assert execute(conn, JOB_BY_IDENT, {"ident": "missing"}).first() is None


def test_executemany_and_rowcount(conn: Connection) -> None:
    execute(conn, INSERT_JOB, [_job("a"), _job("b"), _job("c", AT + timedelta(days=1))])
    later = AT + timedelta(hours=1)
    touched = execute(conn, TOUCH_JOB, {"at": later, "sql": "SELECT 1"})
    assert touched.rowcount == 2  # c is newer than `later`
    names = select(s.jobs.c.name).where(s.jobs.c.sql == "SELECT 1").order_by(s.jobs.c.name)
    assert [row.name for row in execute(conn, names)] == ["a", "b"]
    assert execute(conn, INSERT_JOB, []).rowcount == 0


def test_on_conflict_and_errors_are_sqlalchemys(conn: Connection) -> None:
    execute(conn, INSERT_JOB, _job("a"))
    ignored = execute(conn, insert_ignore(conn, s.jobs, ["ident"]), _job("a"))
    assert ignored.rowcount == 0
    with pytest.raises(IntegrityError) as raised:
        execute(conn, INSERT_JOB, _job("a"))
    expected = {
        "sqlite": "UNIQUE constraint failed: jobs.ident",
        "postgresql": 'duplicate key value violates unique constraint "uq_jobs_ident"',
    }[conn.dialect.name]
    assert str(raised.value.orig).splitlines()[0] == expected
    assert "[SQL: INSERT INTO jobs" in str(raised.value)


def test_returning_goes_through_sqlalchemy(conn: Connection) -> None:
    returning = insert_ignore(conn, s.jobs, ["ident"]).returning(s.jobs.c.name)
    assert [row.name for row in execute(conn, returning, _job("a"))] == ["a"]
    assert [row.name for row in execute(conn, returning, _job("a"))] == []


def test_sent_writes_are_seen_by_every_later_statement(conn: Connection) -> None:
    names = select(s.jobs.c.name).where(s.jobs.c.sql == "SELECT 1").order_by(s.jobs.c.name)
    with pipelined(conn):
        send(conn, INSERT_JOB, _job("a"))
        assert execute(conn, JOB_BY_IDENT, {"ident": s.ident("ns", "a")}).one().name == "a"
        send(conn, INSERT_JOB, [_job("b"), _job("c")])
        # a statement SQLAlchemy runs itself sends the held-back writes first
        assert conn.execute(select(func.count()).select_from(s.jobs)).scalar() == 3
        send(conn, TOUCH_JOB, {"at": AT + timedelta(hours=1), "sql": "SELECT 1"})
    # the block's end sent the last write
    assert [row.name for row in execute(conn, names)] == ["a", "b", "c"]


def test_a_failed_sent_write_raises_by_the_end_of_the_block(conn: Connection) -> None:
    execute(conn, INSERT_JOB, _job("a"))
    with pytest.raises(IntegrityError), pipelined(conn):
        send(conn, INSERT_JOB, _job("a"))
