"""The home page: counts, namespaces, recent runs failed first, schema changes, lists."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from .conftest import snap
from .scenario import NS


def column(page: Any, selector: str, index: int = 0) -> list[str]:
    return page.eval_on_selector_all(
        f"{selector} tbody tr", f"rows => rows.map(r => r.cells[{index}].textContent)"
    )


def test_home_overview(page: Any) -> None:
    page.goto("/")
    page.wait_for_selector("body[data-browse='ready']")
    counts = page.eval_on_selector_all(
        "#counts li",
        "els => els.map(e => [e.dataset.count, e.querySelector('.count').textContent])",
    )
    assert counts == [
        ["namespaces", "2"],
        ["datasets", "3"],
        ["jobs", "3"],
        ["runs", "6"],
        ["models", "0"],
    ]
    assert page.eval_on_selector_all("#namespaces li a", "a => a.map(x => x.textContent)") == [
        NS,
        "warehouse",
    ]
    assert column(page, "#recent-runs")[0] == "FAILED"
    assert column(page, "#recent-runs", 4)[0] == "division by zero"
    assert column(page, "#schema-changes") == ["public.orders"]
    assert page.text_content("#schema-changes .diffs") == "+currency~amount"
    assert column(page, "#browse-results") == ["public.orders", "public.revenue", "raw.orders"]
    snap(page, "home")


def test_home_lists_filter_sort_and_page(page: Any, server: str) -> None:
    from . import scenario

    many = [
        scenario.run(
            f"many.job{i:02d}",
            "2024-04-01T00:00:00Z",
            "COMPLETE",
            inputs=[],
            outputs=[scenario.dataset(f"many.out{i:02d}", [("x", "int")])],
        )
        for i in range(30)
    ]
    scenario.load(server, many)
    page.goto("/#/?tab=datasets")
    page.wait_for_selector("body[data-browse='ready']")
    assert page.text_content("#browse-range") == "1-25 of 33"
    page.click("#browse-results .pager button >> nth=1")
    page.wait_for_function(
        "() => document.getElementById('browse-range').textContent === '26-33 of 33'"
    )
    assert "page=2" in page.url
    page.evaluate("document.body.removeAttribute('data-browse')")
    page.fill("#browse-filters input[name='tag']", "pii")
    page.wait_for_function(
        "() => document.getElementById('browse-range').textContent === '1-1 of 1'"
    )
    assert column(page, "#browse-results") == ["public.orders"]
    assert "tag=pii" in page.url and "page=" not in page.url
    # the address keeps the filters: opening it again shows the same list
    page.goto("about:blank")
    page.goto(f"/#/?tab=jobs&state=FAILED&namespace={quote('warehouse')}")
    page.wait_for_selector("body[data-browse='ready']")
    assert column(page, "#browse-results") == ["etl.daily_revenue"]
    assert page.input_value("#browse-filters select[name='state']") == "FAILED"
    page.select_option("#browse-filters select[name='state']", "")
    page.select_option("#browse-filters select[name='sort']", "-name")
    # the range is the same before and after the sort: wait for the sorted rows themselves
    page.wait_for_function(
        "() => document.querySelector('#browse-results tbody td')?.textContent === 'many.job29'"
    )
    assert page.text_content("#browse-range") == "1-25 of 33"
    assert column(page, "#browse-results")[:2] == ["many.job29", "many.job28"]
    snap(page, "home-jobs")
    page.click("#browse-results a >> nth=0")
    page.wait_for_selector("#runs")
    assert page.url.endswith("#/job/warehouse/many.job29")
