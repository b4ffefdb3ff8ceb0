"""Lineage graph and query API: exact graphs for hand-written scenarios, on both databases."""

from __future__ import annotations

from typing import Any

import httpx
import orjson

from lineage.api.app import load_graph
from tests.app_client import caught_up
from tests.events import column_lineage, ds, parent_facet, run_event, schema


async def ingest(client: httpx.AsyncClient, *events: dict[str, Any]) -> None:
    response = await client.post("/api/v1/lineage/batch", content=orjson.dumps(list(events)))
    assert response.status_code == 204, response.text


async def walk(
    client: httpx.AsyncClient, direction: str, node: str, **params: Any
) -> dict[str, Any]:
    response = await client.get(f"/api/v1/lineage/{direction}", params={"nodeId": node, **params})
    assert response.status_code == 200, response.text
    return dict(response.json())


def shape(answer: dict[str, Any]) -> tuple[dict[str, int], set[tuple[str, str]]]:
    return (
        {n["id"]: n["depth"] for n in answer["nodes"]},
        {(e["from"], e["to"]) for e in answer["edges"]},
    )


def step(job: str, inputs: list[str], outputs: list[str], **kw: Any) -> dict[str, Any]:
    return run_event(
        job, inputs=[ds("n", i) for i in inputs], outputs=[ds("n", o) for o in outputs], **kw
    )


async def test_chain_diamond_and_cycle(client: httpx.AsyncClient) -> None:
    await ingest(
        client,
        step("j1", ["a"], ["b", "c"]),
        step("j2", ["b"], ["d"]),
        step("j3", ["c"], ["d"]),
        step("merge", ["d"], ["d"]),  # reads and writes the same table: a cycle
    )
    depths, edges = shape(await walk(client, "downstream", "dataset:n:a"))
    assert depths == {
        "dataset:n:a": 0,
        "job:ns:j1": 1,
        "dataset:n:b": 2,
        "dataset:n:c": 2,
        "job:ns:j2": 3,
        "job:ns:j3": 3,
        "dataset:n:d": 4,
        "job:ns:merge": 5,
    }
    assert edges == {
        ("dataset:n:a", "job:ns:j1"),
        ("job:ns:j1", "dataset:n:b"),
        ("job:ns:j1", "dataset:n:c"),
        ("dataset:n:b", "job:ns:j2"),
        ("dataset:n:c", "job:ns:j3"),
        ("job:ns:j2", "dataset:n:d"),
        ("job:ns:j3", "dataset:n:d"),
        ("dataset:n:d", "job:ns:merge"),
        ("job:ns:merge", "dataset:n:d"),
    }
    up = await walk(client, "upstream", "dataset:n:d", depth=2)
    assert shape(up)[0] == {
        "dataset:n:d": 0,
        "job:ns:j2": 1,
        "job:ns:j3": 1,
        "job:ns:merge": 1,
        "dataset:n:b": 2,
        "dataset:n:c": 2,
    }
    assert up["truncated"] is True
    models = await walk(client, "downstream", "dataset:n:a", kinds="job")
    assert sorted(shape(models)[0]) == [
        "dataset:n:a",
        "job:ns:j1",
        "job:ns:j2",
        "job:ns:j3",
        "job:ns:merge",
    ]


async def test_fan_out_of_a_thousand(client: httpx.AsyncClient) -> None:
    await ingest(client, step("spread", ["hub"], [f"t{i:04d}" for i in range(1000)]))
    answer = await walk(client, "downstream", "dataset:n:hub")
    depths, edges = shape(answer)
    assert len(depths) == 1002 and len(edges) == 1001
    assert depths["dataset:n:t0999"] == 2
    assert answer["truncated"] is False
    limited = await walk(client, "downstream", "dataset:n:hub", limit=10)
    assert (len(limited["nodes"]), limited["truncated"]) == (10, True)


