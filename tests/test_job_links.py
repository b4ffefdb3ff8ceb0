"""Job-to-job lineage: `jobDependencies` and temporary datasets between two jobs, over HTTP on
both databases, with events built by the real openlineage-python client."""

from __future__ import annotations

from typing import Any

import httpx
from openlineage.client.event_v2 import InputDataset, Job, OutputDataset, Run, RunEvent, RunState
from openlineage.client.facet_v2 import dataset_type_dataset, job_dependencies_run
from openlineage.client.serde import Serde

from lineage.api.app import load_graph
from lineage.store.replay import replay

NS = "sched"
RUN_A, RUN_B1, RUN_B2, RUN_C = (
    "0193f0a0-0000-7000-8000-00000000000a",
    "0193f0a0-0000-7000-8000-0000000000b1",
    "0193f0a0-0000-7000-8000-0000000000b2",
    "0193f0a0-0000-7000-8000-00000000000c",
)


def dependency(job: str, run_id: str | None = None) -> job_dependencies_run.JobDependency:
    return job_dependencies_run.JobDependency(
        job=job_dependencies_run.JobIdentifier(namespace=NS, name=job),
        run=job_dependencies_run.RunIdentifier(runId=run_id) if run_id else None,
        dependency_type="DIRECT_INVOCATION",
        sequence_trigger_rule="FINISH_TO_START",
        status_trigger_rule="EXECUTE_ON_SUCCESS",
    )


def event(
    job: str,
    run_id: str,
    time: str,
    *,
    upstream: list[job_dependencies_run.JobDependency] | None = None,
    downstream: list[job_dependencies_run.JobDependency] | None = None,
    inputs: list[InputDataset] | None = None,
    outputs: list[OutputDataset] | None = None,
) -> str:
    facets: dict[str, Any] = {}
    if upstream is not None or downstream is not None:
        facets["jobDependencies"] = job_dependencies_run.JobDependenciesRunFacet(
            upstream=upstream or [], downstream=downstream or [], trigger_rule="ALL_SUCCESS"
        )
    return str(
        Serde.to_json(
            RunEvent(
                eventType=RunState.COMPLETE,
                eventTime=time,
                run=Run(runId=run_id, facets=facets),
                job=Job(namespace=NS, name=job),
                producer="https://example.com/job-links",
                inputs=inputs or [],
                outputs=outputs or [],
            )
        )
    )


async def post(client: httpx.AsyncClient, *events: str) -> None:
    for body in events:
        response = await client.post(
            "/api/v1/lineage", content=body, headers={"content-type": "application/json"}
        )
        assert response.status_code == 201, response.text


async def walk(
    client: httpx.AsyncClient, direction: str, node: str, **params: Any
) -> tuple[dict[str, int], set[tuple[str, str]]]:
    response = await client.get(f"/api/v1/lineage/{direction}", params={"nodeId": node, **params})
    assert response.status_code == 200, response.text
    answer = response.json()
    return (
        {n["id"]: n["depth"] for n in answer["nodes"]},
        {(e["from"], e["to"]) for e in answer["edges"]},
    )


async def job(client: httpx.AsyncClient, name: str) -> dict[str, Any]:
    response = await client.get(f"/api/v1/namespaces/{NS}/jobs/{name}")
    assert response.status_code == 200, response.text
    return dict(response.json())


def j(name: str) -> str:
    return f"job:{NS}:{name}"


X = "dataset:warehouse:raw.orders"


