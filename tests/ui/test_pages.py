"""The explorer's pages beyond the graph, in Chromium: a job's run timeline, highlighted SQL,
parent and children; a run's facets as a tree beside the raw JSON; a dataset's schema diff
between any two versions; a model's learning curves of two training runs on one chart."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

from . import scenario
from .conftest import snap
from .scenario import LOAD_SQL, NS

TOKENS_JS = """async (sql) => {
  const { sqlTokens } = await import('/ui/js/sql.js');
  return sqlTokens(sql).map((t) => [t.kind, t.text]);
}"""


def _timed(job: str, start: str, end: str | None) -> list[dict[str, Any]]:
    """A run of `job` started at `start` and, unless None, completed at `end`."""
    begin = scenario.run(job, start, "START", inputs=[], outputs=[])
    if end is None:
        return [begin]
    return [begin, {**begin, "eventType": "COMPLETE", "eventTime": end}]


def test_job_runs_as_a_timeline_with_states_and_durations(page: Any, server: str) -> None:
    job = "etl.timed"
    scenario.load(
        server,
        _timed(job, "2024-05-01T00:00:00Z", "2024-05-01T00:01:30Z")
        + _timed(job, "2024-05-02T00:00:00Z", "2024-05-02T00:00:30Z")
        + _timed(job, "2024-05-03T00:00:00Z", None),
    )
    page.goto(f"/#/job/warehouse/{job}")
    page.wait_for_selector("#run-timeline svg")
    bars = page.eval_on_selector_all(
        "#run-timeline a.run-bar",
        "els => els.map(a => [a.querySelector('rect').dataset.state, a.getAttribute('href'),"
        " a.getAttribute('aria-label').split(' · ')[2],"
        " a.querySelector('rect').height.baseVal.value])",
    )
    runs = page.request.get(f"{server}/api/v1/namespaces/warehouse/jobs/{job}/runs")
    newest_first = runs.json()["runs"]
    # oldest on the left; each bar names its state and duration and links to its run
    assert [b[0] for b in bars] == ["COMPLETED", "COMPLETED", "RUNNING"]
    assert [b[1] for b in bars] == [f"#/run/{r['id']}" for r in reversed(newest_first)]
    assert [b[2] for b in bars] == ["1 min 30 s", "30.0 s", "—"]
    tallest, shorter, running = (b[3] for b in bars)
    assert round(shorter / tallest, 3) == round(1 / 3, 3) and running == 2
    # the bars are reached with the keyboard and show their focus
    page.focus("#run-timeline a.run-bar >> nth=1")
    assert page.evaluate("document.activeElement.getAttribute('href')") == bars[1][1]
    stroke = page.eval_on_selector(
        "#run-timeline a.run-bar >> nth=1", "a => getComputedStyle(a.querySelector('rect')).stroke"
    )
    assert stroke != "none"
    snap(page, "job-timeline")
    page.keyboard.press("Enter")
    page.wait_for_selector("body[data-run]")
    assert page.url.endswith(bars[1][1])
    assert page.text_content("#run-facts dd:nth-of-type(5)") == "30.0 s"


def test_job_sql_is_highlighted_and_shows_parent_and_children(page: Any) -> None:
    page.goto("/#/job/warehouse/etl.load_orders")
    page.wait_for_selector("#sql pre.sql")
    assert page.text_content("#sql pre") == LOAD_SQL
    keywords = page.eval_on_selector_all("#sql .sql-keyword", "els => els.map(e => e.textContent)")
    assert keywords == ["INSERT", "INTO", "SELECT", "FROM"]
    assert page.text_content("#hierarchy p a") == "etl"
    snap(page, "job-sql")
    page.click("#hierarchy p a")
    page.wait_for_selector("#hierarchy .tree")
    assert page.eval_on_selector_all(
        "#hierarchy .tree a", "els => els.map(e => e.textContent)"
    ) == ["etl.load_orders"]


def test_sql_tokens_cover_the_text_exactly(page: Any) -> None:
    page.goto("/")
    page.wait_for_selector("body[data-view='home']")
    sql = (
        "-- daily totals\nSELECT \"Order Id\", 'it''s -- not a comment' AS note, 3.5e2\n"
        "FROM t /* unclosed <b>"
    )
    assert page.evaluate(TOKENS_JS, sql) == [
        ["comment", "-- daily totals"],
        ["plain", "\n"],
        ["keyword", "SELECT"],
        ["plain", " "],
        ["name", '"Order Id"'],
        ["plain", ", "],
        ["string", "'it''s -- not a comment'"],
        ["plain", " "],
        ["keyword", "AS"],
        ["plain", " note, "],
        ["number", "3.5e2"],
        ["plain", "\n"],
        ["keyword", "FROM"],
        ["plain", " t "],
        ["comment", "/* unclosed <b>"],
    ]


def test_run_facets_as_a_tree_beside_the_raw_json(page: Any, server: str) -> None:
    runs = page.request.get(f"{server}/api/v1/namespaces/warehouse/jobs/etl.daily_revenue/runs")
    failed = next(r for r in runs.json()["runs"] if r["state"] == "FAILED")
    page.goto(f"/#/run/{failed['id']}")
    page.wait_for_selector("#run-facet-view")
    page.wait_for_selector("#job-facet-view, #job-facets p.sub:not(:empty)")
    raw = json.loads(page.text_content("#run-facet-view pre.raw"))
    assert raw == failed["facets"]
    leaves = page.eval_on_selector_all(
        "#run-facet-view li.leaf",
        "els => els.map(e => [e.querySelector('.k').textContent, e.lastChild.textContent])",
    )
    assert ["message", "division by zero"] in leaves
    assert ["programmingLanguage", "SQL"] in leaves
    assert page.text_content("#run-facts dd:nth-of-type(2)") == "FAILED"
    assert page.text_content("#run-error .notice") == "division by zero"
    snap(page, "run-facets")
    opened = "#run-facet-view details[open]"
    count = page.locator("#run-facet-view details").count()
    page.click("#run-facet-view button:has-text('Fold all')")
    assert page.locator(opened).count() == 0
    page.focus("#run-facet-view summary >> nth=0")  # keyboard: Enter opens a branch
    page.keyboard.press("Enter")
    assert page.locator(opened).count() == 1
    page.click("#run-facet-view button:has-text('Open all')")
    assert page.locator(opened).count() == count


def test_dataset_schema_diff_between_any_two_versions(page: Any) -> None:
    page.goto(f"/#/dataset/{quote(NS, safe='')}/public.orders")
    page.wait_for_selector("#schema-diff")

    def diff() -> list[list[str]]:
        return page.eval_on_selector_all(
            "#schema-diff tbody tr",
            "rows => rows.map(r => [r.className, ...[...r.cells].map(c => c.textContent)])",
        )

    assert diff() == [
        ["changed", "amount", "changed", "int", "decimal"],
        ["added", "currency", "added", "—", "string"],
    ]
    page.select_option("select[name='older version']", "0")
    assert page.text_content("#schema-diff") == "Same schema."
    page.select_option("select[name='newer version']", "1")  # backwards: newer to older
    assert diff() == [
        ["changed", "amount", "changed", "decimal", "int"],
        ["removed", "currency", "removed", "string", "—"],
    ]
    snap(page, "dataset-diff")


def test_learning_curves_of_two_runs_on_one_chart(page: Any, server: str, tmp_path: Path) -> None:
    first = scenario.train_model(server, tmp_path, "a", [1.0, 0.5, 0.25, 0.2])
    second = scenario.train_model(server, tmp_path, "b", [2.0, 1.0, 0.6])
    page.goto("/#/model/ml-models/curves")
    page.wait_for_selector("#learning-curves svg[aria-label='learning curves']")
    page.select_option("#learning-curves select", "loss")
    lines = page.eval_on_selector_all(
        "#learning-curves polyline",
        "els => els.map(e => [e.querySelector('title').textContent,"
        " e.getAttribute('points').split(' ').length, getComputedStyle(e).stroke])",
    )
    assert sorted(label.split(" · ")[1] for label, _, _ in lines) == sorted([first[:8], second[:8]])
    assert sorted(n for _, n, _ in lines) == [3, 4]
    assert len({colour for _, _, colour in lines}) == 2
    legend = page.eval_on_selector_all(
        "#learning-curves .legend li", "els => els.map(e => e.textContent)"
    )
    assert sorted(legend) == sorted(label for label, _, _ in lines)
    legend_colours = page.eval_on_selector_all(
        "#learning-curves .legend li", "els => els.map(e => getComputedStyle(e).color)"
    )
    assert legend_colours == [colour for _, _, colour in lines]  # each entry in its line's colour
    snap(page, "model-curves")
    page.select_option("#learning-curves select", "accuracy")
    points = page.eval_on_selector_all(
        "#learning-curves polyline", "els => els.map(e => e.getAttribute('points'))"
    )
    assert len(points) == 2 and all(len(p.split(" ")) == 1 for p in points)


def test_data_quality_in_the_panel_the_dataset_page_and_the_run(page: Any, server: str) -> None:
    checks = {
        "dataQualityAssertions": {
            "assertions": [
                {"assertion": "not_null", "column": "id", "success": True},
                {"assertion": "unique", "column": "id", "success": False},
            ]
        },
        "dataQualityMetrics": {"rowCount": 42, "columnMetrics": {}},
    }
    checked = scenario.dataset("public.orders", scenario.NEW_ORDERS)
    event = scenario.run(
        "etl.checks", "2024-06-01T00:00:00Z", "COMPLETE", inputs=[checked], outputs=[]
    )
    event["inputs"][0]["inputFacets"] = checks
    scenario.load(server, [event])
    expected = [["not_null", "id", "passed"], ["unique", "id", "failed"]]
    rows_js = "rows => rows.map(r => [...r.cells].slice(0, 3).map(c => c.textContent))"

    page.goto(f"/#/dataset/{quote(NS, safe='')}/public.orders")
    page.wait_for_selector("#quality")
    assert page.text_content("#quality .quality") == "failing"
    assert page.eval_on_selector_all("#quality table:first-of-type tbody tr", rows_js) == expected
    assert page.get_attribute("#quality tbody tr:nth-child(2)", "class") == "failed"
    assert page.text_content("#quality table:last-of-type tbody tr") == "rows42"

    page.goto(f"/#/node/{quote(f'dataset:{NS}:public.orders', safe='')}?depth=1")
    page.wait_for_selector("body[data-graph='ready']")
    page.click(f"g.node[data-id='dataset:{NS}:public.orders'] .shape")
    page.wait_for_selector(f"body[data-panel='dataset:{NS}:public.orders']")
    assert page.text_content("#panel-quality .quality") == "failing"
    rows = page.eval_on_selector_all("#panel-quality table:first-of-type tbody tr", rows_js)
    assert rows == expected
    snap(page, "graph-panel-quality")

    runs = page.request.get(f"{server}/api/v1/namespaces/warehouse/jobs/etl.checks/runs")
    page.goto(f"/#/run/{runs.json()['runs'][0]['id']}")
    page.wait_for_selector("#run-quality")
    assert page.eval_on_selector_all("#run-quality tbody tr", rows_js) == expected
