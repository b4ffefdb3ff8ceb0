"""`/docs` and `/redoc` render in real Chromium with every request to another host refused:
Swagger UI and ReDoc come from the collector itself (fastapi-offline), never from a CDN."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit


def _offline(page: Any, server: str) -> list[str]:
    """Refuse every request that leaves the collector; returns the refused URLs."""
    refused: list[str] = []
    own = urlsplit(server).netloc

    def route(request_route: Any) -> None:
        url = request_route.request.url
        if urlsplit(url).netloc == own or url.startswith(("data:", "blob:")):
            request_route.continue_()
        else:
            refused.append(url)
            request_route.abort()

    page.route("**/*", route)
    return refused


def test_swagger_ui_renders_offline(page: Any, server: str) -> None:
    refused = _offline(page, server)
    page.goto("/docs")
    page.locator(".swagger-ui .info .title").filter(has_text="lineage").wait_for()
    downstream = page.locator(".opblock-summary-path", has_text="/api/v1/lineage/downstream")
    downstream.first.wait_for()
    downstream.first.click()
    # the typed answer and its example are shown
    page.locator(".opblock-body").get_by_text("dataset:warehouse:raw.orders").first.wait_for()
    assert refused == []


def test_redoc_renders_offline(page: Any, server: str) -> None:
    refused = _offline(page, server)
    page.goto("/redoc")
    page.locator("h1", has_text="lineage").first.wait_for()
    page.locator("h2", has_text="Downstream closure").first.wait_for()
    assert refused == []
