"""Run history of a dataset: every run that read or wrote it, whatever its job does now.

The lineage routes answer "what is connected now" (each job's newest run); this one answers
"which runs ever used it" from the store's record of every run's inputs and outputs.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from lineage.api.deps import ConnDep
from lineage.api.entities import DatasetRow, Limit, Offset
from lineage.api.wire import StructResponse, typed
from lineage.query import params
from lineage.query import run_history as q
from lineage.store import dataset_runs

router = APIRouter(tags=["history"])

RoleQuery = Annotated[
    dataset_runs.Role | None,
    Query(description="Only runs that read (`input`) or wrote (`output`) the dataset"),
]
TimeQuery = Annotated[str | None, Query(description="RFC 3339 time (a run's first event)")]


@router.get(
    "/namespaces/{namespace}/datasets/{dataset:path}/runs",
    summary="Every run that read or wrote a dataset",
    **typed(q.DatasetRuns, 400, 404),
)
def runs_of_dataset(
    conn: ConnDep,
    row: DatasetRow,
    role: RoleQuery = None,
    since: TimeQuery = None,
    until: TimeQuery = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> StructResponse:
    """Runs that read or wrote the dataset (or an alias of it), newest first: each with its
    job, state, times, inputs, outputs, facets and `roles` for this dataset. `since` is
    inclusive, `until` exclusive, both on the run's first event time."""
    return StructResponse(
        q.runs_of_dataset(
            conn,
            row.id,
            role=role,
            since=params.time(since, "since"),
            until=params.time(until, "until"),
            limit=limit,
            offset=offset,
        )
    )
