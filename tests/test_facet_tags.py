"""Tags of OpenLineage `tags` facets (dataset, field, job, run; and the client's configured
tags), sent by the real openlineage-python client: on every node of every answer, filtered
by `tag=KEY[:VALUE]`, merged with Marquez's tag routes, newest facet wins, replay rebuilds."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
from openlineage.client import constants
from openlineage.client.event_v2 import InputDataset, Job, OutputDataset, Run, RunEvent, RunState
from openlineage.client.facet_v2 import schema_dataset, tags_dataset, tags_job, tags_run
from sqlalchemy import select

from lineage.store import schema as s
from lineage.store.db import make_engine
from lineage.store.prune import PruneCounts, prune
from lineage.store.replay import replay
from tests import ol_client

RUN = "0190d0c7-6a43-7ad4-b6f3-1b8d27c0b2a1"
LATER_RUN = "0190d0c7-6a43-7ad4-b6f3-1b8d27c0b2a2"
VERSION = constants.__version__


def _orders(*tags: tags_dataset.TagsDatasetFacetFields) -> InputDataset:
    fields = [schema_dataset.SchemaDatasetFacetFields(name=n, type="int") for n in ("id", "email")]
    return InputDataset(
        "pg",
        "public.orders",
        facets={
            "schema": schema_dataset.SchemaDatasetFacet(fields=fields),
            "tags": tags_dataset.TagsDatasetFacet(tags=list(tags)),
        },
    )


def _event(
    time: str, run_id: str, inputs: list[InputDataset], job_tags: list[Any], run_tags: list[Any]
) -> RunEvent:
    return RunEvent(
        eventType=RunState.COMPLETE,
        eventTime=time,
        run=Run(runId=run_id, facets={"tags": tags_run.TagsRunFacet(tags=run_tags)}),
        job=Job(
            namespace="etl", name="load", facets={"tags": tags_job.TagsJobFacet(tags=job_tags)}
        ),
        producer=ol_client.PRODUCER,
        inputs=inputs,
        outputs=[OutputDataset("pg", "public.daily")],
    )


def tag(key: str, value: str | None, source: str | None) -> dict[str, Any]:
    return {"key": key, "value": value, "source": source}


async def get(client: httpx.AsyncClient, path: str, **params: Any) -> Any:
    response = await client.get(f"/api/v1{path}", params=params)
    assert response.status_code == 200, response.text
    return response.json()


async def _send_first_run(client: httpx.AsyncClient) -> None:
    ol, captured = ol_client.client({"tags": {"job": {"team": "growth"}, "run": {"env": "prod"}}})
    ol.emit(
        _event(
            "2026-11-01T10:00:00Z",
            RUN,
            [
                _orders(
                    tags_dataset.TagsDatasetFacetFields("pii", "true", "DBT"),
                    tags_dataset.TagsDatasetFacetFields("tier", "gold", "USER"),
                    tags_dataset.TagsDatasetFacetFields("pii", "email", "DBT", field="email"),
                )
            ],
            [tags_job.TagsJobFacetFields("schedule", "daily", "AIRFLOW")],
            [tags_run.TagsRunFacetFields("attempt", "1", "AIRFLOW")],
        )
    )
    await ol_client.post(client, captured)


ORDERS_TAGS = [tag("pii", "true", "DBT"), tag("tier", "gold", "USER")]
JOB_TAGS = [tag("schedule", "daily", "AIRFLOW"), tag("team", "growth", "USER")]
RUN_TAGS = [
    tag("attempt", "1", "AIRFLOW"),
    tag("env", "prod", "USER"),
    tag("openlineage_client_version", VERSION, "OPENLINEAGE_CLIENT"),
]


async def test_tags_on_every_answer_and_filtered(client: httpx.AsyncClient) -> None:
    await _send_first_run(client)

    orders = await get(client, "/namespaces/pg/datasets/public.orders")
    assert (orders["tags"], orders["tagDetails"]) == (["pii", "tier"], ORDERS_TAGS)
    assert [(f["name"], f["tags"]) for f in orders["fields"]] == [("id", []), ("email", ["pii"])]
    assert "tags" in orders["facets"]  # the raw facet stays too
    job = await get(client, "/namespaces/etl/jobs/load")
    assert (job["tags"], job["tagDetails"]) == (["schedule", "team"], JOB_TAGS)
    assert job["latestRun"]["tags"] == RUN_TAGS
    assert (await get(client, f"/jobs/runs/{RUN}"))["tags"] == RUN_TAGS

    down = await get(client, "/lineage/downstream", nodeId="dataset:pg:public.orders")
    assert {n["id"]: n["tags"] for n in down["nodes"]} == {
        "dataset:pg:public.orders": ORDERS_TAGS,
        "job:etl:load": JOB_TAGS,
        "dataset:pg:public.daily": [],
    }
    up = await get(client, "/lineage/upstream", nodeId="dataset:pg:public.daily", tag="team")
    assert ([n["id"] for n in up["nodes"]], up["edges"]) == (
        ["dataset:pg:public.daily", "job:etl:load"],
        [{"from": "job:etl:load", "to": "dataset:pg:public.daily"}],
    )
    up = await get(client, "/lineage/upstream", nodeId="dataset:pg:public.daily", tag="pii:true")
    assert ([n["id"] for n in up["nodes"]], up["edges"]) == (
        ["dataset:pg:public.daily", "dataset:pg:public.orders"],
        [],
    )
    neighbourhood = await get(client, "/lineage", nodeId="dataset:pg:public.orders")
    assert {n["id"]: n["data"]["tagDetails"] for n in neighbourhood["graph"]} == {
        "dataset:pg:public.daily": [],
        "dataset:pg:public.orders": ORDERS_TAGS,
        "job:etl:load": JOB_TAGS,
    }

    hits = (await get(client, "/search", tag="pii"))["results"]
    assert [(h["nodeId"], h["tags"]) for h in hits] == [("dataset:pg:public.orders", ORDERS_TAGS)]
    hits = (await get(client, "/search", q="load", tag="team:growth"))["results"]
    assert [h["nodeId"] for h in hits] == ["job:etl:load"]
    assert (await get(client, "/search", q="o", tag="pii:false"))["results"] == []
    listed = await get(client, "/namespaces/pg/datasets", tag="tier:gold")
    assert [d["name"] for d in listed["datasets"]] == ["public.orders"]
    listed = await get(client, "/namespaces/etl/jobs", tag="schedule")
    assert [j["name"] for j in listed["jobs"]] == ["load"]
    assert (await get(client, "/namespaces/etl/jobs", tag="schedule:hourly"))["jobs"] == []
    browsed = await get(client, "/browse/datasets", tag="pii")
    assert [(d["name"], d["tags"]) for d in browsed["datasets"]] == [("public.orders", ORDERS_TAGS)]
    browsed = await get(client, "/browse/jobs", tag="team:growth")
    assert [(j["name"], j["tags"]) for j in browsed["jobs"]] == [("load", JOB_TAGS)]

    bad = await client.get("/api/v1/search", params={"tag": ":x"})
    assert (bad.status_code, bad.json()["error"]["field"]) == (400, "tag")
    bad = await client.get("/api/v1/search")
    assert (bad.status_code, bad.json()["error"]["field"]) == (400, "q")


async def test_newest_facet_wins_marquez_routes_share_the_store_and_replay_rebuilds(
    client: httpx.AsyncClient, db_url: str
) -> None:
    await _send_first_run(client)
    # Marquez's tag routes: a tag name of their own next to the facets' keys
    tagged = await client.post("/api/v1/namespaces/pg/datasets/public.orders/tags/GOLDEN")
    assert tagged.json()["tags"] == ["GOLDEN", "pii", "tier"]
    names = (await get(client, "/tags"))["tags"]
    assert [n["name"] for n in names] == ["GOLDEN", "pii", "schedule", "team", "tier"]

    # a newer facet replaces the dataset's facet tags; an older one arriving later does not
    ol, captured = ol_client.client()
    newer = [_orders(tags_dataset.TagsDatasetFacetFields("tier", "silver", "USER"))]
    ol.emit(_event("2026-11-02T10:00:00Z", LATER_RUN, newer, [], []))
    older = [_orders(tags_dataset.TagsDatasetFacetFields("stale", "yes", "USER"))]
    ol.emit(_event("2026-10-01T10:00:00Z", "0190d0c7-6a43-7ad4-b6f3-1b8d27c0b2a3", older, [], []))
    await ol_client.post(client, captured)
    expected = [tag("GOLDEN", None, "API"), tag("tier", "silver", "USER")]
    orders = await get(client, "/namespaces/pg/datasets/public.orders")
    assert (orders["tagDetails"], orders["fields"][1]["tags"]) == (expected, [])
    job = await get(client, "/namespaces/etl/jobs/load")
    assert job["tagDetails"] == []  # the newest job tags facet is empty
    assert (await get(client, f"/jobs/runs/{RUN}"))["tags"] == RUN_TAGS

    before = [
        await get(client, path)
        for path in ("/namespaces/pg/datasets/public.orders", f"/jobs/runs/{RUN}", "/tags")
    ]
    engine = make_engine(db_url)
    try:
        replay(engine)
    finally:
        engine.dispose()
    after = [
        await get(client, path)
        for path in ("/namespaces/pg/datasets/public.orders", f"/jobs/runs/{RUN}", "/tags")
    ]
    assert after == before


async def test_an_empty_newest_facet_keeps_an_older_one_arriving_late_out(
    client: httpx.AsyncClient, db_url: str
) -> None:
    """An empty tags facet removes the node's tags, and what an older facet arriving after
    it says stays out, as for any newer facet (and after replay)."""
    await _send_first_run(client)
    ol, captured = ol_client.client()
    ol.emit(_event("2026-11-02T10:00:00Z", LATER_RUN, [_orders()], [], []))
    await ol_client.post(client, captured)  # a group of its own: the late one comes after
    late = [_orders(tags_dataset.TagsDatasetFacetFields("stale", "yes", "USER"))]
    ol.emit(
        _event(
            "2026-10-01T10:00:00Z",
            "0190d0c7-6a43-7ad4-b6f3-1b8d27c0b2a3",
            late,
            [tags_job.TagsJobFacetFields("stale", "yes", "USER")],
            [],
        )
    )
    await ol_client.post(client, captured)
    for _ in range(2):
        orders = await get(client, "/namespaces/pg/datasets/public.orders")
        assert (orders["tagDetails"], orders["fields"][1]["tags"]) == ([], [])
        assert (await get(client, "/namespaces/etl/jobs/load"))["tagDetails"] == []
        engine = make_engine(db_url)
        try:
            replay(engine)
        finally:
            engine.dispose()


async def test_a_pruned_run_takes_its_tags_along(client: httpx.AsyncClient, db_url: str) -> None:
    await _send_first_run(client)
    ol, captured = ol_client.client()
    later_tags = [tags_run.TagsRunFacetFields("attempt", "2", "AIRFLOW")]
    ol.emit(_event("2026-11-02T10:00:00Z", LATER_RUN, [_orders()], [], later_tags))
    await ol_client.post(client, captured)

    engine = make_engine(db_url)
    try:
        counts = prune(engine, older_than=datetime(2026, 11, 2, tzinfo=UTC), dry_run=False)
        with engine.connect() as conn:
            nt = s.node_tags.c
            query = select(nt.owner_ident, nt.key).where(nt.owner_type == "run")
            left = sorted(tuple(r) for r in conn.execute(query))
    finally:
        engine.dispose()
    # the first run's three tags are among the dependent rows, next to its change log row
    assert counts == PruneCounts(runs=1, run_io=2, facets=1, dependent_rows=4, events=1)
    assert left == [(LATER_RUN, "attempt"), (LATER_RUN, "openlineage_client_version")]
    assert (await client.get(f"/api/v1/jobs/runs/{RUN}")).status_code == 404
    later = await get(client, f"/jobs/runs/{LATER_RUN}")
    assert later["tags"] == [
        tag("attempt", "2", "AIRFLOW"),
        tag("openlineage_client_version", VERSION, "OPENLINEAGE_CLIENT"),
    ]
    orders = await get(client, "/namespaces/pg/datasets/public.orders")
    assert orders["tagDetails"] == []  # the later facet had no tags: nodes keep theirs
