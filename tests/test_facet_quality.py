"""Data quality from the real openlineage-python client's facets: dataQualityAssertions
(input facet), dataQualityMetrics and the test run facet, attached to the run and the
dataset version they came from; the dataset's status from the newest result of each
assertion; the history route; replay rebuilds it all."""

from __future__ import annotations

from typing import Any

import httpx
from openlineage.client.event_v2 import (
    DatasetEvent,
    InputDataset,
    Job,
    OutputDataset,
    Run,
    RunEvent,
    RunState,
    StaticDataset,
)
from openlineage.client.facet_v2 import (
    data_quality_assertions_dataset as dqa,
)
from openlineage.client.facet_v2 import (
    data_quality_metrics_dataset as dqm_dataset,
)
from openlineage.client.facet_v2 import (
    data_quality_metrics_input_dataset as dqm,
)
from openlineage.client.facet_v2 import schema_dataset, test_run

from lineage.store.db import make_engine
from lineage.store.replay import replay
from tests import ol_client

RUNS = [f"0190d0c7-6a43-7ad4-b6f3-1b8d27c0b2b{i}" for i in range(3)]
ORDERS = "/namespaces/pg/datasets/public.orders"


def _event(day: int, run_id: str, assertions: list[dqa.Assertion], **extra: Any) -> RunEvent:
    facets: dict[str, Any] = {}
    if "schema" in extra:
        facets["schema"] = extra["schema"]
    input_facets: dict[str, Any] = {
        "dataQualityAssertions": dqa.DataQualityAssertionsDatasetFacet(assertions)
    }
    if "metrics" in extra:
        input_facets["dataQualityMetrics"] = extra["metrics"]
    run_facets = {"test": extra["tests"]} if "tests" in extra else {}
    return RunEvent(
        eventType=RunState.COMPLETE,
        eventTime=f"2026-11-0{day}T10:00:00Z",
        run=Run(runId=run_id, facets=run_facets),
        job=Job(namespace="dbt", name="test.orders"),
        producer=ol_client.PRODUCER,
        inputs=[InputDataset("pg", "public.orders", facets=facets, inputFacets=input_facets)],
        outputs=[OutputDataset("pg", "public.orders_checked")],
    )


def result(
    assertion: str,
    success: bool | None,
    severity: str,
    run: int,
    version: str,
    *,
    expected: str | None = None,
    actual: str | None = None,
) -> dict[str, Any]:
    return {
        "origin": "assertion",
        "test": f"{assertion}_orders_id",
        "assertion": assertion,
        "column": "id",
        "success": success,
        "severity": severity,
        "expected": expected,
        "actual": actual,
        "description": None,
        "dataset": {"namespace": "pg", "name": "public.orders"},
        "version": version,
        "runId": RUNS[run],
        "checkedAt": f"2026-11-0{run + 1}T10:00:00Z",
    }


def _assertion(kind: str, success: bool, severity: str, **kw: Any) -> dqa.Assertion:
    return dqa.Assertion(
        assertion=kind,
        success=success,
        column="id",
        severity=severity,
        name=f"{kind}_orders_id",
        **kw,
    )


async def get(client: httpx.AsyncClient, path: str, **params: Any) -> Any:
    response = await client.get(f"/api/v1{path}", params=params)
    assert response.status_code == 200, response.text
    return response.json()


