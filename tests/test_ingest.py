"""Ingest contract: status codes, error messages, leniency, run accumulation, idempotency."""

from __future__ import annotations

import gzip
from typing import Any
from urllib.parse import quote

import httpx
import orjson
import pytest
from sqlalchemy import func, select

from lineage.store import schema as s
from tests.events import PRODUCER, SCHEMA_URL, column_lineage, ds, parent_facet, run_event, schema

RUN_ID = "0190c2f6-0000-7000-8000-000000000001"


def row_counts(client: httpx.AsyncClient) -> dict[str, int]:
    """Rows in every table of the store."""
    engine = client.app.state.engine  # type: ignore[attr-defined]
    with engine.connect() as conn:
        return {
            t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
            for t in (s.events, *s.NORMALIZED_TABLES)
        }


async def post(client: httpx.AsyncClient, event: Any, **kwargs: Any) -> httpx.Response:
    return await client.post("/api/v1/lineage", content=orjson.dumps(event), **kwargs)


BAD_INPUTS = [
    ("not json", b"{nope", {}, 400, "bad_request", "body is not valid JSON", "body"),
    ("empty body", b"", {}, 400, "bad_request", "request body is empty", "body"),
    ("json array", b"[1, 2]", {}, 400, "bad_request", "expected a JSON object", "body"),
    ("json string", b'"x"', {}, 400, "bad_request", "got a string", "body"),
    (
        "no identity",
        {"eventTime": "2024-01-01T00:00:00Z"},
        {},
        422,
        "invalid_event",
        "event has no run, job or dataset",
        "job",
    ),
    (
        "run without job",
        {**run_event("j"), "job": None},
        {},
        422,
        "invalid_event",
        "job is required",
        "job",
    ),
    (
        "empty job name",
        run_event("  "),
        {},
        422,
        "invalid_event",
        "job.name must be a non-empty string",
        "job.name",
    ),
    (
        "empty namespace",
        run_event("j", namespace=""),
        {},
        422,
        "invalid_event",
        "job.namespace must be a non-empty string",
        "job.namespace",
    ),
    (
        "no runId",
        {**run_event("j"), "run": {}},
        {},
        422,
        "invalid_event",
        "run.runId must be",
        "run.runId",
    ),
    (
        "bad eventTime",
        run_event("j", time="yesterday"),
        {},
        422,
        "invalid_event",
        "eventTime 'yesterday' is not a date-time",
        "eventTime",
    ),
    (
        "date only",
        run_event("j", time="2021-11-03"),
        {},
        422,
        "invalid_event",
        "is not a date-time",
        "eventTime",
    ),
    (
        "no eventTime",
        {k: v for k, v in run_event("j").items() if k != "eventTime"},
        {},
        422,
        "invalid_event",
        "eventTime is required",
        "eventTime",
    ),
    (
        "unknown eventType",
        run_event("j", event_type="DONE"),
        {},
        422,
        "invalid_event",
        "eventType 'DONE' is not one of",
        "eventType",
    ),
    (
        "facet not object",
        run_event("j", run_facets={"nominalTime": "x"}),
        {},
        422,
        "invalid_event",
        "facet run.facets.nominalTime must be an object",
        "run.facets.nominalTime",
    ),
    (
        "inputs not array",
        {**run_event("j"), "inputs": {"a": 1}},
        {},
        422,
        "invalid_event",
        "inputs must be an array",
        "inputs",
    ),
    (
        "input without name",
        run_event("j", inputs=[{"namespace": "n"}]),
        {},
        422,
        "invalid_event",
        "inputs[0].name must be a non-empty string",
        "inputs[0].name",
    ),
    (
        "NUL in a name",
        run_event("j\x00x"),
        {},
        422,
        "invalid_event",
        "job.name contains a NUL character",
        "job.name",
    ),
    (
        "xml content type",
        run_event("j"),
        {"content-type": "application/xml"},
        415,
        "unsupported_media_type",
        "Content-Type 'application/xml' is not supported",
        "Content-Type",
    ),
    (
        "broken gzip",
        b"\x1f\x8b\x08garbage",
        {},
        400,
        "bad_request",
        "body is not valid gzip",
        "body",
    ),
    (
        "deep nesting",
        {
            **run_event("j"),
            "x": [
                [
                    [
                        [
                            [
                                [
                                    [
                                        [
                                            [
                                                [
                                                    [
                                                        [
                                                            [
                                                                [
                                                                    [
                                                                        [
                                                                            [
                                                                                [
                                                                                    [
                                                                                        [
                                                                                            [
                                                                                                [
                                                                                                    [
                                                                                                        [
                                                                                                            [
                                                                                                                [
                                                                                                                    [
                                                                                                                        [
                                                                                                                            [
                                                                                                                                [
                                                                                                                                    [
                                                                                                                                        [
                                                                                                                                            [
                                                                                                                                                [
                                                                                                                                                    [
                                                                                                                                                        [
                                                                                                                                                            [
                                                                                                                                                                [
                                                                                                                                                                    [
                                                                                                                                                                        [
                                                                                                                                                                            [
                                                                                                                                                                                [
                                                                                                                                                                                    [
                                                                                                                                                                                        [
                                                                                                                                                                                            [
                                                                                                                                                                                                [
                                                                                                                                                                                                    [
                                                                                                                                                                                                        [
                                                                                                                                                                                                            [
                                                                                                                                                                                                                [
                                                                                                                                                                                                                    [
                                                                                                                                                                                                                        [
                                                                                                                                                                                                                            [
                                                                                                                                                                                                                                [
                                                                                                                                                                                                                                    [
                                                                                                                                                                                                                                        [
                                                                                                                                                                                                                                            [
                                                                                                                                                                                                                                                [
                                                                                                                                                                                                                                                    [
                                                                                                                                                                                                                                                        [
                                                                                                                                                                                                                                                            [
                                                                                                                                                                                                                                                                [
                                                                                                                                                                                                                                                                    [
                                                                                                                                                                                                                                                                        [
                                                                                                                                                                                                                                                                            [
                                                                                                                                                                                                                                                                                [
                                                                                                                                                                                                                                                                                    [
                                                                                                                                                                                                                                                                                        []
                                                                                                                                                                                                                                                                                    ]
                                                                                                                                                                                                                                                                                ]
                                                                                                                                                                                                                                                                            ]
                                                                                                                                                                                                                                                                        ]
                                                                                                                                                                                                                                                                    ]
                                                                                                                                                                                                                                                                ]
                                                                                                                                                                                                                                                            ]
                                                                                                                                                                                                                                                        ]
                                                                                                                                                                                                                                                    ]
                                                                                                                                                                                                                                                ]
                                                                                                                                                                                                                                            ]
                                                                                                                                                                                                                                        ]
                                                                                                                                                                                                                                    ]
                                                                                                                                                                                                                                ]
                                                                                                                                                                                                                            ]
                                                                                                                                                                                                                        ]
                                                                                                                                                                                                                    ]
                                                                                                                                                                                                                ]
                                                                                                                                                                                                            ]
                                                                                                                                                                                                        ]
                                                                                                                                                                                                    ]
                                                                                                                                                                                                ]
                                                                                                                                                                                            ]
                                                                                                                                                                                        ]
                                                                                                                                                                                    ]
                                                                                                                                                                                ]
                                                                                                                                                                            ]
                                                                                                                                                                        ]
                                                                                                                                                                    ]
                                                                                                                                                                ]
                                                                                                                                                            ]
                                                                                                                                                        ]
                                                                                                                                                    ]
                                                                                                                                                ]
                                                                                                                                            ]
                                                                                                                                        ]
                                                                                                                                    ]
                                                                                                                                ]
                                                                                                                            ]
                                                                                                                        ]
                                                                                                                    ]
                                                                                                                ]
                                                                                                            ]
                                                                                                        ]
                                                                                                    ]
                                                                                                ]
                                                                                            ]
                                                                                        ]
                                                                                    ]
                                                                                ]
                                                                            ]
                                                                        ]
                                                                    ]
                                                                ]
                                                            ]
                                                        ]
                                                    ]
                                                ]
                                            ]
                                        ]
                                    ]
                                ]
                            ]
                        ]
                    ]
                ]
            ],
        },
        {},
        413,
        "payload_too_large",
        "deeper than max_json_depth (64)",
        "body",
    ),
]


