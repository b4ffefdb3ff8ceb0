"""Accessibility and layout quality of every view, measured in Chromium: WCAG AA contrast of
the text in both themes (from computed styles), a visible focus on everything Tab reaches, no
layout shift while a page loads, and no horizontal scrolling at 1024 px. Every view is kept as
a screenshot in test-artifacts/ui/ (both themes, and at 1024 px)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from . import scenario
from .conftest import snap
from .scenario import NS
from .test_explorer import ORDERS

# Every visible text of the page (a field's value or placeholder, a select's choice too): its
# colour (SVG text: its fill), faded by its and its ancestors' opacity, against the background
# composited from its ancestors (a graph node's text: its shape's fill), as WCAG 2 contrast.
CONTRAST_JS = """() => {
  const parse = (value) => {
    const m = value.match(/^rgba?\\(([\\d.]+),\\s*([\\d.]+),\\s*([\\d.]+)(?:,\\s*([\\d.]+))?\\)$/);
    return m ? [+m[1], +m[2], +m[3], m[4] === undefined ? 1 : +m[4]] : null;
  };
  const over = (top, below) => {
    const a = top[3];
    return [0, 1, 2].map((i) => top[i] * a + below[i] * (1 - a)).concat(1);
  };
  const background = (el) => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const node = e.closest && e instanceof SVGElement ? e.closest('g.node, g.toggle') : null;
      if (node && e === el) {
        const shape = node.querySelector(node.matches('g.toggle') ? 'circle' : 'rect.shape');
        if (shape) { layers.push(parse(getComputedStyle(shape).fill)); continue; }
      }
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c && c[3] > 0) layers.push(c);
      if (c && c[3] === 1) break;
    }
    return layers.reverse().reduce((acc, c) => over(c, acc), [255, 255, 255, 1]);
  };
  const lum = (c) => {
    const [r, g, b] = c.slice(0, 3).map((v) => {
      const s = v / 255;
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const opacity = (el) => {
    let o = 1;
    for (let e = el; e; e = e.parentElement) o *= +getComputedStyle(e).opacity;
    return o;
  };
  const FIELDS = 'textarea, select, input:not([type=checkbox], [type=radio], [type=range],' +
    ' [type=color], [type=hidden])';
  // [the text the element shows, the pseudo-element that colours it]
  const shown = (el) => {
    if (!el.matches(FIELDS)) {
      return [[...el.childNodes].filter((n) => n.nodeType === 3).map((n) => n.data).join(''),
        null];
    }
    if (el.tagName === 'SELECT') return [el.selectedOptions[0]?.text || '', null];
    return el.value ? [el.value, null] : [el.placeholder || '', '::placeholder'];
  };
  const failures = [];
  let checked = 0;
  for (const el of document.querySelectorAll('body *')) {
    const [text, pseudo] = shown(el);
    if (!text.trim() || el.closest('[hidden], script, style, option, canvas')) continue;
    if (el.matches(':disabled') || el.closest(':disabled')) continue;  // WCAG: exempt
    const box = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    if (!box.width || !box.height || style.visibility === 'hidden' || style.display === 'none') {
      continue;
    }
    const svgText = el instanceof SVGElement;
    const fg = parse(svgText ? style.fill : getComputedStyle(el, pseudo).color);
    const bg = background(el);
    const what = el.tagName + (el.id ? '#' + el.id : '') + ' ' + (el.getAttribute('class') || '') +
      (pseudo || '');
    if (!fg) { failures.push([what, text.trim().slice(0, 40), 'colour?']); continue; }
    fg[3] *= opacity(el);
    const colour = over(fg, bg);
    const [hi, lo] = [lum(colour), lum(bg)].sort((a, b) => b - a);
    const ratio = (hi + 0.05) / (lo + 0.05);
    const size = parseFloat(style.fontSize);
    const large = size >= 24 || (size >= 18.66 && +style.fontWeight >= 700);
    checked += 1;
    if (ratio < (large ? 3 : 4.5)) {
      failures.push([what, text.trim().slice(0, 40), Math.round(ratio * 100) / 100]);
    }
  }
  return { checked, failures };
}"""

# What Tab reaches, and whether each shows its focus: an outline of at least 2 px, or (SVG
# nodes and run bars) a shape stroked in the focus colour.
FOCUS_JS = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  let visible = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2;
  if (!visible && el instanceof SVGElement) {
    const shape = el.querySelector('rect');
    visible = !!shape && parseFloat(getComputedStyle(shape).strokeWidth) >= 3;
  }
  return [el.tagName, el.id || el.getAttribute('href') || el.getAttribute('aria-label') ||
    el.textContent.trim().slice(0, 30), visible];
}"""

SHIFTS_JS = """() => {
  window.__shifts = [];
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      if (!e.hadRecentInput) {
        window.__shifts.push([e.value, e.sources.map((s) => s.node ? (s.node.id ||
          s.node.className || s.node.nodeName) : '?').join(',')]);
      }
    }
  }).observe({ type: 'layout-shift', buffered: true });
}"""


def _prepare(page: Any, server: str, tmp_path: Path) -> str:
    """Train the scenario's model (so its page has runs, metrics and curves); answers the id
    of the failed run."""
    scenario.train_model(server, tmp_path, "a", [1.0, 0.5, 0.25])
    runs = page.request.get(f"{server}/api/v1/namespaces/warehouse/jobs/etl.daily_revenue/runs")
    return str(next(r["id"] for r in runs.json()["runs"] if r["state"] == "FAILED"))


def views(server: str, run_id: str, selected: bool = True) -> Iterator[tuple[str, str, str]]:
    """(name, address, selector that says the view has loaded) for every view; the graph with
    its root selected (the side panel filled, the focus on the root) unless not `selected`."""
    ns = quote(NS, safe="")
    root = quote(ORDERS, safe="")
    yield "home", "/#/", "#browse-results table"
    if selected:
        yield "graph", f"/#/node/{root}?depth=2&sel={root}", f"body[data-panel='{ORDERS}']"
    else:
        yield "graph", f"/#/node/{root}?depth=2", "body[data-runs='ready']"
    yield (
        "columns-mode",
        f"/#/node/{quote(ORDERS, safe='')}?depth=2&mode=columns",
        ("body[data-graph='ready']"),
    )
    yield "dataset", f"/#/dataset/{ns}/public.orders", "#run-history table"
    yield "columns", f"/#/columns/{ns}/public.orders?field=amount", "body[data-columns='ready']"
    yield "job", "/#/job/warehouse/etl.load_orders", "#run-timeline"
    yield "run", f"/#/run/{run_id}", "#job-facets .sub, #job-facet-view"
    yield "impact", f"/#/impact/{ns}/public.orders", "#impact-form"
    yield "provenance", f"/#/incidents/provenance/{run_id}", "body[data-incident='ready']"
    yield "models", "/#/models", "main table"
    yield "model", "/#/model/ml-models/curves", "#learning-curves svg"


def _open(page: Any, address: str, ready: str) -> None:
    """Open a view and wait until it has loaded and every request it sent has been answered
    and drawn (two animation frames after the last answer)."""
    page.goto("about:blank")
    page.goto(address)
    page.wait_for_selector(ready, state="attached")
    page.wait_for_selector("main:not([aria-busy='true'])", state="attached")
    page.evaluate("() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))")


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_text_contrast_meets_wcag_aa(page: Any, server: str, tmp_path: Path, theme: str) -> None:
    page.emulate_media(color_scheme=theme)
    run_id = _prepare(page, server, tmp_path)
    report = {}
    for name, address, ready in views(server, run_id):
        _open(page, address, ready)
        if name == "impact":
            page.fill("input[name='drop']", "amount")
            page.click("#impact-form button[type='submit']")
            page.wait_for_selector("body[data-impact='ready']")
        result = page.evaluate(CONTRAST_JS)
        assert result["checked"] > 10, name
        report[name] = result["failures"]
        snap(page, f"contrast-{theme}-{name}")
    assert report == {name: [] for name in report}


def test_tab_reaches_everything_with_a_visible_focus(
    page: Any, server: str, tmp_path: Path
) -> None:
    run_id = _prepare(page, server, tmp_path)
    for name, address, ready in views(server, run_id, selected=False):
        _open(page, address, ready)
        page.keyboard.press("Tab")
        first = page.evaluate(FOCUS_JS)
        assert first[:2] == ["A", "#main"], name  # the skip link comes first
        seen = [first]
        for _ in range(40):
            page.keyboard.press("Tab")
            seen.append(page.evaluate(FOCUS_JS))
        # BODY: the focus went past the last control, out of the page
        hidden = [s for s in seen if not s[2] and s[0] != "BODY"]
        assert hidden == [], name
    # the skip link moves the focus to the content
    _open(page, "/#/job/warehouse/etl.load_orders", "#run-timeline")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def test_no_layout_shift_while_views_load(page: Any, server: str, tmp_path: Path) -> None:
    page.add_init_script(f"({SHIFTS_JS})()")
    run_id = _prepare(page, server, tmp_path)
    shifts = {}
    for name, address, ready in views(server, run_id):
        _open(page, address, ready)  # every late answer (run states, history) has been drawn
        shifts[name] = page.evaluate("window.__shifts")
    # not even a small shift (a cumulative score under 0.1 would pass WCAG's advice)
    assert shifts == {name: [] for name in shifts}


def test_every_view_fits_1024_pixels(browser: Any, server: str, tmp_path: Path) -> None:
    context = browser.new_context(base_url=server, viewport={"width": 1024, "height": 768})
    page = context.new_page()
    try:
        run_id = _prepare(page, server, tmp_path)
        widths = {}
        for name, address, ready in views(server, run_id):
            _open(page, address, ready)
            widths[name] = page.evaluate(
                "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
            )
            snap(page, f"width-1024-{name}")
        assert {name: w[0] <= w[1] for name, w in widths.items()} == dict.fromkeys(widths, True)
    finally:
        context.close()
