"""The incidents view in Chromium: from a job's run and from a dataset page, the blast radius
drawn with tainted nodes marked and the re-run plan beside it, and a run's provenance."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.test_incidents import at, chain, rid

from .browser import collector
from .conftest import snap
from .scenario import load


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    """A collector holding the chain: a bad load, what it tainted, a clean load after."""
    with collector(tmp_path / "incidents.db") as url:
        load(url, chain())
        yield url


def ids(page: Any, selector: str) -> list[str]:
    return list(page.eval_on_selector_all(selector, "els => els.map(e => e.dataset.id)"))


def plan(page: Any) -> list[str]:
    return list(page.eval_on_selector_all("#rerun-plan li", "els => els.map(e => e.dataset.job)"))


TAINTED = {
    "job:ns:load",
    "dataset:n:a",
    "job:ns:agg",
    "dataset:n:b",
    "job:ns:report",
    "dataset:n:c",
}


def test_blast_radius_from_a_run_and_a_dataset_and_provenance(page: Any) -> None:
    page.goto("/#/job/ns/load")
    page.wait_for_selector("#runs")
    page.click(f"#runs a:text('{rid('load1')}')")
    page.wait_for_selector("body[data-incident='ready']")
    # the context job (audit read the old version) is drawn, but not marked
    assert set(ids(page, "svg.lineage g.node")) == TAINTED | {"job:ns:audit"}
    assert set(ids(page, "svg.lineage g.node.on-path")) == TAINTED
    assert plan(page) == ["job:ns:load", "job:ns:agg", "job:ns:report"]
    assert page.text_content("#incident-status") == (
        "3 tainted runs, 3 tainted datasets, 0 models; tainted nodes are highlighted"
    )
    snap(page, "incidents-blast-radius")

    page.goto(f"/#/incidents/provenance/{rid('report1')}")
    page.wait_for_selector("body[data-incident='ready']")
    assert set(ids(page, "svg.lineage g.node")) == TAINTED - {"dataset:n:c"}
    rows = page.eval_on_selector_all(
        "#provenance-runs tbody tr td:first-child", "c => c.map(x => x.textContent)"
    )
    assert rows == [rid("report1"), rid("agg1"), rid("load1")]

    page.goto("/#/dataset/n/a")
    page.click("a:text('Blast radius')")
    page.wait_for_selector("body[data-incident='form']")
    page.fill("#incident-since", at(5))
    page.fill("#incident-until", at(15))
    page.click("#incident-window button[type=submit]")
    page.wait_for_selector("body[data-incident='ready']")
    assert plan(page) == ["job:ns:load", "job:ns:agg", "job:ns:report"]
    assert set(ids(page, "svg.lineage g.node.on-path")) == TAINTED