@pytest.mark.parametrize(
    ("body", "headers", "status", "code", "message", "field"),
    [case[1:] for case in BAD_INPUTS],
    ids=[case[0] for case in BAD_INPUTS],
)
async def test_bad_input_is_rejected_clearly_and_stores_nothing(
    client: httpx.AsyncClient,
    body: Any,
    headers: dict[str, str],
    status: int,
    code: str,
    message: str,
    field: str | None,
) -> None:
    before = row_counts(client)
    content = body if isinstance(body, bytes) else orjson.dumps(body)
    response = await client.post("/api/v1/lineage", content=content, headers=headers)
    assert response.status_code == status
    error = response.json()["error"]
    assert error["code"] == code
    assert message in error["message"]
    assert error.get("field") == field
    assert row_counts(client) == before


async def test_body_over_limit_is_413_also_after_gzip(client: httpx.AsyncClient) -> None:
    bomb = gzip.compress(b"[" + b" " * (17 * 1024 * 1024) + b"]")
    response = await client.post("/api/v1/lineage", content=bomb)
    assert response.status_code == 413
    assert response.json()["error"]["message"] == (
        "body exceeds max_body_bytes (16777216 bytes after decompression)"
    )
    assert row_counts(client)["events"] == 0


SLOPPY_BUT_VALID = {
    "Z time": run_event("j", time="2024-04-04T13:33:41.133Z"),
    "offset time": run_event("j", time="2024-04-04T23:33:41.133+10:00"),
    "no offset": run_event("j", time="2024-07-02T12:23:22.829392"),
    "nanoseconds": run_event("j", time="2021-11-05T10:28:18.969066123Z"),
    "zone id": run_event("j", time="2021-11-05T10:28:18.969066Z[Europe/London]"),
    "no eventType": run_event("j", event_type=None),
    "lowercase eventType": run_event("j", event_type="complete"),
    "no producer": {k: v for k, v in run_event("j").items() if k != "producer"},
    "no schemaURL": {k: v for k, v in run_event("j").items() if k != "schemaURL"},
    "definitions fragment": {
        **run_event("j"),
        "schemaURL": "https://openlineage.io/spec/1-0-5/OpenLineage.json#/definitions/RunEvent",
    },
    "facet without _producer": run_event(
        "j",
        outputs=[ds("n", "t", schema=schema("a:int"))],
        job_facets={"sql": {"query": "select 1"}},
    ),
    "non-uuid runId": run_event("j", run_id="my-run-17"),
    "numeric runId": {**run_event("j"), "run": {"runId": 42}},
    "unknown keys": {**run_event("j"), "somethingNew": {"x": 1}},
    "null facets": {**run_event("j"), "run": {"runId": RUN_ID, "facets": None}},
    "legacy parentRun": run_event("j", run_facets={"parentRun": parent_facet("dag", RUN_ID)}),
}


