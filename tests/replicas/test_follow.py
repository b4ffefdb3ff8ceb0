"""The change follower on real PostgreSQL: ids that become visible out of order."""

from __future__ import annotations

from contextlib import ExitStack

from sqlalchemy import Connection

from lineage.follow import ChangeFollower
from lineage.store.db import make_engine, write_transaction
from lineage.store.migrate import upgrade
from tests.replicas.conftest import write_event
from tests.replicas.test_replicas import run_event


def _write(conn: Connection, job: str, namespace: str) -> None:
    body = run_event(job, "in", "out")
    for part in (body["job"], *body["inputs"], *body["outputs"]):
        part["namespace"] = namespace
    write_event(conn, body)


def test_lower_id_committed_after_a_higher_one_is_still_applied(replica_db_url: str) -> None:
    engine = make_engine(replica_db_url)
    upgrade(engine)
    follower = ChangeFollower(
        engine, interval_ms=100, gap_grace_ms=60_000, on_loaded=lambda _graph: None
    )
    graph = follower.load()
    slow_tx = ExitStack()
    slow = slow_tx.enter_context(write_transaction(engine))
    _write(slow, "slow_job", "ns_slow")  # takes change-log id 1, not committed yet
    with write_transaction(engine) as fast:
        _write(fast, "fast_job", "ns_fast")  # id 2, committed first
    assert follower.catch_up() == 1
    assert (follower.applied_id, follower.pending_ids) == (2, 1)
    assert graph.find(("job", "ns_fast", "fast_job")) is not None
    assert graph.find(("job", "ns_slow", "slow_job")) is None
    slow_tx.close()  # commits
    assert follower.catch_up() == 1
    assert (follower.applied_id, follower.pending_ids) == (2, 0)
    assert graph.find(("job", "ns_slow", "slow_job")) is not None
    engine.dispose()
