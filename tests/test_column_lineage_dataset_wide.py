"""Column lineage 1-2-0: dataset-wide dependencies (`dataset`) next to `fields`, and the
transformations of both, from the real openlineage-python client's facet classes, over HTTP
on both databases."""

from __future__ import annotations

from typing import Any

import httpx
from openlineage.client.event_v2 import InputDataset, Job, OutputDataset, Run, RunEvent, RunState
from openlineage.client.facet_v2 import column_lineage_dataset as cl
from openlineage.client.facet_v2 import schema_dataset
from openlineage.client.serde import Serde
from sqlalchemy import select

from lineage.api.app import load_graph
from lineage.store import schema as s
from lineage.store.replay import replay

ORDERS, CUSTOMERS, PAID, REPORT = (
    "dataset:pg:orders",
    "dataset:pg:customers",
    "dataset:pg:paid_orders",
    "dataset:pg:paid_report",
)


def source(name: str, field: str, *transformations: tuple[str, str, str, bool]) -> cl.InputField:
    return cl.InputField(
        namespace="pg",
        name=name,
        field=field,
        transformations=[
            cl.Transformation(type=kind, subtype=sub, description=text, masking=masking)
            for kind, sub, text, masking in transformations
        ],
    )


def schema(*names: str) -> dict[str, Any]:
    fields = [schema_dataset.SchemaDatasetFacetFields(name=n, type="text") for n in names]
    return {"schema": schema_dataset.SchemaDatasetFacet(fields=fields)}


def events() -> list[str]:
    """SELECT id, sha256(email) AS email FROM orders JOIN customers ON customers.id =
    orders.customer_id WHERE status = 'paid', then a report copying paid_orders."""
    paid = cl.ColumnLineageDatasetFacet(
        fields={
            "id": cl.Fields(
                inputFields=[source("orders", "id", ("DIRECT", "IDENTITY", "", False))]
            ),
            "email": cl.Fields(
                inputFields=[
                    source("orders", "email", ("DIRECT", "TRANSFORMATION", "sha256(email)", True))
                ]
            ),
        },
        dataset=[
            source("orders", "status", ("INDIRECT", "FILTER", "status = 'paid'", False)),
            source("orders", "customer_id", ("INDIRECT", "JOIN", "", False)),
            # a producer calling a dataset-wide dependency DIRECT: still only possibly
            source("customers", "id", ("DIRECT", "JOIN", "", False)),
        ],
    )
    report = cl.ColumnLineageDatasetFacet(
        fields={
            name: cl.Fields(
                inputFields=[source("paid_orders", name, ("DIRECT", "IDENTITY", "", False))]
            )
            for name in ("id", "email")
        }
    )
    steps = [
        (
            "paid",
            [
                InputDataset("pg", "orders", facets=schema("id", "email", "status", "customer_id")),
                InputDataset("pg", "customers", facets=schema("id")),
            ],
            OutputDataset(
                "pg", "paid_orders", facets={**schema("id", "email"), "columnLineage": paid}
            ),
        ),
        (
            "report",
            [InputDataset("pg", "paid_orders")],
            OutputDataset("pg", "paid_report", facets={"columnLineage": report}),
        ),
    ]
    return [
        str(
            Serde.to_json(
                RunEvent(
                    eventType=RunState.COMPLETE,
                    eventTime="2026-01-01T00:00:00Z",
                    run=Run(runId=f"0193f0a0-0000-7000-8000-00000000000{i}"),
                    job=Job(namespace="ns", name=job),
                    producer="https://example.com/dataset-wide",
                    inputs=inputs,
                    outputs=[output],
                )
            )
        )
        for i, (job, inputs, output) in enumerate(steps)
    ]


