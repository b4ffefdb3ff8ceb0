"""The query layer through the API: consistent edges (issue 23 item 5) and the read-side
hardening of issue 18, on both databases; and the OpenAPI document: every 2xx typed."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import jsonschema
import orjson

from lineage.api.app import create_app
from lineage.settings import Settings
from tests.events import column_lineage, ds, parent_facet, run_event, schema
from tests.test_lineage_api import ingest, step

NODE_KEYS = {"id", "type", "kind", "namespace", "name", "dropped", "lineageIncomplete", "parent"}


async def get(client: httpx.AsyncClient, path: str, **params: Any) -> httpx.Response:
    return await client.get(f"/api/v1{path}", params=params)


def error_of(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    return dict(response.json()["error"])


async def test_bad_parameters_are_400_naming_them(client: httpx.AsyncClient) -> None:
    await ingest(client, step("j", ["a"], ["b"]))
    cases = [
        ("/lineage/downstream", {"nodeId": "dataset:n:a", "kinds": "dataset,tables"}, "kinds"),
        ("/lineage/downstream", {"nodeId": "dataset:n:a", "depth": "deep"}, "depth"),
        ("/lineage/upstream", {"nodeId": "dataset:n:a", "depth": "-1"}, "depth"),
        ("/lineage/downstream", {"nodeId": "dataset:n:a", "limit": "0"}, "limit"),
        ("/lineage", {"nodeId": "dataset:n:a", "depth": "x"}, "depth"),
        ("/column-lineage", {"nodeId": "dataset:n:a", "depth": "1000"}, "depth"),
        ("/lineage/downstream", {"nodeId": "dataset:n:a", "as_of": "yesterday"}, "as_of"),
        (
            "/lineage/downstream",
            {"nodeId": "dataset:n:a", "as_of": "0001-01-01T00:00:00+01:00"},
            "as_of",
        ),
        ("/events/lineage", {"before": "9999-12-31T23:59:59-01:00"}, "before"),
        ("/events/lineage", {"after": "0001-01-01T00:30:00+01:00"}, "after"),
        ("/lineage", {"namespace": "n"}, "nodeId"),
    ]
    for path, params, field in cases:
        error = error_of(await get(client, path, **params), 400)
        assert error["field"] == field, (path, params, error)
        assert error["code"] in ("bad_request", "invalid_parameter")


async def test_every_lineage_route_takes_namespace_and_name(client: httpx.AsyncClient) -> None:
    await ingest(
        client,
        run_event(
            "j",
            inputs=[ds("n", "a", schema=schema("x"))],
            outputs=[
                ds(
                    "n",
                    "b",
                    schema=schema("y"),
                    columnLineage=column_lineage({"y": [("n", "a", "x")]}),
                )
            ],
        ),
    )
    by_id = await get(client, "/lineage", nodeId="dataset:n:a", depth=3)
    by_name = await get(client, "/lineage", namespace="n", name="a", depth=3)
    assert by_id.status_code == by_name.status_code == 200
    assert by_id.json() == by_name.json()
    columns_by_id = await get(client, "/column-lineage", nodeId="datasetField:n:b:y")
    columns_by_name = await get(client, "/column-lineage", namespace="n", name="b", field="y")
    assert columns_by_id.json() == columns_by_name.json()
    assert [g["id"] for g in columns_by_name.json()["graph"]] == [
        "datasetField:n:a:x",
        "datasetField:n:b:y",
    ]
    job = await get(client, "/lineage/downstream", namespace="ns", name="j", type="JOB")
    assert job.json()["root"] == "job:ns:j"


async def test_every_node_has_the_same_keys(client: httpx.AsyncClient) -> None:
    dropped = ds("n", "c", lifecycleStateChange={"lifecycleStateChange": "DROP"})
    await ingest(
        client,
        step("j", ["a"], ["b"], time="2024-01-01T00:00:00Z"),
        run_event("k", inputs=[ds("n", "b")], outputs=[dropped], time="2024-01-02T00:00:00Z"),
    )
    now = (await get(client, "/lineage/downstream", nodeId="dataset:n:a")).json()
    then = (
        await get(client, "/lineage/downstream", nodeId="dataset:n:a", as_of="2024-01-03T00:00:00Z")
    ).json()
    neighbourhood = (await get(client, "/lineage", nodeId="dataset:n:a", depth=9)).json()
    assert (
        {n["id"] for n in now["nodes"]}
        == {n["id"] for n in then["nodes"]}
        == {
            "dataset:n:a",
            "job:ns:j",
            "dataset:n:b",
            "job:ns:k",
            "dataset:n:c",
        }
    )
    for node in now["nodes"] + then["nodes"]:
        assert set(node) == NODE_KEYS | {"depth", "tags"}, node
    data_keys: dict[str, set[str]] = {}
    for entry in neighbourhood["graph"]:
        # Marquez's full dataset or job (issue 23 item 4), with every node key in it
        assert set(entry["data"]) >= NODE_KEYS | {"latestRunState"}, entry
        assert data_keys.setdefault(entry["type"], set(entry["data"])) == set(entry["data"])
    kinds = {n["id"]: n["kind"] for n in then["nodes"]}
    assert kinds["job:ns:k"] == "job" and kinds["dataset:n:c"] == "dataset"
    assert next(n for n in now["nodes"] if n["id"] == "dataset:n:c")["dropped"] is True


async def test_symlink_alias_resolves_in_node_id(client: httpx.AsyncClient) -> None:
    """The alias' namespace holds no dataset of its own: the id still splits and resolves."""
    aliased = ds(
        "n",
        "t",
        symlinks={"identifiers": [{"namespace": "hive://meta", "name": "db.t", "type": "TABLE"}]},
    )
    await ingest(client, run_event("j", inputs=[ds("n", "src")], outputs=[aliased]))
    answer = await get(client, "/lineage/upstream", nodeId="dataset:hive://meta:db.t")
    assert answer.status_code == 200, answer.text
    assert answer.json()["root"] == "dataset:n:t"
    by_name = await get(client, "/lineage/upstream", namespace="hive://meta", name="db.t")
    assert by_name.json() == answer.json()


