"""The facets of issue 21 as real producers send them, from events those producers sent
(`tests/facet_producers/README.md` says how each file was captured), answered exactly on
both databases: the Airflow OpenLineage provider's job and run tags, documentation, SQL and
processing engine."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

DATA = Path(__file__).parent / "facet_producers"
AIRFLOW_NS = "warehouse"
DAG_DOC = "Build customer features from raw orders and customers"
EXPORT_DOC = "Write the feature table to CSV for the training job; returns the row count."
EXPORT_QUERY = "warehouse_build.export_customer_features.query.1"


def tag(key: str, value: str | None, source: str | None) -> dict[str, Any]:
    return {"key": key, "value": value, "source": source}


async def post_file(client: httpx.AsyncClient, name: str) -> None:
    """Post a captured file's events as one batch, in the order they were sent."""
    body = (DATA / name).read_bytes()
    response = await client.post("/api/v1/lineage/batch", content=body)
    assert response.status_code == 204, response.text


async def get(client: httpx.AsyncClient, path: str, **params: Any) -> Any:
    response = await client.get(f"/api/v1{path}", params=params)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture
async def airflow(client: httpx.AsyncClient) -> httpx.AsyncClient:
    await post_file(client, "airflow_warehouse_build.json")
    return client


async def test_airflow_job_tags_documentation_and_sql(airflow: httpx.AsyncClient) -> None:
    dag_tags = [tag("lineage-demo", "lineage-demo", "AIRFLOW"), tag("sqlite", "sqlite", "AIRFLOW")]
    jobs = {j["name"]: j for j in (await get(airflow, f"/namespaces/{AIRFLOW_NS}/jobs"))["jobs"]}
    assert {name: (j["tagDetails"], j["description"]) for name, j in jobs.items()} == {
        "warehouse_build": (dag_tags, DAG_DOC),
        "warehouse_build.staging.load_customers": (dag_tags, DAG_DOC),
        "warehouse_build.staging.load_orders": (dag_tags, DAG_DOC),
        "warehouse_build.build_customer_orders": (dag_tags, DAG_DOC),
        "warehouse_build.build_customer_features": (dag_tags, DAG_DOC),
        # a task's doc_md is its own documentation; the SQL query job has neither facet
        "warehouse_build.export_customer_features": (dag_tags, EXPORT_DOC),
        EXPORT_QUERY: ([], None),
    }
    assert jobs[EXPORT_QUERY]["sql"] == (
        "SELECT customer_id, country, order_count, total_amount, last_order_at"
        " FROM customer_features ORDER BY customer_id"
    )
    assert jobs["warehouse_build.build_customer_orders"]["sql"] == (
        "DROP TABLE IF EXISTS customer_orders;\n"
        "CREATE TABLE customer_orders AS SELECT o.order_id AS order_id,"
        " o.customer_id AS customer_id, c.country AS country, o.amount AS amount,"
        " o.ordered_at AS ordered_at FROM raw_orders AS o"
        " JOIN raw_customers AS c ON c.customer_id = o.customer_id WHERE o.status = 'completed'"
    )
    assert (
        jobs["warehouse_build"]["sql"],
        jobs["warehouse_build.export_customer_features"]["sql"],
    ) == (
        None,
        None,
    )

    # the DAG's tags filter every route that takes `tag`
    listed = await get(airflow, f"/namespaces/{AIRFLOW_NS}/jobs", tag="sqlite:sqlite")
    assert [j["name"] for j in listed["jobs"]] == sorted(set(jobs) - {EXPORT_QUERY})
    hits = (await get(airflow, "/search", q="export", tag="lineage-demo"))["results"]
    assert [h["nodeId"] for h in hits] == [
        f"job:{AIRFLOW_NS}:warehouse_build.export_customer_features"
    ]
    assert (await get(airflow, "/search", q="export", tag="sqlite:postgres"))["results"] == []


async def test_airflow_run_tags_and_processing_engine(airflow: httpx.AsyncClient) -> None:
    engine = {"name": "Airflow", "version": "3.3.2", "openlineageAdapterVersion": "2.20.3"}
    client_tag = [tag("openlineage_client_version", "1.54.0", "OPENLINEAGE_CLIENT")]
    answered = {}
    for name in ("warehouse_build", "warehouse_build.build_customer_orders", EXPORT_QUERY):
        run = (await get(airflow, f"/namespaces/{AIRFLOW_NS}/jobs/{name}"))["latestRun"]
        answered[name] = (run["tags"], run["processingEngine"], run["environmentVariables"])
    assert answered == {
        "warehouse_build": (client_tag, engine, []),
        "warehouse_build.build_customer_orders": (client_tag, engine, []),
        EXPORT_QUERY: (client_tag, None, []),  # the provider names no engine for a query
    }
