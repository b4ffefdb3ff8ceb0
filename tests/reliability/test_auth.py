"""API keys and CORS: off by default, 401 without/unknown key, 403 for the wrong scope."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from openlineage.client import OpenLineageClient
from openlineage.client.event_v2 import Job, Run, RunEvent, RunState
from openlineage.client.transport.http import ApiKeyTokenProvider, HttpConfig, HttpTransport

from lineage.api.app import create_app
from lineage.api.auth import PROTECTED_PREFIX, route_scopes, scope_table
from lineage.errors import InvalidSetting
from lineage.settings import Settings
from tests.events import ds, run_event
from tests.reliability.conftest import AppClient

KEYS = "both-key,reader-key:read,writer-key:write"
README = (Path(__file__).resolve().parents[2] / "README.md").read_text()
OPENAPI = create_app(Settings()).openapi()
KEY_KINDS = {
    "none": ({}, frozenset()),
    "wrong": ({"Authorization": "Bearer wrong-key"}, frozenset()),
    "read": ({"X-API-Key": "reader-key"}, frozenset({"read"})),
    "write": ({"Authorization": "Bearer writer-key"}, frozenset({"write"})),
    "read-write": ({"Authorization": "Bearer both-key"}, frozenset({"read", "write"})),
}
PATH_VALUES = {"namespace": "ns", "dataset": "a", "job": "j", "name": "m"}
RUN_ID = "3f5e83fa-3480-44ff-99c5-ff943904e5e8"
EVENT = run_event("job", run_id=RUN_ID)

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


def test_every_api_route_declares_a_scope() -> None:
    """A route under /api/v1 without a decision fails here; one outside needs no key."""
    undecided = [
        (method, path)
        for method, path, scope in route_scopes(OPENAPI)
        if (scope == "none") == path.startswith(PROTECTED_PREFIX + "/")
    ]
    assert undecided == []


def test_readme_route_table_matches_the_app() -> None:
    block = re.search(r"<!-- scopes:start -->\n(.*?)\n<!-- scopes:end -->", README, re.S)
    assert block is not None
    assert block.group(1) == scope_table(OPENAPI)


def _expected(scope: str, kind: str) -> tuple[int, object] | None:
    """(status, body) a key of `kind` gets on a route needing `scope`; None: let through."""
    if scope == "none":
        return None
    if kind == "none":
        return 401, MISSING
    if kind == "wrong":
        return 401, INVALID
    granted = KEY_KINDS[kind][1]
    if scope in granted:
        return None
    return 403, forbidden("/".join(sorted(granted)), scope)


async def test_every_route_with_every_kind_of_key(app_client: AppClient) -> None:
    """Each route of /openapi.json, asked with no key, an unknown one and each scope."""
    wrong = []
    async with app_client(api_keys=KEYS) as client:
        seeded = await client.post(
            "/api/v1/lineage",
            json=run_event("j", run_id=RUN_ID, inputs=[ds("ns", "a")], outputs=[ds("ns", "b")]),
            headers=KEY_KINDS["write"][0],
        )
        assert seeded.status_code == 201
        for method, template, scope in route_scopes(OPENAPI):
            path = re.sub(r"\{(\w+)\}", lambda m: PATH_VALUES.get(m[1], RUN_ID), template)
            for kind, (headers, _) in KEY_KINDS.items():
                response = await client.request(method, path, headers=headers, json={})
                expected = _expected(scope, kind)
                if expected is None:
                    got_through = response.status_code not in (401, 403)
                    if not got_through:
                        wrong.append((method, template, kind, response.status_code))
                elif (response.status_code, response.json()) != expected:
                    wrong.append((method, template, kind, response.status_code))
    assert wrong == []


async def test_impact_needs_read_and_delete_answers_no_detail(
    app_client: AppClient, db_url: str
) -> None:
    """A write-only key reads no lineage: not through impact, not through DELETE/restore."""
    event = run_event("j", inputs=[ds("ns", "a")], outputs=[ds("ns", "b")])
    reader, writer = KEY_KINDS["read"][0], KEY_KINDS["write"][0]
    impact = {"dataset": "dataset:ns:a", "changes": [{"kind": "drop_dataset"}]}
    async with app_client(database_url=db_url, api_keys=KEYS) as client:
        assert (await client.post("/api/v1/lineage", json=event, headers=writer)).status_code == 201
        denied = await client.post("/api/v1/impact", json=impact, headers=writer)
        assert (denied.status_code, denied.json()) == (403, forbidden("write", "read"))
        allowed = await client.post("/api/v1/impact", json=impact, headers=reader)
        assert [item["id"] for item in allowed.json()["items"]] == ["dataset:ns:b"]
        deleted = await client.delete("/api/v1/namespaces/ns/datasets/b", headers=writer)
        restored = await client.post("/api/v1/namespaces/ns/datasets/b/restore", headers=writer)
        node = {"nodeId": "dataset:ns:b", "namespace": "ns", "name": "b"}
        assert deleted.json() == {**node, "isDeleted": True}
        assert restored.json() == {**node, "isDeleted": False}
        job = await client.delete("/api/v1/namespaces/ns/jobs/j", headers=writer)
        assert job.json() == {**node, "nodeId": "job:ns:j", "name": "j", "isDeleted": True}
        refused = await client.delete("/api/v1/namespaces/ns/jobs/j", headers=reader)
        assert (refused.status_code, refused.json()) == (403, forbidden("read", "write"))


@pytest.mark.parametrize(
    ("keys", "message"),
    [
        (
            "good,ro:READ",
            "LINEAGE_API_KEYS entry 2 has scope 'READ'; a scope is 'read' or "
            "'write' (or none for both)",
        ),
        ("r2: read", "LINEAGE_API_KEYS entry 1 holds whitespace"),
        ("a,:read", "LINEAGE_API_KEYS entry 2 has no key before ':'"),
        ("a,,b", "LINEAGE_API_KEYS entry 2 is empty"),
        ("a,", "LINEAGE_API_KEYS entry 2 is empty"),
        ("k:read,other,k:write", "LINEAGE_API_KEYS entry 3 repeats the key of entry 1"),
        (
            "k:a:read",
            "LINEAGE_API_KEYS entry 1 has scope 'a:read'; a scope is 'read' or "
            "'write' (or none for both)",
        ),
    ],
)
def test_key_typos_are_refused_naming_the_entry(keys: str, message: str) -> None:
    with pytest.raises(InvalidSetting) as refused:
        create_app(Settings(api_keys=keys))
    assert (refused.value.message, refused.value.field) == (message, "LINEAGE_API_KEYS")
    assert "k" not in re.sub(r"LINEAGE_API_KEYS|key", "", message)  # the secret is not repeated


def test_keys_file_typos_are_refused_naming_the_entry(tmp_path: Path) -> None:
    keys_file = tmp_path / "keys"
    keys_file.write_text("# keys\nfine:read\n\nother:Write\n")
    with pytest.raises(InvalidSetting) as refused:
        create_app(Settings(api_keys_file=str(keys_file)))
    assert refused.value.message == (
        "LINEAGE_API_KEYS_FILE entry 2 has scope 'Write'; a scope is 'read' or 'write' "
        "(or none for both)"
    )
    keys_file.write_text("fine:read\n")
    with pytest.raises(InvalidSetting) as repeated:
        create_app(Settings(api_keys="fine", api_keys_file=str(keys_file)))
    assert repeated.value.message == "LINEAGE_API_KEYS_FILE repeats a key of LINEAGE_API_KEYS"
    with pytest.raises(InvalidSetting) as missing:
        create_app(Settings(api_keys_file=str(tmp_path / "absent")))
    assert missing.value.message.startswith(
        f"LINEAGE_API_KEYS_FILE {str(tmp_path / 'absent')!r} cannot be read: "
    )


@pytest.mark.parametrize(
    ("env", "line"),
    [
        ({"LINEAGE_API_KEYS": "ro:READ"}, "error: LINEAGE_API_KEYS entry 1 has scope 'READ'"),
        ({"LINEAGE_API_KEYS_FILE": "/nonexistent/keys"}, "error: LINEAGE_API_KEYS_FILE "),
    ],
)
def test_serve_exits_with_one_line_on_a_bad_key_entry(
    sqlite_url: str, env: dict[str, str], line: str
) -> None:
    done = subprocess.run(
        [str(Path(sys.executable).parent / "lineage"), "serve", "--port", "0"],
        # wide, so that the console does not wrap the line
        env={"LINEAGE_DATABASE_URL": sqlite_url, "PATH": "/usr/bin:/bin", "COLUMNS": "500", **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    # the start-up log line, then the error: no traceback
    assert "Traceback" not in done.stderr
    assert done.stderr.splitlines()[-1].startswith(line), done.stderr
