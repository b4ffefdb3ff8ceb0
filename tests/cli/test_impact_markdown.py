"""Impact's Markdown table keeps its columns whatever the names and messages hold."""

from __future__ import annotations

import asyncio
import copy
import json
import re
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from lineage.cli.impact_output import markdown
from lineage.cli.main import app
from tests.cli.conftest import ingest
from tests.events import ds, run_event

REPORT = json.loads((Path(__file__).parent / "golden" / "impact.json").read_text())
# a cell boundary: a pipe that no backslash escapes
BOUNDARY = re.compile(r"(?<!\\)\|")
COLUMNS = ["class", "dataset", "coverage", "columns", "why", "path"]
TEXT = st.text(st.sampled_from("ab|\\`* →"), max_size=12)


def _table_rows(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("|")]


def _cells(row: str) -> list[str]:
    """The cells of a row, unescaped (`_md_row` puts one space either side of each)."""
    return [cell[1:-1].replace("\\|", "|") for cell in BOUNDARY.split(row)[1:-1]]


@given(name=TEXT, reason=TEXT, column=TEXT, step=TEXT)
def test_every_row_has_the_table_columns(name: str, reason: str, column: str, step: str) -> None:
    report: dict[str, Any] = copy.deepcopy(REPORT)
    item = report["items"][0]
    item.update(id=name, reason=reason, columns=[column], path=[step, name])
    rows = _table_rows(markdown(report))
    assert all(len(BOUNDARY.findall(row)) == len(COLUMNS) + 1 for row in rows)
    assert _cells(rows[2]) == [
        "breaking",
        f"`{name}`",
        "column",
        column,
        reason,
        f"`{step}` → `{name}`",
    ]


def test_a_pipe_in_a_dataset_name_stays_in_its_cell(db_url: str) -> None:
    upstream, downstream = "raw|orders", "clean|orders"
    asyncio.run(
        ingest(
            db_url,
            [run_event("build|clean", inputs=[ds("ns", upstream)], outputs=[ds("ns", downstream)])],
        )
    )
    result = CliRunner().invoke(
        app,
        [
            "impact",
            f"dataset:ns:{upstream}",
            "--drop-dataset",
            "--format",
            "markdown",
            "--database-url",
            db_url,
        ],
    )
    assert result.exit_code == 1, result.stderr
    [header, _, row] = _table_rows(result.stdout)
    assert _cells(header) == COLUMNS
    assert _cells(row)[:2] == ["breaking", f"`dataset:ns:{downstream}`"]
    assert _cells(row)[5] == (
        f"`dataset:ns:{upstream}` → `job:ns:build|clean` → `dataset:ns:{downstream}`"
    )
