"""The explorer against hostile data and with API keys on, in a real Chromium."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from tests.conftest import Server

from . import scenario
from .conftest import ARTIFACTS, snap

PWN = "window.__pwned = (window.__pwned || 0) + 1"
HOSTILE_URLS = [
    f"javascript:{PWN}",
    f" JaVaScRiPt:{PWN}",
    f"data:text/html,<script>{PWN}</script>",
    f"vbscript:{PWN}",
]
MARKUP = f'<img src=x onerror="{PWN}"><script>{PWN}</script>'
HOSTILE_JOB = "evil.job"


def hostile_events() -> list[dict[str, Any]]:
    """A job whose facets carry script in every URL and markup in every text field."""
    out = scenario.dataset(
        f"evil.out{MARKUP}",
        [(f"col{MARKUP}", MARKUP)],
        ownership={"owners": [{"name": MARKUP, "type": MARKUP}]},
        tags={"tags": [{"key": MARKUP, "value": MARKUP, "source": "MANUAL"}]},
        documentation={"description": MARKUP},
    )
    return [
        scenario.run(
            HOSTILE_JOB,
            "2024-05-01T00:00:00Z",
            "FAIL",
            inputs=[scenario.dataset("public.orders", scenario.NEW_ORDERS)],
            outputs=[out],
            job_facets={
                "sourceCodeLocation": {"type": "git", "url": HOSTILE_URLS[0]},
                "sql": {"query": f"SELECT '{MARKUP}'"},
                "documentation": {"description": MARKUP},
            },
            run_facets={"errorMessage": {"message": MARKUP, "programmingLanguage": MARKUP}},
        )
    ] + [
        scenario.run(
            f"evil.job{i}",
            "2024-05-01T00:00:00Z",
            "COMPLETE",
            inputs=[],
            outputs=[scenario.dataset(f"evil.loc{i}", [("x", "int")])],
            job_facets={"sourceCodeLocation": {"type": "git", "url": url}},
        )
        for i, url in enumerate(HOSTILE_URLS)
    ]


def watch(page: Any) -> list[str]:
    """Collect the page's CSP violations as they happen."""
    violations: list[str] = []
    page.expose_function("reportViolation", lambda text: violations.append(text))
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation',"
        " e => window.reportViolation(e.violatedDirective + ' ' + e.blockedURI))"
    )
    return violations


def assert_safe(page: Any) -> None:
    """No script ran, and no link from data has a scheme other than http(s) or our own."""
    assert page.evaluate("window.__pwned") is None
    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
    assert all(h.startswith(("#", "http://", "https://", "/")) for h in hrefs), hrefs
    assert page.locator("main img, main script").count() == 0


def test_hostile_facets_run_nothing(page: Any, server: str) -> None:
    scenario.load(server, hostile_events())
    violations = watch(page)
    page.goto(f"/#/job/warehouse/{HOSTILE_JOB}")
    page.wait_for_selector("#runs")
    assert_safe(page)
    # the javascript: location is shown as text, not as a link
    source = page.locator("#source-location")
    assert source.text_content() == f"Source: {HOSTILE_URLS[0]}"
    assert source.locator("a").count() == 0
    page.locator("#runs details summary").click()
    assert page.text_content("#runs details summary") == MARKUP
    snap(page, "hostile-job")
    for i, url in enumerate(HOSTILE_URLS):
        page.goto(f"/#/job/warehouse/evil.job{i}")
        page.wait_for_selector("#source-location")
        assert page.locator("#source-location a").count() == 0, url
        assert_safe(page)
    name = quote(f"evil.out{MARKUP}", safe="")
    page.goto(f"/#/dataset/{quote(scenario.NS, safe='')}/{name}")
    page.wait_for_selector("#owners li")
    assert page.text_content("#owners li") == f"{MARKUP} ({MARKUP})"
    assert_safe(page)
    page.goto(f"/#/node/{quote(f'job:warehouse:{HOSTILE_JOB}', safe='')}?depth=1")
    page.wait_for_selector("body[data-graph='ready']")
    page.click(f"g.node[data-id='job:warehouse:{HOSTILE_JOB}']")
    page.wait_for_selector("#node-panel h3")
    assert_safe(page)
    page.fill("#search-input", "evil")
    page.wait_for_selector("#search-results li[data-node-id]")
    assert_safe(page)
    # an inline script that got into the page anyway is refused by the policy
    page.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = "
        f"{PWN!r}; document.body.append(s); }}"
    )
    page.wait_for_function("() => true")
    assert page.evaluate("window.__pwned") is None
    assert any(v.startswith("script-src") for v in violations), violations


