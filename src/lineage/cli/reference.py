"""The README's command table, generated from the CLI itself (every command and option).

`python -m lineage.cli.reference` prints it; tests/test_docs.py checks the README holds exactly
this between `<!-- commands:start -->` and `<!-- commands:end -->`, and
`python -m lineage.cli.reference --write README.md` puts it there.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

START, END = "<!-- commands:start -->", "<!-- commands:end -->"


def commands() -> Iterator[tuple[str, Any]]:
    """(`lineage db prune`, its click command) for every command, groups walked in order."""
    from typer.main import get_command

    from lineage.cli import app

    def walk(path: str, command: Any) -> Iterator[tuple[str, Any]]:
        children = getattr(command, "commands", None)
        if children is None:
            yield path, command
            return
        for name, child in children.items():
            if not child.hidden:
                yield from walk(f"{path} {name}", child)

    yield from walk("lineage", get_command(app))


def _options(command: Any) -> str:
    cells = []
    for param in command.params:
        if param.param_type_name == "argument":
            continue
        if param.name == "help":
            continue
        names = "/".join(param.opts + param.secondary_opts)
        cells.append(f"`{names}`")
    return ", ".join(cells)


def _arguments(command: Any) -> str:
    return " ".join(
        p.human_readable_name.upper() + ("..." if p.nargs == -1 else "")
        for p in command.params
        if p.param_type_name == "argument"
    )


def markdown_table() -> str:
    """One row per command: its usage, what it does (its help's first line), its options."""
    rows = ["| command | what it does | options |", "|---|---|---|"]
    for path, command in commands():
        usage = f"{path} {_arguments(command)}".strip()
        summary = (command.help or "").strip().split("\n\n")[0].replace("\n", " ")
        rows.append(f"| `{usage}` | {_cell(summary)} | {_options(command)} |")
    return "\n".join(rows)


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def with_table(readme: str) -> str:
    """`readme` with its command block replaced by the current table."""
    block = re.compile(rf"{re.escape(START)}\n(?:.*?\n)?{re.escape(END)}", re.S)
    if not block.search(readme):
        raise ValueError(f"no {START} ... {END} block")
    return block.sub(lambda _: f"{START}\n{markdown_table()}\n{END}", readme)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--write"]:
        target = Path(sys.argv[2])
        target.write_text(with_table(target.read_text()))
    else:
        print(markdown_table())
