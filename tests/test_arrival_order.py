"""Arrival order never changes an answer: the contract is eventTime order.

The same events sent in any order, one at a time or in batches (group commits), leave every
read exactly as the events sent in eventTime order do, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete

from lineage.api.app import create_app
from lineage.settings import Settings
from lineage.store import schema as s
from lineage.store.db import make_engine
from tests.app_client import caught_up, send_stream
from tests.events import column_lineage, ds, run_event, schema

DATASETS = [f"t{i}" for i in range(5)]
JOBS = [f"j{i}" for i in range(3)]
RUNS = [f"0190c2f6-0000-7000-8000-{i:012d}" for i in range(5)]
MINUTES = range(8)
FIELDS = ["a", "b", "c"]


def _time(minute: int) -> str:
    return f"2024-01-01T00:{minute:02d}:00Z"


def _job_of(run: str) -> str:
    """A run belongs to one job (its events all name it)."""
    return JOBS[RUNS.index(run) % len(JOBS)]


@st.composite
def run_events(draw: st.DrawFn, *, symlinks: bool) -> dict[str, Any]:
    """A RunEvent of a small world, so runs, edges, columns and times collide often."""
    run = draw(st.sampled_from(RUNS))
    inputs = draw(st.lists(st.sampled_from(DATASETS), max_size=2, unique=True))
    outputs = draw(st.lists(st.sampled_from(DATASETS), max_size=2, unique=True))
    out_refs = []
    for name in outputs:
        facets: dict[str, Any] = {}
        if draw(st.booleans()):
            facets["schema"] = schema(*draw(st.lists(st.sampled_from(FIELDS), unique=True)))
        if inputs and draw(st.booleans()):
            facets["columnLineage"] = column_lineage(
                {
                    draw(st.sampled_from(FIELDS)): [
                        ("n", draw(st.sampled_from(inputs)), draw(st.sampled_from(FIELDS)))
                    ]
                }
            )
        if symlinks and draw(st.integers(0, 5)) == 0:
            facets["symlinks"] = {
                "identifiers": [{"namespace": "alias", "name": name, "type": "TABLE"}]
            }
        out_refs.append(ds("n", name, **facets))
    return run_event(
        _job_of(run),
        run_id=run,
        event_type=draw(st.sampled_from(["START", "RUNNING", "COMPLETE", "FAIL", "OTHER"])),
        time=_time(draw(st.sampled_from(MINUTES))),
        inputs=[ds("n", i) for i in inputs],
        outputs=out_refs,
    )


def _reads() -> list[str]:
    """Every read of the world's nodes: details, lists, lineage now and as of several times,
    column lineage, search, run lists and the Marquez routes."""
    paths = [
        "/api/v1/namespaces",
        "/api/v1/namespaces/n",
        "/api/v1/namespaces/ns",
        "/api/v1/namespaces/n/datasets",
        "/api/v1/namespaces/ns/jobs",
        "/api/v1/overview",
        "/api/v1/browse/datasets",
        "/api/v1/browse/jobs",
        "/api/v1/search?q=t",
        "/api/v1/search?q=j",
        "/api/v1/events/lineage?limit=1000",
    ]
    for name in DATASETS:
        node = f"dataset:n:{name}"
        paths += [
            f"/api/v1/namespaces/n/datasets/{name}",
            f"/api/v1/namespaces/n/datasets/{name}/versions",
            f"/api/v1/namespaces/n/datasets/{name}/runs",
            f"/api/v1/lineage?nodeId={node}",
            f"/api/v1/column-lineage?nodeId={node}&withDownstream=true",
        ]
        for direction in ("downstream", "upstream"):
            paths.append(f"/api/v1/lineage/{direction}?nodeId={node}")
            paths += [
                f"/api/v1/lineage/{direction}?nodeId={node}&as_of={_time(m)}" for m in MINUTES
            ]
            paths.append(f"/api/v1/lineage/{direction}?nodeId={node}&as_of=2024-01-01T00:03:30Z")
    paths += [
        f"/api/v1/lineage/path?from=dataset:n:{a}&to=dataset:n:{b}"
        for a, b in itertools.permutations(DATASETS, 2)
    ]
    for job in JOBS:
        paths += [
            f"/api/v1/namespaces/ns/jobs/{job}",
            f"/api/v1/namespaces/ns/jobs/{job}/runs",
            f"/api/v1/namespaces/ns/jobs/{job}/versions",
            f"/api/v1/lineage?nodeId=job:ns:{job}",
        ]
    for run in RUNS:
        paths += [f"/api/v1/jobs/runs/{run}", f"/api/v1/jobs/runs/{run}/facets"]
    return paths


READS = _reads()


async def _answers(
    url: str, stream: list[dict[str, Any]], batches: list[int] | None, reads: list[str]
) -> Any:
    """Send `stream` (one POST each, or batches of these sizes) to a fresh store; the status
    and body of every one of `reads`, and the graph."""
    app = create_app(Settings(database_url=url))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client,
    ):
        await send_stream(client, stream, batches)
        await caught_up(app)
        answers = {}
        for path in reads:
            response = await client.get(path)
            answers[path] = (response.status_code, response.json())
        return answers, app.state.graph.snapshot()


def _send(
    url: str,
    stream: list[dict[str, Any]],
    batches: list[int] | None = None,
    *,
    reads: list[str] = READS,
) -> Any:
    empty_store(url)
    return asyncio.run(_answers(url, stream, batches, reads))


def empty_store(url: str) -> None:
    """Delete every row but the schema's version: each send starts from an empty store."""
    engine = make_engine(url)
    with engine.begin() as conn:
        for table in reversed(s.metadata.sorted_tables):
            if table.name != "alembic_version":
                conn.execute(delete(table))
    engine.dispose()