async def test_unknown_namespace_is_404_with_suggestions(client: httpx.AsyncClient) -> None:
    await ingest(client, step("j", ["a"], ["b"]))
    for path in ("/namespaces/nn/datasets", "/namespaces/nss/jobs"):
        error = error_of(await get(client, path), 404)
        assert error["suggestions"][0] in ("n", "ns"), error
    assert (await get(client, "/namespaces/n/datasets")).json()["totalCount"] == 2


async def test_mistyped_id_suggests_the_closest(client: httpx.AsyncClient) -> None:
    names = [f"warehouse.orders_{i:04d}" for i in range(300)] + ["warehouse.customers"]
    await ingest(client, step("j", ["landing.raw"], names))
    for typo, expected in [
        ("dataset:n:warehouse.customer", "dataset:n:warehouse.customers"),
        ("dataset:n:warehouse.custxmers", "dataset:n:warehouse.customers"),
        ("dataset:n:warehouse.orders_0042x", "dataset:n:warehouse.orders_0042"),
    ]:
        error = error_of(await get(client, "/lineage/downstream", nodeId=typo), 404)
        assert error["suggestions"][0] == expected, (typo, error)


async def test_search_exact_then_prefix_and_literal_wildcards(client: httpx.AsyncClient) -> None:
    longer = [f"orders_{i:03d}_archive" for i in range(60)]
    await ingest(
        client,
        step("j", ["src"], [*longer, "big_orders", "orders", "orders_daily", "a%b", "a_b", "axb"]),
    )
    hits = (await get(client, "/search", q="orders", limit=3)).json()["results"]
    assert [h["name"] for h in hits] == ["orders", "orders_daily", "orders_000_archive"]
    assert [h["name"] for h in (await get(client, "/search", q="%")).json()["results"]] == ["a%b"]
    assert [h["name"] for h in (await get(client, "/search", q="a_b")).json()["results"]] == ["a_b"]


