"""The tags of `tags` facets never depend on arrival order, ties on eventTime included.

A handful of tags facets on a few datasets (and their fields), jobs and runs, at a few
eventTimes so that they tie often, some empty or deleted, sent in any order one at a time and
in batches (group commits), leave every tag read exactly as one fixed order does, on SQLite
and PostgreSQL.
"""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lineage.api.app import create_app
from lineage.settings import Settings
from lineage.store import tags
from tests.app_client import send_stream
from tests.events import dataset_event, ds, job_event, run_event, schema
from tests.test_arrival_order import batch_sizes, empty_store

DATASETS = ["d0", "d1"]
JOBS = ["j0", "j1"]
RUNS = [f"0190c2f6-0000-7000-8000-{i:012d}" for i in range(3)]
MINUTES = range(3)


def _time(minute: int) -> str:
    return f"2024-01-01T00:{minute:02d}:00Z"


def _job_of(run: str) -> str:
    """A run belongs to one job (its events all name it)."""
    return JOBS[RUNS.index(run) % len(JOBS)]


def _tag(key: str, value: str | None, source: str | None, field: str | None) -> dict[str, Any]:
    entry: dict[str, Any] = {"key": key, "value": value, "source": source}
    if field is not None:
        entry["field"] = field
    return entry


@st.composite
def tags_facets(draw: st.DrawFn, *, fields: bool = False) -> dict[str, Any]:
    """A tags facet: now and then deleted or empty, otherwise a few entries whose keys,
    values, sources (and for datasets fields) collide, so two facets differ by little."""
    if draw(st.integers(0, 6)) == 0:
        return {"_deleted": True}
    entry = st.builds(
        _tag,
        st.sampled_from(["pii", "tier"]),
        st.sampled_from(["a", "b", None]),
        st.sampled_from(["USER", "DBT", None]),
        st.sampled_from([None, "a"]) if fields else st.none(),
    )
    return {"tags": draw(st.lists(entry, max_size=3))}


def _dataset(name: str, facet: dict[str, Any] | None) -> dict[str, Any]:
    facets: dict[str, Any] = {"schema": schema("a")}
    if facet is not None:
        facets["tags"] = facet
    return ds("n", name, **facets)


@st.composite
def tag_events(draw: st.DrawFn) -> dict[str, Any]:
    """A RunEvent tagging its run, its job and its datasets (each now and then), a JobEvent
    tagging its job or a DatasetEvent tagging its dataset."""
    time = _time(draw(st.sampled_from(MINUTES)))
    maybe = st.none() | tags_facets()
    kind = draw(st.sampled_from(["run", "job", "dataset"]))
    if kind == "dataset":
        dataset = _dataset(draw(st.sampled_from(DATASETS)), draw(tags_facets(fields=True)))
        return dataset_event(dataset, time=time)
    if kind == "job":
        return job_event(
            draw(st.sampled_from(JOBS)), time=time, job_facets={"tags": draw(tags_facets())}
        )
    run = draw(st.sampled_from(RUNS))
    job_facet, run_facet = draw(maybe), draw(maybe)
    names = draw(st.lists(st.sampled_from(DATASETS), max_size=2, unique=True))
    refs = [_dataset(name, draw(st.none() | tags_facets(fields=True))) for name in names]
    return run_event(
        _job_of(run),
        run_id=run,
        time=time,
        inputs=refs[:1],
        outputs=refs[1:],
        job_facets={"tags": job_facet} if job_facet is not None else {},
        run_facets={"tags": run_facet} if run_facet is not None else {},
    )


def _reads() -> list[str]:
    paths = [f"/api/v1/namespaces/n/datasets/{name}" for name in DATASETS]
    paths += [f"/api/v1/namespaces/ns/jobs/{job}" for job in JOBS]
    paths += [f"/api/v1/jobs/runs/{run}" for run in RUNS]
    return paths


