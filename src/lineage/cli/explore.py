"""`lineage upstream|downstream|graph|status`: lineage queries from the shell."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Annotated, Any

import typer

from lineage.cli.common import (
    OpenBackend,
    guarded,
    one_of,
    with_connection,
)
from lineage.cli.main import app
from lineage.cli.output import FormatOpt, Section, chosen_format, show

Depth = Annotated[int | None, typer.Option(help="Hops; default unlimited.", min=0)]
AsOf = Annotated[
    str | None, typer.Option(help="ISO-8601 time: the lineage as it was then.", show_default=False)
]
TagOpt = Annotated[
    str | None,
    typer.Option(help="KEY or KEY:VALUE: only the nodes carrying that tag.", show_default=False),
]


def _register_closure(downstream: bool) -> None:
    direction = "downstream" if downstream else "upstream"

    def command(
        node: str,
        depth: Depth = None,
        as_of: AsOf = None,
        tag: TagOpt = None,
        format: FormatOpt = None,
        *,
        open_backend: OpenBackend,
    ) -> None:
        with guarded():
            chosen = chosen_format(format)
            answer = open_backend().lineage(
                downstream=downstream,
                params={"nodeId": node, "depth": depth, "as_of": as_of, "tag": tag},
            )
        show(answer, chosen, closure_sections, heading=closure_heading(answer))

    command.__doc__ = f"Every node {direction} of NODE, with its distance in hops."
    app.command(name=direction)(with_connection(command))


def closure_heading(answer: dict[str, Any]) -> str:
    """One line on what a closure holds (and what it may lack)."""
    nodes, edges = len(answer["nodes"]) - 1, len(answer["edges"])
    line = f"{nodes} nodes {answer['direction']} of {answer['root']} ({edges} edges)"
    if answer.get("truncated"):
        line += "; truncated: more nodes lie beyond"
    if answer.get("incomplete"):
        line += "; some lineage on the way is incomplete"
    return line


def closure_sections(answer: dict[str, Any]) -> list[Section]:
    """The nodes of a closure, nearest first (the root itself left out), with their tags
    when any node has some."""
    rows = [
        (str(n["depth"]), n["kind"], n["id"], tag_text(n.get("tags", [])))
        for n in sorted(answer["nodes"], key=lambda n: (n["depth"], n["id"]))
        if n["id"] != answer["root"]
    ]
    if any(row[3] for row in rows):
        return [Section("Nodes", ("hops", "kind", "node", "tags"), rows)]
    return [Section("Nodes", ("hops", "kind", "node"), [row[:3] for row in rows])]


def tag_text(tags: list[dict[str, Any]]) -> str:
    """A node's tags on one line: `key=value` (or `key`), comma separated."""
    return ", ".join(f"{t['key']}={t['value']}" if t.get("value") else t["key"] for t in tags)


_register_closure(downstream=False)
_register_closure(downstream=True)

# how each kind of node is drawn: Mermaid (open, close) brackets and Graphviz shapes
MERMAID_SHAPES = {"job": ("[[", "]]"), "model": ("{{", "}}"), "dataset": ("[(", ")]")}
DOT_SHAPES = {"job": "box", "model": "hexagon", "dataset": "cylinder"}


def to_mermaid(answer: dict[str, Any]) -> str:
    """A Mermaid flowchart: jobs as subroutines, datasets as cylinders, models as hexagons."""
    index = {n["id"]: f"n{i}" for i, n in enumerate(answer["nodes"])}
    lines = ["flowchart LR"]
    for node in answer["nodes"]:
        opening, closing = MERMAID_SHAPES.get(node["kind"], MERMAID_SHAPES["dataset"])
        label = node["name"].replace('"', "#quot;")
        lines.append(f'  {index[node["id"]]}{opening}"{label}"{closing}')
    lines += [f"  {index[e['from']]} --> {index[e['to']]}" for e in answer["edges"]]
    return "\n".join(lines) + "\n"


def to_dot(answer: dict[str, Any]) -> str:
    """A Graphviz digraph: jobs as boxes, datasets as cylinders, models as hexagons."""
    lines = ["digraph lineage {", "  rankdir=LR;"]
    for node in answer["nodes"]:
        shape = DOT_SHAPES.get(node["kind"], DOT_SHAPES["dataset"])
        lines.append(
            f"  {json.dumps(node['id'])} [label={json.dumps(node['name'])}, shape={shape}];"
        )
    lines += [f"  {json.dumps(e['from'])} -> {json.dumps(e['to'])};" for e in answer["edges"]]
    return "\n".join([*lines, "}"]) + "\n"


EXPORTERS: dict[str, Callable[[dict[str, Any]], str]] = {
    "mermaid": to_mermaid,
    "dot": to_dot,
    "json": lambda answer: json.dumps(answer, indent=2) + "\n",
}
DIRECTIONS = {"down": (True,), "up": (False,), "both": (False, True)}


def both_ways(answers: list[dict[str, Any]]) -> dict[str, Any]:
    """One graph of several closures of the same root: nodes and edges once each.

    Upstream nodes keep their hops as negative depths, so `depth` still tells the side; nodes
    and edges come sorted, so an exported diagram changes only when the lineage does.
    """
    nodes: dict[str, dict[str, Any]] = {}
    edges: dict[tuple[str, str], dict[str, Any]] = {}
    for answer in answers:
        sign = 1 if answer["direction"] == "downstream" else -1
        for node in answer["nodes"]:
            nodes.setdefault(node["id"], {**node, "depth": sign * node["depth"]})
        for edge in answer["edges"]:
            edges.setdefault((edge["from"], edge["to"]), edge)
    return {
        "root": answers[0]["root"],
        "direction": "both" if len(answers) > 1 else answers[0]["direction"],
        "nodes": sorted(nodes.values(), key=lambda n: (n["depth"], n["id"])),
        "edges": [edges[key] for key in sorted(edges)],  # stable output for docs under git
        "truncated": any(a.get("truncated") for a in answers),
        "incomplete": any(a.get("incomplete") for a in answers),
        "asOf": answers[0].get("asOf"),
    }


@app.command()
@with_connection
def graph(
    node: str,
    format: Annotated[str, typer.Option(help="mermaid, dot or json.")] = "mermaid",
    direction: Annotated[str, typer.Option(help="down, up or both.")] = "down",
    depth: Depth = None,
    *,
    open_backend: OpenBackend,
) -> None:
    """Export the lineage around NODE for docs (Mermaid, Graphviz DOT or JSON)."""
    with guarded():
        one_of(format, EXPORTERS, "--format")
        one_of(direction, DIRECTIONS, "--direction")
        backend = open_backend()
        params = {"nodeId": node, "depth": depth}
        answer = both_ways(
            [backend.lineage(downstream=d, params=params) for d in DIRECTIONS[direction]]
        )
    sys.stdout.write(EXPORTERS[format](answer))


@app.command()
@with_connection
def status(
    format: FormatOpt = None,
    *,
    open_backend: OpenBackend,
) -> None:
    """Collector health, graph size, row counts and database."""
    with guarded():
        chosen = chosen_format(format)
        answer = open_backend().status()
    show(answer, chosen, status_sections)


def status_sections(answer: dict[str, Any]) -> list[Section]:
    """The status answer as one two-column table."""
    rows = [(key, _scalar(value)) for key, value in answer.items()]
    return [Section("Status", ("", "value"), rows)]


def _scalar(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(map(str, value)) or "none"
    return "none" if value is None else str(value)
