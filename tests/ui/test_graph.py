"""The lineage canvas: the root in view and centred, pan and zoom by every means, the
minimap, labels, the view's state in the address, column mode and the history slider."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from . import scenario
from .conftest import snap
from .test_explorer import DAILY, LOAD, ORDERS, REVENUE, drawn_ids, open_graph

SCALE_JS = "new DOMMatrix(getComputedStyle(document.querySelector('.plane')).transform).a"
LONG = "analytics.reporting_mart.daily_orders_by_customer_segment_clean"


def box(page: Any, selector: str) -> dict[str, float]:
    return page.eval_on_selector(
        selector,
        "e => { const b = e.getBoundingClientRect();"
        " return {x: b.x, y: b.y, width: b.width, height: b.height}; }",
    )


def assert_root_centred(page: Any, root: str) -> None:
    """The root's box lies inside the canvas, its centre within 5% of the canvas' centre."""
    canvas = box(page, "#graph-canvas")
    node = box(page, f"g.node[data-id='{root}'] .shape")
    assert node["x"] >= canvas["x"] and node["y"] >= canvas["y"]
    assert node["x"] + node["width"] <= canvas["x"] + canvas["width"]
    assert node["y"] + node["height"] <= canvas["y"] + canvas["height"]
    cx, cy = node["x"] + node["width"] / 2, node["y"] + node["height"] / 2
    assert abs(cx - (canvas["x"] + canvas["width"] / 2)) < canvas["width"] * 0.05
    assert abs(cy - (canvas["y"] + canvas["height"] / 2)) < canvas["height"] * 0.05


def next_frames(page: Any) -> None:
    """Wait until the page has drawn two more animation frames: a pan or zoom asked for
    before (applied on the next frame) is on screen."""
    page.evaluate("() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))")


def scale(page: Any) -> float:
    return float(
        page.eval_on_selector(".plane", "e => new DOMMatrix(getComputedStyle(e).transform).a")
    )


def deep_chain(length: int) -> list[dict[str, Any]]:
    """public.revenue -> job -> ds -> job -> ... `length` hops further downstream."""
    events = []
    previous = "public.revenue"
    for i in range(length):
        name = f"chain.step{i:02d}" if i != length - 1 else LONG
        events.append(
            scenario.run(
                f"chain.job{i:02d}",
                "2024-04-01T00:00:00Z",
                "COMPLETE",
                inputs=[scenario.dataset(previous, [])],
                outputs=[scenario.dataset(name, [("x", "int")])],
            )
        )
        previous = name
    return events


def test_root_centred_and_fitted_at_any_depth(page: Any, server: str) -> None:
    scenario.load(server, deep_chain(8))
    for depth in ("1", "4", "10"):
        page.goto("about:blank")
        open_graph(page, ORDERS, depth=depth)
        assert_root_centred(page, ORDERS)
        canvas = box(page, "#graph-canvas")
        inside = [
            canvas["x"] <= b["x"] and b["x"] + b["width"] <= canvas["x"] + canvas["width"]
            for b in (box(page, f"g.node[data-id='{n}'] .shape") for n in drawn_ids(page))
        ]
        if depth == "10":  # 19 nodes in a row: legible around the root, the rest on the map
            assert page.locator("canvas.minimap").count() == 1
            assert scale(page) >= 0.6 and not all(inside)
        else:  # fitted: every node lies inside the canvas
            assert all(inside)
        snap(page, f"graph-depth-{depth}")


def test_pan_zoom_by_wheel_drag_buttons_and_keys(page: Any) -> None:
    open_graph(page, ORDERS, depth="2")
    start = scale(page)
    canvas = box(page, "#graph-canvas")
    page.mouse.move(canvas["x"] + canvas["width"] / 2, canvas["y"] + canvas["height"] / 2)
    page.mouse.wheel(0, -400)
    page.wait_for_function(f"() => {SCALE_JS} > {start * 1.3}")
    zoomed = scale(page)
    page.click(".zoom-controls button[aria-label='Zoom out']")
    page.wait_for_function(f"() => {SCALE_JS} < {zoomed * 0.9}")
    # drag the background: the root moves by the same amount
    before = box(page, f"g.node[data-id='{ORDERS}'] .shape")
    page.mouse.move(canvas["x"] + 40, canvas["y"] + 60)
    page.mouse.down()
    page.mouse.move(canvas["x"] + 140, canvas["y"] + 110, steps=5)
    page.mouse.up()
    next_frames(page)
    after = box(page, f"g.node[data-id='{ORDERS}'] .shape")
    assert round(after["x"] - before["x"]) == 100 and round(after["y"] - before["y"]) == 50
    assert drawn_ids(page) == {f"dataset:{scenario.NS}:raw.orders", LOAD, ORDERS, DAILY, REVENUE}
    # keys on the canvas: arrows pan, + zooms, 0 fits back to the root
    page.focus("#graph-canvas")
    page.keyboard.press("ArrowLeft")
    next_frames(page)
    assert round(box(page, f"g.node[data-id='{ORDERS}'] .shape")["x"] - after["x"]) == 60
    page.keyboard.press("+")
    next_frames(page)
    page.keyboard.press("0")
    next_frames(page)
    assert_root_centred(page, ORDERS)
    assert abs(scale(page) - start) < 1e-3
    page.click(".zoom-controls button[aria-label='Zoom in']")
    page.click(".zoom-controls button[aria-label='Fit the graph to the view']")
    next_frames(page)
    assert_root_centred(page, ORDERS)
    snap(page, "graph-pan-zoom")


def test_view_state_lives_in_the_address(page: Any, server: str) -> None:
    open_graph(page, ORDERS, depth="1")
    page.click(f"g.node[data-id='{DAILY}'] .shape")
    page.click(f"g.toggle[data-toggle='{DAILY}']")
    page.wait_for_selector(f"g.node[data-id='{REVENUE}']")
    start = scale(page)
    page.click(".zoom-controls button[aria-label='Zoom in']")
    page.wait_for_function(f"() => {SCALE_JS} > {start}")
    # the address is rewritten once the view has rested: wait for it to hold the new scale
    page.wait_for_function(
        "() => Math.abs(new URLSearchParams(location.hash.split('?')[1]).get('at')?.split(',')[2]"
        f" - {SCALE_JS}) < 0.001"
    )
    address = page.url
    assert "sel=" in address and "expand=" in address and "at=" in address
    zoomed = scale(page)
    root_box = box(page, f"g.node[data-id='{ORDERS}'] .shape")
    page.goto("about:blank")
    page.goto(address)
    page.wait_for_selector("body[data-graph='ready']")
    page.wait_for_selector(f"body[data-panel='{DAILY}']")
    assert drawn_ids(page) == {LOAD, ORDERS, DAILY, REVENUE}
    assert page.get_attribute(f"g.node[data-id='{DAILY}']", "aria-pressed") == "true"
    assert abs(scale(page) - zoomed) < 0.01
    again = box(page, f"g.node[data-id='{ORDERS}'] .shape")
    assert abs(again["x"] - root_box["x"]) < 2 and abs(again["y"] - root_box["y"]) < 2


def test_labels_keep_the_end_and_hover_shows_the_id(page: Any, server: str) -> None:
    scenario.load(server, deep_chain(1))
    long_id = f"dataset:{scenario.NS}:{LONG}"
    open_graph(page, REVENUE, depth="2")
    label = page.text_content(f"g.node[data-id='{long_id}'] text")
    assert label.endswith("segment_clean") and label.startswith("analytics") and "…" in label
    page.hover(f"g.node[data-id='{long_id}'] .shape")
    page.wait_for_selector(".tooltip:not([hidden])")
    assert page.text_content(".tooltip") == long_id


def test_side_panel_shows_schema_tags_owners_and_runs(page: Any) -> None:
    open_graph(page, ORDERS, depth="1")
    page.focus(f"g.node[data-id='{ORDERS}']")
    page.keyboard.press("Space")
    page.wait_for_selector(f"body[data-panel='{ORDERS}']")
    fields = page.eval_on_selector_all(
        "#panel-schema tbody tr", "rows => rows.map(r => r.cells[0].textContent)"
    )
    assert fields == ["id", "amount", "customer", "currency"]
    assert page.text_content("#panel-tags li") == "pii=false"
    assert page.text_content("#panel-owners li") == "team:payments (TEAM)"
    assert page.eval_on_selector_all(
        "#panel-runs tbody tr td:first-child", "c => c.map(x => x.textContent)"
    ) == ["COMPLETED", "COMPLETED"]
    assert "ownership" in page.text_content("#panel-facets")
    page.click(f"g.node[data-id='{DAILY}'] .shape")
    page.wait_for_selector(f"body[data-panel='{DAILY}']")
    assert page.text_content("#panel-runs tbody tr:first-child td:last-child") == (
        "division by zero"
    )
    snap(page, "graph-panel")


def test_large_graph_has_a_minimap_that_moves_the_view(page: Any, server: str) -> None:
    wide = [
        scenario.run(
            f"big.job{i:03d}",
            "2024-04-01T00:00:00Z",
            "COMPLETE",
            inputs=[scenario.dataset("public.revenue", [])],
            outputs=[scenario.dataset(f"big.out{i:03d}", [("x", "int")])],
        )
        for i in range(150)
    ]
    scenario.load(server, wide)
    open_graph(page, REVENUE, depth="2", fanout="0")
    assert page.locator("canvas.minimap").count() == 1
    assert_root_centred(page, REVENUE)
    before = page.eval_on_selector(".plane", "e => getComputedStyle(e).transform")
    page.click("canvas.minimap", position={"x": 200, "y": 10})
    next_frames(page)
    assert page.eval_on_selector(".plane", "e => getComputedStyle(e).transform") != before
    snap(page, "graph-minimap", root_in_view=False)  # the minimap moved the view away


def test_column_mode_on_the_same_canvas(page: Any) -> None:
    open_graph(page, ORDERS, depth="2")
    page.click("#mode-columns")
    page.wait_for_selector("body[data-graph='ready']")
    assert "mode=columns" in page.url
    field = f"datasetField:{scenario.NS}"
    with_lineage = {
        f"{field}:public.orders:amount",
        f"{field}:raw.orders:amount",
        f"{field}:public.revenue:total",
    }
    every = with_lineage | {
        f"{field}:{name}"
        for name in (
            "public.orders:id",
            "public.orders:customer",
            "public.orders:currency",
            "raw.orders:id",
            "raw.orders:customer",
            "public.revenue:day",
        )
    }
    assert drawn_ids(page) == every  # every field, not only those with lineage
    quiet = page.eval_on_selector_all(
        "svg.lineage g.node.quiet", "els => els.map(e => e.dataset.id)"
    )
    assert set(quiet) == every - with_lineage
    assert page.text_content("#graph-status") == "9 columns (6 without lineage), 2 column edges"
    # a dataset's fields stand together in their column: x, then top to bottom
    places = page.eval_on_selector_all(
        "svg.lineage g.node",
        "els => els.map(e => [e.dataset.id, e.transform.baseVal[0].matrix.e,"
        " e.transform.baseVal[0].matrix.f])",
    )
    columns: dict[float, list[tuple[float, str]]] = {}
    for node_id, x, y in places:
        columns.setdefault(x, []).append((y, node_id.split(":")[-2]))
    datasets = [[name for _, name in sorted(column)] for _, column in sorted(columns.items())]
    assert datasets == [["raw.orders"] * 3, ["public.orders"] * 4, ["public.revenue"] * 2]
    snap(page, "graph-columns")
    # the dataset's own fields to pick from: one column and its lineage
    options = page.eval_on_selector_all(
        "#field-picker select option", "els => els.map(e => e.value)"
    )
    assert options == ["", "id", "amount", "customer", "currency"]
    page.evaluate("document.body.removeAttribute('data-graph')")
    page.select_option("#field-picker select", "amount")
    page.wait_for_selector("body[data-graph='ready']")
    assert "field=amount" in page.url
    assert drawn_ids(page) == with_lineage
    assert page.text_content("#graph-status") == "3 columns (0 without lineage), 2 column edges"
    snap(page, "graph-columns-one-field")


def test_history_slider_travels_in_time(page: Any) -> None:
    open_graph(page, ORDERS, depth="2")
    slider = page.wait_for_selector("input[name='history']")
    assert slider.get_attribute("max") == "2"  # two schema versions, then now
    assert page.text_content("#history-label") == "now"
    page.evaluate("document.body.removeAttribute('data-graph')")
    page.eval_on_selector(
        "input[name='history']",
        "e => { e.value = 0; e.dispatchEvent(new Event('input'));"
        " e.dispatchEvent(new Event('change')); }",
    )
    page.wait_for_selector("body[data-graph='ready']")
    assert "asOf=2024-01-01T01" in page.url
    assert drawn_ids(page) == {f"dataset:{scenario.NS}:raw.orders", LOAD, ORDERS}


def test_graph_at_1024_pixels(browser: Any, server: str) -> None:
    context = browser.new_context(base_url=server, viewport={"width": 1024, "height": 768})
    page = context.new_page()
    try:
        page.goto(f"/#/node/{quote(ORDERS, safe='')}?depth=2")
        page.wait_for_selector("body[data-graph='ready']")
        assert_root_centred(page, ORDERS)
        assert page.evaluate("document.documentElement.scrollWidth") <= 1024
        snap(page, "graph-1024")
    finally:
        context.close()


def test_tags_set_through_the_api_show_in_the_panel_and_page(page: Any, server: str) -> None:
    base = f"{server}/api/v1/namespaces/{quote(scenario.NS, safe='')}/datasets/public.orders"
    assert page.request.post(f"{base}/tags/gold").status == 200
    assert page.request.post(f"{base}/fields/amount/tags/money").status == 200
    open_graph(page, ORDERS, depth="1")
    page.click(f"g.node[data-id='{ORDERS}'] .shape")
    page.wait_for_selector(f"body[data-panel='{ORDERS}']")
    chips = page.eval_on_selector_all("#panel-tags li", "els => els.map(e => e.textContent)")
    assert sorted(chips) == ["gold", "pii=false"]
    page.goto(f"/#/dataset/{quote(scenario.NS, safe='')}/public.orders")
    page.wait_for_selector("#tags li")
    tags = page.eval_on_selector_all("#tags li", "els => els.map(e => e.textContent)")
    assert sorted(tags) == ["amount: money", "gold", "pii=false"]
