"""A small warehouse, written as OpenLineage events and sent through the batch API (and a
model trained by lineage.emit).

raw.orders -> etl.load_orders -> public.orders -> etl.daily_revenue -> public.revenue,
with column lineage, SQL, ownership and tags facets, a schema change in March, a failed run,
and a DAG job (`etl`) parenting the load task.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import httpx

from lineage.emit import training_run

NS = "postgres://db:5432"
JOBS = "warehouse"
PRODUCER = "https://example.com/lineage-ui-tests"
SCHEMA_URL = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent"


def dataset(name: str, fields: list[tuple[str, str]], **facets: Any) -> dict[str, Any]:
    """A dataset reference with a schema facet and any other facets."""
    schema = {"fields": [{"name": n, "type": t} for n, t in fields]}
    return {"namespace": NS, "name": name, "facets": {"schema": schema, **facets}}


def columns(mapping: dict[str, tuple[str, str, str]]) -> dict[str, Any]:
    """A columnLineage facet: output field -> (input dataset, input field, transformation)."""
    return {
        "fields": {
            out: {
                "inputFields": [
                    {"namespace": NS, "name": ds, "field": f, "transformations": [{"type": t}]}
                ]
            }
            for out, (ds, f, t) in mapping.items()
        }
    }


def run(
    job: str,
    time: str,
    state: str,
    *,
    inputs: list[dict[str, Any]],
    outputs: list[dict[str, Any]],
    job_facets: dict[str, Any] | None = None,
    run_facets: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One run event of a job."""
    return {
        "eventType": state,
        "eventTime": time,
        "producer": PRODUCER,
        "schemaURL": SCHEMA_URL,
        "run": {"runId": str(uuid.uuid4()), "facets": run_facets or {}},
        "job": {"namespace": JOBS, "name": job, "facets": job_facets or {}},
        "inputs": inputs,
        "outputs": outputs,
    }


OLD_ORDERS = [("id", "int"), ("amount", "int"), ("customer", "string")]
NEW_ORDERS = [("id", "int"), ("amount", "decimal"), ("customer", "string"), ("currency", "string")]
LOAD_SQL = "INSERT INTO public.orders SELECT id, amount, customer FROM raw.orders"


def _load(time: str, fields: list[tuple[str, str]], dag_run: str) -> dict[str, Any]:
    owners = {"owners": [{"name": "team:payments", "type": "TEAM"}]}
    tags = {"tags": [{"key": "pii", "value": "false", "source": "MANUAL"}]}
    lineage = columns({"amount": ("raw.orders", "amount", "DIRECT")})
    return run(
        "etl.load_orders",
        time,
        "COMPLETE",
        inputs=[dataset("raw.orders", OLD_ORDERS)],
        outputs=[
            dataset("public.orders", fields, ownership=owners, tags=tags, columnLineage=lineage)
        ],
        job_facets={"sql": {"query": LOAD_SQL}},
        run_facets={
            "parent": {
                "run": {"runId": dag_run},
                "job": {"namespace": JOBS, "name": "etl"},
            }
        },
    )


def events() -> list[dict[str, Any]]:
    """The scenario's events, oldest first."""
    dag_run = str(uuid.uuid4())
    revenue = dataset(
        "public.revenue",
        [("day", "date"), ("total", "decimal")],
        columnLineage=columns({"total": ("public.orders", "amount", "DIRECT")}),
    )
    failure = {"message": "division by zero", "programmingLanguage": "SQL", "stackTrace": "x"}
    return [
        run("etl", "2024-01-01T00:00:00Z", "START", inputs=[], outputs=[]),
        _load("2024-01-01T01:00:00Z", OLD_ORDERS, dag_run),
        run(
            "etl.daily_revenue",
            "2024-02-01T00:00:00Z",
            "COMPLETE",
            inputs=[dataset("public.orders", OLD_ORDERS)],
            outputs=[revenue],
        ),
        run(
            "etl.daily_revenue",
            "2024-02-02T00:00:00Z",
            "FAIL",
            inputs=[dataset("public.orders", OLD_ORDERS)],
            outputs=[revenue],
            run_facets={"errorMessage": failure},
        ),
        _load("2024-03-01T01:00:00Z", NEW_ORDERS, dag_run),
    ]


def load(url: str, batch: list[dict[str, Any]]) -> None:
    """Send events to a collector through the batch endpoint."""
    response = httpx.post(f"{url}/api/v1/lineage/batch", json=batch, timeout=60)
    response.raise_for_status()


def train_model(url: str, tmp_path: Path, name: str, losses: list[float]) -> str:
    """One training run of the model ml-models/curves (a loss curve, an accuracy, the weights
    in `tmp_path`), sent with lineage.emit; answers the run's id."""
    weights = tmp_path / f"{name}.bin"
    weights.write_bytes(name.encode())
    with training_run("curves", namespace="ml", url=url, series_points=50) as run:
        for step, loss in enumerate(losses):
            run.log_metric("loss", loss, step=step)
        run.log_metric("accuracy", 0.9, step=0)
        run.log_model(weights, framework="torch", namespace="ml-models", name="curves")
    return run.run_id
