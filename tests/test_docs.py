"""Docs that cannot go stale: the README's configuration table and commands."""

from __future__ import annotations

import re
from pathlib import Path

from typer.main import get_command

from lineage.cli import app
from lineage.settings import markdown_table

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


def test_readme_configuration_table_matches_settings() -> None:
    block = re.search(r"<!-- settings:start -->\n(.*?)\n<!-- settings:end -->", README, re.S)
    assert block is not None
    assert block.group(1) == markdown_table()


def test_readme_gives_the_two_setup_commands_and_ci_runs_the_test_one() -> None:
    assert "make serve" in README and "make test" in README
    ci = (Path(__file__).resolve().parents[1] / ".ci" / "run").read_text()
    assert "make test" in ci


def test_every_cli_command_exists() -> None:
    names = set(get_command(app).commands)  # type: ignore[attr-defined]
    assert {"serve", "db", "impact", "upstream", "downstream", "graph", "ingest", "status"} <= names
