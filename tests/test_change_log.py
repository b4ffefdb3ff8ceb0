"""The change log rows a group commit writes: one per stored event, in the event log's order."""

from __future__ import annotations

import orjson
from sqlalchemy import select

from lineage.events import Limits, parse_event
from lineage.store import schema as s
from lineage.store.changelog import LoggedChange
from lineage.store.db import make_engine
from lineage.store.migrate import upgrade
from lineage.store.writer import GroupCommitWriter
from tests.events import ds, run_event


def test_a_groups_rows_follow_the_log_and_carry_their_ids(db_url: str) -> None:
    engine = make_engine(db_url)
    upgrade(engine)
    handed: list[LoggedChange] = []
    writer = GroupCommitWriter(engine, origin="test", on_commit=handed.extend)
    bodies = [run_event(f"job{i}", inputs=[ds("n", f"in{i}")]) for i in range(20)]
    events = [parse_event(orjson.dumps(body), limits=Limits()) for body in bodies]
    future = writer.submit([*events[:10], events[3], *events[10:]])  # one duplicate inside
    writer.start()
    try:
        outcomes = future.result(timeout=60)
    finally:
        writer.stop()
    assert [o.stored for o in outcomes] == [True] * 10 + [False] + [True] * 10
    gc, ev = s.graph_changes.c, s.events.c
    with engine.connect() as conn:
        logged = conn.execute(
            select(gc.id, ev.hash).join(s.events, ev.id == gc.event_id).order_by(gc.id)
        ).all()
        log_order = conn.execute(select(ev.hash).order_by(ev.id)).scalars().all()
    engine.dispose()
    assert [h for _, h in logged] == [e.hash for e in events] == log_order
    assert [c.id for c in handed] == [row_id for row_id, _ in logged]
    # each row holds its own event's changes
    assert [sorted(c.changes.nodes) for c in handed] == [
        [("dataset", "n", f"in{i}"), ("job", "ns", f"job{i}")] for i in range(20)
    ]