def test_every_response_has_a_strict_policy(server: str) -> None:
    for path in ("/", "/ui/js/main.js", "/ui/app.css", "/api/v1/namespaces", "/healthz"):
        headers = httpx.get(f"{server}{path}").headers
        policy = headers["content-security-policy"]
        assert "script-src 'self';" in policy, path
        assert "style-src 'self';" in policy
        assert "default-src 'none'" in policy
        assert "frame-ancestors 'none'" in policy
        assert headers["x-content-type-options"] == "nosniff"
    docs = httpx.get(f"{server}/docs")
    policy = docs.headers["content-security-policy"]
    assert "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0]
    assert "'sha256-" in policy
    assert docs.headers["content-length"] == str(len(docs.content))


KEYS = "reader-secret:read,writer-secret:write,admin-secret"


@pytest.fixture
def keyed_server(tmp_path: Path) -> Iterator[str]:
    """A collector with API keys on, loaded with the scenario through a write key."""
    server = Server(f"sqlite:///{tmp_path / 'keys.db'}", env={"LINEAGE_API_KEYS": KEYS})
    server.start().wait_ready()
    try:
        response = httpx.post(
            f"{server.url}/api/v1/lineage/batch",
            json=scenario.events(),
            headers={"Authorization": "Bearer writer-secret"},
            timeout=60,
        )
        response.raise_for_status()
        yield server.url
    finally:
        server.stop()


def test_keys_prompt_send_and_refuse(browser: Any, keyed_server: str) -> None:
    context = browser.new_context(base_url=keyed_server, viewport={"width": 1400, "height": 900})
    page = context.new_page()
    sent: list[str | None] = []
    page.on(
        "request",
        lambda r: sent.append(r.headers.get("authorization")) if "/api/v1/" in r.url else None,
    )
    try:
        page.goto("/#/job/warehouse/etl.load_orders")
        page.wait_for_selector("body[data-auth='401']")
        assert page.text_content("#auth h1") == "This collector requires an API key."
        assert page.locator("#main").is_hidden()
        snap(page, "keys-prompt")
        page.fill("#api-key", "wrong-secret")
        page.click("#auth-form button[type='submit']")
        page.wait_for_selector("body[data-auth='401']")
        assert page.text_content("#auth h1") == "The API key was refused."
        assert "the API key is not valid" in page.text_content("#auth-reason")
        page.fill("#api-key", "writer-secret")
        page.click("#auth-form button[type='submit']")
        page.wait_for_selector("body[data-auth='403']")
        assert page.text_content("#auth h1") == "This API key may not do that."
        assert "needs read" in page.text_content("#auth-reason")
        snap(page, "keys-forbidden")
        page.fill("#api-key", "reader-secret")
        page.click("#auth-form button[type='submit']")
        page.wait_for_selector("#runs")
        assert page.get_attribute("body", "data-auth") is None
        assert page.text_content("#sql pre").startswith("INSERT INTO public.orders")
        # the key is kept for the tab: a reload and another view still send it
        page.reload()
        page.wait_for_selector("#runs")
        page.goto(f"/#/node/{quote(f'dataset:{scenario.NS}:public.orders', safe='')}")
        page.wait_for_selector("body[data-graph='ready']")
        assert "Bearer reader-secret" in sent
        last = sent[sent.index("Bearer reader-secret") :]
        assert set(last) == {"Bearer reader-secret"}
        page.fill("#search-input", "orders")
        page.wait_for_selector("#search-results li[data-node-id]")
        assert sent[-1] == "Bearer reader-secret"
        page.click("#forget-key")
        page.wait_for_selector("body[data-auth='401']")
    finally:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "keys-end.png"))
        context.close()


def test_api_docs_work_under_the_policy(page: Any) -> None:
    violations = watch(page)
    page.goto("/docs")
    page.wait_for_selector(".swagger-ui .info .title")
    assert page.text_content(".swagger-ui .info .title").startswith("lineage")
    page.goto("/redoc")
    page.wait_for_selector("h1", timeout=30_000)
    assert page.text_content("h1").startswith("lineage")
    assert [v for v in violations if v.startswith("script-src")] == [], violations
