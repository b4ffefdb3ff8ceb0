"""No API answer is cacheable: `Cache-Control: no-store` on every /api answer (and health,
metrics), `Vary` on the key headers when keys are on; the explorer's assets keep theirs."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.events import run_event
from tests.reliability.conftest import AppClient

VARY = "Authorization, X-API-Key"


def _get_routes(openapi: dict[str, object]) -> list[str]:
    """Every GET route of the API, its path parameters filled in."""
    paths = openapi["paths"]
    assert isinstance(paths, dict)
    return [re.sub(r"\{[^}]+\}", "x", path) for path, ops in paths.items() if "get" in ops]


def _assert_uncached(response: httpx.Response, *, keyed: bool) -> None:
    where = f"{response.request.method} {response.request.url.path} {response.status_code}"
    assert response.headers["cache-control"] == "no-store", where
    if keyed:
        assert response.headers["vary"] == VARY, where
    else:
        assert "vary" not in response.headers, where


def test_every_api_answer_is_no_store_and_varies_on_the_key(server_with_keys: str) -> None:
    """On a real uvicorn with keys on: every GET route with a read key, without a key (401),
    with a write-only key (403); writes with every kind of key; health and metrics."""
    with httpx.Client(base_url=server_with_keys) as client:
        routes = _get_routes(client.get("/openapi.json").json())
        assert len(routes) > 30
        reader = {"Authorization": "Bearer reader-key"}
        writer = {"X-API-Key": "writer-key"}
        statuses = set()
        for path in routes:
            for headers in (reader, writer, {}):
                response = client.get(path, headers=headers)
                statuses.add(response.status_code)
                _assert_uncached(response, keyed=path.startswith("/api/"))
        assert {200, 400, 401, 403, 404} <= statuses
        event = run_event("cached")
        for headers, status in ((writer, 201), (reader, 403), ({}, 401)):
            response = client.post("/api/v1/lineage", json=event, headers=headers)
            assert response.status_code == status
            _assert_uncached(response, keyed=True)
        for path in ("/healthz", "/readyz", "/metrics"):
            response = client.get(path)
            assert response.status_code == 200
            assert response.headers["cache-control"] == "no-store", path


def test_the_explorers_page_and_assets_keep_their_cache_headers(server_with_keys: str) -> None:
    with httpx.Client(base_url=server_with_keys) as client:
        page = client.get("/")
        assert (page.status_code, page.headers["cache-control"]) == (200, "no-cache")
        asset = client.get("/ui/app.css")
        assert asset.status_code == 200
        assert "cache-control" not in asset.headers
        assert "vary" not in asset.headers
        again = client.get("/ui/app.css", headers={"If-None-Match": asset.headers["etag"]})
        assert again.status_code == 304


@pytest.mark.parametrize("path", ["/api/v1/namespaces", "/api/v1/namespaces/x/jobs/x"])
async def test_without_keys_answers_are_no_store_and_do_not_vary(
    app_client: AppClient, path: str
) -> None:
    async with app_client() as client:
        response = await client.get(path)
        assert response.status_code in (200, 404)
        _assert_uncached(response, keyed=False)
