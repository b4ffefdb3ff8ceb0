"""Environment variables carry secrets: no answer of any route shows their values, the raw
event log's route included, while the stored log keeps every event byte for byte (replay
reads it). The routes are taken from the OpenAPI schema, so a new one is checked too."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
from openlineage.client.event_v2 import InputDataset, Job, OutputDataset, Run, RunEvent, RunState
from openlineage.client.facet_v2 import (
    datasource_dataset,
    environment_variables_run,
    schema_dataset,
)
from sqlalchemy import select

from lineage import jsonio
from lineage.store import codec
from lineage.store import schema as s
from lineage.store.db import make_engine
from tests import ol_client

RUN = "0190d0c7-6a43-7ad4-b6f3-1b8d27c0b2d1"
SECRET = "s3cr3t-warehouse-password"
BIG = 2**70  # an integer no 64-bit parser keeps: the answer must still have it exactly
AIRFLOW_SECRET = "wh-s3cr3t-4f9a"  # the value of WAREHOUSE_TOKEN in the captured run
AIRFLOW_RUN = "019b76da-a800-7e74-abb5-0c915ffae25c"


def _event() -> dict[str, Any]:
    fields = [schema_dataset.SchemaDatasetFacetFields(name="id", type="int")]
    event = RunEvent(
        eventType=RunState.COMPLETE,
        eventTime="2026-11-01T10:00:00Z",
        run=Run(
            runId=RUN,
            facets={
                "environmentVariables": environment_variables_run.EnvironmentVariablesRunFacet(
                    [
                        environment_variables_run.EnvironmentVariable("PGPASSWORD", SECRET),
                        environment_variables_run.EnvironmentVariable("HOME", "/home/etl"),
                    ]
                )
            },
        ),
        job=Job(namespace="etl", name="load"),
        producer=ol_client.PRODUCER,
        inputs=[
            InputDataset(
                "pg",
                "orders",
                facets={"schema": schema_dataset.SchemaDatasetFacet(fields=fields)},
            )
        ],
        outputs=[
            OutputDataset(
                "pg",
                "daily",
                facets={
                    "schema": schema_dataset.SchemaDatasetFacet(fields=fields),
                    "dataSource": datasource_dataset.DatasourceDatasetFacet(
                        name="pg", uri="postgres://db"
                    ),
                },
            )
        ],
    )
    ol, captured = ol_client.client()
    ol.emit(event)
    sent: dict[str, Any] = captured.events[0]
    sent["run"]["facets"]["custom"] = {"count": BIG}
    return sent


def _filled(path: str, values: dict[str, str]) -> str:
    """An OpenAPI path with each `{parameter}` replaced by a value of the stored nodes."""
    return re.sub(r"\{(\w+)\}", lambda m: quote(values[m.group(1)], safe=""), path)


async def crawl(
    client: httpx.AsyncClient,
    secret: str,
    written: tuple[str, str],
    read: tuple[str, str],
    job: tuple[str, str],
    run_id: str,
) -> dict[str, int]:
    """Call every GET route of the OpenAPI schema (and the impact and blast-radius POSTs)
    about the dataset `written` by run `run_id` of `job` from `read`; assert that no answer
    holds `secret`; return each route's status."""
    written_node, read_node = f"dataset:{written[0]}:{written[1]}", f"dataset:{read[0]}:{read[1]}"
    dataset_path = (
        f"/api/v1/namespaces/{quote(written[0], safe='')}/datasets/{quote(written[1], safe='')}"
    )
    job_path = f"/api/v1/namespaces/{quote(job[0], safe='')}/jobs/{quote(job[1], safe='')}"
    dataset_version = (await client.get(f"{dataset_path}/versions")).json()
    job_version = (await client.get(f"{job_path}/versions")).json()
    dataset_values = {
        "namespace": written[0],
        "dataset": written[1],
        "run_id": run_id,
        "version": dataset_version["versions"][0]["version"],
        "source": written[0],
        "name": written[1],  # no model of that name: a 404
    }
    job_values = {
        "namespace": job[0],
        "job": job[1],
        "version": job_version["versions"][0]["version"],
    }
    query = {"nodeId": written_node, "q": "o", "from": read_node, "to": written_node}
    schema = client.app.openapi()  # type: ignore[attr-defined]
    answered: dict[str, int] = {}
    for path, operations in schema["paths"].items():
        if "get" not in operations or not path.startswith("/api/"):
            continue
        params = {
            p["name"]: query[p["name"]]
            for p in operations["get"].get("parameters", [])
            if p["in"] == "query" and p["name"] in query
        }
        values = job_values if "{job}" in path else dataset_values
        if path.endswith("/provenance"):  # a data version is named by its writing run there
            values = {**values, "version": run_id}
        url = _filled(path, values)
        response = await client.get(url, params=params)
        answered[path] = response.status_code
        assert secret not in response.text, url
    for path, request in (
        ("/api/v1/incidents/blast-radius", {"run": run_id}),
        ("/api/v1/impact", {"dataset": read_node, "changes": [{"kind": "drop_dataset"}]}),
    ):
        response = await client.post(path, json=request)
        answered[path] = response.status_code
        assert secret not in response.text, path
    return answered