async def test_retired_edges_and_as_of(client: httpx.AsyncClient) -> None:
    await ingest(
        client,
        step("j", ["a"], ["old"], time="2024-01-01T00:00:00Z"),
        step("j", ["a"], ["new"], time="2024-02-01T00:00:00Z", event_type="START"),
    )
    # a newer run adds at once, but retires only when it completes
    assert set(shape(await walk(client, "downstream", "job:ns:j"))[0]) == {
        "job:ns:j",
        "dataset:n:old",
        "dataset:n:new",
    }
    await ingest(client, step("j", [], [], time="2024-02-01T00:05:00Z", run_id=None))
    second_run = step("j", ["a"], ["new"], time="2024-02-01T00:10:00Z")
    await ingest(client, second_run)
    assert shape(await walk(client, "downstream", "job:ns:j"))[0] == {
        "job:ns:j": 0,
        "dataset:n:new": 1,
    }
    then = await walk(client, "downstream", "dataset:n:a", as_of="2024-01-15T00:00:00Z")
    assert shape(then) == (
        {"dataset:n:a": 0, "job:ns:j": 1, "dataset:n:old": 2},
        {("dataset:n:a", "job:ns:j"), ("job:ns:j", "dataset:n:old")},
    )
    assert then["asOf"] == "2024-01-15T00:00:00Z"
    before = await walk(client, "downstream", "dataset:n:a", as_of="2023-01-01T00:00:00Z")
    assert shape(before) == ({"dataset:n:a": 0}, set())


async def test_late_event_of_an_older_run_does_not_change_current_edges(
    client: httpx.AsyncClient,
) -> None:
    await ingest(client, step("j", ["a"], ["new"], time="2024-02-01T00:00:00Z"))
    await ingest(client, step("j", ["a"], ["old"], time="2024-01-01T00:00:00Z"))
    assert shape(await walk(client, "downstream", "job:ns:j"))[0] == {
        "job:ns:j": 0,
        "dataset:n:new": 1,
    }


async def test_column_lineage_through_several_hops(client: httpx.AsyncClient) -> None:
    await ingest(
        client,
        run_event(
            "stage",
            inputs=[ds("n", "raw", schema=schema("id", "amt"))],
            outputs=[
                ds(
                    "n",
                    "stg",
                    schema=schema("id", "amount"),
                    columnLineage=column_lineage(
                        {"id": [("n", "raw", "id")], "amount": [("n", "raw", "amt")]}
                    ),
                )
            ],
        ),
        run_event(
            "mart",
            inputs=[ds("n", "stg")],
            outputs=[
                ds(
                    "n",
                    "mart",
                    schema=schema("total"),
                    columnLineage=column_lineage(
                        {"total": [("n", "stg", "amount")]}, kind="DIRECT"
                    ),
                )
            ],
        ),
    )
    response = await client.get(
        "/api/v1/column-lineage",
        params={"nodeId": "datasetField:n:raw:amt", "withDownstream": "true"},
    )
    graph = {g["id"]: g for g in response.json()["graph"]}
    assert sorted(graph) == [
        "datasetField:n:mart:total",
        "datasetField:n:raw:amt",
        "datasetField:n:stg:amount",
    ]
    assert graph["datasetField:n:mart:total"]["inEdges"] == [
        {"origin": "datasetField:n:stg:amount", "destination": "datasetField:n:mart:total"}
    ]
    upstream = await client.get("/api/v1/column-lineage", params={"nodeId": "dataset:n:mart"})
    assert sorted(g["id"] for g in upstream.json()["graph"]) == [
        "datasetField:n:mart:total",
        "datasetField:n:raw:amt",
        "datasetField:n:stg:amount",
    ]