def _in_time_order(stream: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(stream, key=lambda event: event["eventTime"])


def _assert_same(got: Any, want: Any, order: Any) -> None:
    got_answers, got_graph = got
    want_answers, want_graph = want
    for path in READS:  # one read at a time, so a failure names it
        assert got_answers[path] == want_answers[path], (order, path)
    assert got_graph == want_graph, order


RUN = RUNS[0]
# one run's events: a START that may arrive late, inputs and an output with a schema at
# different times, and an OTHER earlier than the START with an input of its own
FOUR = [
    run_event("j0", run_id=RUN, event_type="START", time=_time(1)),
    run_event("j0", run_id=RUN, event_type="RUNNING", time=_time(2), inputs=[ds("n", "t0")]),
    run_event(
        "j0",
        run_id=RUN,
        event_type="COMPLETE",
        time=_time(3),
        outputs=[ds("n", "t1", schema=schema("a"))],
    ),
    run_event("j0", run_id=RUN, event_type="OTHER", time=_time(0), inputs=[ds("n", "t2")]),
]


def test_one_runs_events_in_every_order(db_url: str) -> None:
    """All 24 orders of the issue's four events answer as eventTime order does."""
    want = _send(db_url, _in_time_order(FOUR))
    for order in itertools.permutations(range(4)):
        _assert_same(_send(db_url, [FOUR[i] for i in order]), want, order)


def batch_sizes(draw: st.DrawFn, total: int, most: int = 6) -> list[int]:
    """Sizes of consecutive batches of `total` events, each of 1 to `most`."""
    sizes, left = [], total
    while left:
        sizes.append(min(left, draw(st.integers(1, most))))
        left -= sizes[-1]
    return sizes


@st.composite
def streams(draw: st.DrawFn, *, symlinks: bool) -> tuple[list[Any], list[Any], list[int]]:
    """A random event set in eventTime order, a permutation of it, and batch sizes."""
    stream = draw(st.lists(run_events(symlinks=symlinks), min_size=2, max_size=12))
    return _in_time_order(stream), draw(st.permutations(stream)), batch_sizes(draw, len(stream))


@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
@given(case=streams(symlinks=True))
def test_any_arrival_order_answers_as_event_time_order(case: Any, db_url: str) -> None:
    """Random event sets of several runs of a few jobs (symlinks too), sent in a random
    order one at a time and in batches, answer every read exactly as the set sent in
    eventTime order."""
    in_order, shuffled, sizes = case
    want = _send(db_url, in_order)
    _assert_same(_send(db_url, shuffled), want, "one by one")
    _assert_same(_send(db_url, shuffled, sizes), want, f"in batches of {sizes}")


# two ways from s to o, through a and through b, each as short as the other
DIAMOND = [
    run_event(job, time=_time(i), inputs=[ds("n", source)], outputs=[ds("n", target)])
    for i, (job, source, target) in enumerate(
        [("j1", "s", "b"), ("j0", "s", "a"), ("j3", "b", "o"), ("j2", "a", "o")]
    )
]
THROUGH_A = ["dataset:n:s", "job:ns:j0", "dataset:n:a", "job:ns:j2", "dataset:n:o"]
THROUGH_B = ["dataset:n:s", "job:ns:j1", "dataset:n:b", "job:ns:j3", "dataset:n:o"]


def test_shortest_paths_in_every_order(db_url: str) -> None:
    """Of several shortest paths, an answer lists (and `limit` keeps) the first by node id,
    whatever order the events came in."""
    path = "/api/v1/lineage/path?from=dataset:n:s&to=dataset:n:o"
    for order in itertools.permutations(DIAMOND):
        answers, _ = _send(db_url, list(order), reads=[path, f"{path}&limit=1"])
        assert answers[path] == (200, _paths(THROUGH_A, THROUGH_B)), order
        assert answers[f"{path}&limit=1"] == (200, _paths(THROUGH_A)), order


def _paths(*paths: list[str]) -> dict[str, Any]:
    return {
        "from": "dataset:n:s",
        "to": "dataset:n:o",
        "direction": "downstream",
        "paths": list(paths),
    }
