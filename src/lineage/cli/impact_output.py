"""Impact report renderers, chosen by a kind string: `table` (Rich), `json`, `markdown`."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from rich.console import Console


def render_json(report: dict[str, Any], console: Console) -> None:
    """Machine-readable: the report as the API returns it, every item with its node id."""
    console.file.write(json.dumps(report, indent=2, sort_keys=True) + "\n")


def render_markdown(report: dict[str, Any], console: Console) -> None:
    """A section ready to paste into a pull request."""
    console.file.write(markdown(report))


def markdown(report: dict[str, Any]) -> str:
    """The report as Markdown."""
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
        lines += [
            "| class | dataset | coverage | columns | why | path |",
            "|---|---|---|---|---|---|",
        ]
        for item in report["items"]:
            columns = ", ".join(item["columns"]) if item["columns"] is not None else "?"
            path = " → ".join(f"`{p}`" for p in item["path"])
            lines.append(
                f"| {item['class']} | `{item['id']}` | {item['coverage']} | {columns} "
                f"| {item['reason']} | {path} |"
            )
        lines.append("")
    for title, key in (("Jobs", "jobs"), ("DAGs", "dags")):
        if report[key]:
            lines += [f"### {title}", ""]
            lines += [f"- `{j['id']}`{_run(j['latestRun'])}" for j in report[key]]
            lines.append("")
    if report["models"]:
        lines += ["### Models", "", *[f"- `{m}`" for m in report["models"]], ""]
    if report["owners"]:
        lines += ["### Owners", ""]
        lines += [
            f"- {o['name']} ({o['type'] or 'owner'}) of `{o['of']}`" for o in report["owners"]
        ]
        lines.append("")
    lines += [f"> ⚠ {w}" for w in report["warnings"]]
    return "\n".join(lines).rstrip("\n") + "\n"


def render_table(report: dict[str, Any], console: Console) -> None:
    """A Rich table of items and a tree of the context."""
    from rich.table import Table
    from rich.tree import Tree

    summary = report["summary"]
    table = Table(title=f"{summary['breaking']} breaking, {summary['possibly']} possibly affected")
    for column in ("class", "dataset", "coverage", "columns", "why", "path"):
        table.add_column(column)
    for item in report["items"]:
        style = "red" if item["class"] == "breaking" else "yellow"
        columns = ", ".join(item["columns"]) if item["columns"] is not None else "?"
        table.add_row(
            f"[{style}]{item['class']}[/{style}]",
            item["id"],
            item["coverage"],
            columns,
            item["reason"],
            " → ".join(item["path"]),
        )
    console.print(table)
    tree = Tree("on the way")
    for title, key in (("jobs", "jobs"), ("DAGs", "dags")):
        branch = tree.add(title)
        for job in report[key]:
            branch.add(f"{job['id']}{_run(job['latestRun'])}")
    tree.add("models").children.extend(Tree(m) for m in report["models"])
    owners = tree.add("owners")
    for owner in report["owners"]:
        owners.add(f"{owner['name']} ({owner['of']})")
    console.print(tree)
    for warning in report["warnings"]:
        console.print(f"[yellow]warning:[/yellow] {warning}")


def _change(change: dict[str, str]) -> str:
    kind = change["kind"]
    if kind == "rename_column":
        return f"rename `{change['column']}` → `{change['newName']}`"
    if kind == "change_type":
        return f"retype `{change['column']}` to `{change['newType']}`"
    return "drop dataset" if kind == "drop_dataset" else f"drop `{change['column']}`"


def _run(run: dict[str, Any] | None) -> str:
    return f" (latest run {run['state']}, {run['endedAt'] or run['startedAt']})" if run else ""


RENDERERS: dict[str, Callable[[dict[str, Any], Console], None]] = {
    "table": render_table,
    "json": render_json,
    "markdown": render_markdown,
}