async def test_job_dependencies_become_job_edges(client: httpx.AsyncClient) -> None:
    orders = OutputDataset("warehouse", "raw.orders")
    # extract names the job it starts; transform names the job it waits for
    await post(
        client,
        event(
            "extract",
            RUN_A,
            "2026-01-01T00:00:00Z",
            downstream=[dependency("report")],
            outputs=[orders],
        ),
        event("transform", RUN_B1, "2026-01-01T01:00:00Z", upstream=[dependency("extract", RUN_A)]),
    )
    assert await walk(client, "downstream", j("extract")) == (
        {j("extract"): 0, j("transform"): 1, j("report"): 1, X: 1},
        {(j("extract"), j("transform")), (j("extract"), j("report")), (j("extract"), X)},
    )
    assert await walk(client, "downstream", j("extract"), kinds="job") == (
        {j("extract"): 0, j("transform"): 1, j("report"): 1},
        {(j("extract"), j("transform")), (j("extract"), j("report"))},
    )
    assert await walk(client, "upstream", j("transform")) == (
        {j("transform"): 0, j("extract"): 1},
        {(j("extract"), j("transform"))},
    )
    # each end's answer names the edge with what the facet said about it
    extract_dependencies = [
        {
            "upstream": j("extract"),
            "downstream": j("report"),
            "upstreamRunId": RUN_A,
            "downstreamRunId": None,
            "dependencyType": "DIRECT_INVOCATION",
            "sequenceTriggerRule": "FINISH_TO_START",
            "statusTriggerRule": "EXECUTE_ON_SUCCESS",
            "triggerRule": None,
            "via": None,
        },
        {
            "upstream": j("extract"),
            "downstream": j("transform"),
            "upstreamRunId": RUN_A,
            "downstreamRunId": RUN_B1,
            "dependencyType": "DIRECT_INVOCATION",
            "sequenceTriggerRule": "FINISH_TO_START",
            "statusTriggerRule": "EXECUTE_ON_SUCCESS",
            "triggerRule": "ALL_SUCCESS",
            "via": None,
        },
    ]
    assert (await job(client, "extract"))["dependencies"] == extract_dependencies
    assert (await job(client, "transform"))["dependencies"] == extract_dependencies[1:]
    # the Marquez neighbourhood shows the job edges; a job's inputs and outputs stay datasets
    response = await client.get("/api/v1/lineage", params={"nodeId": j("extract"), "depth": 1})
    graph = {n["id"]: n for n in response.json()["graph"]}
    assert sorted(graph) == [X, j("extract"), j("report"), j("transform")]
    extract = graph[j("extract")]
    assert [e["destination"] for e in extract["outEdges"]] == [X, j("report"), j("transform")]
    assert (extract["data"]["inputs"], extract["data"]["outputs"]) == (
        [],
        [{"namespace": "warehouse", "name": "raw.orders"}],
    )
    assert [e["origin"] for e in graph[j("transform")]["inEdges"]] == [j("extract")]

    # transform's next run waits for load instead: its edge from extract is retired
    await post(
        client,
        event("transform", RUN_B2, "2026-01-02T01:00:00Z", upstream=[dependency("load")]),
        # an older declaration arriving late changes nothing
        event("transform", RUN_C, "2026-01-01T12:00:00Z", upstream=[dependency("stale")]),
    )
    assert (await walk(client, "downstream", j("extract"), kinds="job"))[0] == {
        j("extract"): 0,
        j("report"): 1,
    }
    assert (await walk(client, "upstream", j("transform")))[0] == {j("transform"): 0, j("load"): 1}
    assert [
        (d["upstream"], d["downstreamRunId"])
        for d in (await job(client, "transform"))["dependencies"]
    ] == [(j("load"), RUN_B2)]
    # as it was between the two runs
    assert await walk(
        client, "downstream", j("extract"), kinds="job", as_of="2026-01-01T06:00:00Z"
    ) == (
        {j("extract"): 0, j("transform"): 1, j("report"): 1},
        {(j("extract"), j("transform")), (j("extract"), j("report"))},
    )
    assert (await walk(client, "upstream", j("transform"), as_of="2026-01-02T06:00:00Z"))[0] == {
        j("transform"): 0,
        j("load"): 1,
    }
    # a job-to-job edge carries no columns: impact stays on the datasets
    response = await client.post(
        "/api/v1/impact", json={"dataset": X, "changes": [{"kind": "drop_dataset"}]}
    )
    assert response.status_code == 200, response.text
    assert response.json()["items"] == []

    engine = client.app.state.engine  # type: ignore[attr-defined]
    live = client.app.state.graph.snapshot()  # type: ignore[attr-defined]
    assert load_graph(engine).snapshot() == live
    replay(engine)
    assert load_graph(engine).snapshot() == live


def temporary() -> dict[str, Any]:
    return {"datasetType": dataset_type_dataset.DatasetTypeDatasetFacet(datasetType="TEMPORARY")}


async def test_a_temporary_dataset_between_two_jobs_links_them(client: httpx.AsyncClient) -> None:
    spill = "dataset:scratch:stage/part-0"
    write = OutputDataset("scratch", "stage/part-0", facets=temporary())
    read = InputDataset("scratch", "stage/part-0")
    await post(
        client,
        event(
            "stage", "0193f0a0-0000-7000-8000-000000000101", "2026-01-01T00:00:00Z", outputs=[write]
        ),
        event(
            "merge", "0193f0a0-0000-7000-8000-000000000102", "2026-01-01T00:10:00Z", inputs=[read]
        ),
    )
    assert await walk(client, "downstream", j("stage"), kinds="job") == (
        {j("stage"): 0, j("merge"): 1},
        {(j("stage"), j("merge"))},
    )
    assert await walk(client, "downstream", j("stage")) == (
        {j("stage"): 0, j("merge"): 1, spill: 1},
        {(j("stage"), j("merge")), (j("stage"), spill), (spill, j("merge"))},
    )
    assert [
        (d["upstream"], d["downstream"], d["via"])
        for d in (await job(client, "merge"))["dependencies"]
    ] == [(j("stage"), j("merge"), spill)]
    # a second reader: the dataset no longer links only two jobs
    await post(
        client,
        event(
            "audit", "0193f0a0-0000-7000-8000-000000000103", "2026-01-01T00:20:00Z", inputs=[read]
        ),
    )
    # stage still reaches both readers through the dataset, but no longer by a job edge
    assert await walk(client, "downstream", j("stage"), kinds="job") == (
        {j("stage"): 0, j("merge"): 2, j("audit"): 2},
        set(),
    )
    assert (await job(client, "merge"))["dependencies"] == []
    assert (
        await walk(client, "downstream", j("stage"), kinds="job", as_of="2026-01-01T00:15:00Z")
    ) == ({j("stage"): 0, j("merge"): 1}, {(j("stage"), j("merge"))})
    engine = client.app.state.engine  # type: ignore[attr-defined]
    live = client.app.state.graph.snapshot()  # type: ignore[attr-defined]
    replay(engine)
    assert load_graph(engine).snapshot() == live
