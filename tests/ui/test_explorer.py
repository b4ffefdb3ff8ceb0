"""The explorer end to end: a real collector, a real headless Chromium, the scenario's data."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

from .conftest import snap
from .scenario import NS

ORDERS = f"dataset:{NS}:public.orders"
RAW = f"dataset:{NS}:raw.orders"
REVENUE = f"dataset:{NS}:public.revenue"
LOAD = "job:warehouse:etl.load_orders"
DAILY = "job:warehouse:etl.daily_revenue"


def drawn_ids(page: Any) -> set[str]:
    """Node ids drawn in the lineage graph."""
    return set(page.eval_on_selector_all("svg.lineage g.node", "els => els.map(e => e.dataset.id)"))


def box_of(page: Any, selector: str) -> dict[str, float]:
    return page.eval_on_selector(
        selector, "e => { const b = e.getBoundingClientRect(); return {width: b.width}; }"
    )


def open_graph(page: Any, node_id: str, **params: str) -> None:
    query = "&".join(f"{k}={quote(v, safe='')}" for k, v in params.items())
    page.goto(f"/#/node/{quote(node_id, safe='')}?{query}")
    page.wait_for_selector("body[data-graph='ready']")


def test_root_serves_page_and_api_still_works(page: Any, server: str) -> None:
    for path, status in (("/", 200), ("/healthz", 200), ("/readyz", 200), ("/docs", 200)):
        assert page.request.get(f"{server}{path}").status == status
    assert page.request.get(f"{server}/api/v1/namespaces").json()["totalCount"] == 2
    assert (
        page.request.get(f"{server}/ui/js/main.js")
        .headers["content-type"]
        .startswith("text/javascript")
    )


def test_search_opens_node(page: Any) -> None:
    page.goto("/")
    page.fill("#search-input", "orders")
    page.wait_for_selector("#search-results li[data-node-id]")
    hits = page.eval_on_selector_all(
        "#search-results li[data-node-id]", "els => els.map(e => e.dataset.nodeId)"
    )
    assert hits == [RAW, ORDERS, LOAD]
    snap(page, "search")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.wait_for_selector("body[data-graph='ready']")
    assert drawn_ids(page) == {RAW, LOAD, ORDERS, DAILY, REVENUE, "job:warehouse:etl"} - {
        "job:warehouse:etl"
    }


def test_graph_expand_collapse_run_state_and_path(page: Any) -> None:
    open_graph(page, ORDERS, depth="1")
    assert drawn_ids(page) == {LOAD, ORDERS, DAILY}
    page.wait_for_selector("body[data-runs='ready']")
    states = page.eval_on_selector_all(
        "svg.lineage circle.run", "els => els.map(e => e.dataset.state).sort()"
    )
    assert states == ["COMPLETED", "FAILED"]
    # a click selects; expanding is the node's own control
    page.click(f"g.node[data-id='{DAILY}'] .shape")
    assert drawn_ids(page) == {LOAD, ORDERS, DAILY}
    assert page.get_attribute(f"g.node[data-id='{DAILY}']", "aria-pressed") == "true"
    page.wait_for_selector(f"body[data-panel='{DAILY}']")
    assert "sel=" in page.url
    page.click(f"g.toggle[data-toggle='{DAILY}']")
    page.wait_for_selector(f"g.node[data-id='{REVENUE}']")
    assert drawn_ids(page) == {LOAD, ORDERS, DAILY, REVENUE}
    assert f"expand={quote(DAILY, safe='')}" in page.url
    snap(page, "graph-expanded")
    page.focus(f"g.node[data-id='{DAILY}']")
    page.keyboard.press("e")
    page.wait_for_selector(f"g.node[data-id='{REVENUE}']", state="detached")
    assert drawn_ids(page) == {LOAD, ORDERS, DAILY}
    page.click(f"g.node[data-id='{LOAD}'] .shape", modifiers=["Shift"])
    page.click(f"g.node[data-id='{DAILY}'] .shape", modifiers=["Shift"])
    page.wait_for_selector("g.edge-set.on-path", state="attached")
    on_path = page.eval_on_selector_all(
        "svg.lineage g.node.on-path", "els => els.map(e => e.dataset.id)"
    )
    assert set(on_path) == {LOAD, ORDERS, DAILY}
    assert page.get_attribute("g.edge-set.on-path", "data-count") == "2"
    snap(page, "graph-path")
    page.focus(f"g.node[data-id='{LOAD}']")
    page.keyboard.press("Enter")
    page.wait_for_selector("#runs")
    assert page.url.endswith("#/job/warehouse/etl.load_orders")


def test_fan_out_collapses_into_more_node(page: Any, server: str) -> None:
    from . import scenario

    wide = [
        scenario.run(
            f"fan.job{i:02d}",
            "2024-04-01T00:00:00Z",
            "COMPLETE",
            inputs=[scenario.dataset("public.revenue", [])],
            outputs=[scenario.dataset(f"fan.out{i:02d}", [("x", "int")])],
        )
        for i in range(20)
    ]
    scenario.load(server, wide)
    open_graph(page, REVENUE, depth="1", fanout="8")
    more = page.locator("g.node.MORE")
    assert more.count() == 1
    assert more.text_content() == "+12 more"
    assert len(drawn_ids(page)) == 1 + 8 + 1 + 1
    snap(page, "graph-fanout")
    more.focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("g.node.MORE", state="detached")
    assert len(drawn_ids(page)) == 1 + 20 + 1


def test_time_travel(page: Any) -> None:
    open_graph(page, ORDERS, depth="2")
    assert drawn_ids(page) == {RAW, LOAD, ORDERS, DAILY, REVENUE}
    page.evaluate("document.body.removeAttribute('data-graph')")
    page.fill("input[name='asOf']", "2024-01-15T12:00")
    page.wait_for_selector("body[data-graph='ready']")
    assert drawn_ids(page) == {RAW, LOAD, ORDERS}
    assert "asOf=2024-01-15T" in page.url
    snap(page, "time-travel")


def test_column_lineage(page: Any) -> None:
    page.goto(f"/#/columns/{quote(NS, safe='')}/public.orders")
    page.select_option("select[name='field']", "amount")
    page.wait_for_selector("body[data-columns='ready']")
    assert page.text_content("#column-summary") == "1 upstream and 1 downstream columns"
    fields = set(
        page.eval_on_selector_all("#column-graph g.node", "els => els.map(e => e.dataset.id)")
    )
    assert fields == {
        f"datasetField:{NS}:{n}"
        for n in ("raw.orders:amount", "public.orders:amount", "public.revenue:total")
    }
    snap(page, "column-lineage")


def test_dataset_page(page: Any) -> None:
    page.goto(f"/#/dataset/{quote(NS, safe='')}/public.orders")
    page.wait_for_selector("#schema-diff")
    assert page.text_content("#owners li") == "team:payments (TEAM)"
    assert page.text_content("#tags li") == "pii=false"
    assert page.text_content("#producers li") == "etl.load_orders"
    assert page.text_content("#consumers li") == "etl.daily_revenue"
    diff = page.eval_on_selector_all(
        "#schema-diff tbody tr", "rows => rows.map(r => [r.className, r.cells[0].textContent])"
    )
    assert diff == [["changed", "amount"], ["added", "currency"]]
    page.wait_for_selector("#run-history table")  # run history (issue 24)
    jobs = page.eval_on_selector_all(
        "#run-history tbody tr", "rows => rows.map(r => r.cells[1].textContent)"
    )
    assert set(jobs) == {"etl.load_orders", "etl.daily_revenue"}
    snap(page, "dataset")


def test_job_page(page: Any) -> None:
    page.goto("/#/job/warehouse/etl.daily_revenue")
    page.wait_for_selector("#runs")
    states = page.eval_on_selector_all(
        "#runs tbody tr td:first-child", "c => c.map(x => x.textContent)"
    )
    assert states == ["FAILED", "COMPLETED"]
    assert page.text_content("#runs details summary") == "division by zero"
    page.goto("/#/job/warehouse/etl.load_orders")
    page.wait_for_selector("#sql")
    assert "INSERT INTO public.orders" in page.text_content("#sql pre")
    assert page.text_content("#hierarchy a") == "etl"
    page.goto("/#/job/warehouse/etl")
    page.wait_for_selector("#hierarchy")
    assert page.text_content("#hierarchy .tree a") == "etl.load_orders"
    snap(page, "job")


def test_impact_view(page: Any) -> None:
    page.goto(f"/#/impact/{quote(NS, safe='')}/public.orders")
    page.fill("input[name='drop']", "amount")
    page.click("#impact-form button[type='submit']")
    page.wait_for_selector("body[data-impact]")
    snap(page, "impact")
    assert page.get_attribute("body", "data-impact") == "ready"
    breaking = page.eval_on_selector_all(
        "#impact-breaking tbody tr td:first-child", "c => c.map(x => x.textContent)"
    )
    assert breaking == [REVENUE]
    assert page.text_content(".impact-breaking h2") == "Breaking (1)"
    with page.expect_download() as markdown:
        page.click("#impact-downloads a[download$='.md']")
    text = Path(markdown.value.path()).read_text()
    assert text.startswith(f"# Impact of changing {NS}:public.orders")
    assert f"| {REVENUE} |" in text and "## Breaking (1)" in text
    with page.expect_download() as raw:
        page.click("#impact-downloads a[download$='.json']")
    report = json.loads(Path(raw.value.path()).read_text())
    assert [i["id"] for i in report["items"] if i["class"] == "breaking"] == [REVENUE]
    # the form is laid out as a form: labels in one column, inputs lined up in the next
    lefts = page.eval_on_selector_all(
        "#impact-form input:not([type=checkbox])",
        "els => els.map(e => e.getBoundingClientRect().left)",
    )
    assert len(set(lefts)) == 1
    button = box_of(page, "#impact-form button[type='submit']")
    assert button["width"] < 200


def test_themes(page: Any) -> None:
    page.emulate_media(color_scheme="dark")
    open_graph(page, ORDERS, depth="2")
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(11, 17, 32)"
    snap(page, "graph-dark")
    page.click("#theme-toggle")
    assert page.get_attribute("html", "data-theme") == "light"
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(248, 250, 252)"
