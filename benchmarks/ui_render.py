"""First render time of the explorer's lineage graph for 500- and 2,000-node neighbourhoods.

A root table feeds N/2 jobs, each writing its own table (N nodes in all), loaded into a real
collector; Debian's headless Chromium opens `#/node/<root>?depth=2` and the page's own
performance measures are read: `lineage:first-render` (API fetch + layout + SVG) and
`lineage:draw` (layout + SVG only). Run: .venv/bin/python benchmarks/ui_render.py
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from playwright.sync_api import sync_playwright
from tests.ui import scenario
from tests.ui.browser import collector, launch

SIZES = (500, 2000)
FANOUTS = ("12", "0")  # collapsed into "+N more", and everything drawn
REPEATS = 3


def fan_events(nodes: int) -> list[dict]:
    """nodes/2 jobs reading one root table, each writing its own table."""
    root = scenario.dataset("bench.root", [("id", "int")])
    return [
        scenario.run(
            f"bench.job{i:05d}",
            "2024-01-01T00:00:00Z",
            "COMPLETE",
            inputs=[root],
            outputs=[scenario.dataset(f"bench.out{i:05d}", [("id", "int")])],
        )
        for i in range(nodes // 2)
    ]


def measure(page, url: str, fanout: str) -> tuple[float, float, int]:
    """(first render ms, draw ms, nodes drawn), best of REPEATS page loads."""
    root = quote(f"dataset:{scenario.NS}:bench.root", safe="")
    best = (float("inf"), float("inf"), 0)
    for _ in range(REPEATS):
        page.goto(f"{url}/#/node/{root}?depth=2&fanout={fanout}")
        page.reload()
        page.wait_for_selector("body[data-graph='ready']", timeout=120_000)
        first, draw = page.evaluate(
            "['lineage:first-render', 'lineage:draw'].map("
            "n => performance.getEntriesByName(n)[0].duration)"
        )
        drawn = page.locator("svg.lineage g.node").count()
        best = min(best, (first, draw, drawn))
    return best


def main() -> None:
    """Print one line per neighbourhood size and fan-out setting."""
    with sync_playwright() as playwright, tempfile.TemporaryDirectory() as tmp:
        browser = launch(playwright)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        for size in SIZES:
            with collector(Path(tmp) / f"bench{size}.db") as url:
                scenario.load(url, fan_events(size))
                for fanout in FANOUTS:
                    first, draw, drawn = measure(page, url, fanout)
                    label = "all drawn" if fanout == "0" else f"fan-out > {fanout} folded"
                    print(
                        f"{size + 1:5d}-node neighbourhood ({label}, {drawn} nodes drawn): "
                        f"first render {first:7.1f} ms, layout+SVG {draw:7.1f} ms"
                    )
        browser.close()


if __name__ == "__main__":
    main()
