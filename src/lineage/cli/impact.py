"""`lineage impact`: what breaks downstream of a proposed schema change (exit codes for CI)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from lineage.cli.common import (
    OpenBackend,
    exit_on_findings,
    guarded,
    one_of,
    read_text,
    with_connection,
)
from lineage.cli.main import app
from lineage.cli.output import chosen_format, console
from lineage.errors import BadRequest

FAIL_LEVELS = ("breaking", "possibly", "never")


def _pairs(values: list[str], option: str) -> list[tuple[str, str]]:
    out = []
    for value in values:
        left, sep, right = value.partition("=")
        if not sep or not left or not right:
            raise BadRequest(f"{option} takes OLD=NEW, got {value!r}", field=option)
        out.append((left, right))
    return out


def build_request(
    dataset: str | None,
    *,
    namespace: str | None,
    drop_column: list[str],
    rename_column: list[str],
    change_type: list[str],
    drop_dataset: bool,
    ddl: str | None,
    dialect: str | None,
    schema: dict[str, Any] | list[Any] | None,
) -> dict[str, Any]:
    """The wire request of `POST /api/v1/impact` from the command's options."""
    changes: list[dict[str, str]] = [{"kind": "drop_column", "column": c} for c in drop_column]
    changes += [
        {"kind": "rename_column", "column": a, "newName": b}
        for a, b in _pairs(rename_column, "--rename-column")
    ]
    changes += [
        {"kind": "change_type", "column": a, "newType": b}
        for a, b in _pairs(change_type, "--change-type")
    ]
    if drop_dataset:
        changes.append({"kind": "drop_dataset"})
    request = {
        "dataset": dataset,
        "namespace": namespace,
        "changes": changes,
        "ddl": ddl,
        "dialect": dialect,
        "schema": schema,
    }
    return {k: v for k, v in request.items() if v not in (None, [])}


@app.command()
@with_connection
def impact(
    dataset: Annotated[
        str | None, typer.Argument(help="Node id, or a name with --namespace.")
    ] = None,
    namespace: Annotated[
        str | None, typer.Option(help="Namespace of DATASET / DDL tables.")
    ] = None,
    drop_column: Annotated[list[str] | None, typer.Option(help="Column to drop.")] = None,
    rename_column: Annotated[list[str] | None, typer.Option(help="OLD=NEW.")] = None,
    change_type: Annotated[list[str] | None, typer.Option(help="COLUMN=TYPE.")] = None,
    drop_dataset: Annotated[bool, typer.Option(help="Drop the whole dataset.")] = False,
    ddl: Annotated[str | None, typer.Option(help="ALTER/DROP statements.")] = None,
    ddl_file: Annotated[Path | None, typer.Option(help="File of DDL statements.")] = None,
    dialect: Annotated[str | None, typer.Option(help="sqlglot dialect of the DDL.")] = None,
    schema: Annotated[Path | None, typer.Option(help="Proposed schema (JSON fields).")] = None,
    format: Annotated[
        str | None, typer.Option("--format", help="table (the default), json or markdown.")
    ] = None,
    limit: Annotated[
        int, typer.Option(help="Rows per section in table/markdown (0: all).", min=0)
    ] = 50,
    fail_on: Annotated[str, typer.Option(help="breaking, possibly or never.")] = "breaking",
    *,
    open_backend: OpenBackend,
) -> None:
    """Breaking and possibly affected downstream datasets of a proposed schema change.

    Exit 0 when clean, 1 when impact at or above --fail-on, 2 usage error, 3 collector or
    database unavailable, 4 API key missing or refused.
    """
    from lineage.cli.impact_output import RENDERERS

    with guarded():
        chosen = chosen_format(format, default="table")  # CI logs read the table
        one_of(fail_on, FAIL_LEVELS, "--fail-on")
        if ddl_file is not None:
            ddl = "\n".join(filter(None, [ddl, read_text(ddl_file, "--ddl-file")]))
        request = build_request(
            dataset,
            namespace=namespace,
            drop_column=drop_column or [],
            rename_column=rename_column or [],
            change_type=change_type or [],
            drop_dataset=drop_dataset,
            ddl=ddl,
            dialect=dialect,
            schema=_schema(schema) if schema is not None else None,
        )
        report = open_backend().impact(request)
    RENDERERS[chosen](report, console(), limit)
    breaking, possibly = report["summary"]["breaking"], report["summary"]["possibly"]
    exit_on_findings(fail_on, {"breaking": bool(breaking), "possibly": bool(breaking or possibly)})


def _schema(path: Path) -> Any:
    """The proposed schema file's JSON, or a BadRequest naming the line it broke on."""
    try:
        return json.loads(read_text(path, "--schema"))
    except json.JSONDecodeError as exc:
        raise BadRequest(
            f"--schema {path} is not JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}",
            field="--schema",
        ) from exc
