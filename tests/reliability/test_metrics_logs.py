"""/metrics counts exactly what happened; JSON logs never carry keys or bodies."""

from __future__ import annotations

import json

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import Server
from tests.events import ds, run_event
from tests.reliability.conftest import AppClient


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Prometheus text as {(sample name, sorted labels): value}."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


async def test_metrics_count_outcomes_and_graph(app_client: AppClient) -> None:
    event = run_event("job", inputs=[ds("ns", "a")], outputs=[ds("ns", "b")])
    async with app_client() as client:
        assert (await client.post("/api/v1/lineage", json=event)).status_code == 201
        assert (await client.post("/api/v1/lineage", json=event)).status_code == 201
        assert (await client.post("/api/v1/lineage", content=b"{oops")).status_code == 400
        assert (await client.post("/api/v1/lineage", json={"job": {}})).status_code == 422
        batch = [run_event("other"), {"eventTime": "never"}]
        assert (await client.post("/api/v1/lineage/batch", json=batch)).status_code == 200
        metrics = samples((await client.get("/metrics")).text)
    assert metrics[("lineage_events_accepted_total", ())] == 2
    assert metrics[("lineage_events_duplicate_total", ())] == 1
    assert metrics[("lineage_events_rejected_total", (("reason", "bad_request"),))] == 1
    assert metrics[("lineage_events_rejected_total", (("reason", "invalid_event"),))] == 2
    assert metrics[("lineage_group_commit_events_sum", ())] == 3
    assert metrics[("lineage_graph_nodes", ())] == 4
    assert metrics[("lineage_graph_edges", ())] == 2
    assert metrics[("lineage_ingest_seconds_count", (("route", "/api/v1/lineage"),))] == 4
    batch_route = (("route", "/api/v1/lineage/batch"),)
    assert metrics[("lineage_ingest_seconds_count", batch_route)] == 1
    created = (("method", "POST"), ("route", "/api/v1/lineage"), ("status", "201"))
    assert metrics[("lineage_http_request_seconds_count", created)] == 2


def test_json_logs_hold_no_keys_or_bodies(sqlite_url: str) -> None:
    secret = "sk-never-log-this-4711"
    env = {"LINEAGE_API_KEYS": secret, "LINEAGE_LOG_FORMAT": "json", "LINEAGE_LOG_LEVEL": "debug"}
    server = Server(sqlite_url, env=env).start()
    marker = "body-marker-0815"
    try:
        headers = {"Authorization": f"Bearer {secret}"}
        event = run_event("logged", run_facets={"note": {"text": marker}})
        assert httpx.post(f"{server.url}/api/v1/lineage", json=event, headers=headers).is_success
        bad = httpx.post(f"{server.url}/api/v1/lineage", content=marker, headers=headers)
        assert bad.status_code == 400
        assert httpx.get(f"{server.url}/api/v1/namespaces").status_code == 401
    finally:
        server.stop()
    lines = server.output().splitlines()
    records = [json.loads(line) for line in lines]
    assert {"time", "level", "logger", "message"} <= set(records[0])
    assert any(r["message"].startswith("lineage collector on http") for r in records), records
    assert not any(secret in line or marker in line for line in lines)
