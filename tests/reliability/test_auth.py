"""API keys and CORS: off by default, 401 without/unknown key, 403 for the wrong scope."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from openlineage.client import OpenLineageClient
from openlineage.client.event_v2 import Job, Run, RunEvent, RunState
from openlineage.client.transport.http import ApiKeyTokenProvider, HttpConfig, HttpTransport

from tests.events import run_event
from tests.reliability.conftest import AppClient

KEYS = "both-key,reader-key:read,writer-key:write"
EVENT = run_event("job", run_id="3f5e83fa-3480-44ff-99c5-ff943904e5e8")

MISSING = {
    "error": {
        "code": "unauthorized",
        "message": "an API key is required: send 'Authorization: Bearer <key>' or "
        "'X-API-Key: <key>'",
        "field": "Authorization",
    }
}
INVALID = {
    "error": {
        "code": "unauthorized",
        "message": "the API key is not valid",
        "field": "Authorization",
    }
}


def forbidden(has: str, needs: str) -> dict[str, dict[str, str]]:
    return {
        "error": {
            "code": "forbidden",
            "message": f"this API key has scope {has}; this request needs {needs}",
            "field": "Authorization",
        }
    }


async def test_auth_is_off_by_default(app_client: AppClient) -> None:
    async with app_client() as client:
        assert (await client.post("/api/v1/lineage", json=EVENT)).status_code == 201
        assert (await client.get("/api/v1/namespaces")).status_code == 200


@pytest.mark.parametrize(
    ("headers", "method", "status", "body"),
    [
        ({}, "GET", 401, MISSING),
        ({}, "POST", 401, MISSING),
        ({"Authorization": "Bearer wrong"}, "GET", 401, INVALID),
        ({"X-API-Key": "both-key-and-more"}, "GET", 401, INVALID),
        ({"Authorization": "Basic both-key"}, "GET", 401, MISSING),
        ({"Authorization": "Bearer reader-key"}, "POST", 403, forbidden("read", "write")),
        ({"X-API-Key": "writer-key"}, "GET", 403, forbidden("write", "read")),
    ],
)
async def test_rejected_requests(
    app_client: AppClient, headers: dict[str, str], method: str, status: int, body: object
) -> None:
    async with app_client(api_keys=KEYS) as client:
        if method == "GET":
            response = await client.get("/api/v1/namespaces", headers=headers)
        else:
            response = await client.post("/api/v1/lineage", json=EVENT, headers=headers)
        assert (response.status_code, response.json()) == (status, body)
        assert response.headers.get("www-authenticate") == ("Bearer" if status == 401 else None)


async def test_scopes_grant_exactly_their_methods(app_client: AppClient) -> None:
    async with app_client(api_keys=KEYS) as client:
        both, reader, writer = (
            {"Authorization": "Bearer both-key"},
            {"X-API-Key": "reader-key"},
            {"Authorization": "bearer writer-key"},
        )
        assert (await client.post("/api/v1/lineage", json=EVENT, headers=writer)).status_code == 201
        assert (await client.post("/api/v1/lineage", json=EVENT, headers=both)).status_code == 201
        namespaces = await client.get("/api/v1/namespaces", headers=reader)
        assert [n["name"] for n in namespaces.json()["namespaces"]] == ["ns"]
        assert (await client.get("/api/v1/namespaces", headers=both)).status_code == 200
        unknown_route = await client.get("/api/v1/no-such-route")
        assert unknown_route.status_code == 401


async def test_health_and_metrics_need_no_key(app_client: AppClient) -> None:
    async with app_client(api_keys=KEYS) as client:
        for path in ("/healthz", "/readyz", "/metrics"):
            assert (await client.get(path)).status_code == 200, path


async def test_keys_file(app_client: AppClient, tmp_path: Path) -> None:
    keys_file = tmp_path / "keys"
    keys_file.write_text("# collector keys\nfile-key:read\n\nother-key\n")
    async with app_client(api_keys_file=str(keys_file)) as client:
        ok = await client.get("/api/v1/namespaces", headers={"X-API-Key": "file-key"})
        denied = await client.post("/api/v1/lineage", json=EVENT, headers={"X-API-Key": "file-key"})
        assert (ok.status_code, denied.status_code) == (200, 403)
        assert (await client.get("/api/v1/namespaces")).status_code == 401


async def test_cors_off_unless_configured(app_client: AppClient) -> None:
    preflight = {"Origin": "https://ui.example.com", "Access-Control-Request-Method": "GET"}
    async with app_client() as client:
        response = await client.get("/healthz", headers={"Origin": "https://ui.example.com"})
        assert "access-control-allow-origin" not in response.headers
    async with app_client(cors_origins="https://ui.example.com", api_keys=KEYS) as client:
        answer = await client.options("/api/v1/namespaces", headers=preflight)
        assert answer.status_code == 200
        assert answer.headers["access-control-allow-origin"] == "https://ui.example.com"
        other = await client.options(
            "/api/v1/namespaces", headers={**preflight, "Origin": "https://evil.example.com"}
        )
        assert other.status_code == 400


def test_openlineage_client_api_key_reaches_collector(server_with_keys: str) -> None:
    """The real openlineage-python HTTP transport with `auth: api_key` is accepted."""
    config = HttpConfig(url=server_with_keys, auth=ApiKeyTokenProvider({"apiKey": "writer-key"}))
    client = OpenLineageClient(transport=HttpTransport(config))
    client.emit(
        RunEvent(
            eventType=RunState.COMPLETE,
            eventTime="2024-01-01T00:00:00Z",
            run=Run(runId="0190b4a0-0000-7000-8000-000000000001"),
            job=Job(namespace="ol", name="client-job"),
            producer="https://example.com/test",
        )
    )
    jobs = httpx.get(
        f"{server_with_keys}/api/v1/namespaces/ol/jobs", headers={"X-API-Key": "reader-key"}
    )
    assert [j["name"] for j in jobs.json()["jobs"]] == ["client-job"]
