"""Marquez parity: every method of the real marquez-python client (`MarquezClient`) against a
real uvicorn collector fed by the real openlineage-python client, on SQLite and PostgreSQL.

Marquez's routes the client has no method for (lineage, job versions, run facets, the
events log, search, untagging, job tags) are called over HTTP as Marquez documents them.
"""

from __future__ import annotations

import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

import httpx
import pytest
from marquez_client import MarquezClient
from marquez_client.errors import APIError
from marquez_client.models import DatasetType, JobType
from openlineage.client import OpenLineageClient
from openlineage.client.event_v2 import InputDataset, Job, OutputDataset, Run, RunEvent, RunState
from openlineage.client.facet_v2 import (
    column_lineage_dataset,
    datasource_dataset,
    schema_dataset,
    symlinks_dataset,
)
from openlineage.client.transport.http import HttpConfig, HttpTransport

from tests.conftest import Server

SHOP, LAKE, HIVE = "postgres://db:5432", "s3://lake", "hive://metastore"
ORDERS, CUSTOMERS, DAILY = "shop.public.orders", "shop.public.customers", "marts/orders_daily"
JOBS = "shop"
RUN_1 = "0195c0de-0000-7000-8000-000000000001"
RUN_2 = "0195c0de-0000-7000-8000-000000000002"
T = {
    (RUN_1, "START"): "2026-11-22T10:00:00.000000+00:00",
    (RUN_1, "COMPLETE"): "2026-11-22T10:01:00.000000+00:00",
    (RUN_2, "START"): "2026-11-23T10:00:00.000000+00:00",
    (RUN_2, "COMPLETE"): "2026-11-23T10:02:00.000000+00:00",
}


def _schema(*names: str) -> schema_dataset.SchemaDatasetFacet:
    return schema_dataset.SchemaDatasetFacet(
        fields=[schema_dataset.SchemaDatasetFacetFields(name=n, type="int") for n in names]
    )


def _source(name: str, uri: str) -> datasource_dataset.DatasourceDatasetFacet:
    return datasource_dataset.DatasourceDatasetFacet(name=name, uri=uri)


def _from(dataset: str, field: str) -> column_lineage_dataset.InputField:
    return column_lineage_dataset.InputField(namespace=SHOP, name=dataset, field=field)


def feed(url: str) -> None:
    """Two runs of shop/etl.load_orders: the first reads orders, the second orders and
    customers; both write the lake's orders_daily (column lineage, a Hive symlink)."""
    client = OpenLineageClient(transport=HttpTransport(HttpConfig(url=url)))
    daily_facets = {
        "schema": _schema("id", "total"),
        "dataSource": _source("lake", LAKE),
        "symlinks": symlinks_dataset.SymlinksDatasetFacet(
            identifiers=[
                symlinks_dataset.Identifier(namespace=HIVE, name="marts.orders_daily", type="TABLE")
            ]
        ),
        "columnLineage": column_lineage_dataset.ColumnLineageDatasetFacet(
            fields={
                "id": column_lineage_dataset.Fields(inputFields=[_from(ORDERS, "id")]),
                "total": column_lineage_dataset.Fields(inputFields=[_from(ORDERS, "amount")]),
            }
        ),
    }
    for run_id, inputs in ((RUN_1, [ORDERS]), (RUN_2, [ORDERS, CUSTOMERS])):
        for state in (RunState.START, RunState.COMPLETE):
            client.emit(
                RunEvent(
                    eventType=state,
                    eventTime=T[(run_id, state.value)],
                    run=Run(runId=run_id),
                    job=Job(namespace=JOBS, name="etl.load_orders"),
                    producer="https://example.com/marquez-parity",
                    inputs=[
                        InputDataset(
                            SHOP,
                            name,
                            facets={
                                "schema": _schema("id", "amount"),
                                "dataSource": _source("shop-db", SHOP),
                            },
                        )
                        for name in inputs
                    ],
                    outputs=[OutputDataset(LAKE, DAILY, facets=daily_facets)],
                )
            )


