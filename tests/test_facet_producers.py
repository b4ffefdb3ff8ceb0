"""The facets of issue 21 as real producers send them, from events those producers sent
(`tests/facet_producers/README.md` says how each file was captured), answered exactly on
both databases: the Airflow OpenLineage provider's job and run tags, documentation, SQL,
processing engine and nominal time; dbt-ol's run tags (a model's dbt tags), documentation
of a model and its columns, SQL, column lineage, processing engine, data quality
assertions of its tests (the dataset's status) and the `test` facet of a singular test."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

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


async def test_airflow_run_tags_engine_and_nominal_time(airflow: httpx.AsyncClient) -> None:
    engine = {"name": "Airflow", "version": "3.3.2", "openlineageAdapterVersion": "2.20.3"}
    client_tag = [tag("openlineage_client_version", "1.54.0", "OPENLINEAGE_CLIENT")]
    answered = {}
    for name in ("warehouse_build", "warehouse_build.build_customer_orders", EXPORT_QUERY):
        run = (await get(airflow, f"/namespaces/{AIRFLOW_NS}/jobs/{name}"))["latestRun"]
        nominal = (run["nominalStartTime"], run["nominalEndTime"])
        answered[name] = (run["tags"], run["processingEngine"], nominal)
    logical_date = ("2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z")  # run_examples.py's
    assert answered == {
        "warehouse_build": (client_tag, engine, logical_date),
        "warehouse_build.build_customer_orders": (client_tag, engine, logical_date),
        # the provider names no engine and no nominal time for a query
        EXPORT_QUERY: (client_tag, None, (None, None)),
    }


PG = "postgres://127.0.0.1:5432"
ORDERS = f"/namespaces/{quote(PG, safe='')}/datasets/facets_dbt.public.orders"
DBT_MODEL = "facets_dbt.public.shop.orders.build.run"
DBT_TESTS = "facets_dbt.public.shop.orders.build.test"
SINGULAR = "test.shop.assert_positive_amounts"


async def test_dbt_model_tags_documentation_sql_and_engine(client: httpx.AsyncClient) -> None:
    await post_file(client, "dbt_build.json")
    engine = {"name": "dbt", "version": "1.10.23", "openlineageAdapterVersion": "1.54.0"}
    client_tag = tag("openlineage_client_version", "1.54.0", "OPENLINEAGE_CLIENT")
    model_tags = [tag("daily", "true", "DBT"), tag("finance", "true", "DBT"), client_tag]
    answered = {}
    for name in ("dbt-run-shop", DBT_MODEL, DBT_TESTS, SINGULAR):
        job = await get(client, f"/namespaces/shop/jobs/{name}")
        run = job["latestRun"]
        answered[name] = (job["jobType"]["jobType"], run["tags"], run["processingEngine"])
    assert answered == {
        "dbt-run-shop": ("JOB", [client_tag], engine),
        DBT_MODEL: ("MODEL", model_tags, engine),
        DBT_TESTS: ("TEST", model_tags, engine),
        SINGULAR: ("TEST", [client_tag], engine),  # a singular test has no dbt tags here
    }
    model = await get(client, f"/namespaces/shop/jobs/{DBT_MODEL}")
    assert (model["sql"], model["tagDetails"]) == (
        '\nselect order_id, customer_id, amount from "facets_dbt"."public"."raw_orders"'
        " where amount > 0",
        [],  # dbt sends a model's tags on its runs, not as job tags
    )
    orders = await get(client, ORDERS)
    assert (orders["description"], orders["tagDetails"]) == (
        "One row per order with a positive amount.",
        [],
    )
    assert [(f["name"], f["description"]) for f in orders["fields"]] == [
        ("order_id", "The order's id."),
        ("customer_id", "Who ordered."),
    ]
    tagged = await get(client, "/namespaces/shop/jobs", tag="finance:true")
    assert tagged["jobs"] == []  # run tags tag runs, never their jobs

    # column lineage 1-2-0: an empty `dataset` list, no transformations given (DIRECT)
    columns = await get(client, "/column-lineage", nodeId=f"dataset:{PG}:facets_dbt.public.orders")
    assert {
        n["data"]["field"]: [
            (i["dataset"], i["field"], i["transformationType"], i["job"])
            for i in n["data"]["inputFields"]
        ]
        for n in columns["graph"]
        if n["data"]["dataset"] == "facets_dbt.public.orders"
    } == {
        field: [("facets_dbt.public.raw_orders", field, "DIRECT", f"job:shop:{DBT_MODEL}")]
        for field in ("amount", "customer_id", "order_id")
    }


async def test_dbt_tests_as_quality_results(client: httpx.AsyncClient) -> None:
    await post_file(client, "dbt_build.json")
    version = (await get(client, f"{ORDERS}/versions"))["versions"][0]["version"]
    tests_run = (await get(client, f"/namespaces/shop/jobs/{DBT_TESTS}"))["latestRun"]["id"]

    def result(test: str, assertion: str, column: str | None, ok: bool, severity: str) -> Any:
        return {
            "origin": "assertion",
            "test": test,
            "assertion": assertion,
            "column": column,
            "success": ok,
            "severity": severity,
            "expected": "0",
            "actual": "0" if ok else "1",
            "description": None,
            "dataset": {"namespace": PG, "name": "facets_dbt.public.orders"},
            "version": version,
            "runId": tests_run,
            "checkedAt": "2026-12-03T13:33:32.061579Z",
        }

    # the same assertions come as a dataset facet and as an input facet: each counts once
    assertions = [
        result("assert_positive_amounts", "assert_positive_amounts", None, True, "error"),
        result("not_null_orders_customer_id", "not_null", "customer_id", False, "warn"),
        result("not_null_orders_order_id", "not_null", "order_id", True, "error"),
        result("unique_orders_order_id", "unique", "order_id", True, "error"),
    ]
    orders = await get(client, ORDERS)
    assert orders["quality"] == {
        "status": "warning",  # only a warn-severity test failed
        "checkedAt": "2026-12-03T13:33:32.061579Z",
        "assertions": assertions,
        "metrics": None,
    }
    history = await get(client, f"{ORDERS}/quality")
    assert (history["totalCount"], history["results"]) == (4, assertions)

    singular = (await get(client, f"/namespaces/shop/jobs/{SINGULAR}"))["latestRun"]
    assert [
        (r["origin"], r["test"], r["success"], r["severity"], r["expected"], r["actual"])
        for r in singular["quality"]
    ] == [("test", SINGULAR, True, "error", "0", "0")]


async def test_airflow_with_the_clients_configured_tags(client: httpx.AsyncClient) -> None:
    """The provider's client configured with job and run tags (and an environment variable,
    see test_facet_secrets.py): they join the DAG's tags, USER their source."""
    await post_file(client, "airflow_client_config.json")
    dag_tags = [tag("lineage-demo", "lineage-demo", "AIRFLOW"), tag("sqlite", "sqlite", "AIRFLOW")]
    run_tags = [
        tag("env", "prod", "USER"),
        tag("openlineage_client_version", "1.54.0", "OPENLINEAGE_CLIENT"),
    ]
    answered = {}
    for name in ("warehouse_build", EXPORT_QUERY):
        job = await get(client, f"/namespaces/{AIRFLOW_NS}/jobs/{name}")
        answered[name] = (job["tagDetails"], job["latestRun"]["tags"])
    assert answered == {
        "warehouse_build": ([*dag_tags, tag("team", "growth", "USER")], run_tags),
        EXPORT_QUERY: ([tag("team", "growth", "USER")], run_tags),
    }
    listed = await get(client, f"/namespaces/{AIRFLOW_NS}/jobs", tag="team:growth")
    assert len(listed["jobs"]) == 7  # every job of the DAG, its query job too