async def impact(client: httpx.AsyncClient, column: str) -> list[tuple[str, str, str, Any]]:
    response = await client.post(
        "/api/v1/impact",
        json={"dataset": ORDERS, "changes": [{"kind": "drop_column", "column": column}]},
    )
    assert response.status_code == 200, response.text
    return [(i["id"], i["class"], i["reason"], i["columns"]) for i in response.json()["items"]]


async def test_dataset_wide_dependencies_are_indirect_and_possibly(
    client: httpx.AsyncClient,
) -> None:
    for body in events():
        response = await client.post(
            "/api/v1/lineage", content=body, headers={"content-type": "application/json"}
        )
        assert response.status_code == 201, response.text
    response = await client.get("/api/v1/column-lineage", params={"nodeId": PAID})
    graph = {node["id"]: node for node in response.json()["graph"]}
    # the whole dataset is the field '' of the output
    assert sorted(graph) == [
        "datasetField:pg:customers:id",
        "datasetField:pg:orders:customer_id",
        "datasetField:pg:orders:email",
        "datasetField:pg:orders:id",
        "datasetField:pg:orders:status",
        "datasetField:pg:paid_orders:",
        "datasetField:pg:paid_orders:email",
        "datasetField:pg:paid_orders:id",
    ]
    whole = graph["datasetField:pg:paid_orders:"]["data"]["inputFields"]
    assert sorted(
        (i["dataset"], i["field"], i["transformationType"], i["transformationSubtype"])
        for i in whole
    ) == [
        ("customers", "id", "DIRECT", "JOIN"),
        ("orders", "customer_id", "INDIRECT", "JOIN"),
        ("orders", "status", "INDIRECT", "FILTER"),
    ]
    # every transformation is stored with its description and masking
    engine = client.app.state.engine  # type: ignore[attr-defined]
    ce, ds = s.column_edges.c, s.datasets.c
    with engine.connect() as conn:
        stored = conn.execute(
            select(
                ce.out_field, ds.name, ce.in_field, ce.type, ce.subtype, ce.description, ce.masking
            )
            .join(s.datasets, ds.id == ce.in_dataset_id)
            .where(
                ce.job_id == select(s.jobs.c.id).where(s.jobs.c.name == "paid").scalar_subquery()
            )
        ).all()
    assert sorted(tuple(row) for row in stored) == [
        ("", "customers", "id", "DIRECT", "JOIN", None, False),
        ("", "orders", "customer_id", "INDIRECT", "JOIN", None, False),
        ("", "orders", "status", "INDIRECT", "FILTER", "status = 'paid'", False),
        ("email", "orders", "email", "DIRECT", "TRANSFORMATION", "sha256(email)", True),
        ("id", "orders", "id", "DIRECT", "IDENTITY", None, False),
    ]
    # a column only filtered or joined on: the output (and what copies it) possibly changes
    assert await impact(client, "status") == [
        (PAID, "possibly", "column lineage: dataset-wide dependency (INDIRECT/FILTER)", None),
        (REPORT, "possibly", "downstream of a dataset affected as a whole", None),
    ]
    assert await impact(client, "customer_id") == [
        (PAID, "possibly", "column lineage: dataset-wide dependency (INDIRECT/JOIN)", None),
        (REPORT, "possibly", "downstream of a dataset affected as a whole", None),
    ]
    # a column derived directly breaks its output field and the field copied from it
    assert await impact(client, "email") == [
        (PAID, "breaking", "column lineage: DIRECT derivation", ["email"]),
        (REPORT, "breaking", "column lineage: DIRECT derivation", ["email"]),
    ]
    response = await client.post(
        "/api/v1/impact",
        json={"dataset": CUSTOMERS, "changes": [{"kind": "drop_column", "column": "id"}]},
    )
    assert [(i["id"], i["class"]) for i in response.json()["items"]] == [
        (PAID, "possibly"),
        (REPORT, "possibly"),
    ]
    live = client.app.state.graph.snapshot()  # type: ignore[attr-defined]
    replay(engine)
    assert load_graph(engine).snapshot() == live
