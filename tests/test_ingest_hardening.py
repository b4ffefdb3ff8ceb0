"""Issue 18, ingest side: no event lost or wrongly acknowledged, and every refusal a named 4xx."""

from __future__ import annotations

import gzip
import tracemalloc
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import httpx
import orjson
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from lineage.api.app import create_app
from lineage.body import BodyDecoder
from lineage.errors import PayloadTooLarge
from lineage.settings import Settings
from lineage.store import codec
from lineage.store import schema as s
from tests.events import column_lineage, ds, parent_facet, run_event
from tests.reliability.conftest import wait_ready
from tests.test_ingest import RUN_ID, row_counts

BATCH = "/api/v1/lineage/batch"
SINGLE = "/api/v1/lineage"


def ndjson(*events: dict[str, Any]) -> bytes:
    return b"".join(orjson.dumps(e) + b"\n" for e in events)


async def job_names(client: httpx.AsyncClient) -> list[str]:
    jobs = (await client.get("/api/v1/namespaces/ns/jobs")).json()["jobs"]
    return sorted(j["name"] for j in jobs)


@asynccontextmanager
async def open_app(db_url: str, **settings: Any) -> AsyncIterator[httpx.AsyncClient]:
    """An in-process collector with these settings, ready."""
    app = create_app(Settings(database_url=db_url, **settings))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client,
    ):
        client.app = app  # type: ignore[attr-defined]
        await wait_ready(client)
        yield client


# --- gzip bodies ---------------------------------------------------------------------------


async def test_every_member_of_a_multi_member_gzip_body_is_stored(
    client: httpx.AsyncClient,
) -> None:
    """`cat a.gz b.gz`: gzip -d reads both members, so must we."""
    body = gzip.compress(ndjson(run_event("a"))) + gzip.compress(ndjson(run_event("b")))
    response = await client.post(BATCH, content=body, headers={"content-encoding": "gzip"})
    assert response.status_code == 204
    assert await job_names(client) == ["a", "b"]
    event = orjson.dumps(run_event("c"))
    halves = gzip.compress(event[:50]) + gzip.compress(event[50:])
    assert (await client.post(SINGLE, content=halves)).status_code == 201
    assert await job_names(client) == ["a", "b", "c"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (gzip.compress(b"{}") + b"trailing", "body has bytes after the end of its gzip data"),
        (gzip.compress(b"{}") + b"\x1f", "body has bytes after the end of its gzip data"),
        (gzip.compress(orjson.dumps(run_event("j")))[:-6], "gzip body is truncated"),
    ],
    ids=["trailing bytes", "half a magic number", "truncated"],
)
async def test_a_gzip_body_with_trailing_or_missing_bytes_is_refused(
    client: httpx.AsyncClient, body: bytes, message: str
) -> None:
    for route in (SINGLE, BATCH):
        response = await client.post(route, content=body, headers={"content-encoding": "gzip"})
        assert response.status_code == 400, route
        assert response.json()["error"]["field"] == "body"
        assert response.json()["error"]["message"].startswith(message)
    assert row_counts(client)["events"] == 0


def test_decompression_holds_the_inflated_body_once() -> None:
    """Peak memory of a body inflated chunk by chunk stays near the limit, never twice it."""
    limit = 8 * 1024 * 1024
    compressed = gzip.compress(b" " * (limit - 10), compresslevel=9)
    tracemalloc.start()
    try:
        decoder = BodyDecoder("gzip", max_bytes=limit)
        for start in range(0, len(compressed), 65536):
            decoder.feed(compressed[start : start + 65536])
        body = decoder.finish()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(body) == limit - 10
    assert peak < limit * 1.3, peak
    bomb = gzip.compress(b" " * (limit + 1), compresslevel=9)
    decoder = BodyDecoder(None, max_bytes=limit)
    with pytest.raises(PayloadTooLarge, match="after decompression"):
        decoder.feed(bomb)