async def test_updated_at_follows_versions_and_runs(client: httpx.AsyncClient) -> None:
    await ingest(client, run_event("j", outputs=[ds("n", "t", schema=schema("a"))]))
    first = (await get(client, "/namespaces/n/datasets/t")).json()["updatedAt"]
    job_first = (await get(client, "/namespaces/ns/jobs/j")).json()["updatedAt"]
    await ingest(
        client,
        run_event(
            "j", outputs=[ds("n", "t", schema=schema("a", "b"))], time="2025-01-01T00:00:00Z"
        ),
    )
    dataset = (await get(client, "/namespaces/n/datasets/t")).json()
    job = (await get(client, "/namespaces/ns/jobs/j")).json()
    assert [f["name"] for f in dataset["fields"]] == ["a", "b"]
    assert dataset["updatedAt"] > first
    assert job["updatedAt"] >= job["latestRun"]["updatedAt"] and job["updatedAt"] > job_first


async def test_deep_parent_chains_answer(client: httpx.AsyncClient) -> None:
    """Hierarchies far deeper than a JSON encoder's nesting limit: the answer nests 100
    levels and says the rest is cut."""
    depth = 150
    runs = [str(uuid.uuid4()) for _ in range(depth)]
    events = [run_event("level0", run_id=runs[0])]
    for i in range(1, depth):
        events.append(
            run_event(
                f"level{i}",
                run_id=runs[i],
                run_facets={"parent": parent_facet(f"level{i - 1}", runs[i - 1])},
            )
        )
    await ingest(client, *events)
    jobs = await get(client, "/jobs/ns/level0/children")
    assert jobs.status_code == 200, jobs.text
    node, levels = jobs.json(), 0
    while node["children"]:
        (node,) = node["children"]
        levels += 1
    assert (levels, node["name"], node["childrenTruncated"]) == (100, "level100", True)
    tree = await get(client, f"/jobs/runs/{runs[0]}/children")
    assert tree.status_code == 200, tree.text
    node, levels = tree.json(), 0
    while node["children"]:
        (node,) = node["children"]
        levels += 1
    assert (levels, node["jobName"], node["childrenTruncated"]) == (100, "level100", True)


async def test_events_come_back_byte_for_byte(client: httpx.AsyncClient) -> None:
    event = run_event("j", job_facets={"custom": {"big": 0, "_producer": "p"}})
    raw = orjson.dumps(event).replace(b'"big":0', b'"big":1180591620717411303424')  # 2**70
    response = await client.post("/api/v1/lineage", content=raw)
    assert response.status_code == 201, response.text
    answer = await client.get("/api/v1/events/lineage")
    assert b'"big":1180591620717411303424' in answer.content


def test_openapi_types_every_answer_and_documents_our_errors() -> None:
    doc = create_app(Settings()).openapi()
    schemas = doc["components"]["schemas"]
    assert "HTTPValidationError" not in schemas and "ValidationError" not in schemas
    untyped = []
    for path, operations in doc["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                content = response.get("content", {})
                if status.startswith("2"):
                    if not content:  # an answer without a body (204, ingest's 201)
                        continue
                    json_schema = content.get("application/json", {}).get("schema", {})
                    if not _typed(json_schema, schemas) and "text/plain" not in content:
                        untyped.append(f"{method.upper()} {path} {status}")
                else:
                    ref = content["application/json"]["schema"]["$ref"]
                    assert ref == "#/components/schemas/Error", (path, status)
            assert "422" not in operation["responses"] or "requestBody" in operation, path
    assert untyped == []


def _typed(schema: dict[str, Any], schemas: dict[str, Any]) -> bool:
    """A schema with properties (directly or through $ref), not a bare object or string."""
    if "$ref" in schema:
        return _typed(schemas[schema["$ref"].rsplit("/", 1)[-1]], schemas)
    return bool(schema.get("properties")) or schema.get("type") == "array"


def test_openapi_examples_match_their_schemas() -> None:
    doc = create_app(Settings()).openapi()
    examples = [
        (path, content)
        for path, operations in doc["paths"].items()
        for operation in operations.values()
        for status, response in operation["responses"].items()
        if status.startswith("2")
        for content in response.get("content", {}).values()
        if "example" in content
    ]
    assert {path for path, _ in examples} >= {
        "/api/v1/lineage/downstream",
        "/api/v1/impact",
        "/api/v1/models",
    }
    for path, content in examples:
        schema = {**content["schema"], "components": doc["components"]}
        errors = [
            e.message
            for e in jsonschema.Draft202012Validator(schema).iter_errors(content["example"])
        ]
        assert errors == [], path
