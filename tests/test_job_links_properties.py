"""Property: the job-to-job edges after any stream of `jobDependencies` facets (out of order,
repeated, emptied, in one group commit or one by one) are those of each job's newest
declaration, in the live graph, a rebuilt one and after replay."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lineage.api.app import create_app, load_graph
from lineage.settings import Settings
from lineage.store.replay import replay
from tests.app_client import caught_up, send_stream
from tests.test_graph_consistency import _emptied

JOBS = ("a", "b", "c", "d")
Edge = tuple[str, str]


@st.composite
def declarations(draw: st.DrawFn) -> tuple[str, int, list[str] | None, list[str]]:
    """(job, eventTime second, upstream jobs or None for no facet, downstream jobs)."""
    job = draw(st.sampled_from(JOBS))
    with_facet = draw(st.booleans()) or draw(st.booleans())
    up = draw(st.lists(st.sampled_from(JOBS), max_size=3, unique=True))
    down = draw(st.lists(st.sampled_from(JOBS), max_size=2, unique=True))
    return job, draw(st.integers(0, 5)), up if with_facet else None, down


def event(
    index: int, job: str, second: int, up: list[str] | None, down: list[str]
) -> dict[str, Any]:
    facets: dict[str, Any] = {}
    if up is not None:
        facets["jobDependencies"] = {
            "upstream": [{"job": {"namespace": "ns", "name": j}} for j in up],
            "downstream": [{"job": {"namespace": "ns", "name": j}} for j in down],
        }
    return {
        "eventType": "COMPLETE",
        "eventTime": f"2026-01-01T00:00:0{second}Z",
        "producer": "https://example.com/props",
        "run": {"runId": f"0193f0a0-0000-7000-8000-{index:012d}", "facets": facets},
        "job": {"namespace": "ns", "name": job},
    }


def expected(stream: list[tuple[str, int, list[str] | None, list[str]]]) -> set[Edge]:
    """Each job's declaration of the latest time (the last to arrive among equals)."""
    newest: dict[str, tuple[int, list[str], list[str]]] = {}
    for job, second, up, down in stream:
        if up is not None and (job not in newest or second >= newest[job][0]):
            newest[job] = (second, up, down)
    return {
        edge
        for job, (_, up, down) in newest.items()
        for edge in [*((u, job) for u in up), *((job, d) for d in down)]
        if edge[0] != edge[1]
    }


def job_edges(snapshot: Any) -> set[Edge]:
    return {(a[2], b[2]) for a, b in snapshot.edges if a[0] == b[0] == "job"}


async def _run(url: str, bodies: list[dict[str, Any]], *, one_group: bool) -> set[Edge]:
    app = create_app(Settings(database_url=url))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client,
    ):
        await send_stream(client, bodies, [len(bodies)] if one_group else None)
        await caught_up(app)
        live = app.state.graph.snapshot()
        assert load_graph(app.state.engine).snapshot() == live
        replay(app.state.engine)
        assert load_graph(app.state.engine).snapshot() == live
        return job_edges(live)


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(stream=st.lists(declarations(), min_size=1, max_size=12))
def test_job_edges_follow_each_jobs_newest_declaration(
    stream: list[tuple[str, int, list[str] | None, list[str]]], db_url: str
) -> None:
    bodies = [event(i, *item) for i, item in enumerate(stream)]
    want = expected(stream)
    assert asyncio.run(_run(_emptied(db_url), bodies, one_group=False)) == want
    assert asyncio.run(_run(_emptied(db_url), bodies, one_group=True)) == want