@pytest.mark.parametrize("event", SLOPPY_BUT_VALID.values(), ids=SLOPPY_BUT_VALID.keys())
async def test_sloppy_but_valid_events_are_stored(client: httpx.AsyncClient, event: Any) -> None:
    response = await post(client, event)
    assert response.status_code == 201
    assert response.content == b""
    assert row_counts(client)["events"] == 1


async def test_event_times_are_normalised_to_utc(client: httpx.AsyncClient) -> None:
    for name, time in [
        ("a", "2024-04-04T23:33:41.133+10:00"),
        ("b", "2024-07-02T12:23:22.829392"),
        ("c", "2021-11-05T10:28:18.969066123Z[Europe/London]"),
    ]:
        assert (await post(client, run_event(name, time=time))).status_code == 201
    runs = {}
    for name in "abc":
        body = (await client.get(f"/api/v1/namespaces/ns/jobs/{name}/runs")).json()
        runs[name] = body["runs"][0]["endedAt"]
    assert runs == {
        "a": "2024-04-04T13:33:41.133000Z",
        "b": "2024-07-02T12:23:22.829392Z",
        "c": "2021-11-05T10:28:18.969066Z",
    }


async def test_content_type_variants_and_bearer_token(client: httpx.AsyncClient) -> None:
    body = orjson.dumps(run_event("j", run_id=RUN_ID))
    for i, headers in enumerate(
        [
            {},
            {"content-type": "application/json; charset=UTF-8", "authorization": "Bearer abc"},
        ]
    ):
        event = run_event(f"j{i}")
        response = await client.post(
            "/api/v1/lineage", content=orjson.dumps(event), headers=headers
        )
        assert response.status_code == 201
    assert (await client.post("/api/v1/lineage", content=body)).status_code == 201
    assert row_counts(client)["events"] == 3


