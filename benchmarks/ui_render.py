"""The explorer's lineage graph in Chromium: first render of 500-, 2,000- and 10,000-node
neighbourhoods, and the frame time of pan and zoom at 2,000 nodes.

A root table feeds N/2 jobs, each writing its own table (N nodes in all), loaded into a real
collector; Debian's headless Chromium opens `#/node/<root>?depth=2` and the page's own
performance measures are read: `lineage:first-render` (API fetch + layout + SVG + fit +
minimap), `lineage:draw` (layout + SVG + fit + minimap only) and `lineage:first-paint` (from
the fetch to the second animation frame after the render, i.e. painted on screen). Each size
is drawn with fan-outs folded into "+N more" (the default) and with every node laid out (only
those near the view are put in the page). Pan and zoom: 120 animation frames, each one
wheel step or one arrow-key pan on the canvas; the interval
between frames is reported next to an idle page's (the baseline, 16.7 ms at 60 Hz).

Run: .venv/bin/python benchmarks/ui_render.py [--sizes 500,2000,10000]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from playwright.sync_api import sync_playwright
from tests.ui import scenario
from tests.ui.browser import collector, launch

FANOUTS = ("12", "0")  # collapsed into "+N more", and everything drawn
REPEATS = 3
FRAMES = 120

# One wheel step or arrow pan per animation frame; answers the frame intervals in ms.
FRAME_SCRIPT = """async ([frames, idle]) => {
  const svg = document.querySelector('svg.lineage');
  const box = svg.getBoundingClientRect();
  const times = [];
  for (let i = 0; i < frames; i++) {
    await new Promise((resolve) => requestAnimationFrame(resolve));
    times.push(performance.now());
    if (idle) continue;
    if (i % 2) {
      svg.dispatchEvent(new WheelEvent('wheel', { deltaY: i % 4 === 1 ? -60 : 60,
        clientX: box.left + box.width / 2, clientY: box.top + box.height / 2,
        bubbles: true, cancelable: true }));
    } else {
      svg.dispatchEvent(new KeyboardEvent('keydown', { key: i % 4 ? 'ArrowLeft' : 'ArrowRight',
        bubbles: true, cancelable: true }));
    }
  }
  return times.slice(1).map((t, i) => t - times[i]);
}"""


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


def open_graph(page, url: str, fanout: str) -> None:
    root = quote(f"dataset:{scenario.NS}:bench.root", safe="")
    page.goto(f"{url}/#/node/{root}?depth=2&fanout={fanout}")
    page.reload()
    page.wait_for_selector("body[data-graph='ready']", timeout=120_000)


def measure(page, url: str, fanout: str) -> tuple[float, float, float, int, int, bool]:
    """(first render ms, draw ms, first paint ms, nodes laid out, nodes in the page, minimap
    shown), best of REPEATS page loads."""
    best = (float("inf"), float("inf"), float("inf"), 0, 0, False)
    for _ in range(REPEATS):
        open_graph(page, url, fanout)
        page.wait_for_selector("body[data-painted='yes']")
        first, draw, painted = page.evaluate(
            "['lineage:first-render', 'lineage:draw', 'lineage:first-paint'].map("
            "n => performance.getEntriesByName(n)[0].duration)"
        )
        laid_out = int(page.get_attribute("svg.lineage", "data-nodes"))
        mounted = page.locator("svg.lineage g.node").count()
        minimap = page.locator("canvas.minimap").count() == 1
        best = min(best, (first, draw, painted, laid_out, mounted, minimap))
    return best


def frames(page, idle: bool) -> tuple[float, float]:
    """(mean, 95th percentile) interval between animation frames, in ms."""
    intervals = page.evaluate(FRAME_SCRIPT, [FRAMES, idle])
    return statistics.mean(intervals), statistics.quantiles(intervals, n=20)[-1]


def main() -> None:
    """Print one line per neighbourhood size and fan-out setting, then the frame times."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="500,2000,10000")
    sizes = [int(s) for s in parser.parse_args().sizes.split(",")]
    with sync_playwright() as playwright, tempfile.TemporaryDirectory() as tmp:
        browser = launch(playwright)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        for size in sizes:
            with collector(Path(tmp) / f"bench{size}.db") as url:
                scenario.load(url, fan_events(size))
                for fanout in FANOUTS:
                    first, draw, painted, laid_out, mounted, minimap = measure(page, url, fanout)
                    label = "all laid out" if fanout == "0" else f"fan-out > {fanout} folded"
                    print(
                        f"{size + 1:6d}-node neighbourhood ({label}: {laid_out} nodes, {mounted}"
                        f" in the page{', minimap' if minimap else ''}): "
                        f"first render {first:7.1f} ms, "
                        f"layout+SVG {draw:7.1f} ms, painted {painted:7.1f} ms",
                        flush=True,
                    )
                if size == 2000:
                    open_graph(page, url, "0")
                    idle_mean, idle_p95 = frames(page, idle=True)
                    mean, p95 = frames(page, idle=False)
                    print(
                        f"pan/zoom at 2,001 nodes, all laid out: frame interval mean {mean:.1f} ms,"
                        f" p95 {p95:.1f} ms (idle page, same run: mean {idle_mean:.1f} ms,"
                        f" p95 {idle_p95:.1f} ms)",
                        flush=True,
                    )
        browser.close()


if __name__ == "__main__":
    main()