async def test_dag_hierarchy_from_parent_facets(client: httpx.AsyncClient) -> None:
    dag_run = "0190c2f6-0000-7000-8000-00000000da90"
    task_run = "0190c2f6-0000-7000-8000-0000000000a1"
    await ingest(
        client,
        run_event(
            "dag.extract",
            run_id=task_run,
            event_type="COMPLETE",
            time="2024-01-01T00:01:00Z",
            run_facets={"parent": parent_facet("dag", dag_run)},
        ),
        run_event(
            "dag.extract.query.1",
            event_type="COMPLETE",
            time="2024-01-01T00:01:05Z",
            run_facets={"parent": parent_facet("dag.extract", task_run)},
        ),
        run_event(
            "dag.load",
            event_type="FAIL",
            time="2024-01-01T00:02:00Z",
            run_facets={"parent": parent_facet("dag", dag_run)},
        ),
    )
    tree = (await client.get("/api/v1/jobs/ns/dag/children")).json()
    assert tree["job"] == {"namespace": "ns", "name": "dag", "nodeId": "job:ns:dag"}
    assert [(c["name"], c["latestRun"]["state"]) for c in tree["children"]] == [
        ("dag.extract", "COMPLETED"),
        ("dag.load", "FAILED"),
    ]
    assert [c["name"] for c in tree["children"][0]["children"]] == ["dag.extract.query.1"]
    # the DAG run was only referenced: NEW until its own COMPLETE arrives
    dag = (await client.get(f"/api/v1/jobs/runs/{dag_run}/children")).json()
    assert (dag["state"], [c["jobName"] for c in dag["children"]]) == (
        "NEW",
        ["dag.extract", "dag.load"],
    )
    await ingest(
        client, run_event("dag", run_id=dag_run, event_type="FAIL", time="2024-01-01T00:03:00Z")
    )
    dag = (await client.get(f"/api/v1/jobs/runs/{dag_run}")).json()
    assert (dag["state"], dag["startedAt"], dag["endedAt"]) == (
        "FAILED",
        "2024-01-01T00:01:00Z",
        "2024-01-01T00:03:00Z",
    )
    job = (await client.get("/api/v1/namespaces/ns/jobs/dag.extract.query.1")).json()
    assert (job["parentJobName"], job["simpleName"]) == ("dag.extract", "query.1")


async def test_marquez_lineage_shape(client: httpx.AsyncClient) -> None:
    await ingest(client, step("j", ["a"], ["b"]))
    graph = (
        await client.get("/api/v1/lineage", params={"nodeId": "dataset:n:a", "depth": 5})
    ).json()
    run_id = graph["graph"][2]["data"]["latestRun"]["id"]
    at = "2024-01-01T00:00:00Z"

    def dataset(name: str, written: str | None) -> dict[str, Any]:
        return {
            "kind": "dataset",
            "id": {"namespace": "n", "name": name},
            "nodeId": f"dataset:n:{name}",
            "name": name,
            "namespace": "n",
            "createdAt": at,
            "updatedAt": at,
            "description": None,
            "tags": [],
            "tagDetails": [],
            "facets": {},
            "dropped": False,
            "lineageIncomplete": False,
            "parent": None,
            "latestRunState": None,
            "type": "DB_TABLE",
            "physicalName": name,
            "sourceName": None,
            "fields": [],
            "lastModifiedAt": written,
            "lastLifecycleState": None,
        }

    job = {
        "kind": "job",
        "id": {"namespace": "ns", "name": "j"},
        "nodeId": "job:ns:j",
        "name": "j",
        "namespace": "ns",
        "createdAt": at,
        "updatedAt": at,
        "description": None,
        "tags": [],
        "tagDetails": [],
        "facets": {},
        "dropped": False,
        "lineageIncomplete": False,
        "parent": None,
        "latestRunState": "COMPLETED",
        "type": "BATCH",
        "simpleName": "j",
        "parentJobName": None,
        "inputs": [{"namespace": "n", "name": "a"}],
        "outputs": [{"namespace": "n", "name": "b"}],
        "location": None,
        "latestRun": {
            "id": run_id,
            "createdAt": at,
            "updatedAt": at,
            "nominalStartTime": None,
            "nominalEndTime": None,
            "state": "COMPLETED",
            "startedAt": None,
            "endedAt": at,
            "durationMs": None,
        },
    }
    assert graph == {
        "graph": [
            {
                "id": "dataset:n:a",
                "type": "DATASET",
                "data": dataset("a", None),
                "inEdges": [],
                "outEdges": [{"origin": "dataset:n:a", "destination": "job:ns:j"}],
            },
            {
                "id": "dataset:n:b",
                "type": "DATASET",
                "data": dataset("b", at),
                "inEdges": [{"origin": "job:ns:j", "destination": "dataset:n:b"}],
                "outEdges": [],
            },
            {
                "id": "job:ns:j",
                "type": "JOB",
                "data": job,
                "inEdges": [{"origin": "dataset:n:a", "destination": "job:ns:j"}],
                "outEdges": [{"origin": "job:ns:j", "destination": "dataset:n:b"}],
            },
        ]
    }
    runs = (await client.get("/api/v1/namespaces/ns/jobs/j/runs")).json()["runs"]
    assert [r["id"] for r in runs] == [run_id]
    listing = (
        await client.get("/api/v1/namespaces/n/datasets", params={"limit": 1, "offset": 1})
    ).json()
    assert (listing["totalCount"], [d["name"] for d in listing["datasets"]]) == (2, ["b"])


