"""`lineage runs DATASET` and `lineage models --dataset DATASET`: run history, not the graph.

Both ask the same questions as `GET /api/v1/namespaces/{ns}/datasets/{name}/runs` and
`GET /api/v1/models?dataset=`, from a collector or offline on a database.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from lineage.cli.common import (
    OpenBackend,
    guarded,
    with_connection,
)
from lineage.cli.main import app
from lineage.cli.output import FormatOpt, Section, chosen_format, show
from lineage.errors import BadRequest

Limit = Annotated[int, typer.Option(help="Most rows.", min=1, max=1000)]
Role = Annotated[str | None, typer.Option(help="input or output (default: both).")]


@app.command()
@with_connection
def runs(
    dataset: str,
    role: Role = None,
    since: Annotated[str | None, typer.Option(help="RFC 3339 time (inclusive).")] = None,
    until: Annotated[str | None, typer.Option(help="RFC 3339 time (exclusive).")] = None,
    limit: Limit = 100,
    format: FormatOpt = None,
    *,
    open_backend: OpenBackend,
) -> None:
    """Every run that ever read or wrote DATASET (a dataset:<ns>:<name> id), newest first."""
    with guarded():
        chosen = chosen_format(format)
        if role not in (None, "input", "output"):
            raise BadRequest(f"--role is input or output, got {role!r}", field="--role")
        params = {"role": role, "since": since, "until": until, "limit": limit}
        answer = open_backend().dataset_runs(
            dataset, {k: v for k, v in params.items() if v is not None}
        )
    show(answer, chosen, runs_sections, heading=f"Runs of {dataset}")


def runs_sections(answer: dict[str, Any]) -> list[Section]:
    """One row per run."""
    rows = [
        (
            r["id"],
            f"{r['jobNamespace']}:{r['jobName']}",
            r["state"],
            ",".join(r["roles"]),
            r["startedAt"] or "",
            r["endedAt"] or "",
            ", ".join(o["name"] for o in r["outputs"]),
        )
        for r in answer["runs"]
    ]
    columns = ("run", "job", "state", "roles", "started", "ended", "outputs")
    return [Section(f"{len(rows)} of {answer['totalCount']} runs", columns, rows)]


@app.command()
@with_connection
def models(
    dataset: Annotated[str, typer.Option("--dataset", help="dataset:<ns>:<name>")],
    limit: Limit = 100,
    format: FormatOpt = None,
    *,
    open_backend: OpenBackend,
) -> None:
    """Every model version trained on DATASET, directly or through intermediate datasets."""
    with guarded():
        chosen = chosen_format(format)
        answer = open_backend().models_trained_on(dataset, limit=limit)
    show(answer, chosen, models_sections, heading=f"Model versions trained on {dataset}")


def models_sections(answer: dict[str, Any]) -> list[Section]:
    """One row per model version."""
    rows = [
        (
            m["nodeId"],
            m["uri"] or "",
            str(m["hops"]),
            m["trainingRun"]["id"],
            f"{m['trainingRun']['jobNamespace']}:{m['trainingRun']['jobName']}",
            m["createdAt"],
        )
        for m in answer["modelVersions"]
    ]
    columns = ("model", "uri", "hops", "run", "job", "created")
    return [Section(f"{len(rows)} of {answer['totalCount']} model versions", columns, rows)]
