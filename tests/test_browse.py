"""The browse routes (the explorer's home page) on both databases, with the UI scenario."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.ui import scenario

NS = scenario.NS


@pytest.fixture
async def loaded(client: httpx.AsyncClient) -> httpx.AsyncClient:
    response = await client.post("/api/v1/lineage/batch", json=scenario.events())
    assert response.status_code == 204, response.text
    return client


async def get(client: httpx.AsyncClient, path: str, **params: Any) -> Any:
    response = await client.get(path, params=params)
    assert response.status_code == 200, response.text
    return response.json()


async def test_overview(loaded: httpx.AsyncClient) -> None:
    answer = await get(loaded, "/api/v1/overview")
    assert answer["counts"] == {"namespaces": 2, "datasets": 3, "jobs": 3, "runs": 6, "models": 0}
    assert answer["namespaces"] == [
        {"name": NS, "datasets": 3, "jobs": 0},
        {"name": "warehouse", "datasets": 0, "jobs": 3},
    ]
    runs = [(r["jobName"], r["state"], r["error"]) for r in answer["recentRuns"]]
    assert runs[0] == ("etl.daily_revenue", "FAILED", "division by zero")
    assert sorted(runs[1:]) == sorted(
        [
            ("etl.load_orders", "COMPLETED", None),
            ("etl.load_orders", "COMPLETED", None),
            ("etl.daily_revenue", "COMPLETED", None),
            ("etl", "RUNNING", None),
            ("etl", "NEW", None),
        ]
    )
    assert answer["schemaChanges"] == [
        {
            "datasetId": f"dataset:{NS}:public.orders",
            "namespace": NS,
            "name": "public.orders",
            "changedAt": "2024-03-01T01:00:00Z",
            "added": ["currency"],
            "removed": [],
            "retyped": ["amount"],
        }
    ]


async def test_browse_datasets(loaded: httpx.AsyncClient) -> None:
    page = await get(loaded, "/api/v1/browse/datasets")
    assert page["totalCount"] == 3
    assert [d["name"] for d in page["datasets"]] == [
        "public.orders",
        "public.revenue",
        "raw.orders",
    ]
    orders = page["datasets"][0]
    assert (orders["fields"], orders["tags"], orders["kind"]) == (
        4,
        [{"key": "pii", "value": "false", "source": "MANUAL"}],
        "dataset",
    )
    tagged = await get(loaded, "/api/v1/browse/datasets", tag="pii")
    assert [d["name"] for d in tagged["datasets"]] == ["public.orders"]
    assert (await get(loaded, "/api/v1/browse/datasets", tag="pi"))["totalCount"] == 0
    assert (await get(loaded, "/api/v1/browse/datasets", tag="pii%"))["totalCount"] == 0
    second = await get(loaded, "/api/v1/browse/datasets", sort="-name", limit=1, offset=1)
    assert (second["totalCount"], [d["name"] for d in second["datasets"]]) == (
        3,
        ["public.revenue"],
    )
    found = await get(loaded, "/api/v1/browse/datasets", q="REV", namespace=NS)
    assert [d["name"] for d in found["datasets"]] == ["public.revenue"]
    assert (await get(loaded, "/api/v1/browse/datasets", q="_"))["totalCount"] == 0
    assert (await get(loaded, "/api/v1/browse/datasets", kind="model"))["totalCount"] == 0
    assert (await get(loaded, "/api/v1/browse/datasets", namespace="warehouse"))["totalCount"] == 0


async def test_browse_jobs(loaded: httpx.AsyncClient) -> None:
    page = await get(loaded, "/api/v1/browse/jobs", sort="state")
    assert [(j["name"], j["latestRun"]["state"]) for j in page["jobs"]] == [
        ("etl.daily_revenue", "FAILED"),
        ("etl.load_orders", "COMPLETED"),
        ("etl", "NEW"),  # the placeholder of the DAG run its task named as parent is newest
    ]
    failed = await get(loaded, "/api/v1/browse/jobs", state="FAILED")
    assert [j["name"] for j in failed["jobs"]] == ["etl.daily_revenue"]
    assert failed["jobs"][0]["latestRun"]["error"] == "division by zero"
    assert (await get(loaded, "/api/v1/browse/jobs", state="none"))["totalCount"] == 0
    named = await get(loaded, "/api/v1/browse/jobs", sort="-name", limit=2)
    assert (named["totalCount"], [j["name"] for j in named["jobs"]]) == (
        3,
        ["etl.load_orders", "etl.daily_revenue"],
    )


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/api/v1/browse/jobs", {"state": "DONE"}, "state"),
        ("/api/v1/browse/jobs", {"sort": "speed"}, "sort"),
        ("/api/v1/browse/datasets", {"kind": "table"}, "kind"),
        ("/api/v1/browse/datasets", {"limit": "0"}, "limit"),
        ("/api/v1/browse/datasets", {"q": "x" * 300}, "q"),
    ],
)
async def test_bad_parameters_are_named(
    client: httpx.AsyncClient, path: str, params: dict[str, str], field: str
) -> None:
    response = await client.get(path, params=params)
    assert response.status_code == 400
    assert response.json()["error"]["field"] == field
