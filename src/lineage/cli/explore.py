"""`lineage upstream|downstream|graph|ingest|status`: lineage queries and loading from the shell."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from lineage.cli.backend import DEFAULT_TIMEOUT_S, DEFAULT_URL, HttpBackend, open_backend
from lineage.cli.common import DatabaseUrlOpt, TimeoutOpt, UrlOpt, guarded
from lineage.cli.main import app
from lineage.errors import BadRequest

Depth = Annotated[int | None, typer.Option(help="Hops; default unlimited.")]


def _closure(
    node: str, downstream: bool, depth: int | None, as_of: str | None, **where: Any
) -> Any:
    params = {"nodeId": node, "depth": depth, "as_of": as_of}
    backend = open_backend(where["url"], where["database_url"], timeout_s=where["timeout"])
    return backend.lineage(downstream=downstream, params=params)


def _register_closure(downstream: bool) -> None:
    direction = "downstream" if downstream else "upstream"

    def command(
        node: str,
        depth: Depth = None,
        as_of: str | None = None,
        url: UrlOpt = None,
        timeout: TimeoutOpt = DEFAULT_TIMEOUT_S,
        database_url: DatabaseUrlOpt = None,
    ) -> None:
        with guarded():
            answer = _closure(
                node, downstream, depth, as_of, url=url, database_url=database_url, timeout=timeout
            )
        typer.echo(json.dumps(answer, indent=2))

    command.__doc__ = f"Every node {direction} of NODE (JSON)."
    app.command(name=direction)(command)


_register_closure(downstream=False)
_register_closure(downstream=True)


def to_mermaid(answer: dict[str, Any]) -> str:
    """A Mermaid flowchart of a closure."""
    index = {n["id"]: f"n{i}" for i, n in enumerate(answer["nodes"])}
    lines = ["flowchart LR"]
    for node in answer["nodes"]:
        shape = ("[[", "]]") if node["type"] == "JOB" else ("[(", ")]")
        lines.append(f'  {index[node["id"]]}{shape[0]}"{node["name"]}"{shape[1]}')
    lines += [f"  {index[e['from']]} --> {index[e['to']]}" for e in answer["edges"]]
    return "\n".join(lines) + "\n"


def to_dot(answer: dict[str, Any]) -> str:
    """A Graphviz digraph of a closure."""
    lines = ["digraph lineage {", "  rankdir=LR;"]
    for node in answer["nodes"]:
        shape = "box" if node["type"] == "JOB" else "cylinder"
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


@app.command()
def graph(
    node: str,
    format: Annotated[str, typer.Option(help="mermaid, dot or json.")] = "mermaid",
    depth: Depth = None,
    url: UrlOpt = None,
    timeout: TimeoutOpt = DEFAULT_TIMEOUT_S,
    database_url: DatabaseUrlOpt = None,
) -> None:
    """Export the lineage downstream of NODE for docs."""
    with guarded():
        if format not in EXPORTERS:
            raise BadRequest(f"--format is one of {', '.join(EXPORTERS)}")
        answer = _closure(
            node, True, depth, None, url=url, database_url=database_url, timeout=timeout
        )
    typer.echo(EXPORTERS[format](answer), nl=False)


@app.command()
def status(
    url: UrlOpt = None, timeout: TimeoutOpt = DEFAULT_TIMEOUT_S, database_url: DatabaseUrlOpt = None
) -> None:
    """Collector health, graph size and database."""
    with guarded():
        answer = open_backend(url, database_url, timeout_s=timeout).status()
    typer.echo(json.dumps(answer, indent=2))


@app.command()
def ingest(
    file: Path,
    url: UrlOpt = None,
    timeout: TimeoutOpt = DEFAULT_TIMEOUT_S,
    chunk: Annotated[int, typer.Option(help="Events per batch request.")] = 500,
) -> None:
    """Send a JSON (array or object) or NDJSON file of events to the batch endpoint."""
    from rich.progress import Progress

    with guarded():
        events = _load_events(file)
        backend, failed = HttpBackend(url or DEFAULT_URL, timeout_s=timeout), 0
        with Progress(console=Console(stderr=True)) as progress:
            task = progress.add_task("ingesting", total=len(events))
            for start in range(0, len(events), chunk):
                part = events[start : start + chunk]
                answer = backend.call("POST", "/api/v1/lineage/batch", json=part)
                failed += answer["summary"]["failed"] if answer else 0
                progress.advance(task, len(part))
    typer.echo(f"sent {len(events)} events, {len(events) - failed} stored, {failed} failed")
    raise typer.Exit(1 if failed else 0)


def _load_events(file: Path) -> list[Any]:
    try:
        text = file.read_text()
        data = (
            json.loads(text) if text.lstrip().startswith(("[", "{")) and "\n{" not in text else None
        )
        if data is None:
            return [json.loads(line) for line in text.splitlines() if line.strip()]
    except (OSError, ValueError) as exc:
        raise BadRequest(f"cannot read events from {file}: {exc}") from exc
    return data if isinstance(data, list) else [data]
