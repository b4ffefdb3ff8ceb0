"""`lineage blast-radius` and `lineage provenance`: incidents, with exit codes for CI.

Both ask the same questions as `POST /api/v1/incidents/blast-radius` and
`GET /api/v1/jobs/runs/{runId}/provenance`, from a collector or offline on a database; the
Markdown format is made to be pasted into an incident ticket.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from lineage.cli.common import (
    OpenBackend,
    exit_on_findings,
    guarded,
    one_of,
    with_connection,
)
from lineage.cli.main import app
from lineage.cli.output import Section, chosen_format, show

FormatOpt = Annotated[
    str | None, typer.Option("--format", help="table (the default), json or markdown.")
]
LimitOpt = Annotated[int, typer.Option(help="Most runs in the answer.", min=1, max=100_000)]
DepthOpt = Annotated[int, typer.Option(help="Most hops from the start.", min=1, max=10_000)]
BLAST_LEVELS = ("tainted", "models", "never")
PROVENANCE_LEVELS = ("failed", "never")


@app.command("blast-radius")
@with_connection
def blast_radius(
    run_id: Annotated[str | None, typer.Argument(help="The bad run's id.")] = None,
    dataset: Annotated[
        str | None, typer.Option("--dataset", help="The bad dataset: dataset:<ns>:<name>.")
    ] = None,
    since: Annotated[
        str | None, typer.Option(help="With --dataset: versions written from (RFC 3339).")
    ] = None,
    until: Annotated[
        str | None, typer.Option(help="With --dataset: versions written before (RFC 3339).")
    ] = None,
    limit: LimitOpt = 1000,
    depth: DepthOpt = 100,
    format: FormatOpt = None,
    fail_on: Annotated[str, typer.Option(help="tainted, models or never.")] = "tainted",
    *,
    open_backend: OpenBackend,
) -> None:
    """What was built on a bad run's data (or on a dataset's versions written since a time),
    and the order to re-run it in.

    Exit 0 when nothing is tainted, 1 when something is at --fail-on (tainted: any dataset,
    model or downstream run; models: any model), 2 usage error, 3 collector or database
    unavailable, 4 API key missing or refused.
    """
    with guarded():
        chosen = chosen_format(format, default="table")
        one_of(fail_on, BLAST_LEVELS, "--fail-on")
        request = {"run": run_id, "dataset": dataset, "since": since, "until": until}
        answer = open_backend().blast_radius({**request, "limit": limit, "depth": depth})
    origin = answer["origin"]
    start = f"run {origin['run']}" if origin["run"] else f"{origin['dataset']} since {since}"
    heading = f"Blast radius of {start}" + (" (truncated)" if answer["truncated"] else "")
    show(answer, chosen, blast_sections, heading=heading)
    tainted = bool(answer["datasets"] or answer["models"] or len(answer["runs"]) > 1)
    exit_on_findings(fail_on, {"tainted": tainted, "models": bool(answer["models"])})


def blast_sections(answer: dict[str, Any]) -> list[Section]:
    """The re-run plan, then what is tainted, then the clean reads around it."""
    plan = [
        (str(i), s["job"], str(len(s["runs"])), ", ".join(s["after"]))
        for i, s in enumerate(answer["plan"], 1)
    ]
    runs = [
        (r["id"], r["job"], r["state"], str(r["depth"]), r["startedAt"] or "", r["endedAt"] or "")
        for r in answer["runs"]
    ]
    datasets = [
        (
            d["id"],
            d["firstTainted"]["run"],
            d["firstTainted"]["writtenAt"],
            str(d["taintedVersions"]),
            _version(d["replacedBy"]),
        )
        for d in answer["datasets"]
    ]
    models = [
        (m["id"], m["version"] or "", m["trainingRun"], m["trainingJob"], m["trainedAt"])
        for m in answer["models"]
    ]
    clean = [
        (u["run"], u["job"], u["dataset"], u["startedAt"], _version(u["read"]))
        for u in answer["untaintedReads"]
    ]
    return [
        Section("Re-run plan", ("#", "job", "tainted runs", "after"), plan),
        Section(
            f"{len(runs)} tainted runs", ("run", "job", "state", "depth", "started", "ended"), runs
        ),
        Section(
            f"{len(datasets)} tainted datasets",
            ("dataset", "first tainted by", "written", "tainted versions", "replaced by"),
            datasets,
        ),
        Section(
            f"{len(models)} models trained on tainted data",
            ("model", "version", "training run", "job", "trained"),
            models,
        ),
        Section(
            "Not tainted: read a clean version",
            ("run", "job", "dataset", "started", "read"),
            clean,
        ),
    ]


def _version(ref: dict[str, Any] | None) -> str:
    if ref is None:
        return ""
    named = f"{ref['version']} " if ref["version"] else ""
    return f"{named}by {ref['run']} at {ref['writtenAt']}"


@app.command()
@with_connection
def provenance(
    run_id: Annotated[str, typer.Argument(help="The run whose output looks wrong.")],
    limit: LimitOpt = 1000,
    depth: DepthOpt = 100,
    format: FormatOpt = None,
    fail_on: Annotated[str, typer.Option(help="failed or never.")] = "failed",
    *,
    open_backend: OpenBackend,
) -> None:
    """The runs, and the exact input versions, upstream of RUN_ID: state, code version,
    parameters and failed quality checks of each.

    Exit 0 when every run upstream completed and no check failed, 1 otherwise (with --fail-on
    failed), 2 usage error, 3 collector or database unavailable, 4 API key missing or refused.
    """
    with guarded():
        chosen = chosen_format(format, default="table")
        one_of(fail_on, PROVENANCE_LEVELS, "--fail-on")
        answer = open_backend().provenance(run_id, limit=limit, depth=depth)
    heading = f"Provenance of run {run_id}" + (" (truncated)" if answer["truncated"] else "")
    show(answer, chosen, provenance_sections, heading=heading)
    failed = any(r["state"] in ("FAILED", "ABORTED") or r["failedChecks"] for r in answer["runs"])
    exit_on_findings(fail_on, {"failed": failed})


def provenance_sections(answer: dict[str, Any]) -> list[Section]:
    """The runs, the versions they read, and the checks that failed."""
    runs = [
        (
            r["id"],
            r["job"],
            r["state"],
            str(r["depth"]),
            _code(r["code"]),
            ", ".join(f"{k}={v}" for k, v in r["parameters"].items()),
        )
        for r in answer["runs"]
    ]
    reads = [
        (r["id"], i["dataset"], i["version"] or "", i["run"] or "", i["writtenAt"] or "")
        for r in answer["runs"]
        for i in r["inputs"]
    ]
    checks = [
        (r["id"], c["dataset"] or "", c["assertion"] or "", c["column"] or "")
        for r in answer["runs"]
        for c in r["failedChecks"]
    ]
    return [
        Section(f"{len(runs)} runs", ("run", "job", "state", "depth", "code", "parameters"), runs),
        Section("Inputs read", ("run", "dataset", "version", "written by", "written"), reads),
        Section("Failed checks", ("run", "dataset", "assertion", "column"), checks),
    ]


def _code(code: dict[str, Any] | None) -> str:
    if code is None:
        return ""
    where = code["url"] or code["repoUrl"] or ""
    at = code["version"] or code["tag"] or code["branch"]
    return f"{where}@{at}" if at else where
