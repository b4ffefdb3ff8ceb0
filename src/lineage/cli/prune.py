"""`lineage db prune`: retention for run history and the raw event log."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Annotated

import typer

from lineage.cli.main import DatabaseUrl, db_app, err, store_engine
from lineage.cli.output import progress_bar
from lineage.errors import BadRequest

_AGE = re.compile(r"^(\d+)([dhw])$")
_UNIT = {"h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}


def parse_age(text: str) -> timedelta:
    """`90d`, `12h` or `4w` as a timedelta."""
    match = _AGE.match(text.strip())
    if match is None:
        raise BadRequest(f"--older-than {text!r} is not an age such as 90d, 12h or 4w")
    return int(match.group(1)) * _UNIT[match.group(2)]


@db_app.command("prune")
def db_prune(
    older_than: Annotated[
        str, typer.Option("--older-than", help="Age cutoff: 90d, 12h or 4w (by event time).")
    ],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Only print what would be removed.")
    ] = False,
    database_url: DatabaseUrl = None,
) -> None:
    """Remove old runs (with their run_io and facets) and raw events; never the current graph.

    Every job keeps its latest run, and datasets, jobs and current lineage edges stay. Pruned
    events are gone for good: `lineage db replay` can only rebuild what remains in the log.
    """
    from lineage.store.db import unavailable_as_503
    from lineage.store.prune import prune

    cutoff = datetime.now(UTC) - parse_age(older_than)
    engine = store_engine(database_url, existing=True)
    with unavailable_as_503("pruning"), progress_bar("pruning", None):
        counts = prune(engine, older_than=cutoff, dry_run=dry_run)
    verb = "would remove" if dry_run else "removed"
    typer.echo(
        f"{verb} (before {cutoff.isoformat(timespec='seconds')}): {counts.runs} runs, "
        f"{counts.run_io} run_io rows, {counts.facets} facets, "
        f"{counts.dependent_rows} dependent rows, {counts.events} events"
    )
    err.print("note: pruned events can no longer be replayed (lineage db replay)")
