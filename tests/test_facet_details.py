"""The facets shown on a node's detail, sent by the real openlineage-python client:
documentation, catalog, datasetType, schema ordinal_position on datasets; sourceCodeLocation
(pullRequestNumber) on jobs; processing_engine, executionParameters and environment
variables (the client's configured ones too) on runs, whose values are never answered."""

from __future__ import annotations

from typing import Any

import httpx
import orjson
from openlineage.client.event_v2 import InputDataset, Job, OutputDataset, Run, RunEvent, RunState
from openlineage.client.facet_v2 import (
    catalog_dataset,
    dataset_type_dataset,
    documentation_dataset,
    documentation_job,
    environment_variables_run,
    execution_parameters_run,
    processing_engine_run,
    schema_dataset,
    source_code_location_job,
)

from tests import ol_client

RUN = "0190d0c7-6a43-7ad4-b6f3-1b8d27c0b2c1"
SECRET = "s3cr3t-token-value"


async def get(client: httpx.AsyncClient, path: str) -> Any:
    response = await client.get(f"/api/v1{path}")
    assert response.status_code == 200, response.text
    return response.json()


async def test_detail_facets_on_datasets_jobs_and_runs(
    client: httpx.AsyncClient, monkeypatch: Any
) -> None:
    monkeypatch.setenv("LINEAGE_TEST_WAREHOUSE_TOKEN", SECRET)
    ol, captured = ol_client.client(
        {"facets": {"environment_variables": ["LINEAGE_TEST_WAREHOUSE_TOKEN"]}}
    )
    fields = [
        schema_dataset.SchemaDatasetFacetFields(name="id", type="int", ordinal_position=1),
        schema_dataset.SchemaDatasetFacetFields(name="total", type="decimal", ordinal_position=2),
    ]
    orders = InputDataset(
        "iceberg",
        "sales.orders",
        facets={
            "schema": schema_dataset.SchemaDatasetFacet(fields=fields),
            "documentation": documentation_dataset.DocumentationDatasetFacet(
                description="One row per order."
            ),
            "catalog": catalog_dataset.CatalogDatasetFacet(
                framework="iceberg",
                type="rest",
                name="prod",
                metadataUri="https://catalog.example.com",
                warehouseUri="s3://lake/warehouse",
                source="spark",
            ),
            "datasetType": dataset_type_dataset.DatasetTypeDatasetFacet(
                datasetType="TABLE", subType="ICEBERG"
            ),
        },
    )
    ol.emit(
        RunEvent(
            eventType=RunState.COMPLETE,
            eventTime="2026-11-01T10:00:00Z",
            run=Run(
                runId=RUN,
                facets={
                    "processing_engine": processing_engine_run.ProcessingEngineRunFacet(
                        version="3.5.1", name="spark", openlineageAdapterVersion="1.40.0"
                    ),
                    "executionParameters": execution_parameters_run.ExecutionParametersRunFacet(
                        parameters=[
                            execution_parameters_run.ExecutionParameter(
                                key="spark.executor.memory", value="4g"
                            ),
                            execution_parameters_run.ExecutionParameter(
                                key="learning_rate", name="Learning rate", value="0.01"
                            ),
                        ]
                    ),
                    "environmentVariables": environment_variables_run.EnvironmentVariablesRunFacet(
                        [environment_variables_run.EnvironmentVariable("JAVA_HOME", "/opt/jdk")]
                    ),
                },
            ),
            job=Job(
                namespace="spark",
                name="orders_daily",
                facets={
                    "documentation": documentation_job.DocumentationJobFacet(
                        description="Daily order totals."
                    ),
                    "sourceCodeLocation": source_code_location_job.SourceCodeLocationJobFacet(
                        type="git",
                        url="https://github.com/example/etl/blob/main/orders.py",
                        repoUrl="https://github.com/example/etl.git",
                        path="orders.py",
                        version="9f2c1e0",
                        branch="main",
                        pullRequestNumber="42",
                    ),
                },
            ),
            producer=ol_client.PRODUCER,
            inputs=[orders],
            outputs=[OutputDataset("iceberg", "sales.orders_daily")],
        )
    )
    assert SECRET in orjson.dumps(captured.events).decode()  # the client sent the value
    await ol_client.post(client, captured)

    dataset = await get(client, "/namespaces/iceberg/datasets/sales.orders")
    assert (dataset["description"], dataset["catalog"], dataset["datasetType"]) == (
        "One row per order.",
        {
            "framework": "iceberg",
            "type": "rest",
            "name": "prod",
            "metadataUri": "https://catalog.example.com",
            "warehouseUri": "s3://lake/warehouse",
            "source": "spark",
        },
        {"datasetType": "TABLE", "subType": "ICEBERG"},
    )
    assert [(f["name"], f["ordinalPosition"]) for f in dataset["fields"]] == [
        ("id", 1),
        ("total", 2),
    ]
    job = await get(client, "/namespaces/spark/jobs/orders_daily")
    assert (job["description"], job["location"], job["sourceCodeLocation"]) == (
        "Daily order totals.",
        "https://github.com/example/etl/blob/main/orders.py",
        {
            "type": "git",
            "url": "https://github.com/example/etl/blob/main/orders.py",
            "repoUrl": "https://github.com/example/etl.git",
            "path": "orders.py",
            "version": "9f2c1e0",
            "tag": None,
            "branch": "main",
            "pullRequestNumber": "42",
        },
    )
    run = await get(client, f"/jobs/runs/{RUN}")
    assert (
        run["processingEngine"],
        run["parameters"],
        run["environmentVariables"],
    ) == (
        {"name": "spark", "version": "3.5.1", "openlineageAdapterVersion": "1.40.0"},
        {"learning_rate": "0.01", "spark.executor.memory": "4g"},
        ["JAVA_HOME", "LINEAGE_TEST_WAREHOUSE_TOKEN"],
    )
    assert run["facets"]["environmentVariables"]["environmentVariables"] == [
        {"name": "JAVA_HOME", "value": "***"},
        {"name": "LINEAGE_TEST_WAREHOUSE_TOKEN", "value": "***"},
    ]
    for path in (f"/jobs/runs/{RUN}", f"/jobs/runs/{RUN}/facets", "/namespaces/spark/jobs"):
        assert SECRET not in (await client.get(f"/api/v1{path}")).text