async def test_every_ingest_refusal_of_a_body_names_its_field(client: httpx.AsyncClient) -> None:
    cases = [
        (SINGLE, b"{}", {"content-encoding": "br"}, 400, "Content-Encoding"),
        (BATCH, b'"just a string"', {}, 400, "body"),
        (BATCH, b"42", {}, 400, "body"),
        (BATCH, ndjson(run_event("a")) + b"\n{nope\n", {}, 400, "line 3"),
        (BATCH, b"[1, 2", {}, 400, "body"),
    ]
    for route, body, headers, status, field in cases:
        response = await client.post(route, content=body, headers=headers)
        assert (response.status_code, response.json()["error"]["field"]) == (status, field), body
    bad_line = await client.post(BATCH, content=ndjson(run_event("a")) + b"\n{nope\n")
    assert bad_line.json()["error"]["message"].startswith("NDJSON line 3: body is not valid JSON")
    assert row_counts(client)["events"] == 0


# --- a store that cannot write -------------------------------------------------------------


@contextmanager
def database_down(client: httpx.AsyncClient) -> Iterator[None]:
    """Make the collector's database refuse its writes: on PostgreSQL no connection is
    allowed and open ones are ended; on SQLite another connection holds the write lock."""
    engine = client.app.state.engine  # type: ignore[attr-defined]
    url = engine.url
    if engine.dialect.name == "postgresql":
        admin = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
        name = url.database
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
            conn.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"),
                {"n": name},
            )
        try:
            yield
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
            admin.dispose()
    else:
        locker = create_engine(url).connect()
        locker.exec_driver_sql("BEGIN EXCLUSIVE")
        try:
            yield
        finally:
            locker.rollback()
            locker.close()


async def test_a_batch_while_the_database_is_down_is_503_with_retry_after(db_url: str) -> None:
    async with open_app(db_url, db_busy_timeout_ms=200) as client:
        with database_down(client):
            single = await client.post(SINGLE, content=orjson.dumps(run_event("one")))
            batch = await client.post(
                BATCH, content=orjson.dumps([run_event("a"), {"bad": 1}, run_event("b")])
            )
        for response in (single, batch):
            assert response.status_code == 503, response.text
            assert response.headers["retry-after"] == "1"
            assert response.json()["error"]["code"] == "store_unavailable"
        again = await client.post(BATCH, content=orjson.dumps([run_event("a"), run_event("b")]))
        assert again.status_code == 204
        assert await job_names(client) == ["a", "b"]


# --- times ---------------------------------------------------------------------------------

EXTREME_TIMES = ["0001-01-01T00:30:00+01:00", "9999-12-31T23:30:00-01:00"]


@pytest.mark.parametrize("time", EXTREME_TIMES)
async def test_an_extreme_offset_is_a_422_naming_event_time(
    client: httpx.AsyncClient, time: str
) -> None:
    single = await client.post(SINGLE, content=orjson.dumps(run_event("x", time=time)))
    assert single.status_code == 422
    assert single.json()["error"]["field"] == "eventTime"
    assert "outside the times that can be stored" in single.json()["error"]["message"]
    batch = [run_event("a"), run_event("x", time=time), run_event("b")]
    response = await client.post(BATCH, content=orjson.dumps(batch))
    assert response.status_code == 200
    (failure,) = response.json()["failed_events"]
    assert failure["index"] == 1
    assert failure["reason"].startswith(f"eventTime {time!r} is outside")
    assert await job_names(client) == ["a", "b"]
    # the same times within range are stored
    fine = time.replace("+01:00", "+00:00").replace("-01:00", "+00:00")
    assert (await client.post(SINGLE, content=orjson.dumps(run_event("c", time=fine)))).is_success


# --- big integers --------------------------------------------------------------------------

BIG = [2**64, 2**64 + 1, -(2**64), 10**30, 2**63, -(2**63) - 1]
BIG_FACETS = b'{"ids": {"values": [%s], "one": %d}}' % (
    ", ".join(str(n) for n in BIG).encode(),
    2**70,
)


def big_event(job: str, run_id: str) -> bytes:
    event = orjson.dumps(run_event(job, run_id=run_id, run_facets={"ids": {}}))
    return event.replace(b'"facets":{"ids":{}}', b'"facets":' + BIG_FACETS)


