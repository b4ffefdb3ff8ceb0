"""Docs that cannot go stale: the README's configuration and command tables, every link."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from typer.main import get_command

from lineage.cli import app
from lineage.cli.reference import END, START, commands, markdown_table
from lineage.settings import markdown_table as settings_table

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
MARKDOWN = sorted(
    ROOT / name
    for name in subprocess.run(
        ["git", "ls-files", "*.md"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
)
# [text](target) and <img src="target">; a target ends at whitespace or the closing bracket
LINK = re.compile(r"\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)|src=\"([^\"]+)\"")
# a path in backticks that walks out of its folder, such as `../shared/ARCHITECTURE.md`
PATH_IN_CODE = re.compile(r"`(\.\.?/[^`\s]+)`")


def test_readme_configuration_table_matches_settings() -> None:
    block = re.search(r"<!-- settings:start -->\n(.*?)\n<!-- settings:end -->", README, re.S)
    assert block is not None
    assert block.group(1) == settings_table()


def test_readme_command_table_is_the_cli_itself() -> None:
    """Regenerate with `python -m lineage.cli.reference --write README.md`."""
    block = re.search(rf"{re.escape(START)}\n(.*?)\n{re.escape(END)}", README, re.S)
    assert block is not None
    assert block.group(1) == markdown_table()
    listed = {path for path, _ in commands()}
    assert {"lineage serve", "lineage impact", "lineage ingest", "lineage db prune"} <= listed
    options = {
        opt
        for _, command in commands()
        for p in command.params
        if p.param_type_name == "option"
        for opt in p.opts
    }
    assert [opt for opt in sorted(options - {"--help"}) if opt not in block.group(1)] == []


def test_readme_gives_the_two_setup_commands_and_ci_runs_the_test_one() -> None:
    assert "make serve" in README and "make test" in README
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test" in ci


def test_every_cli_command_exists() -> None:
    names = set(get_command(app).commands)  # type: ignore[attr-defined]
    assert {"serve", "db", "impact", "upstream", "downstream", "graph", "ingest", "status"} <= names


def _targets(text: str) -> list[str]:
    found = [a or b for a, b in LINK.findall(text)]
    found += PATH_IN_CODE.findall(text)
    return [t for t in found if not re.match(r"^([a-z][a-z0-9+.-]*:|#)", t)]


@pytest.mark.parametrize("page", MARKDOWN, ids=[str(p.relative_to(ROOT)) for p in MARKDOWN])
def test_every_relative_link_resolves_inside_the_repository(page: Path) -> None:
    broken = []
    for target in _targets(page.read_text()):
        path = (page.parent / target.split("#")[0]).resolve()
        if not path.is_relative_to(ROOT) or not path.exists():
            broken.append(target)
    assert broken == []


def test_the_link_check_finds_what_it_must() -> None:
    text = '[a](docs/x.md) [c](https://example.com) <img src="i.svg"> `../shared/A.md` [d](#top)'
    assert _targets(text) == ["docs/x.md", "i.svg", "../shared/A.md"]