async def test_gzip_with_and_without_header(client: httpx.AsyncClient) -> None:
    first = gzip.compress(orjson.dumps(run_event("a")))
    second = gzip.compress(orjson.dumps(run_event("b")))
    assert (
        await client.post("/api/v1/lineage", content=first, headers={"content-encoding": "gzip"})
    ).status_code == 201
    assert (await client.post("/api/v1/lineage", content=second)).status_code == 201
    jobs = (await client.get("/api/v1/namespaces/ns/jobs")).json()
    assert [j["name"] for j in jobs["jobs"]] == ["a", "b"]


async def test_exact_duplicates_are_stored_once_and_answered_201(client: httpx.AsyncClient) -> None:
    event = run_event("j", run_id=RUN_ID, outputs=[ds("n", "t")])
    statuses = [(await post(client, event)).status_code for _ in range(3)]
    assert statuses == [201, 201, 201]
    counts = row_counts(client)
    assert (counts["events"], counts["runs"], counts["lineage_edges"]) == (1, 1, 1)


async def run_of(client: httpx.AsyncClient, run_id: str = RUN_ID) -> dict[str, Any]:
    response = await client.get(f"/api/v1/jobs/runs/{run_id}")
    assert response.status_code == 200
    return dict(response.json())


async def test_run_accumulates_inputs_outputs_and_latest_facets(client: httpx.AsyncClient) -> None:
    start = run_event(
        "j",
        event_type="START",
        time="2024-01-01T00:00:00Z",
        run_id=RUN_ID,
        inputs=[ds("n", "a")],
        run_facets={"custom_x": {"v": 1}, "keep": {"v": 1}},
    )
    running = run_event(
        "j",
        event_type="RUNNING",
        time="2024-01-01T00:00:30Z",
        run_id=RUN_ID,
        inputs=[ds("n", "b")],
        run_facets={"custom_x": {"v": 2}},
    )
    complete = run_event(
        "j",
        event_type="COMPLETE",
        time="2024-01-01T00:01:00Z",
        run_id=RUN_ID,
        outputs=[ds("n", "c")],
    )
    for event in (start, running, complete):
        assert (await post(client, event)).status_code == 201
    run = await run_of(client)
    assert run["inputs"] == [{"namespace": "n", "name": "a"}, {"namespace": "n", "name": "b"}]
    assert run["outputs"] == [{"namespace": "n", "name": "c"}]
    assert run["facets"] == {"custom_x": {"v": 2}, "keep": {"v": 1}}
    assert (run["state"], run["startedAt"], run["endedAt"], run["durationMs"]) == (
        "COMPLETED",
        "2024-01-01T00:00:00Z",
        "2024-01-01T00:01:00Z",
        60000,
    )


async def test_state_follows_event_time_not_arrival(client: httpx.AsyncClient) -> None:
    complete = run_event("j", event_type="COMPLETE", time="2024-01-01T00:01:00Z", run_id=RUN_ID)
    start = run_event("j", event_type="START", time="2024-01-01T00:00:00Z", run_id=RUN_ID)
    await post(client, complete)
    await post(client, start)
    run = await run_of(client)
    assert (run["state"], run["startedAt"], run["endedAt"]) == (
        "COMPLETED",
        "2024-01-01T00:00:00Z",
        "2024-01-01T00:01:00Z",
    )
    rerun = run_event("j", event_type="START", time="2024-01-02T00:00:00Z", run_id=RUN_ID)
    await post(client, rerun)
    run = await run_of(client)
    assert (run["state"], run["startedAt"], run["endedAt"]) == (
        "RUNNING",
        "2024-01-02T00:00:00Z",
        None,
    )