async def test_integers_beyond_64_bits_come_back_exactly(client: httpx.AsyncClient) -> None:
    single_run, batch_run = RUN_ID, "0190c2f6-0000-7000-8000-0000000000b2"
    single = big_event("single", single_run)
    batch = b"[" + big_event("batched", batch_run) + b"]"
    assert (await client.post(SINGLE, content=single)).status_code == 201
    assert (await client.post(BATCH, content=batch)).status_code == 204
    expected = {"values": BIG, "one": 2**70}
    for run_id in (single_run, batch_run):
        run = await client.get(f"/api/v1/jobs/runs/{run_id}")
        assert run.status_code == 200
        assert run.json()["facets"]["ids"] == expected
        assert str(2**70).encode() in run.content
    events = await client.get("/api/v1/events/lineage")
    assert events.status_code == 200
    stored = {e["job"]["name"]: e["run"]["facets"]["ids"] for e in events.json()["events"]}
    assert stored == {"single": expected, "batched": expected}


async def test_the_batch_route_stores_each_event_exactly_as_sent(
    client: httpx.AsyncClient,
) -> None:
    spaced = (
        b'{ "eventTime" : "2024-01-01T00:00:00Z",  "run": {"runId": "%s"},\n' % (RUN_ID.encode())
        + b' "job": {"namespace": "ns", "name": "spaced"}, "n": 1.0e2 }'
    )
    response = await client.post(BATCH, content=b"[\n  " + spaced + b"\n]")
    assert response.status_code == 204
    engine = client.app.state.engine  # type: ignore[attr-defined]
    with engine.connect() as conn:
        payloads = conn.execute(s.events.select().with_only_columns(s.events.c.payload))
        assert [codec.decode(p) for p in payloads.scalars()] == [spaced]


# --- facet names ---------------------------------------------------------------------------


async def test_facet_names_are_kept_whole_or_refused_by_name(client: httpx.AsyncClient) -> None:
    """Two names sharing their first 255 characters were stored as one facet; now a name of
    up to 255 characters is kept whole and a longer one is a 422 naming it."""
    stem = "f" * 254
    kept = {stem + "a": {"v": 1}, stem + "b": {"v": 2}}
    response = await client.post(
        SINGLE, content=orjson.dumps(run_event("j", run_id=RUN_ID, run_facets=kept))
    )
    assert response.status_code == 201
    run = (await client.get(f"/api/v1/jobs/runs/{RUN_ID}")).json()
    assert run["facets"] == kept
    longer = {stem + "xa": {"v": 1}, stem + "xb": {"v": 2}}
    refused = await client.post(SINGLE, content=orjson.dumps(run_event("k", run_facets=longer)))
    assert refused.status_code == 422
    assert refused.json()["error"]["field"] == f"run.facets.{stem}xa"
    assert "is 256 characters, over 255" in refused.json()["error"]["message"]


# --- what PostgreSQL refuses and SQLite keeps ----------------------------------------------

