"""Property: whatever order the same events arrive in, and however the writer groups them,
the blast radius is the same (event times decide, never arrival). The real write path (the
group-commit writer) on a fresh SQLite store per example."""

from __future__ import annotations

import shutil
from pathlib import Path

import msgspec
import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lineage.events import Limits, parse_event
from lineage.query import incidents
from lineage.store.db import make_engine
from lineage.store.writer import GroupCommitWriter
from tests.test_incidents import CHAIN_ANSWER, PINNED_ANSWER, chain, pinned_versions, rid

EVENTS = [orjson.dumps(e) for e in chain() + pinned_versions()]


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(order=st.permutations(range(len(EVENTS))), group=st.integers(1, 5))
def test_any_arrival_order_and_grouping_gives_the_same_answer(
    sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory, order: list[int], group: int
) -> None:
    database = tmp_path_factory.mktemp("order") / "store.db"
    shutil.copy(sqlite_template, database)
    engine = make_engine(f"sqlite:///{database}")
    writer = GroupCommitWriter(engine, origin="test", on_commit=lambda _rows: None)
    events = [parse_event(EVENTS[i], limits=Limits()) for i in order]
    futures = [writer.submit(events[i : i + group]) for i in range(0, len(events), group)]
    writer.start()
    try:
        assert all(o.stored for f in futures for o in f.result(timeout=120))
    finally:
        writer.stop()
    with engine.connect() as conn:
        chain_answer = incidents.run_blast_radius(conn, rid("load1"))
        pinned_answer = incidents.run_blast_radius(conn, rid("w2"))
    engine.dispose()
    assert msgspec.to_builtins(chain_answer) == CHAIN_ANSWER
    assert msgspec.to_builtins(pinned_answer) == PINNED_ANSWER
