"""Run history of a dataset: every run that read or wrote it, whatever its job does now.

The lineage routes answer "what is connected now" (each job's newest run); this one answers
"which runs ever used it" from the store's record of every run's inputs and outputs.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from lineage.api.deps import ConnDep
from lineage.api.entities import DatasetRow, Limit, Offset
from lineage.query import params
from lineage.store import dataset_runs, read

router = APIRouter(tags=["history"])

RoleQuery = Annotated[
    dataset_runs.Role | None,
    Query(description="Only runs that read (`input`) or wrote (`output`) the dataset"),
]
TimeQuery = Annotated[str | None, Query(description="RFC 3339 time (a run's first event)")]


@router.get(
    "/namespaces/{namespace}/datasets/{dataset:path}/runs", summary="Every run that used a dataset"
)
def runs_of_dataset(
    conn: ConnDep,
    row: DatasetRow,
    role: RoleQuery = None,
    since: TimeQuery = None,
    until: TimeQuery = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> dict[str, Any]:
    """Runs that read or wrote the dataset (or an alias of it), newest first: each with its
    job, state, times, inputs, outputs and `roles` for this dataset. `since` is inclusive,
    `until` exclusive, both on the run's first event time."""
    page, total = dataset_runs.dataset_runs(
        conn,
        read.identity_ids(conn, row.id),
        role=role,
        since=params.time(since, "since"),
        until=params.time(until, "until"),
        limit=limit,
        offset=offset,
    )
    details = read.run_details(conn, [run for run, _ in page], with_facets=False)
    for detail, (_, roles) in zip(details, page, strict=True):
        detail["roles"] = roles
    return {"runs": details, "totalCount": total}
