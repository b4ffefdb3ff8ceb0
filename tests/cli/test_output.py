"""Answers for people: tables no wider than the terminal (COLUMNS), Markdown, empty sections."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from lineage.cli.main import app

runner = CliRunner()
RAW = "dataset:warehouse:raw.orders"
CHANGES = ["--drop-column", "amount", "--rename-column", "status=state"]


@pytest.mark.parametrize("columns", [60, 100])
def test_tables_fit_the_terminal(store_url: str, columns: int) -> None:
    env = {"COLUMNS": str(columns)}
    offline = ["--database-url", store_url]
    outputs = []
    for args in (
        ["impact", RAW, *CHANGES, *offline],
        ["downstream", RAW, "--format", "table", *offline],
        ["status", "--format", "table", *offline],
    ):
        result = runner.invoke(app, args, env=env)
        lines = result.stdout.splitlines()
        assert len(lines) > 5, result.stdout
        assert max(map(len, lines)) <= columns, result.stdout
        outputs.append(result.stdout)
    # the closure's deepest node, folded onto two lines at 60 columns, whole at 100
    assert ("dataset:warehouse:models.revenue_forecast" in outputs[1]) is (columns == 100)


def test_markdown_closure_and_empty_sections_left_out(store_url: str) -> None:
    result = runner.invoke(
        app, ["upstream", RAW, "--format", "markdown", "--database-url", store_url]
    )
    assert (result.exit_code, result.stdout) == (
        0,
        f"## 0 nodes upstream of {RAW} (0 edges)\n",
    )
    result = runner.invoke(
        app,
        ["downstream", RAW, "--depth", "2", "--format", "markdown", "--database-url", store_url],
    )
    assert result.stdout == (
        f"## 2 nodes downstream of {RAW} (2 edges); truncated: more nodes lie beyond\n"
        "\n"
        "### Nodes\n"
        "\n"
        "| hops | kind | node |\n"
        "|---|---|---|\n"
        "| 1 | job | job:warehouse:etl.build_clean |\n"
        "| 2 | dataset | dataset:warehouse:clean.orders |\n"
    )
    # an impact without owners, DAGs or models prints no empty branch for them
    export = "dataset:warehouse:export.status"
    result = runner.invoke(
        app, ["impact", export, "--drop-column", "status", "--database-url", store_url]
    )
    assert "on the way" not in result.stdout and "owners" not in result.stdout
