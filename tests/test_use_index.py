"""Property: the collector's in-memory index of run uses answers every question of the blast
radius walk exactly as SQL does, after a first build and after catching up with events that
arrive later (runs finishing, late STARTs moving a run's time, new versions), in any arrival
order. The real write path (the group-commit writer) on a fresh SQLite store per example; the
index holds no dialect-specific state beyond the times it reads (the HTTP scenarios of
tests/test_incidents.py compare both ways on PostgreSQL too)."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import msgspec
import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select

from lineage.events import Limits, parse_event
from lineage.store import schema as s
from lineage.store.db import make_engine
from lineage.store.use_index import UseIndex
from lineage.store.version_reads import SqlUses, Use
from lineage.store.writer import GroupCommitWriter
from tests.test_incidents import rid, run

DATASETS = ["a", "b", "c", "d"]
MINUTES = 10  # between two times of the generated runs: every time differs


@st.composite
def histories(draw: st.DrawFn) -> tuple[list[dict[str, Any]], int]:
    """START and FAIL/COMPLETE events (or a START alone) of a few runs, shuffled, and where
    to split them between before and after the index's first build."""
    count = draw(st.integers(1, 7))
    times = draw(st.permutations(range(2 * count)))
    events: list[dict[str, Any]] = []
    for i in range(count):
        start, end = sorted(times[2 * i : 2 * i + 2])
        inputs = sorted(draw(st.sets(st.sampled_from(DATASETS), max_size=2)))
        outputs = sorted(draw(st.sets(st.sampled_from(DATASETS), max_size=2)))
        versions = {d: f"v{i}" for d in outputs if draw(st.booleans())}
        for d in inputs:  # a read pinned to a version some run may write
            if draw(st.booleans()):
                versions[d] = f"v{draw(st.integers(0, count - 1))}"
        state = draw(st.sampled_from(["COMPLETE", "FAIL", None]))
        pair = run(
            f"u{i}",
            f"j{i % 3}",
            start * MINUTES,
            end * MINUTES,
            inputs,
            outputs,
            state=state or "COMPLETE",
            versions=versions,
        )
        events += pair if state else pair[:1]
    order = draw(st.permutations(range(len(events))))
    return [events[i] for i in order], draw(st.integers(0, len(events)))


def write(engine: Engine, events: list[dict[str, Any]]) -> None:
    writer = GroupCommitWriter(engine, origin="test", on_commit=lambda _rows: None)
    parsed = [parse_event(orjson.dumps(e), limits=Limits()) for e in events]
    futures = [writer.submit([e]) for e in parsed]
    writer.start()
    try:
        assert all(o.stored for f in futures for o in f.result(timeout=120))
    finally:
        writer.stop()


def same(index: list[Use], sql: list[Use]) -> bool:
    as_rows = msgspec.structs.astuple
    return Counter(map(as_rows, index)) == Counter(map(as_rows, sql))


def check(conn: Any, index: UseIndex, events: list[dict[str, Any]]) -> None:
    """Every question the walk asks, answered by `index` and by SQL."""
    datasets = list(conn.execute(select(s.datasets.c.id)).scalars())
    run_ids = [rid(f"u{i}") for i in range(len(events))]
    times = [None, 0, *(m * MINUTES * 60_000_000 + 1_704_067_200_000_000 for m in (3, 7, 11))]
    sql = SqlUses(conn)
    with index.current(conn) as uses:
        assert uses.runs(run_ids) == sql.runs(run_ids)
        assert same(uses.outputs(run_ids), sql.outputs(run_ids))
        for since in times:
            for until in times:
                if until is not None and since is not None and until < since:
                    continue
                assert same(
                    uses.versions(datasets, since=since, until=until),
                    sql.versions(datasets, since=since, until=until),
                ), (since, until)
                if since is None:
                    continue
                for pinned in ((), ("v0",), ("v1", "v2")):
                    assert same(
                        uses.readers(datasets, since=since, until=until, pinned=pinned),
                        sql.readers(datasets, since=since, until=until, pinned=pinned),
                    ), (since, until, pinned)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(history=histories())
def test_the_index_answers_as_sql_does_before_and_after_catching_up(
    sqlite_template: Path,
    tmp_path_factory: pytest.TempPathFactory,
    history: tuple[list[dict[str, Any]], int],
) -> None:
    events, split = history
    database = tmp_path_factory.mktemp("uses") / "store.db"
    shutil.copy(sqlite_template, database)
    engine = make_engine(f"sqlite:///{database}")
    index = UseIndex(gap_grace_s=0)
    try:
        write(engine, events[:split])
        with engine.connect() as conn:
            check(conn, index, events)  # the first build
        write(engine, events[split:])
        with engine.connect() as conn:
            check(conn, index, events)  # caught up
            check(conn, UseIndex(gap_grace_s=0), events)  # built anew
    finally:
        engine.dispose()