async def test_unknown_and_malformed_nodes(client: httpx.AsyncClient) -> None:
    await ingest(client, step("j", ["orders"], ["orders_daily"]))
    missing = await client.get("/api/v1/lineage/downstream", params={"nodeId": "dataset:n:order"})
    assert missing.status_code == 404
    assert missing.json()["error"]["suggestions"][0] == "dataset:n:orders"
    malformed = await client.get("/api/v1/lineage/downstream", params={"nodeId": "table:x"})
    assert malformed.status_code == 400
    assert malformed.json()["error"]["field"] == "nodeId"


async def test_explicit_lineage_facet_outranks_cross_product(client: httpx.AsyncClient) -> None:
    facet = {
        "entries": [
            {
                "type": "DATASET",
                "namespace": "n",
                "name": "x_out",
                "inputs": [{"type": "DATASET", "namespace": "n", "name": "x_in"}],
            },
            {
                "type": "DATASET",
                "namespace": "n",
                "name": "y_out",
                "inputs": [{"type": "DATASET", "namespace": "n", "name": "y_in"}],
            },
        ]
    }
    await ingest(
        client, step("j", ["x_in", "y_in"], ["x_out", "y_out"], job_facets={"lineage": facet})
    )
    assert set(shape(await walk(client, "downstream", "dataset:n:x_in"))[0]) == {
        "dataset:n:x_in",
        "job:ns:j",
        "dataset:n:x_out",
    }


async def test_rename_and_drop(client: httpx.AsyncClient) -> None:
    await ingest(client, step("reader", ["old_t"], ["report"]))
    renamed = ds(
        "n",
        "new_t",
        lifecycleStateChange={
            "lifecycleStateChange": "RENAME",
            "previousIdentifier": {"namespace": "n", "name": "old_t"},
        },
    )
    dropped = ds("n", "report", lifecycleStateChange={"lifecycleStateChange": "DROP"})
    await ingest(client, run_event("ddl", outputs=[renamed, dropped], time="2024-01-02T00:00:00Z"))
    down = await walk(client, "downstream", "dataset:n:old_t")
    assert down["root"] == "dataset:n:new_t"
    report = next(n for n in down["nodes"] if n["id"] == "dataset:n:report")
    assert report.get("dropped") is True


async def test_incomplete_lineage_is_flagged(client: httpx.AsyncClient) -> None:
    err = {
        "extractionError": {
            "totalTasks": 1,
            "failedTasks": 1,
            "errors": [{"errorMessage": "parse"}],
        }
    }
    await ingest(client, step("j", ["a"], ["b"], run_facets=err))
    assert (await walk(client, "downstream", "dataset:n:a"))["incomplete"] is True


async def test_graph_survives_restart_and_matches_rebuild(client: httpx.AsyncClient) -> None:
    await ingest(client, step("j1", ["a"], ["b"]), step("j2", ["b"], ["c"]))
    app = client.app  # type: ignore[attr-defined]
    await caught_up(app)
    assert load_graph(app.state.engine).snapshot() == app.state.graph.snapshot()
