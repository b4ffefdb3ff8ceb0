"""A hand-written multi-hop estate: column lineage, SQL-only jobs, unknown coverage, a model."""

from __future__ import annotations

from typing import Any

NS = "warehouse"
PRODUCER = "https://example.com/tests/cli"
SCHEMA_URL = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent"


def _schema(*names: str) -> dict[str, Any]:
    return {
        "schema": {
            "_producer": PRODUCER,
            "_schemaURL": SCHEMA_URL,
            "fields": [{"name": n, "type": "varchar"} for n in names],
        }
    }


def _col(*pairs: tuple[str, str, str, str]) -> dict[str, Any]:
    fields = {
        out: {
            "inputFields": [
                {
                    "namespace": NS,
                    "name": "raw.orders",
                    "field": src,
                    "transformations": [{"type": kind, "subtype": sub}],
                }
            ]
        }
        for out, src, kind, sub in pairs
    }
    return {"columnLineage": {"_producer": PRODUCER, "_schemaURL": SCHEMA_URL, "fields": fields}}


def _event(job: str, run: str, inputs: list[Any], outputs: list[Any], **job_facets: Any) -> Any:
    run_facets: dict[str, Any] = {}
    if job != "etl":
        run_facets["parent"] = {
            "_producer": PRODUCER,
            "_schemaURL": SCHEMA_URL,
            "run": {"runId": "00000000-0000-4000-8000-000000000001"},
            "job": {"namespace": NS, "name": "etl"},
        }
    return {
        "eventType": "COMPLETE",
        "eventTime": "2026-01-02T03:00:00Z",
        "producer": PRODUCER,
        "schemaURL": SCHEMA_URL,
        "run": {"runId": run, "facets": run_facets},
        "job": {"namespace": NS, "name": job, "facets": job_facets},
        "inputs": inputs,
        "outputs": outputs,
    }


def _ds(name: str, **facets: Any) -> dict[str, Any]:
    return {"namespace": NS, "name": name, "facets": facets}


OWNER = {
    "ownership": {
        "_producer": PRODUCER,
        "_schemaURL": SCHEMA_URL,
        "owners": [{"name": "team:data", "type": "MAINTAINER"}],
    }
}


def events() -> list[dict[str, Any]]:
    """The scenario's events, in order."""
    clean_facets = {
        **_schema("id", "amount_usd", "status"),
        **_col(
            ("id", "id", "DIRECT", "IDENTITY"),
            ("amount_usd", "amount", "DIRECT", "TRANSFORMATION"),
            ("status", "status", "INDIRECT", "FILTER"),
        ),
    }
    model = {
        "datasetType": {"_producer": PRODUCER, "_schemaURL": SCHEMA_URL, "datasetType": "MODEL"}
    }
    return [
        _event("etl", "00000000-0000-4000-8000-000000000001", [], []),
        _event(
            "etl.build_clean",
            "00000000-0000-4000-8000-000000000002",
            [_ds("raw.orders", **_schema("id", "amount", "status", "customer_id"))],
            [_ds("clean.orders", **clean_facets)],
            **OWNER,
        ),
        _event(
            "etl.daily_revenue",
            "00000000-0000-4000-8000-000000000003",
            [_ds("clean.orders")],
            [_ds("mart.revenue", **_schema("day", "revenue"))],
            sql={
                "_producer": PRODUCER,
                "_schemaURL": SCHEMA_URL,
                "query": "INSERT INTO mart.revenue SELECT day, sum(amount_usd) AS revenue "
                "FROM clean.orders GROUP BY day",
            },
        ),
        _event(
            "etl.export_status",
            "00000000-0000-4000-8000-000000000004",
            [_ds("clean.orders")],
            [_ds("export.status")],
            sql={
                "_producer": PRODUCER,
                "_schemaURL": SCHEMA_URL,
                "query": "SELECT id, status FROM clean.orders",
            },
        ),
        _event(
            "ml.train_forecast",
            "00000000-0000-4000-8000-000000000005",
            [_ds("mart.revenue")],
            [_ds("models.revenue_forecast", **model)],
        ),
    ]
