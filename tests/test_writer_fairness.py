"""One request with thousands of datasets does not hold back the light ones queued with it."""

from __future__ import annotations

import orjson

from lineage.events import Limits, parse_event
from lineage.store.db import make_engine
from lineage.store.writer import HEAVY_DATASETS, GroupCommitWriter
from tests.events import ds, run_event


def test_light_requests_queued_behind_a_heavy_one_are_written_first(db_url: str) -> None:
    engine = make_engine(db_url)
    writer = GroupCommitWriter(engine, origin="test", on_commit=lambda _rows: None)
    limits = Limits(max_event_datasets=10 * HEAVY_DATASETS)
    heavy = run_event("wide", inputs=[ds("n", f"in{i}") for i in range(2 * HEAVY_DATASETS)])
    light = [
        run_event(f"small{i}", inputs=[ds("n", "a")], outputs=[ds("n", "b")]) for i in range(3)
    ]
    finished: list[str] = []
    futures = []
    for name, body in [("heavy", heavy), *((f"light{i}", e) for i, e in enumerate(light))]:
        future = writer.submit([parse_event(orjson.dumps(body), limits=limits)])
        future.add_done_callback(lambda _f, name=name: finished.append(name))
        futures.append(future)
    writer.start()  # everything is queued before the writer looks at the queue
    try:
        assert [f.result(timeout=120)[0].stored for f in futures] == [True] * 4
    finally:
        writer.stop()
        engine.dispose()
    assert finished == ["light0", "light1", "light2", "heavy"]