async def test_quality_summary_history_runs_and_replay(
    client: httpx.AsyncClient, db_url: str
) -> None:
    ol, captured = ol_client.client()
    fields = [schema_dataset.SchemaDatasetFacetFields(name="id", type="int")]
    metrics = dqm.DataQualityMetricsInputDatasetFacet(
        columnMetrics={"id": dqm.ColumnMetrics(nullCount=0, distinctCount=97)},
        rowCount=100,
        bytes=2048,
    )
    tests = test_run.TestRunFacet(
        tests=[
            test_run.TestExecution(
                name="not_null_orders_id", status="pass", severity="error", type="not_null"
            ),
            test_run.TestExecution(name="freshness", status="skip", severity="warn"),
        ]
    )
    ol.emit(
        _event(
            1,
            RUNS[0],
            [
                _assertion("not_null", True, "error"),
                _assertion("unique", False, "warn", expected="0", actual="3"),
            ],
            schema=schema_dataset.SchemaDatasetFacet(fields=fields),
            metrics=metrics,
            tests=tests,
        )
    )
    await ol_client.post(client, captured)
    version = (await get(client, f"{ORDERS}/versions"))["versions"][0]["version"]
    unique = result("unique", False, "warn", 0, version, expected="0", actual="3")
    measured = {
        "version": version,
        "runId": RUNS[0],
        "measuredAt": "2026-11-01T10:00:00Z",
        "rowCount": 100,
        "bytes": 2048,
        "fileCount": None,
        "columnMetrics": {"id": {"nullCount": 0, "distinctCount": 97, "quantiles": {}}},
    }
    orders = await get(client, ORDERS)
    assert orders["quality"] == {
        "status": "warning",
        "checkedAt": "2026-11-01T10:00:00Z",
        "assertions": [result("not_null", True, "error", 0, version), unique],
        "metrics": measured,
    }
    run = await get(client, f"/jobs/runs/{RUNS[0]}")
    assert [(r["origin"], r["test"], r["success"], r["severity"]) for r in run["quality"]] == [
        ("assertion", "not_null_orders_id", True, "error"),
        ("assertion", "unique_orders_id", False, "warn"),
        ("test", "freshness", None, "warn"),
        ("test", "not_null_orders_id", True, "error"),
    ]
    checked = await get(client, "/namespaces/pg/datasets/public.orders_checked")
    assert checked["quality"] is None

    # an error-severity failure fails the dataset; passing again leaves the warn failure
    ol.emit(_event(2, RUNS[1], [_assertion("not_null", False, "error", actual="2")]))
    await ol_client.post(client, captured)
    failing = result("not_null", False, "error", 1, version, actual="2")
    orders = await get(client, ORDERS)
    assert (orders["quality"]["status"], orders["quality"]["assertions"]) == (
        "failing",
        [failing, unique],
    )
    ol.emit(_event(3, RUNS[2], [_assertion("not_null", True, "error")]))
    await ol_client.post(client, captured)
    passing = result("not_null", True, "error", 2, version)
    history = await get(client, f"{ORDERS}/quality")
    assert history == {
        "totalCount": 4,
        "dataset": {"namespace": "pg", "name": "public.orders"},
        "summary": {
            "status": "warning",
            "checkedAt": "2026-11-03T10:00:00Z",
            "assertions": [passing, unique],
            "metrics": measured,
        },
        "results": [passing, failing, result("not_null", True, "error", 0, version), unique],
        "metrics": [measured],
    }
    page = await get(client, f"{ORDERS}/quality", limit=1, offset=1)
    assert (page["totalCount"], page["results"]) == (4, [failing])

    engine = make_engine(db_url)
    try:
        replay(engine)
    finally:
        engine.dispose()
    assert await get(client, f"{ORDERS}/quality") == history
    assert (await get(client, f"/jobs/runs/{RUNS[0]}"))["quality"] == run["quality"]


async def test_dataset_facet_forms_of_assertions_and_metrics(client: httpx.AsyncClient) -> None:
    """Both facets also come as dataset facets: assertions on a run's output, metrics in a
    dataset event (no run, no version)."""
    ol, captured = ol_client.client()
    checked = OutputDataset(
        "pg",
        "public.daily",
        facets={
            "dataQualityAssertions": dqa.DataQualityAssertionsDatasetFacet(
                [dqa.Assertion(assertion="row_count", success=False, severity="warn")]
            )
        },
    )
    ol.emit(
        RunEvent(
            eventType=RunState.COMPLETE,
            eventTime="2026-11-04T10:00:00Z",
            run=Run(runId=RUNS[0]),
            job=Job(namespace="dbt", name="build.daily"),
            producer=ol_client.PRODUCER,
            outputs=[checked],
        )
    )
    measured = dqm_dataset.DataQualityMetricsDatasetFacet(
        columnMetrics={"id": dqm_dataset.ColumnMetrics(nullCount=1)}, rowCount=7
    )
    ol.emit(
        DatasetEvent(
            eventTime="2026-11-05T10:00:00Z",
            producer=ol_client.PRODUCER,
            dataset=StaticDataset("pg", "public.daily", facets={"dataQualityMetrics": measured}),
        )
    )
    await ol_client.post(client, captured)
    daily = await get(client, "/namespaces/pg/datasets/public.daily")
    assert daily["quality"] == {
        "status": "warning",
        "checkedAt": "2026-11-05T10:00:00Z",  # the metrics are newer than the assertion
        "assertions": [
            {
                "origin": "assertion",
                "test": None,
                "assertion": "row_count",
                "column": None,
                "success": False,
                "severity": "warn",
                "expected": None,
                "actual": None,
                "description": None,
                "dataset": {"namespace": "pg", "name": "public.daily"},
                "version": None,
                "runId": RUNS[0],
                "checkedAt": "2026-11-04T10:00:00Z",
            }
        ],
        "metrics": {
            "version": None,
            "runId": None,
            "measuredAt": "2026-11-05T10:00:00Z",
            "rowCount": 7,
            "bytes": None,
            "fileCount": None,
            "columnMetrics": {"id": {"nullCount": 1, "quantiles": {}}},
        },
    }