def _tags_of(body: Any) -> Any:
    """The tags a read answers: a dataset's, job's or run's own and its fields'."""
    fields = [(f["name"], f["tags"]) for f in body.get("fields", [])]
    return body.get("tags"), body.get("tagDetails"), fields


async def _answers(url: str, stream: list[dict[str, Any]], batches: list[int] | None) -> Any:
    """Send `stream` (one POST each, or batches of these sizes) to a fresh store: the tags of
    every read, and every tag the store holds."""
    app = create_app(Settings(database_url=url))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client,
    ):
        await send_stream(client, stream, batches)
        answers = {}
        for path in _reads():
            response = await client.get(path)
            body = response.json()
            answers[path] = (response.status_code, _tags_of(body) if response.is_success else body)
    with app.state.engine.connect() as conn:
        stored = (
            tags.of_nodes(conn, "dataset", [("n", name) for name in DATASETS]),
            tags.of_nodes(conn, "job", [("ns", job) for job in JOBS]),
            tags.of_runs(conn, RUNS),
        )
    return answers, stored


def _send(url: str, stream: list[dict[str, Any]], batches: list[int] | None = None) -> Any:
    empty_store(url)
    return asyncio.run(_answers(url, stream, batches))


def _assert_same(got: Any, want: Any, order: Any) -> None:
    got_answers, got_stored = got
    want_answers, want_stored = want
    for path in _reads():  # one read at a time, so a failure names it
        assert got_answers[path] == want_answers[path], (order, path)
    assert got_stored == want_stored, order


@st.composite
def streams(draw: st.DrawFn) -> tuple[list[Any], list[Any], list[int]]:
    """A random set of tagging events, a permutation of it, and batch sizes."""
    stream = draw(st.lists(tag_events(), min_size=2, max_size=7))
    return stream, draw(st.permutations(stream)), batch_sizes(draw, len(stream), most=4)


@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
@given(case=streams())
def test_any_arrival_order_gives_the_same_tags(case: Any, db_url: str) -> None:
    """Random tags facets on datasets, fields, jobs and runs, sent in a random order one at a
    time and in batches, read exactly as in the order they were drawn."""
    stream, shuffled, sizes = case
    want = _send(db_url, stream)
    _assert_same(_send(db_url, shuffled), want, "one by one")
    _assert_same(_send(db_url, shuffled, sizes), want, f"in batches of {sizes}")


RUN = RUNS[0]


def _tied(job_tags: list[Any], run_tags: list[Any], dataset_tags: list[Any]) -> dict[str, Any]:
    return run_event(
        "j0",
        run_id=RUN,
        time=_time(1),
        outputs=[_dataset("d0", {"tags": dataset_tags})],
        job_facets={"tags": {"tags": job_tags}},
        run_facets={"tags": {"tags": run_tags}},
    )


# three facets on each of a dataset, a job and a run at one eventTime, one of them empty, and
# an older one
TIED = [
    _tied([_tag("tier", "a", "USER", None)], [], [_tag("pii", "b", "DBT", "a")]),
    _tied([_tag("tier", "b", "USER", None)], [_tag("pii", None, None, None)], []),
    _tied([], [_tag("pii", "a", None, None)], [_tag("pii", "a", "DBT", None)]),
    run_event(
        "j0",
        run_id=RUN,
        time=_time(0),
        outputs=[_dataset("d0", {"tags": [_tag("old", "a", "USER", None)]})],
        job_facets={"tags": {"tags": [_tag("old", "a", "USER", None)]}},
    ),
]


def test_tied_facets_in_every_order(db_url: str) -> None:
    """All 24 orders of three tied facets and an older one, one at a time, read alike; so do
    the four sent as one batch in every order."""
    want = _send(db_url, TIED)
    for order in itertools.permutations(range(len(TIED))):
        events = [TIED[i] for i in order]
        _assert_same(_send(db_url, events), want, order)
        _assert_same(_send(db_url, events, [len(events)]), want, (order, "one batch"))
