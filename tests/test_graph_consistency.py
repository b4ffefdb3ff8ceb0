"""The incrementally-updated graph equals one rebuilt from the store; replay rebuilds the store."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lineage.api.app import create_app, load_graph
from lineage.settings import Settings
from lineage.store import changelog
from lineage.store.replay import replay
from tests.events import column_lineage, ds, parent_facet, run_event

DATASETS = [f"t{i}" for i in range(8)]
JOBS = [f"j{i}" for i in range(5)]
RUNS = [f"0190c2f6-0000-7000-8000-{i:012d}" for i in range(6)]


@st.composite
def events(draw: st.DrawFn, *, symlinks: bool = True) -> dict[str, Any]:
    """A random RunEvent over a small world, so runs, edges and columns collide often."""
    job = draw(st.sampled_from(JOBS))
    inputs = draw(st.lists(st.sampled_from(DATASETS), max_size=3, unique=True))
    outputs = draw(st.lists(st.sampled_from(DATASETS), max_size=2, unique=True))
    out_refs = []
    for name in outputs:
        facets: dict[str, Any] = {}
        if inputs and draw(st.booleans()):
            facets["columnLineage"] = column_lineage(
                {"c": [("n", draw(st.sampled_from(inputs)), "c")]}
            )
        if symlinks and draw(st.integers(0, 9)) == 0:
            facets["symlinks"] = {
                "identifiers": [{"namespace": "alias", "name": name, "type": "TABLE"}]
            }
        out_refs.append(ds("n", name, **facets))
    run_facets = {}
    if draw(st.booleans()):
        run_facets["parent"] = parent_facet(
            draw(st.sampled_from(JOBS)), draw(st.sampled_from(RUNS))
        )
    return run_event(
        job,
        run_id=draw(st.sampled_from(RUNS)),
        event_type=draw(st.sampled_from(["START", "RUNNING", "COMPLETE", "FAIL", None])),
        time=f"2024-01-01T00:{draw(st.integers(0, 59)):02d}:00Z",
        inputs=[ds("n", i) for i in inputs]
        + ([ds("alias", inputs[0])] if inputs and draw(st.booleans()) else []),
        outputs=out_refs,
        run_facets=run_facets,
    )


async def _run_stream(url: str, stream: list[dict[str, Any]], *, batches: list[int]) -> Any:
    """Send the stream (one POST each, or in batches of these sizes: a group commit each);
    check the graph against a rebuild and replay against the reads; return the graph and
    reads."""
    app = create_app(Settings(database_url=url))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client,
    ):
        start = 0
        for size in batches:
            batch = stream[start : start + size]
            start += size
            response = await client.post("/api/v1/lineage/batch", content=orjson.dumps(batch))
            assert response.status_code == 204, response.text
        for event in [] if batches else stream:
            assert (
                await client.post("/api/v1/lineage", content=orjson.dumps(event))
            ).status_code == 201
        await _caught_up(app)
        incremental = app.state.graph.snapshot()
        rebuilt = load_graph(app.state.engine).snapshot()
        assert incremental == rebuilt
        before = [(await client.get(p)).json() for p in _reads()]
        replay(app.state.engine)
        assert load_graph(app.state.engine).snapshot() == rebuilt
        after = [(await client.get(p)).json() for p in _reads()]
        assert after == before
        return rebuilt, before


async def _caught_up(app: Any) -> None:
    """The graph loads in the background: wait until it is published, then it holds every
    change this process acknowledged, up to the newest one in the change log."""
    follower = app.state.follower
    assert await asyncio.to_thread(follower.wait_loaded, 60)
    with app.state.engine.connect() as conn:
        assert follower.applied_id == changelog.head(conn)


def _reads() -> list[str]:
    return [
        "/api/v1/namespaces/ns/jobs",
        "/api/v1/namespaces/n/datasets",
        *[f"/api/v1/jobs/runs/{r}" for r in RUNS[:3]],
        "/api/v1/events/lineage?limit=1000",
    ]


@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@given(stream=st.lists(events(), min_size=5, max_size=40))
def test_incremental_graph_equals_rebuild_and_replay(
    stream: list[dict[str, Any]], db_url: str
) -> None:
    """...and the stream written as one group commit (a batch) equals it sent one by one."""
    one_by_one = asyncio.run(_run_stream(_emptied(db_url), stream, batches=[]))
    one_group = asyncio.run(_run_stream(_emptied(db_url), stream, batches=[len(stream)]))
    assert one_group == one_by_one


@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    stream=st.lists(events(symlinks=False), min_size=8, max_size=40),
    sizes=st.lists(st.integers(2, 8), min_size=1, max_size=20),
)
def test_group_commits_that_read_ahead_equal_one_by_one(
    stream: list[dict[str, Any]], sizes: list[int], db_url: str
) -> None:
    """Groups of several events whose jobs are known read runs, io_time and current edges
    ahead (`GroupReads`); without symlinks nothing stops them, and the store, graph and reads
    they leave are those of the events written one at a time."""
    batches, left = [], len(stream)
    for size in sizes:
        if left:
            batches.append(min(size, left))
            left -= batches[-1]
    batches += [left] if left else []
    one_by_one = asyncio.run(_run_stream(_emptied(db_url), stream, batches=[]))
    in_groups = asyncio.run(_run_stream(_emptied(db_url), stream, batches=batches))
    assert in_groups == one_by_one


def _emptied(db_url: str) -> str:
    """The fixture's store with every row deleted (each example needs a fresh store)."""
    from sqlalchemy import delete

    from lineage.store import schema as s
    from lineage.store.db import make_engine

    engine = make_engine(db_url)
    with engine.begin() as conn:
        for table in reversed(s.metadata.sorted_tables):
            if table.name != "alembic_version":
                conn.execute(delete(table))
    engine.dispose()
    return db_url
