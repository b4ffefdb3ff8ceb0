"""Impact report renderers, chosen by a kind string: `table` (Rich), `json`, `markdown`.

Table and Markdown show at most `limit` rows per section (0: all) and say how many they left
out: Rich lays a table out at ~1.4 ms a row, and a pull-request comment holds 65,536 characters.
JSON always lists everything.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
from rich.console import Console

from lineage.cli.output import markdown_table

SECTIONS = (("Jobs", "jobs"), ("DAGs", "dags"), ("Models", "models"), ("Owners", "owners"))
ITEM_COLUMNS = ("class", "dataset", "coverage", "columns", "why", "path")


def render_json(report: dict[str, Any], console: Console, limit: int) -> None:
    """Machine-readable: the report as the API returns it, every item with its node id."""
    options = orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS | orjson.OPT_APPEND_NEWLINE
    console.file.write(orjson.dumps(report, option=options).decode())


def render_markdown(report: dict[str, Any], console: Console, limit: int) -> None:
    """A section ready to paste into a pull request."""
    console.file.write(markdown(report, limit))


def markdown(report: dict[str, Any], limit: int = 0) -> str:
    """The report as Markdown, `limit` rows per section (0: all)."""
    lines = ["## Lineage impact", ""]
    for target in report["targets"]:
        changes = ", ".join(_change(c) for c in target["changes"])
        lines.append(f"- `{target['dataset']}`: {changes}")
    summary = report["summary"]
    lines += [
        "",
        f"**{summary['breaking']} breaking, {summary['possibly']} possibly affected**",
        "",
    ]
    if report["items"]:
        items, left = _cut(report["items"], limit)
        rows = [
            (
                item["class"],
                f"`{item['id']}`",
                item["coverage"],
                _columns(item),
                item["reason"],
                " → ".join(f"`{p}`" for p in item["path"]),
            )
            for item in items
        ]
        lines += markdown_table(ITEM_COLUMNS, rows)
        lines += ["", *_more(left, "items"), ""] if left else [""]
    for title, key in SECTIONS:
        if report[key]:
            rows, left = _cut(report[key], limit)
            lines += [f"### {title}", "", *(f"- {_entry(key, row, '`')}" for row in rows)]
            lines += [*(f"- {m}" for m in _more(left, key)), ""]
    lines += [f"> ⚠ {w}" for w in report["warnings"]]
    return "\n".join(lines).rstrip("\n") + "\n"


def render_table(report: dict[str, Any], console: Console, limit: int) -> None:
    """A Rich table of the items and a tree of what is on the way.

    Names are plain Text, never Rich markup: `[dbo]` is part of a name.
    """
    from rich.table import Table
    from rich.text import Text
    from rich.tree import Tree

    summary = report["summary"]
    table = Table(title=f"{summary['breaking']} breaking, {summary['possibly']} possibly affected")
    for column in ITEM_COLUMNS:
        table.add_column(column)
    items, left = _cut(report["items"], limit)
    for item in items:
        table.add_row(
            Text(item["class"], style="red" if item["class"] == "breaking" else "yellow"),
            *map(Text, (item["id"], item["coverage"], _columns(item), item["reason"])),
            Text(" → ".join(item["path"])),
        )
    console.print(table)
    for line in _more(left, "items"):
        console.print(Text(line))
    tree = Tree("on the way")
    for title, key in SECTIONS:
        if not report[key]:
            continue  # an empty branch says nothing
        rows, left = _cut(report[key], limit)
        branch = tree.add(title.lower() if key != "dags" else title)
        branch.children.extend(Tree(Text(_entry(key, row, ""))) for row in rows)
        branch.children.extend(Tree(Text(line)) for line in _more(left, key))
    if tree.children:
        console.print(tree)
    for warning in report["warnings"]:
        console.print(Text.assemble(("warning:", "yellow"), f" {warning}"))


def _cut(rows: list[Any], limit: int) -> tuple[list[Any], int]:
    """The first `limit` rows (all when 0) and how many were left out."""
    if not limit or len(rows) <= limit:
        return rows, 0
    return rows[:limit], len(rows) - limit


def _more(left: int, what: str) -> list[str]:
    """The line saying how many rows of a section were left out (none when nothing was)."""
    if not left:
        return []
    return [f"… {left} more {what.lower()} (--limit 0 shows all, --format json lists every one)"]


def _columns(item: dict[str, Any]) -> str:
    return ", ".join(item["columns"]) if item["columns"] is not None else "?"


def _entry(key: str, row: Any, quote: str) -> str:
    """One line of a context section, node ids between `quote`s (Markdown: a backtick)."""
    if key == "models":
        return f"{quote}{row}{quote}"
    if key == "owners":
        return f"{row['name']} ({row['type'] or 'owner'}) of {quote}{row['of']}{quote}"
    return f"{quote}{row['id']}{quote}{_run(row['latestRun'])}"


def _change(change: dict[str, str]) -> str:
    kind = change["kind"]
    if kind == "rename_column":
        return f"rename `{change['column']}` → `{change['newName']}`"
    if kind == "change_type":
        return f"retype `{change['column']}` to `{change['newType']}`"
    return "drop dataset" if kind == "drop_dataset" else f"drop `{change['column']}`"


def _run(run: dict[str, Any] | None) -> str:
    return f" (latest run {run['state']}, {run['endedAt'] or run['startedAt']})" if run else ""


RENDERERS: dict[str, Callable[[dict[str, Any], Console, int], None]] = {
    "table": render_table,
    "json": render_json,
    "markdown": render_markdown,
}
