"""Every input limit answers a 4xx that names the limit (and the field, where there is one)."""

from __future__ import annotations

import gzip

import orjson

from tests.events import run_event
from tests.reliability.conftest import AppClient

LIMITS = {
    "max_body_bytes": 2000,
    "max_json_depth": 8,
    "max_batch_events": 2,
    "max_name_chars": 40,
}


def too_large(message: str, field: str = "body") -> dict[str, dict[str, str]]:
    return {"error": {"code": "payload_too_large", "message": message, "field": field}}


async def test_body_over_max_body_bytes(app_client: AppClient) -> None:
    event = run_event("job", run_facets={"padding": {"text": "x" * 3000}})
    async with app_client(**LIMITS) as client:
        response = await client.post("/api/v1/lineage", content=orjson.dumps(event))
    assert (response.status_code, response.json()) == (
        413,
        too_large("body exceeds max_body_bytes (2000 bytes)"),
    )


async def test_gzip_body_over_max_body_bytes_after_decompression(app_client: AppClient) -> None:
    event = run_event("job", run_facets={"padding": {"text": "x" * 50_000}})
    compressed = gzip.compress(orjson.dumps(event))
    assert len(compressed) < 2000
    async with app_client(**LIMITS) as client:
        response = await client.post(
            "/api/v1/lineage", content=compressed, headers={"Content-Encoding": "gzip"}
        )
    assert (response.status_code, response.json()) == (
        413,
        too_large("body exceeds max_body_bytes (2000 bytes after decompression)"),
    )


async def test_nesting_over_max_json_depth(app_client: AppClient) -> None:
    nested: dict[str, object] = {"leaf": 1}
    for _ in range(10):
        nested = {"n": nested}
    event = run_event("job", run_facets={"deep": nested})
    async with app_client(**LIMITS) as client:
        response = await client.post("/api/v1/lineage", json=event)
    assert (response.status_code, response.json()) == (
        413,
        too_large("event nesting is deeper than max_json_depth (8)"),
    )


async def test_batch_over_max_batch_events(app_client: AppClient) -> None:
    batch = [run_event(f"job{i}") for i in range(3)]
    async with app_client(**LIMITS) as client:
        response = await client.post("/api/v1/lineage/batch", json=batch)
        stored = await client.get("/api/v1/events/lineage")
    assert (response.status_code, response.json()) == (
        413,
        too_large("batch has 3 events, over max_batch_events (2)"),
    )
    assert stored.json()["totalCount"] == 0


async def test_names_over_max_name_chars(app_client: AppClient) -> None:
    long_job = run_event("j" * 41)
    long_dataset = run_event("job", outputs=[{"namespace": "ns", "name": "d" * 50}])
    async with app_client(**LIMITS) as client:
        job_answer = await client.post("/api/v1/lineage", json=long_job)
        dataset_answer = await client.post("/api/v1/lineage", json=long_dataset)
    assert (job_answer.status_code, job_answer.json()) == (
        413,
        too_large("job.name is 41 characters, over max_name_chars (40)", "job.name"),
    )
    assert (dataset_answer.status_code, dataset_answer.json()) == (
        413,
        too_large("outputs[0].name is 50 characters, over max_name_chars (40)", "outputs[0].name"),
    )


async def test_batch_item_over_a_limit_fails_alone(app_client: AppClient) -> None:
    batch = [run_event("ok"), run_event("j" * 41)]
    async with app_client(**LIMITS) as client:
        response = await client.post("/api/v1/lineage/batch", json=batch)
    assert response.status_code == 200
    assert response.json()["failed_events"] == [
        {
            "index": 1,
            "reason": "job.name is 41 characters, over max_name_chars (40)",
            "retriable": False,
        }
    ]