def get(server: Server, path: str, **params: Any) -> Any:
    answer = httpx.get(f"{server.url}/api/v1{path}", params=params)
    assert answer.status_code == 200, answer.text
    return answer.json()


def send(server: Server, method: str, path: str) -> Any:
    answer = httpx.request(method, f"{server.url}/api/v1{path}")
    assert answer.status_code == 200, answer.text
    return answer.json()


def refused(call: Any, status: int) -> None:
    """The client raises APIError for an answer of `status` in our error shape."""
    with pytest.raises(APIError) as raised, warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # the client's own deprecations
        call()
    response = raised.value.__cause__.response
    assert response.status_code == status
    assert set(response.json()["error"]) >= {"code", "message"}


def fields(dataset: dict[str, Any]) -> list[tuple[str, list[str]]]:
    return [(f["name"], f["tags"]) for f in dataset["fields"]]


def test_every_client_method(server: Server) -> None:
    feed(server.url)
    mq = MarquezClient(server.url)

    # namespaces
    assert mq.get_namespace(JOBS) == {
        "name": JOBS,
        "createdAt": "2026-11-22T10:00:00Z",
        "updatedAt": "2026-11-22T10:00:00Z",
        "ownerName": None,
        "description": None,
        "isHidden": False,
    }
    listed = mq.list_namespaces()
    assert (listed["totalCount"], [n["name"] for n in listed["namespaces"]]) == (
        4,
        [HIVE, SHOP, LAKE, JOBS],
    )
    refused(lambda: mq.get_namespace("shpo"), 404)
    unknown = httpx.get(f"{server.url}/api/v1/namespaces/shpo").json()["error"]
    assert (unknown["message"], unknown["suggestions"]) == ("namespace 'shpo' not found", [JOBS])
    unknown = httpx.get(f"{server.url}/api/v1/namespaces/shpo/jobs").json()["error"]
    assert unknown["suggestions"] == [JOBS]

    # sources, from the dataSource facets
    lake = {
        "type": "S3",
        "name": "lake",
        "createdAt": "2026-11-22T10:00:00Z",
        "updatedAt": "2026-11-23T10:02:00Z",
        "connectionUrl": LAKE,
        "description": None,
    }
    shop_db = {
        **lake,
        "type": "POSTGRES",
        "name": "shop-db",
        "connectionUrl": SHOP,
    }
    assert mq.list_sources() == {"sources": [lake, shop_db]}
    assert mq.get_source("lake") == lake
    refused(lambda: mq.get_source("lak"), 404)

    # datasets: by name and by a symlink alias whose namespace holds no dataset of its own
    daily = mq.get_dataset(LAKE, DAILY)
    assert mq.get_dataset(HIVE, "marts.orders_daily") == daily
    assert (daily["id"], daily["sourceName"], daily["tags"], fields(daily)) == (
        {"namespace": LAKE, "name": DAILY},
        "lake",
        [],
        [("id", []), ("total", [])],
    )
    assert daily["aliases"] == [{"namespace": HIVE, "name": "marts.orders_daily"}]
    listed = mq.list_datasets(SHOP)
    assert (listed["totalCount"], [d["name"] for d in listed["datasets"]]) == (
        2,
        [CUSTOMERS, ORDERS],
    )
    versions = mq.list_dataset_versions(LAKE, DAILY)
    assert (versions["totalCount"], [v["runId"] for v in versions["versions"]]) == (1, [RUN_1])
    version = versions["versions"][0]
    assert mq.get_dataset_version(LAKE, DAILY, version["version"]) == version
    assert mq.get_dataset_version(HIVE, "marts.orders_daily", version["version"]) == version
    refused(lambda: mq.get_dataset_version(LAKE, DAILY, "no-such-version"), 404)

    # tags: created, set on a dataset, a field and a job, listed, removed
    assert mq.create_tag("PII", "personal data") == {"name": "PII", "description": "personal data"}
    tagged = mq.tag_dataset(LAKE, DAILY, "PII")
    assert (tagged["tags"], fields(tagged)) == (["PII"], [("id", []), ("total", [])])
    tagged = mq.tag_dataset_field(LAKE, DAILY, "total", "SENSITIVE")
    assert (tagged["tags"], fields(tagged)) == (["PII"], [("id", []), ("total", ["SENSITIVE"])])
    assert mq.tag_dataset(LAKE, DAILY, "PII")["tags"] == ["PII"]  # twice is once
    refused(lambda: mq.tag_dataset_field(LAKE, DAILY, "totl", "X"), 404)
    job_path = f"/namespaces/{JOBS}/jobs/etl.load_orders"
    assert send(server, "POST", f"{job_path}/tags/NIGHTLY")["tags"] == ["NIGHTLY"]
    assert send(server, "POST", f"{job_path}/tags/GOLD")["tags"] == ["GOLD", "NIGHTLY"]
    assert send(server, "DELETE", f"{job_path}/tags/GOLD")["tags"] == ["NIGHTLY"]
    assert mq.list_tags() == {
        "tags": [
            {"name": "GOLD", "description": None},
            {"name": "NIGHTLY", "description": None},
            {"name": "PII", "description": "personal data"},
            {"name": "SENSITIVE", "description": None},
        ]
    }
    assert mq.list_tags(limit=1, offset=1) == {"tags": [{"name": "NIGHTLY", "description": None}]}
    dataset_path = f"/namespaces/{LAKE.replace('/', '%2F')}/datasets/{DAILY.replace('/', '%2F')}"
    untagged = send(server, "DELETE", f"{dataset_path}/fields/total/tags/SENSITIVE")
    assert (untagged["tags"], fields(untagged)) == (["PII"], [("id", []), ("total", [])])

    # jobs and runs
    job = mq.get_job(JOBS, "etl.load_orders")
    assert (job["id"], job["inputs"], job["outputs"], job["tags"]) == (
        {"namespace": JOBS, "name": "etl.load_orders"},
        [{"namespace": SHOP, "name": CUSTOMERS}, {"namespace": SHOP, "name": ORDERS}],
        [{"namespace": LAKE, "name": DAILY}],
        ["NIGHTLY"],
    )
    assert job["latestRun"]["id"] == RUN_2
    assert [j["name"] for j in mq.list_jobs(JOBS)["jobs"]] == ["etl.load_orders"]
    runs = mq.list_job_runs(JOBS, "etl.load_orders")
    assert [(r["id"], r["state"], r["durationMs"]) for r in runs["runs"]] == [
        (RUN_2, "COMPLETED", 120_000),
        (RUN_1, "COMPLETED", 60_000),
    ]
    run = mq.get_job_run(RUN_1)
    assert (run["id"], run["inputs"], run["startedAt"]) == (
        RUN_1,
        [{"namespace": SHOP, "name": ORDERS}],
        "2026-11-22T10:00:00Z",
    )
    facets = get(server, f"/jobs/runs/{RUN_1}/facets", type="run")
    assert (facets["runId"], sorted(facets["facets"])) == (RUN_1, ["tags"])
    job_versions = get(server, f"{job_path}/versions")
    assert [
        (v["inputs"], v["latestRun"], v["createdAt"], v["runCount"])
        for v in job_versions["versions"]
    ] == [
        (
            [{"namespace": SHOP, "name": CUSTOMERS}, {"namespace": SHOP, "name": ORDERS}],
            {"id": RUN_2, "state": "COMPLETED"},
            "2026-11-23T10:00:00Z",
            1,
        ),
        (
            [{"namespace": SHOP, "name": ORDERS}],
            {"id": RUN_1, "state": "COMPLETED"},
            "2026-11-22T10:00:00Z",
            1,
        ),
    ]
    assert job_versions["totalCount"] == 2
    assert len({v["version"] for v in job_versions["versions"]}) == 2
    for v in job_versions["versions"]:
        assert get(server, f"{job_path}/versions/{v['version']}") == v
    missing = httpx.get(f"{server.url}/api/v1{job_path}/versions/nope").json()["error"]
    assert missing["suggestions"] == [v["version"] for v in job_versions["versions"]]

    # column lineage by dataset, by field and by job (the fields the job writes)
    def column_graph(answer: dict[str, Any]) -> dict[str, list[str]]:
        return {n["id"]: [e["origin"] for e in n["inEdges"]] for n in answer["graph"]}

    src = f"datasetField:{SHOP}:{ORDERS}"
    out = f"datasetField:{LAKE}:{DAILY}"
    by_dataset = mq.get_column_lineage_by_dataset(LAKE, DAILY)
    assert column_graph(by_dataset) == {
        f"{src}:amount": [],
        f"{src}:id": [],
        f"{out}:id": [f"{src}:id"],
        f"{out}:total": [f"{src}:amount"],
    }
    assert column_graph(mq.get_column_lineage_by_dataset_field(LAKE, DAILY, "total")) == {
        f"{src}:amount": [],
        f"{out}:total": [f"{src}:amount"],
    }
    assert mq.get_column_lineage_by_job(JOBS, "etl.load_orders") == by_dataset
    downstream = mq.get_column_lineage_by_dataset(SHOP, ORDERS, with_downstream=True)
    assert column_graph(downstream) == column_graph(by_dataset)

    # lineage: Marquez's full dataset and job in each node, from a symlink alias
    lineage = get(server, "/lineage", nodeId=f"dataset:{HIVE}:marts.orders_daily", depth=1)
    nodes = {n["id"]: n["data"] for n in lineage["graph"]}
    assert sorted(nodes) == [f"dataset:{LAKE}:{DAILY}", f"job:{JOBS}:etl.load_orders"]
    data, job_data = nodes[f"dataset:{LAKE}:{DAILY}"], nodes[f"job:{JOBS}:etl.load_orders"]
    assert {k: data[k] for k in ("id", "type", "sourceName", "tags", "fields")} == {
        "id": {"namespace": LAKE, "name": DAILY},
        "type": "DB_TABLE",
        "sourceName": "lake",
        "tags": ["PII"],
        "fields": [
            {"name": "id", "type": "int", "tags": [], "description": None},
            {"name": "total", "type": "int", "tags": [], "description": None},
        ],
    }
    assert sorted(data["facets"]) == ["columnLineage", "dataSource", "schema", "symlinks"]
    assert data["lastModifiedAt"] == "2026-11-23T10:00:00Z"
    assert {k: job_data[k] for k in ("id", "type", "simpleName", "outputs", "tags")} == {
        "id": {"namespace": JOBS, "name": "etl.load_orders"},
        "type": "BATCH",
        "simpleName": "etl.load_orders",
        "outputs": [{"namespace": LAKE, "name": DAILY}],
        "tags": ["NIGHTLY"],
    }
    assert (job_data["latestRun"]["id"], job_data["latestRun"]["durationMs"]) == (RUN_2, 120_000)

    # the event log: before, after, sortDirection, limit, offset
    def events(**params: Any) -> list[tuple[str, str]]:
        answer = get(server, "/events/lineage", **params)
        return [(e["run"]["runId"], e["eventType"]) for e in answer["events"]]

    assert events(sortDirection="asc") == [
        (RUN_1, "START"),
        (RUN_1, "COMPLETE"),
        (RUN_2, "START"),
        (RUN_2, "COMPLETE"),
    ]
    assert events() == events(sortDirection="asc")[::-1]
    assert events(
        after="2026-11-22T10:01:00Z", before="2026-11-23T10:00:00Z", sortDirection="asc"
    ) == [(RUN_1, "COMPLETE"), (RUN_2, "START")]
    assert events(limit=2, offset=1) == [(RUN_2, "START"), (RUN_1, "COMPLETE")]
    assert get(server, "/events/lineage", limit=1)["totalCount"] == 4

    # search, with filter and sort
    def search(**params: Any) -> list[str]:
        return [h["nodeId"] for h in get(server, "/search", **params)["results"]]

    assert search(q="orders", sort="NAME") == [
        f"job:{JOBS}:etl.load_orders",
        f"dataset:{LAKE}:{DAILY}",
        f"dataset:{SHOP}:{ORDERS}",
    ]
    assert search(q="orders", sort="UPDATE_AT")[0] == f"job:{JOBS}:etl.load_orders"
    assert search(q="orders", filter="DATASET") == [  # equal length: by name
        f"dataset:{LAKE}:{DAILY}",
        f"dataset:{SHOP}:{ORDERS}",
    ]
    assert search(q="orders", filter="JOB", sort="NAME") == [f"job:{JOBS}:etl.load_orders"]

    # Broken in the client: list_events() asks for /api/v1/events (or /events/{namespace}),
    # which Marquez does not serve; its event log is /api/v1/events/lineage (above).
    refused(mq.list_events, 404)
    refused(lambda: mq.list_events(namespace=JOBS), 404)

    # Not supported: Marquez's writes outside OpenLineage. Here every node comes from an
    # event (the log replays into the same graph); the client marks all but create_namespace
    # deprecated since 0.20 ("Use OpenLineage instead"). Each is a 405 (404 for mark_*, a
    # route this collector does not have) in our error shape.
    refused(lambda: mq.create_namespace("new", "owner"), 405)
    refused(lambda: mq.create_source("new", "POSTGRESQL", "jdbc:postgresql://db/x"), 405)
    refused(lambda: mq.create_dataset(JOBS, "new", DatasetType.DB_TABLE, "new", "shop-db"), 405)
    refused(lambda: mq.create_job(JOBS, "new", JobType.BATCH), 405)
    refused(lambda: mq.create_job_run(JOBS, "etl.load_orders"), 405)
    for mark in (
        mq.mark_job_run_as_started,
        mq.mark_job_run_as_completed,
        mq.mark_job_run_as_failed,
        mq.mark_job_run_as_aborted,
    ):
        refused(lambda mark=mark: mark(RUN_1), 404)


