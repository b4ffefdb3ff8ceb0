"""Property: every version the dataset's versions list gives is one the version-provenance
route knows. A listed version names the data version it was sent with (its `version` facet),
else the one its first reporter wrote, else the one that reporter read; when there is none
(the reporter failed, or read what no run wrote) the answer is a 404 naming `version`.
Generated histories of one dataset through the real write path, a fresh SQLite store each."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lineage.errors import NodeNotFound
from lineage.events import Limits, parse_event
from lineage.query import entities, incidents
from lineage.store import read
from lineage.store.db import make_engine
from lineage.store.writer import GroupCommitWriter
from tests.events import schema
from tests.test_incidents import at, rid, run

SCHEMAS = [None, ("id:int",), ("id:int", "x"), ("y",)]


@dataclass(frozen=True)
class Step:
    """One run of the history: it writes or reads dataset `s`."""

    writes: bool
    start: int
    minutes: int
    failed: bool
    schema: int  # index into SCHEMAS
    version: str | None


steps = st.builds(
    Step,
    writes=st.booleans(),
    start=st.integers(0, 40),
    minutes=st.integers(1, 5),
    failed=st.booleans(),
    schema=st.integers(0, len(SCHEMAS) - 1),
    version=st.sampled_from([None, None, "v1", "v2"]),
)


def events(history: list[Step]) -> list[bytes]:
    out = []
    for i, h in enumerate(history):
        name = f"p{i}"
        state = "FAIL" if h.failed else "COMPLETE"
        versions = {"s": h.version} if h.version else None
        io = ([], ["s"]) if h.writes else (["s"], [])
        for event in run(name, f"j{i}", h.start, h.start + h.minutes, *io, state=state,
                         versions=versions):  # fmt: skip
            fields = SCHEMAS[h.schema]
            if fields is not None:
                ref = (event["outputs"] if h.writes else event["inputs"])[0]
                ref["facets"]["schema"] = schema(*fields)
            out.append(orjson.dumps(event))
    return out


def expected(history: list[Step], listed: str, reporter: str | None) -> str | None:
    """The writer of the data version a listed version names (None: a 404), by the rule."""
    written = sorted(
        (h.start + h.minutes, rid(f"p{i}"), h.version)
        for i, h in enumerate(history)
        if h.writes and not h.failed
    )
    named = [w for end, w, v in written if v == listed]
    if named:
        return named[-1]
    by_run = {rid(f"p{i}"): h for i, h in enumerate(history)}
    if any(w == reporter for _, w, _ in written):
        return reporter
    h = by_run.get(reporter) if reporter is not None else None
    if h is None or h.writes:
        return None
    if h.version is not None:
        pinned = [w for _, w, v in written if v == h.version]
        return pinned[-1] if pinned else None
    before = [w for end, w, _ in written if end <= h.start]
    return before[-1] if before else None


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(history=st.lists(steps, min_size=1, max_size=6))
def test_every_listed_version_has_a_provenance(
    sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory, history: list[Step]
) -> None:
    database = tmp_path_factory.mktemp("versions") / "store.db"
    shutil.copy(sqlite_template, database)
    engine = make_engine(f"sqlite:///{database}")
    writer = GroupCommitWriter(engine, origin="test", on_commit=lambda _rows: None)
    future = writer.submit([parse_event(e, limits=Limits()) for e in events(history)])
    writer.start()
    try:
        assert all(o.stored for o in future.result(timeout=120))
    finally:
        writer.stop()
    with engine.connect() as conn:
        row = read.find_dataset(conn, "n", "s")
        assert row is not None
        listed = entities.dataset_versions(conn, row.id, limit=100, offset=0).versions
        for v in listed:
            want = expected(history, v.version, v.run_id)
            try:
                got = incidents.version_provenance(conn, row.id, v.version).version
            except NodeNotFound as e:
                assert (want, e.field) == (None, "version"), v
                continue
            ends = {rid(f"p{i}"): h.start + h.minutes for i, h in enumerate(history)}
            assert got is not None and want is not None, v
            assert (got.run, got.written_at) == (want, at(ends[want])), v
    engine.dispose()
