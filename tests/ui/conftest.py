"""Fixtures for the explorer's end-to-end tests: a collector loaded with the scenario, and a
page in Debian's headless Chromium (`apt-get install -y chromium`; `pip install playwright`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from . import scenario
from .browser import CHROMIUM, INSTALL_HINT, collector, launch

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "ui"


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One headless Chromium for the session; fails clearly when Chromium is not installed."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} not found: install Debian's Chromium with `{INSTALL_HINT}`")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = launch(playwright)
        yield chromium
        chromium.close()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    """A fresh collector on its own SQLite file, loaded with the scenario."""
    with collector(tmp_path / "ui.db") as url:
        scenario.load(url, scenario.events())
        yield url


@pytest.fixture
def page(browser: Any, server: str, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A new page on the collector; a screenshot of where it ended is kept as an artifact."""
    context = browser.new_context(base_url=server, viewport={"width": 1400, "height": 900})
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    yield tab
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(ARTIFACTS / f"{request.node.name}-end.png"), full_page=True)
    context.close()
    assert errors == []


# Where a lineage graph is drawn: its root's box, the visible part of its canvas and the
# viewport, so a screenshot can be checked for showing what was asked for.
ROOT_JS = """() => {
  const root = document.querySelector('svg.lineage g.node.root .shape');
  if (!root) return null;
  const box = (b) => [b.left, b.top, b.right, b.bottom].map(Math.round);
  const canvas = root.closest('.canvas').getBoundingClientRect();
  return { root: box(root.getBoundingClientRect()), canvas: box(canvas),
    viewport: [0, 0, innerWidth, innerHeight] };
}"""


def inside(inner: list[int], outer: list[int]) -> bool:
    """Whether the box [left, top, right, bottom] `inner` lies within `outer`."""
    return (
        outer[0] <= inner[0] <= inner[2] <= outer[2]
        and outer[1] <= inner[1] <= inner[3] <= outer[3]
    )


def snap(page: Any, name: str, root_in_view: bool = True) -> None:
    """Save a screenshot of the page as test-artifacts/ui/<name>.png; where a lineage graph is
    drawn, its root must be inside its canvas and the viewport (unless the test panned away,
    `root_in_view=False`)."""
    boxes = page.evaluate(ROOT_JS) if root_in_view else None
    if boxes is not None:
        assert inside(boxes["root"], boxes["canvas"]), (name, boxes)
        assert inside(boxes["root"], boxes["viewport"]), (name, boxes)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