def test_tags_survive_restart_and_replay(server: Server) -> None:
    feed(server.url)
    mq = MarquezClient(server.url)
    mq.create_tag("PII", "personal data")
    mq.tag_dataset(HIVE, "marts.orders_daily", "PII")  # by its alias: kept on the dataset
    mq.tag_dataset_field(LAKE, DAILY, "total", "SENSITIVE")
    send(server, "POST", f"/namespaces/{JOBS}/jobs/etl.load_orders/tags/NIGHTLY")
    server.stop()
    lineage_bin = Path(sys.executable).parent / "lineage"
    subprocess.run(
        [str(lineage_bin), "db", "replay", "--database-url", server.database_url],
        check=True,
        capture_output=True,
    )
    server.start().wait_ready()
    daily = mq.get_dataset(LAKE, DAILY)
    assert (daily["tags"], fields(daily)) == (["PII"], [("id", []), ("total", ["SENSITIVE"])])
    assert mq.get_job(JOBS, "etl.load_orders")["tags"] == ["NIGHTLY"]
    assert [t["name"] for t in mq.list_tags()["tags"]] == ["NIGHTLY", "PII", "SENSITIVE"]
    lineage = get(server, "/lineage", nodeId=f"job:{JOBS}:etl.load_orders", depth=1)
    assert {n["id"]: n["data"]["tags"] for n in lineage["graph"]} == {
        f"dataset:{LAKE}:{DAILY}": ["PII"],
        f"dataset:{SHOP}:{CUSTOMERS}": [],
        f"dataset:{SHOP}:{ORDERS}": [],
        f"job:{JOBS}:etl.load_orders": ["NIGHTLY"],
    }
