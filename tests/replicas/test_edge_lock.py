"""Two replicas retiring the same job's edges at once on PostgreSQL: the job row lock makes
the second wait for the first and then see its edges, so no current edge is stored twice."""

from __future__ import annotations

import threading
from contextlib import ExitStack

from sqlalchemy import Connection, text

from lineage.store.db import make_engine, write_transaction
from lineage.store.migrate import upgrade
from tests.replicas.conftest import wait_for, write_event
from tests.replicas.test_replicas import run_event


def _store(conn: Connection, job: str, target: str, run: str) -> None:
    body = run_event(job, "s", target)
    body["run"]["runId"] = run
    write_event(conn, body)


def _lock_waiters(conn: Connection) -> int:
    return int(
        conn.execute(
            text(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
        ).scalar_one()
    )


def test_second_writer_of_a_job_waits_for_the_first_and_sees_its_edges(
    replica_db_url: str,
) -> None:
    engine = make_engine(replica_db_url)
    upgrade(engine)
    with write_transaction(engine) as conn:  # the job, its datasets and its first edges exist
        _store(conn, "j", "t1", "00000000-0000-4000-8000-000000000001")
        _store(conn, "other", "t2", "00000000-0000-4000-8000-000000000002")
    first_tx = ExitStack()
    first = first_tx.enter_context(write_transaction(engine))
    _store(first, "j", "t2", "00000000-0000-4000-8000-000000000003")  # holds the job row

    def second_writer() -> None:
        with write_transaction(engine) as second:
            _store(second, "j", "t2", "00000000-0000-4000-8000-000000000004")

    thread = threading.Thread(target=second_writer)
    thread.start()
    with engine.connect() as watcher:
        wait_for(lambda: _lock_waiters(watcher) == 1)
    first_tx.close()  # commits
    thread.join(timeout=30)
    assert not thread.is_alive()
    with engine.connect() as conn:
        current = conn.execute(
            text(
                "SELECT d.name, e.direction FROM lineage_edges e "
                "JOIN jobs j ON j.id = e.job_id JOIN datasets d ON d.id = e.dataset_id "
                "WHERE j.name = 'j' AND e.valid_to IS NULL ORDER BY d.name"
            )
        ).all()
    assert [tuple(row) for row in current] == [("s", "in"), ("t2", "out")]
    engine.dispose()