async def test_a_run_named_as_parent_earlier_in_a_group_is_read_after_that(
    client: httpx.AsyncClient,
) -> None:
    """A child's placeholder upsert moves its parent run's start earlier; the parent's own
    START later in the same group commit must see that, not what the group read ahead."""

    def child(run: str, minute: int) -> dict[str, Any]:
        return run_event(
            "task",
            event_type="START",
            time=f"2024-01-01T00:0{minute}:00Z",
            run_id=run,
            run_facets={"parent": parent_facet("dag", RUN_ID)},
        )

    await post(client, child("0190c2f6-0000-7000-8000-00000000000a", 5))
    assert (await run_of(client))["state"] == "NEW"
    group = [
        child("0190c2f6-0000-7000-8000-00000000000b", 2),
        run_event("dag", event_type="START", time="2024-01-01T00:03:00Z", run_id=RUN_ID),
    ]
    response = await client.post("/api/v1/lineage/batch", content=orjson.dumps(group))
    assert response.status_code == 204
    run = await run_of(client)
    assert (run["state"], run["startedAt"]) == ("RUNNING", "2024-01-01T00:02:00Z")


async def test_a_merge_in_a_group_moves_the_edges_later_events_of_the_group_see(
    client: httpx.AsyncClient,
) -> None:
    """A symlink merging a dataset re-points other jobs' edges; a later event of the same group
    commit must not work from edges read before that (the group reads nothing ahead)."""
    alias = {"identifiers": [{"namespace": "alias", "name": "t", "type": "TABLE"}]}
    await post(client, run_event("reader", inputs=[ds("alias", "t")], run_id=RUN_ID))
    group = [
        run_event(
            "writer",
            time="2024-01-01T00:01:00Z",
            run_id="0190c2f6-0000-7000-8000-00000000000c",
            outputs=[ds("n", "t", symlinks=alias)],
        ),
        run_event(
            "reader",
            time="2024-01-01T00:02:00Z",
            run_id="0190c2f6-0000-7000-8000-00000000000d",
            inputs=[ds("alias", "t")],
        ),
    ]
    response = await client.post("/api/v1/lineage/batch", content=orjson.dumps(group))
    assert response.status_code == 204
    engine = client.app.state.engine  # type: ignore[attr-defined]
    with engine.connect() as conn:
        edges = conn.execute(
            select(s.jobs.c.name, s.datasets.c.namespace, s.lineage_edges.c.valid_to)
            .join(s.jobs, s.jobs.c.id == s.lineage_edges.c.job_id)
            .join(s.datasets, s.datasets.c.id == s.lineage_edges.c.dataset_id)
            .order_by(s.jobs.c.name)
        ).all()
    assert [tuple(e) for e in edges] == [("reader", "n", None), ("writer", "n", None)]


async def test_tie_on_event_time_goes_to_the_terminal_state(client: httpx.AsyncClient) -> None:
    fail = run_event(
        "j",
        event_type="FAIL",
        time="2024-01-01T00:00:00Z",
        run_id=RUN_ID,
        run_facets={"errorMessage": {"message": "boom", "programmingLanguage": "python"}},
    )
    running = run_event("j", event_type="RUNNING", time="2024-01-01T00:00:00Z", run_id=RUN_ID)
    await post(client, fail)
    await post(client, running)
    run = await run_of(client)
    assert run["state"] == "FAILED"
    assert run["errorMessage"] == {
        "message": "boom",
        "programmingLanguage": "python",
        "stackTrace": None,
    }


async def test_complete_without_start_is_a_normal_run(client: httpx.AsyncClient) -> None:
    await post(client, run_event("j", event_type="COMPLETE", run_id=RUN_ID, outputs=[ds("n", "o")]))
    run = await run_of(client)
    assert (run["state"], run["startedAt"], run["outputs"]) == (
        "COMPLETED",
        None,
        [{"namespace": "n", "name": "o"}],
    )


async def test_non_uuid_run_id_maps_deterministically(client: httpx.AsyncClient) -> None:
    await post(client, run_event("j", run_id="my-run-17"))
    run = await run_of(client, "my-run-17")
    assert run["externalId"] == "my-run-17"
    assert run["id"] == "9ee2e3a1-bc3e-3a62-8f87-57d2bcc5c02d" or len(run["id"]) == 36
    again = await run_of(client, run["id"])
    assert again["externalId"] == "my-run-17"


