"""Environment variables carry secrets: no answer of any route shows their values, the raw
event log's route included, while the stored log keeps every event byte for byte (replay
reads it). The routes are taken from the OpenAPI schema, so a new one is checked too."""

from __future__ import annotations

import re
from typing import Any

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
    return re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], path)


async def test_no_route_answers_an_environment_variable_value(
    client: httpx.AsyncClient, db_url: str
) -> None:
    sent = _event()
    body = jsonio.dumps(sent)
    response = await client.post(
        "/api/v1/lineage", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 201, response.text

    dataset_version = (await client.get("/api/v1/namespaces/pg/datasets/daily/versions")).json()
    job_version = (await client.get("/api/v1/namespaces/etl/jobs/load/versions")).json()
    dataset_values = {
        "namespace": "pg",
        "dataset": "daily",  # written by the run: its versions name the run
        "run_id": RUN,
        "version": dataset_version["versions"][0]["version"],
        "source": "pg",
        "name": "daily",  # no model of that name: a 404
    }
    job_values = {
        "namespace": "etl",
        "job": "load",
        "version": job_version["versions"][0]["version"],
    }
    query = {"nodeId": "dataset:pg:daily", "q": "o", "from": "dataset:pg:orders"}
    query["to"] = "dataset:pg:daily"
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
            values = {**values, "version": RUN}
        url = _filled(path, values)
        response = await client.get(url, params=params)
        answered[path] = response.status_code
        assert SECRET not in response.text, url
    for path, request in (
        ("/api/v1/incidents/blast-radius", {"run": RUN}),
        ("/api/v1/impact", {"dataset": "dataset:pg:orders", "changes": [{"kind": "drop_dataset"}]}),
    ):
        response = await client.post(path, json=request)
        answered[path] = response.status_code
        assert SECRET not in response.text, path
    # nothing of these kinds was sent: no model, no metrics of the run
    unanswered = {p for p in answered if "/models" in p or "/metrics" in p}
    assert {p: c for p, c in answered.items() if c != 200} == dict.fromkeys(
        sorted(unanswered - {"/api/v1/models"}), 404
    ) | {"/api/v1/models/compare": 400}

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
