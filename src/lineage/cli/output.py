"""How query commands answer: `--format table|json|markdown`, tables as wide as the terminal.

A command turns its answer into `Section`s (a title, column names, rows of strings); `show`
prints them as Rich tables or Markdown pipe tables, or prints the answer itself as JSON.
Sections without rows are left out. Table is the default on a terminal, JSON when the output
is piped, so `lineage upstream X | jq` works without a flag.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Annotated, Any

import orjson
import typer
from rich.console import Console

from lineage.cli.common import one_of

FORMATS = ("table", "json", "markdown")
# with no terminal and no COLUMNS (a pipe, a CI log) tables take the width their cells need
UNBOUNDED_WIDTH = 10_000

FormatOpt = Annotated[
    str | None,
    typer.Option(
        "--format",
        help="table, json or markdown (default: table on a terminal, json when piped).",
        show_default=False,
    ),
]


@dataclass(frozen=True, slots=True)
class Section:
    """One table of an answer: left out when it has no rows."""

    title: str
    columns: tuple[str, ...]
    rows: Sequence[Sequence[str]]


def console(*, stderr: bool = False) -> Console:
    """A Rich console as wide as the terminal (or `COLUMNS`), never wider.

    Rich reads the terminal size and `COLUMNS` itself; only without either (output piped)
    would it pick 80 columns and wrap what a log or a file could hold on one line.
    """
    stream = sys.stderr if stderr else sys.stdout
    bounded = stream.isatty() or os.environ.get("COLUMNS", "").isdigit()
    return Console(
        file=stream, width=None if bounded else UNBOUNDED_WIDTH, highlight=False, soft_wrap=False
    )


def chosen_format(value: str | None, *, default: str | None = None) -> str:
    """The `--format` value, checked; unset: `default`, else table on a terminal, else json."""
    if value is None:
        return default or ("table" if sys.stdout.isatty() else "json")
    return one_of(value, FORMATS, "--format")


def write_json(answer: Any) -> None:
    """The answer as indented JSON on stdout."""
    options = orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS | orjson.OPT_APPEND_NEWLINE
    sys.stdout.write(orjson.dumps(answer, option=options).decode())


def show(
    answer: Any, format: str, sections: Callable[[Any], Iterable[Section]], *, heading: str = ""
) -> None:
    """Print `answer` in `format`: JSON as is, table or Markdown through `sections`."""
    if format == "json":
        write_json(answer)
    elif format == "markdown":
        sys.stdout.write(markdown(sections(answer), heading=heading))
    else:
        print_tables(sections(answer), heading=heading)


def print_tables(sections: Iterable[Section], *, heading: str = "") -> None:
    """Rich tables on stdout; cells are plain text, never Rich markup (`[dbo]` is a name)."""
    from rich.table import Table
    from rich.text import Text

    out = console()
    if heading:
        out.print(Text(heading, style="bold"))
    for section in sections:
        if not section.rows:
            continue
        table = Table(title=section.title, title_justify="left")
        for column in section.columns:
            table.add_column(column, overflow="fold")
        for row in section.rows:
            table.add_row(*map(Text, row))
        out.print(table)


def markdown(sections: Iterable[Section], *, heading: str = "") -> str:
    """Markdown pipe tables, one `###` heading per section."""
    lines = [f"## {heading}", ""] if heading else []
    for section in sections:
        if not section.rows:
            continue
        lines += [f"### {section.title}", "", *markdown_table(section.columns, section.rows), ""]
    return "\n".join(lines).rstrip("\n") + "\n" if lines else ""


def markdown_table(columns: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    """The lines of a Markdown pipe table; a `|` in a cell is escaped, so it stays in its
    cell (also inside `code`)."""
    return [_md_row(columns), "|" + "---|" * len(columns), *map(_md_row, rows)]


def _md_row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(str(cell).replace("|", "\\|") for cell in cells) + " |"


@contextmanager
def progress_bar(
    label: str, total: int | None, *, wanted: bool = True
) -> Iterator[Callable[[int], None]]:
    """A function taking how much is done so far, drawn as a Rich progress bar on stderr, only
    on a terminal (`total` None: a bar that only shows work goes on)."""
    if not (wanted and sys.stderr.isatty()):
        yield lambda _done: None
        return
    from rich.progress import Progress

    with Progress(console=console(stderr=True), transient=True) as bar:
        task = bar.add_task(label, total=total)
        yield lambda done: bar.update(task, completed=done)