async def test_deleted_facet_removes_it(client: httpx.AsyncClient) -> None:
    owned = {
        "ownership": {"owners": [{"name": "team:data"}]},
        "documentation": {"description": "d"},
    }
    await post(
        client,
        {**run_event("j"), "eventTime": "2024-01-01T00:00:00Z"}
        | {"job": {"namespace": "ns", "name": "j", "facets": owned}},
    )
    job_event = {
        "eventTime": "2024-01-02T00:00:00Z",
        "producer": PRODUCER,
        "schemaURL": SCHEMA_URL.format("JobEvent"),
        "job": {"namespace": "ns", "name": "j", "facets": {"ownership": {"_deleted": True}}},
    }
    assert (await post(client, job_event)).status_code == 201
    job = (await client.get("/api/v1/namespaces/ns/jobs/j")).json()
    assert sorted(job["facets"]) == ["documentation"]


async def test_dataset_event_and_job_event(client: httpx.AsyncClient) -> None:
    dataset_event = {
        "eventTime": "2024-01-01T00:00:00Z",
        "producer": PRODUCER,
        "schemaURL": SCHEMA_URL.format("DatasetEvent"),
        "dataset": ds("s3://bkt", "path/x", schema=schema("id:int", "name:string")),
    }
    job_event = {
        "eventTime": "2024-01-01T00:00:00Z",
        "producer": PRODUCER,
        "schemaURL": SCHEMA_URL.format("JobEvent"),
        "job": {"namespace": "ns", "name": "static"},
        "inputs": [ds("s3://bkt", "path/x")],
        "outputs": [ds("s3://bkt", "path/y")],
    }
    assert (await post(client, dataset_event)).status_code == 201
    assert (await post(client, job_event)).status_code == 201
    dataset = (await client.get("/api/v1/namespaces/s3%3A%2F%2Fbkt/datasets/path%2Fx")).json()
    assert [(f["name"], f["type"]) for f in dataset["fields"]] == [
        ("id", "int"),
        ("name", "string"),
    ]
    assert dataset["consumers"] == [{"namespace": "ns", "name": "static"}]
    job = (await client.get("/api/v1/namespaces/ns/jobs/static")).json()
    assert (job["inputs"], job["outputs"], job["latestRun"]) == (
        [{"namespace": "s3://bkt", "name": "path/x"}],
        [{"namespace": "s3://bkt", "name": "path/y"}],
        None,
    )


async def test_odd_names_round_trip(client: httpx.AsyncClient) -> None:
    names = [
        ("pubsub", "topic:proj:orders#v2"),
        ("postgres://db:5432", "db.public.größe 📦"),
        ("abfss://c@acct.dfs.core.windows.net", "a/b/c=1;x"),
    ]
    await post(client, run_event("j:odd#1", outputs=[ds(n, m) for n, m in names]))
    for namespace, name in names:
        response = await client.get(
            f"/api/v1/namespaces/{quote(namespace, safe='')}/datasets/{quote(name, safe='')}"
        )
        assert response.status_code == 200, (namespace, name, response.text)
        assert (response.json()["namespace"], response.json()["name"]) == (namespace, name)
    down = await client.get("/api/v1/lineage/downstream", params={"nodeId": "job:ns:j:odd#1"})
    assert sorted(n["name"] for n in down.json()["nodes"]) == sorted(
        [m for _, m in names] + ["j:odd#1"]
    )


async def test_symlinked_names_resolve_to_one_node(client: httpx.AsyncClient) -> None:
    physical = ds(
        "s3://warehouse",
        "tables/orders",
        symlinks={
            "identifiers": [{"namespace": "hive://meta", "name": "default.orders", "type": "TABLE"}]
        },
    )
    await post(client, run_event("reader", inputs=[ds("hive://meta", "default.orders")]))
    await post(client, run_event("writer", outputs=[physical]))
    down = (
        await client.get("/api/v1/lineage/downstream", params={"nodeId": "job:ns:writer"})
    ).json()
    assert [n["id"] for n in down["nodes"]] == [
        "job:ns:writer",
        "dataset:s3://warehouse:tables/orders",
        "job:ns:reader",
    ]
    alias = await client.get("/api/v1/namespaces/hive%3A%2F%2Fmeta/datasets/default.orders")
    assert alias.json()["nodeId"] == "dataset:s3://warehouse:tables/orders"
    assert alias.json()["aliases"] == [{"namespace": "hive://meta", "name": "default.orders"}]