# nothing of these kinds was sent: no model, no metrics of the run
NOT_SENT = {
    "/api/v1/models/{namespace}/{name}": 404,
    "/api/v1/models/compare": 400,
    "/api/v1/jobs/runs/{run_id}/metrics": 404,
}


async def test_no_route_answers_an_environment_variable_value(
    client: httpx.AsyncClient, db_url: str
) -> None:
    sent = _event()
    body = jsonio.dumps(sent)
    response = await client.post(
        "/api/v1/lineage", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 201, response.text
    answered = await crawl(client, SECRET, ("pg", "daily"), ("pg", "orders"), ("etl", "load"), RUN)
    assert {p: c for p, c in answered.items() if c != 200} == NOT_SENT

    # the raw event route answers the event as sent but for the values
    logged = (await client.get("/api/v1/events/lineage")).json()["events"]
    expected = {
        **sent,
        "run": {
            "runId": RUN,
            "facets": {
                **sent["run"]["facets"],
                "environmentVariables": {
                    **sent["run"]["facets"]["environmentVariables"],
                    "environmentVariables": [
                        {"name": "PGPASSWORD", "value": "***"},
                        {"name": "HOME", "value": "***"},
                    ],
                },
            },
        },
    }
    assert logged == [expected]

    engine = make_engine(db_url)  # the stored log keeps what was sent, for replay
    try:
        with engine.connect() as conn:
            stored = [codec.decode(r.payload) for r in conn.execute(select(s.events.c.payload))]
    finally:
        engine.dispose()
    assert stored == [body]


async def test_a_real_producers_environment_variables_are_never_answered(
    client: httpx.AsyncClient,
) -> None:
    """The Airflow provider sending the variable its client's configuration names
    (tests/facet_producers/README.md)."""
    body = (Path(__file__).parent / "facet_producers" / "airflow_client_config.json").read_bytes()
    assert AIRFLOW_SECRET.encode() in body
    response = await client.post("/api/v1/lineage/batch", content=body)
    assert response.status_code == 204, response.text
    warehouse = "sqlite:///tmp/facets-af2/work/warehouse.db"
    job = ("warehouse", "warehouse_build.build_customer_orders")
    answered = await crawl(
        client,
        AIRFLOW_SECRET,
        (warehouse, "main.customer_orders"),
        (warehouse, "main.raw_orders"),
        job,
        AIRFLOW_RUN,
    )
    # no dataSource facet names a source here
    assert {p: c for p, c in answered.items() if c != 200} == {
        **NOT_SENT,
        "/api/v1/sources/{source}": 404,
    }
    run = (await client.get(f"/api/v1/jobs/runs/{AIRFLOW_RUN}")).json()
    assert run["environmentVariables"] == ["WAREHOUSE_TOKEN"]
    assert run["facets"]["environmentVariables"]["environmentVariables"] == [
        {"name": "WAREHOUSE_TOKEN", "value": "***"}
    ]
