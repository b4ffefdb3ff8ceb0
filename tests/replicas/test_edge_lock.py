"""Two replicas retiring the same job's edges at once on PostgreSQL: the job row lock makes
the second wait for the first and then see its edges, so no current edge is stored twice."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import orjson
from sqlalchemy import Connection, text

from lineage.events import Limits, parse_event
from lineage.store.db import make_engine
from lineage.store.identities import IdCache
from lineage.store.ingest import store_event
from lineage.store.migrate import upgrade
from tests.replicas.conftest import wait_for
from tests.replicas.test_replicas import run_event


def _store(conn: Connection, job: str, target: str, run: str) -> None:
    body = run_event(job, "s", target)
    body["run"]["runId"] = run
    event = parse_event(orjson.dumps(body), limits=Limits())
    assert store_event(conn, event, cache=IdCache(), received_at=datetime.now(UTC))


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
    with engine.begin() as conn:  # the job, its datasets and its first edges exist already
        _store(conn, "j", "t1", "00000000-0000-4000-8000-000000000001")
        _store(conn, "other", "t2", "00000000-0000-4000-8000-000000000002")
    first = engine.connect()
    first_tx = first.begin()
    _store(first, "j", "t2", "00000000-0000-4000-8000-000000000003")  # holds the job row

    def second_writer() -> None:
        with engine.begin() as second:
            _store(second, "j", "t2", "00000000-0000-4000-8000-000000000004")

    thread = threading.Thread(target=second_writer)
    thread.start()
    with engine.connect() as watcher:
        wait_for(lambda: _lock_waiters(watcher) == 1)
    first_tx.commit()
    first.close()
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