async def test_batch_partial_success(client: httpx.AsyncClient) -> None:
    events = [run_event("a"), {"eventTime": "x"}, run_event("b", time="never"), run_event("c")]
    response = await client.post("/api/v1/lineage/batch", content=orjson.dumps(events))
    assert response.status_code == 200
    assert response.json() == {
        "status": "partial_success",
        "summary": {
            "received": 4,
            "successful": 2,
            "failed": 2,
            "retriable": 0,
            "non_retriable": 2,
        },
        "failed_events": [
            {
                "index": 1,
                "reason": "job: event has no run, job or dataset: cannot tell what it describes",
                "retriable": False,
            },
            {
                "index": 2,
                "reason": "eventTime 'never' is not a date-time: expected e.g. "
                "2024-01-01T00:00:00Z",
                "retriable": False,
            },
        ],
    }
    assert row_counts(client)["events"] == 2


async def test_batch_all_stored_is_204_also_as_ndjson(client: httpx.AsyncClient) -> None:
    body = b"\n".join(orjson.dumps(run_event(name)) for name in "abc")
    response = await client.post(
        "/api/v1/lineage/batch", content=body, headers={"content-type": "application/x-ndjson"}
    )
    assert (response.status_code, response.content) == (204, b"")
    assert row_counts(client)["runs"] == 3


async def test_column_lineage_is_stored(client: httpx.AsyncClient) -> None:
    out = ds(
        "n",
        "out",
        schema=schema("id:int", "total:int"),
        columnLineage=column_lineage({"id": [("n", "in", "id")], "total": [("n", "in", "amount")]}),
    )
    await post(
        client,
        run_event(
            "j", inputs=[ds("n", "in", schema=schema("id:int", "amount:int"))], outputs=[out]
        ),
    )
    response = await client.get(
        "/api/v1/column-lineage", params={"nodeId": "datasetField:n:out:total"}
    )
    graph = response.json()["graph"]
    assert [g["id"] for g in graph] == ["datasetField:n:in:amount", "datasetField:n:out:total"]
    assert graph[1]["data"]["inputFields"] == [
        {
            "namespace": "n",
            "dataset": "in",
            "field": "amount",
            "transformationType": "DIRECT",
            "transformationSubtype": None,
            "job": "job:ns:j",
        }
    ]


POISON_TRIGGER = {
    "sqlite": [
        "CREATE TRIGGER reject_poison BEFORE INSERT ON jobs WHEN NEW.name = 'poison' "
        "BEGIN SELECT RAISE(ABORT, 'poison job refused'); END"
    ],
    "postgresql": [
        "CREATE FUNCTION reject_poison() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "IF NEW.name = 'poison' THEN RAISE EXCEPTION 'poison job refused'; END IF; "
        "RETURN NEW; END $$",
        "CREATE TRIGGER reject_poison BEFORE INSERT ON jobs FOR EACH ROW "
        "EXECUTE FUNCTION reject_poison()",
    ],
}


async def test_an_event_the_database_refuses_fails_alone(client: httpx.AsyncClient) -> None:
    """A group is written without savepoints first; a failing event makes it retry guarded."""
    from sqlalchemy import text

    engine = client.app.state.engine  # type: ignore[attr-defined]
    with engine.begin() as conn:
        for statement in POISON_TRIGGER[engine.dialect.name]:
            conn.execute(text(statement))
    events = [run_event("before", outputs=[ds("n", "a")]), run_event("poison"), run_event("after")]
    response = await client.post("/api/v1/lineage/batch", content=orjson.dumps(events))
    assert response.status_code == 200
    body = response.json()
    assert body["summary"] == {
        "received": 3,
        "successful": 2,
        "failed": 1,
        "retriable": 0,
        "non_retriable": 1,
    }
    assert body["failed_events"][0]["index"] == 1
    assert "poison job refused" in body["failed_events"][0]["reason"]
    jobs = (await client.get("/api/v1/namespaces/ns/jobs")).json()
    assert [j["name"] for j in jobs["jobs"]] == ["after", "before"]
    down = await client.get("/api/v1/lineage/downstream", params={"nodeId": "job:ns:before"})
    assert [n["id"] for n in down.json()["nodes"]] == ["job:ns:before", "dataset:n:a"]
    assert row_counts(client)["events"] == 2
