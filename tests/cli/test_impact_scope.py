"""Offline impact reads only the part of the store a request touches (`impact_graph`) and
answers exactly as the graph of the whole store: reports and usage errors alike.

No dataset of the estate is reached by two paths of the same class: for such a dataset the
report's path depends on the order of a node's graph edges, which even the whole graph takes
from set iteration (it changes with PYTHONHASHSEED), so no two graphs need agree on it.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import msgspec
import pytest

from lineage import impact
from lineage.api.app import create_app
from lineage.cli.backend import impact_graph
from lineage.errors import LineageError
from lineage.follow import build_graph
from lineage.graph import LineageGraph
from lineage.settings import Settings
from lineage.store.db import make_engine
from tests.cli import scenario
from tests.cli.scenario import NS, PRODUCER, SCHEMA_URL

FACET = {"_producer": PRODUCER, "_schemaURL": SCHEMA_URL}
ETL_RUN = "00000000-0000-4000-8000-000000000001"


def _run(job: str, run: str, inputs: list[Any], outputs: list[Any], **facets: Any) -> Any:
    """A COMPLETE run of a task of the `etl` DAG; `job_facets` / `run_facets` via facets."""
    parent = {**FACET, "run": {"runId": ETL_RUN}, "job": {"namespace": NS, "name": "etl"}}
    return {
        "eventType": "COMPLETE",
        "eventTime": "2026-01-02T04:00:00Z",
        "producer": PRODUCER,
        "schemaURL": SCHEMA_URL,
        "run": {"runId": run, "facets": {"parent": parent, **facets.get("run_facets", {})}},
        "job": {"namespace": NS, "name": job, "facets": facets.get("job_facets", {})},
        "inputs": inputs,
        "outputs": outputs,
    }


def _ds(name: str, namespace: str = NS, **facets: Any) -> dict[str, Any]:
    return {"namespace": namespace, "name": name, "facets": facets}


def _from(dataset: str, field: str, kind: str, subtype: str) -> dict[str, Any]:
    return {
        "namespace": NS,
        "name": dataset,
        "field": field,
        "transformations": [{"type": kind, "subtype": subtype}],
    }


def extra_events() -> list[dict[str, Any]]:
    """More of the estate on top of the scenario: aliases (one in a namespace of its own),
    column lineage only upstream of a dataset, an incomplete job, explicit flows naming an
    alias and an upstream table, and one name in two namespaces."""
    symlinks = {
        **FACET,
        "identifiers": [
            {"namespace": NS, "name": "orders_clean", "type": "TABLE"},
            {"namespace": "crm", "name": "orders", "type": "TABLE"},
            {"namespace": "hive://lake", "name": "clean_orders", "type": "TABLE"},
        ],
    }
    enriched_columns = {
        **FACET,
        "fields": {
            "order_id": {"inputFields": [_from("clean.orders", "id", "DIRECT", "IDENTITY")]},
            "customer_ref": {
                "inputFields": [_from("clean.orders", "customer_ref", "DIRECT", "IDENTITY")]
            },
            "segment": {"inputFields": [_from("dim.customers", "segment", "INDIRECT", "JOIN")]},
        },
    }
    flows = {
        **FACET,
        "entries": [
            {
                "namespace": NS,
                "name": "export.a",
                "inputs": [{"namespace": NS, "name": "orders_clean"}],
            },
            {
                "namespace": NS,
                "name": "export.b",
                "inputs": [{"namespace": NS, "name": "raw.payments"}],
            },
        ],
    }
    return [
        {
            "eventType": "COMPLETE",
            "eventTime": "2026-01-02T04:00:00Z",
            "producer": PRODUCER,
            "schemaURL": SCHEMA_URL,
            "run": {"runId": "00000000-0000-4000-8000-000000000010", "facets": {}},
            "job": {"namespace": "crm", "name": "sync_customers", "facets": {}},
            "inputs": [_ds("dim.customers", "crm")],
            "outputs": [_ds("dim.customers")],
        },
        _run(
            "etl.enrich",
            "00000000-0000-4000-8000-000000000011",
            [_ds("clean.orders", symlinks=symlinks), _ds("dim.customers")],
            [_ds("mart.enriched", columnLineage=enriched_columns)],
            run_facets={"extractionError": {**FACET, "failedTasks": 1, "totalTasks": 2}},
        ),
        _run(
            "etl.fanout",
            "00000000-0000-4000-8000-000000000012",
            [_ds("clean.orders"), _ds("raw.payments")],
            [_ds("export.a"), _ds("export.b")],
            job_facets={"lineage": flows},
        ),
    ]


async def _ingest(url: str) -> None:
    app = create_app(Settings(database_url=url))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            for event in [*scenario.events(), *extra_events()]:
                response = await client.post("/api/v1/lineage", json=event)
                assert response.status_code == 201, response.text
            response = await client.delete(f"/api/v1/namespaces/{NS}/datasets/export.status")
            assert response.status_code == 200, response.text


@pytest.fixture
def estate_url(db_url: str) -> str:
    """A fresh database holding the scenario and `extra_events`, export.status soft deleted."""
    asyncio.run(_ingest(db_url))
    return db_url


def _drop(column: str) -> dict[str, str]:
    return {"kind": "drop_column", "column": column}


DROP_DATASET = {"kind": "drop_dataset"}
CLI_CHANGES = [
    _drop("amount"),
    {"kind": "rename_column", "column": "status", "newName": "state"},
    {"kind": "change_type", "column": "id", "newType": "bigint"},
]

# (request, whether resolving it needs the whole graph: an unknown dataset's closest names)
REQUESTS: list[tuple[dict[str, Any], bool]] = [
    # the requests of test_impact_cli.py
    ({"dataset": "dataset:warehouse:raw.orders", "changes": CLI_CHANGES}, False),
    ({"dataset": "raw.orders", "namespace": NS, "changes": [_drop("customer_id")]}, False),
    ({"dataset": "raw.orders", "changes": [CLI_CHANGES[1]]}, False),
    ({"dataset": "raw.orders", "changes": [_drop("amount")]}, False),
    ({"dataset": "raw.ordres", "changes": [_drop("amount")]}, True),
    ({"dataset": "raw.orders", "changes": [_drop("amout")]}, False),
    (
        {
            "ddl": "ALTER TABLE prod.raw.orders DROP COLUMN amount;"
            " ALTER TABLE export.status RENAME TO x;",
            "dialect": "postgres",
            "namespace": NS,
        },
        True,  # export.status is soft deleted here
    ),
    # the whole dataset: through explicit flows, past a deleted dataset, an incomplete job
    ({"dataset": "dataset:warehouse:raw.orders", "changes": [DROP_DATASET]}, False),
    # aliases from symlinks: by node id, by namespace and name, in a namespace of their own
    ({"dataset": "dataset:warehouse:orders_clean", "changes": [_drop("amount_usd")]}, False),
    ({"dataset": "orders_clean", "namespace": NS, "changes": [_drop("id")]}, False),
    ({"dataset": "dataset:crm:orders", "changes": [_drop("status")]}, False),
    ({"dataset": "dataset:hive://lake:clean_orders", "changes": [_drop("id")]}, True),
    ({"dataset": "orders_clean", "changes": [_drop("id")]}, True),
    # a proposed schema
    ({"dataset": "clean.orders", "schema": [{"name": "id", "type": "bigint"}]}, False),
    # columns known only from column lineage into the dataset, and a misspelt one
    ({"dataset": "mart.enriched", "changes": [_drop("order_id")]}, False),
    ({"dataset": "mart.enriched", "changes": [_drop("order_ix")]}, False),
    ({"dataset": "clean.orders", "changes": [_drop("customer_ref")]}, False),
    # several targets: a dataset and DDL on two more tables
    (
        {
            "dataset": "raw.payments",
            "namespace": NS,
            "changes": [DROP_DATASET],
            "ddl": "ALTER TABLE warehouse.clean.orders DROP COLUMN status;"
            " ALTER TABLE mart.revenue RENAME COLUMN revenue TO total;",
            "dialect": "postgres",
        },
        False,
    ),
    ({"ddl": "ALTER TABLE Clean.Orders DROP COLUMN id"}, False),
    # usage errors
    ({"dataset": "dim.customers", "changes": [DROP_DATASET]}, False),
    ({"ddl": "ALTER TABLE orders DROP COLUMN id", "namespace": NS}, False),
    ({"ddl": "ALTER TABLE nowhere.t DROP COLUMN x"}, True),
    ({"dataset": "dataset:warehouse:export.status", "changes": [DROP_DATASET]}, True),
    ({"changes": [_drop("id")]}, False),
]


def _answer(graph: LineageGraph, conn: Any, request: dict[str, Any]) -> Any:
    try:
        return msgspec.to_builtins(impact.analyze_request(graph, conn, request))
    except LineageError as exc:
        return type(exc).__name__, exc.to_dict()


def test_part_of_the_store_answers_as_the_whole(estate_url: str) -> None:
    engine = make_engine(estate_url)
    try:
        with engine.connect() as conn:
            whole = build_graph(conn)
            for request, needs_whole in REQUESTS:
                part = impact_graph(conn, request)
                assert (len(part) == len(whole)) == needs_whole, request
                assert _answer(part, conn, request) == _answer(whole, conn, request), request
    finally:
        engine.dispose()


def test_the_estate_exercises_what_the_part_must_hold(estate_url: str) -> None:
    """Guards against the estate silently losing what the comparison above relies on."""
    engine = make_engine(estate_url)
    try:
        with engine.connect() as conn:
            whole = build_graph(conn)
            report = msgspec.to_builtins(
                impact.analyze_request(
                    whole, conn, {"dataset": "raw.orders", "changes": [DROP_DATASET]}
                )
            )
            ambiguous = _answer(
                whole, conn, {"dataset": "dim.customers", "changes": [DROP_DATASET]}
            )
    finally:
        engine.dispose()
    hit = {item["id"].split(":", 2)[2] for item in report["items"]}
    assert {"export.a", "mart.enriched", "clean.orders"} <= hit
    assert not {"export.b", "export.status"} & hit  # explicit flows, soft delete
    assert report["warnings"] == [
        "job:warehouse:etl.enrich reported incomplete lineage: nodes downstream of it may be"
        " missing"
    ]
    assert ambiguous[0] == "BadRequest"
