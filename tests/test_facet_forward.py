"""Forward compatibility: what a newer producer sends is stored and read as far as it is
known. Events start from the real openlineage-python client's facet classes and are then
changed the way a newer release would change them: facets nobody knows, known facets at a
schema version we have never seen (a newer minor version adds fields), event kinds named by
a schemaURL we do not know."""

from __future__ import annotations

from typing import Any

import httpx
from openlineage.client.event_v2 import Job, OutputDataset, Run, RunEvent, RunState
from openlineage.client.facet_v2 import (
    processing_engine_run,
    source_code_location_job,
    tags_dataset,
    tags_run,
)

from tests import ol_client

RUN = "0190d0c7-6a43-7ad4-b6f3-1b8d27c0b2d1"
OTHER_RUN = "0190d0c7-6a43-7ad4-b6f3-1b8d27c0b2d2"
FUTURE_FACET = {
    "_producer": "https://example.com/future-producer",
    "_schemaURL": "https://example.com/spec/facets/1-0-0/GreenComputeRunFacet.json",
    "kwh": 1.5,
    "region": {"name": "eu-north-1", "grid": ["hydro", 0.97]},
}


def _newer(facet: dict[str, Any], version: str, **added: Any) -> dict[str, Any]:
    """The facet as a newer producer sends it: another schema version and more fields."""
    url = facet["_schemaURL"]
    prefix, rest = url.split("/facets/", 1)
    return {**facet, **added, "_schemaURL": f"{prefix}/facets/{version}/{rest.split('/', 1)[1]}"}


async def get(client: httpx.AsyncClient, path: str, **params: Any) -> Any:
    response = await client.get(f"/api/v1{path}", params=params)
    assert response.status_code == 200, response.text
    return response.json()


async def test_unknown_facets_versions_and_kinds_are_stored_and_read(
    client: httpx.AsyncClient,
) -> None:
    ol, captured = ol_client.client()
    ol.emit(
        RunEvent(
            eventType=RunState.COMPLETE,
            eventTime="2026-11-01T10:00:00Z",
            run=Run(
                runId=RUN,
                facets={
                    "processing_engine": processing_engine_run.ProcessingEngineRunFacet(
                        version="4.0.0", name="spark"
                    ),
                    "tags": tags_run.TagsRunFacet([tags_run.TagsRunFacetFields("env", "prod")]),
                },
            ),
            job=Job(
                namespace="etl",
                name="future",
                facets={
                    "sourceCodeLocation": source_code_location_job.SourceCodeLocationJobFacet(
                        type="git", url="https://example.com/repo", pullRequestNumber="7"
                    )
                },
            ),
            producer=ol_client.PRODUCER,
            outputs=[
                OutputDataset(
                    "pg",
                    "public.future",
                    facets={
                        "tags": tags_dataset.TagsDatasetFacet(
                            [tags_dataset.TagsDatasetFacetFields("pii", "true", "USER")]
                        )
                    },
                )
            ],
        )
    )
    (event,) = captured.events
    run_facets, job_facets = event["run"]["facets"], event["job"]["facets"]
    run_facets["greenCompute"] = FUTURE_FACET  # a facet nobody knows
    # known facets at versions never seen, with fields added (a newer minor version)
    run_facets["processing_engine"] = _newer(
        run_facets["processing_engine"], "1-9-0", cluster={"id": "c-1"}
    )
    run_facets["tags"] = _newer(run_facets["tags"], "2-0-0")
    run_facets["tags"]["tags"][0]["expiresAt"] = "2027-01-01"
    job_facets["sourceCodeLocation"] = _newer(
        job_facets["sourceCodeLocation"], "1-3-0", commitAuthor="ana"
    )
    dataset_facets = event["outputs"][0]["facets"]
    dataset_facets["tags"] = _newer(dataset_facets["tags"], "1-1-0", inherited=False)
    # the same run as an event kind of a spec version we do not know
    future_kind = {
        **event,
        "eventTime": "2026-11-01T10:05:00Z",
        "run": {"runId": OTHER_RUN, "facets": {"greenCompute": FUTURE_FACET}},
        "schemaURL": "https://openlineage.io/spec/3-1-0/OpenLineage.json#/$defs/RunEventV3",
    }
    # a kind of a newer spec with parts we do not know: logged as received, nothing derived
    model_event = {
        "eventTime": "2026-11-01T10:06:00Z",
        "producer": "https://example.com/future-producer",
        "schemaURL": "https://openlineage.io/spec/3-0-0/OpenLineage.json#/$defs/ModelEvent",
        "model": {"namespace": "ml", "name": "churn", "facets": {"greenCompute": FUTURE_FACET}},
    }
    captured.events.clear()  # the original was changed in place: post the changed ones
    for body in (event, future_kind, model_event):
        response = await client.post("/api/v1/lineage", json=body)
        assert response.status_code == 201, response.text

    run = await get(client, f"/jobs/runs/{RUN}")
    assert run["facets"]["greenCompute"] == FUTURE_FACET
    assert run["processingEngine"] == {
        "name": "spark",
        "version": "4.0.0",
        "openlineageAdapterVersion": None,
    }
    assert [(t["key"], t["value"]) for t in run["tags"]] == [
        ("env", "prod"),
        ("openlineage_client_version", ol_client.VERSION),
    ]
    job = await get(client, "/namespaces/etl/jobs/future")
    assert (job["sourceCodeLocation"]["url"], job["sourceCodeLocation"]["pullRequestNumber"]) == (
        "https://example.com/repo",
        "7",
    )
    assert job["facets"]["sourceCodeLocation"]["commitAuthor"] == "ana"
    dataset = await get(client, "/namespaces/pg/datasets/public.future")
    assert dataset["tagDetails"] == [{"key": "pii", "value": "true", "source": "USER"}]
    other = await get(client, f"/jobs/runs/{OTHER_RUN}")
    assert (other["state"], other["facets"]) == ("COMPLETED", {"greenCompute": FUTURE_FACET})
    logged = await get(client, "/events/lineage", sortDirection="asc")
    assert (logged["totalCount"], logged["events"][2]) == (3, model_event)
    assert (await get(client, "/search", q="churn"))["results"] == []
    # a known kind missing what it needs is still refused, by name
    broken = {**model_event, "schemaURL": model_event["schemaURL"].replace("Model", "Run")}
    refused = await client.post("/api/v1/lineage", json=broken)
    assert (refused.status_code, refused.json()["error"]["field"]) == (422, "job")