NUL = "a\x00b"
SYMLINK = {"identifiers": [{"namespace": "hive", "name": NUL, "type": "TABLE"}]}
NUL_LINEAGE = column_lineage({NUL: [("n", "i", "c")]})
LONG_STATE = {"lifecycleStateChange": "X" * 17}
LONG_SUBTYPE = {
    "fields": {
        "c": {
            "inputFields": [
                {
                    "namespace": "n",
                    "name": "i",
                    "field": "c",
                    "transformations": [{"type": "DIRECT", "subtype": "s" * 65}],
                }
            ]
        }
    }
}
REFUSED_ON_BOTH = [
    ("producer", {**run_event("j"), "producer": NUL}, "producer"),
    ("facet key", run_event("j", run_facets={NUL: {"v": 1}}), "run.facets"),
    ("key inside a facet", run_event("j", run_facets={"x": {NUL: 1}}), "run.facets.x"),
    (
        "parent job name",
        run_event("j", run_facets={"parent": parent_facet(NUL, RUN_ID)}),
        "run.facets.parent.job.name",
    ),
    (
        "symlink name",
        run_event("j", outputs=[ds("n", "t", symlinks=SYMLINK)]),
        "outputs[0].facets.symlinks.identifiers[0].name",
    ),
    (
        "column lineage field",
        run_event(
            "j", outputs=[ds("n", "t", columnLineage=column_lineage({NUL: [("n", "i", "c")]}))]
        ),
        "outputs[0].facets.columnLineage.fields",
    ),
    (
        "long jobType",
        run_event("j", job_facets={"jobType": {"jobType": "J" * 65}}),
        "job.facets.jobType.jobType",
    ),
    (
        "long processingType",
        run_event("j", job_facets={"jobType": {"processingType": "B" * 33}}),
        "job.facets.jobType.processingType",
    ),
    (
        "long lifecycle state",
        run_event(
            "j", outputs=[ds("n", "t", lifecycleStateChange={"lifecycleStateChange": "X" * 17})]
        ),
        "outputs[0].facets.lifecycleStateChange.lifecycleStateChange",
    ),
    (
        "long dataset version",
        run_event("j", outputs=[ds("n", "t", version={"datasetVersion": "v" * 129})]),
        "outputs[0].facets.version.datasetVersion",
    ),
    (
        "long transformation subtype",
        run_event("j", outputs=[ds("n", "t", columnLineage=LONG_SUBTYPE)]),
        "outputs[0].facets.columnLineage.fields.c",
    ),
]


@pytest.mark.parametrize(
    ("event", "field"),
    [case[1:] for case in REFUSED_ON_BOTH],
    ids=[case[0] for case in REFUSED_ON_BOTH],
)
async def test_what_one_database_cannot_store_is_refused_on_both(
    client: httpx.AsyncClient, event: dict[str, Any], field: str
) -> None:
    response = await client.post(SINGLE, content=orjson.dumps(event))
    assert response.status_code == 422, response.text
    assert response.json()["error"]["field"] == field
    assert row_counts(client)["events"] == 0


# --- what one event may carry --------------------------------------------------------------


async def test_an_event_over_its_dataset_or_field_bound_is_413_naming_it(
    sqlite_url: str,
) -> None:
    wide = [ds("n", f"t{i}") for i in range(6)]
    fields = {"fields": [{"name": f"c{i}"} for i in range(11)]}
    async with open_app(sqlite_url, max_event_datasets=5, max_event_fields=10) as client:
        too_many = await client.post(SINGLE, content=orjson.dumps(run_event("j", inputs=wide)))
        too_wide = await client.post(
            SINGLE, content=orjson.dumps(run_event("j", outputs=[ds("n", "t", schema=fields)]))
        )
        fine = await client.post(SINGLE, content=orjson.dumps(run_event("j", inputs=wide[:5])))
    assert (too_many.status_code, too_many.json()["error"]) == (
        413,
        {
            "code": "payload_too_large",
            "message": "event has 6 inputs and outputs, over max_event_datasets (5)",
            "field": "inputs",
        },
    )
    assert (too_wide.status_code, too_wide.json()["error"]) == (
        413,
        {
            "code": "payload_too_large",
            "message": "event has 11 schema and column-lineage fields, over max_event_fields (10)",
            "field": "outputs",
        },
    )
    assert fine.status_code == 201


async def test_integers_beyond_64_bits_in_every_kind_of_facet(client: httpx.AsyncClient) -> None:
    """Dataset, job and ML run facets too: each was dumped by orjson (a 422 naming nothing)."""
    event = run_event(
        "j",
        run_id=RUN_ID,
        outputs=[ds("n", "t", custom={"id": 1})],
        job_facets={"custom": {"id": 1}},
        run_facets={
            "ml_hyperparameters": {"parameters": {"seed": 1}},
            "ml_metrics": {"metrics": {"m": 1}},
        },
    )
    big = str(2**70).encode()
    body = orjson.dumps(event).replace(b":1}", b":" + big + b"}")
    assert body.count(big) == 4
    assert (await client.post(SINGLE, content=body)).status_code == 201
    for path in ("/api/v1/namespaces/n/datasets/t", "/api/v1/namespaces/ns/jobs/j"):
        answer = await client.get(path)
        assert (answer.status_code, answer.json()["facets"]["custom"]) == (200, {"id": 2**70})
