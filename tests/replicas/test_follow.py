"""The change follower on real PostgreSQL: ids that become visible out of order."""

from __future__ import annotations

from datetime import UTC, datetime

import orjson
from sqlalchemy import select

from lineage.events import Limits, parse_event
from lineage.follow import ChangeFollower
from lineage.store import changelog
from lineage.store import schema as s
from lineage.store.db import make_engine
from lineage.store.identities import IdCache
from lineage.store.ingest import store_event
from lineage.store.migrate import upgrade
from lineage.store.sql import Appends
from tests.replicas.test_replicas import run_event


def _write(conn, job: str, namespace: str) -> None:  # type: ignore[no-untyped-def]
    body = run_event(job, "in", "out")
    for part in (body["job"], *body["inputs"], *body["outputs"]):
        part["namespace"] = namespace
    event = parse_event(orjson.dumps(body), limits=Limits())
    appends = Appends()
    changes = store_event(
        conn, event, cache=IdCache(), received_at=datetime.now(UTC), appends=appends
    )
    assert changes
    appends.flush(conn)
    log_id = conn.execute(select(s.events.c.id).where(s.events.c.hash == event.hash)).scalar()
    changelog.log(conn, "other-replica", [(log_id, changes)])


def test_lower_id_committed_after_a_higher_one_is_still_applied(replica_db_url: str) -> None:
    engine = make_engine(replica_db_url)
    upgrade(engine)
    follower = ChangeFollower(
        engine, interval_ms=100, gap_grace_ms=60_000, on_loaded=lambda _graph: None
    )
    graph = follower.load()
    slow = engine.connect()
    slow_tx = slow.begin()
    _write(slow, "slow_job", "ns_slow")  # takes change-log id 1, not committed yet
    with engine.begin() as fast:
        _write(fast, "fast_job", "ns_fast")  # id 2, committed first
    assert follower.catch_up() == 1
    assert (follower.applied_id, follower.pending_ids) == (2, 1)
    assert graph.find(("job", "ns_fast", "fast_job")) is not None
    assert graph.find(("job", "ns_slow", "slow_job")) is None
    slow_tx.commit()
    slow.close()
    assert follower.catch_up() == 1
    assert (follower.applied_id, follower.pending_ids) == (2, 0)
    assert graph.find(("job", "ns_slow", "slow_job")) is not None
    engine.dispose()
