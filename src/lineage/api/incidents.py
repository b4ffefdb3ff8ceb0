"""Incident routes: the blast radius of a bad run or dataset, the provenance of a run or of
a data version; answers from `lineage.query.incidents`, encoded as they are."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from lineage.api.deps import ConnDep, UsesDep
from lineage.api.entities import DatasetRow
from lineage.api.paths import restore
from lineage.api.wire import StructResponse, typed
from lineage.query import incidents as q

router = APIRouter(tags=["incidents"])

Limit = Annotated[
    int, Query(ge=1, le=q.MAX_LIMIT, description="Most runs in the answer (then `truncated`).")
]
Depth = Annotated[int, Query(ge=1, le=q.MAX_DEPTH, description="Most hops from the root.")]


class BlastRadiusIn(BaseModel):
    """A bad run, or a bad dataset in a time window."""

    model_config = ConfigDict(extra="forbid")  # a misspelt key is a 422 naming it

    run: str | None = Field(None, description="The bad run's id.")
    dataset: str | None = Field(None, description="The bad dataset's node id.")
    since: str | None = Field(None, description="RFC 3339: versions written from (inclusive).")
    until: str | None = Field(None, description="RFC 3339: versions written before (exclusive).")
    limit: int = Field(q.DEFAULT_LIMIT, ge=1, le=q.MAX_LIMIT, description="Most tainted runs.")
    depth: int = Field(q.DEFAULT_DEPTH, ge=1, le=q.MAX_DEPTH, description="Most hops.")


@router.post(
    "/incidents/blast-radius",
    summary="What was built on a bad run's (or a bad dataset's) data, and the re-run plan",
    **typed(q.BlastRadius, 400, 404, 422),
)
def blast_radius(body: BlastRadiusIn, conn: ConnDep, uses: UsesDep) -> StructResponse:
    """Tainted runs, datasets and models, and the jobs to re-run in dependency order, from
    `{"run": id}` or `{"dataset": nodeId, "since": time, "until": time}`; the walk reads the
    process's index of run uses."""
    answer = q.blast_radius(
        conn,
        run=body.run,
        dataset=body.dataset,
        since=body.since,
        until=body.until,
        limit=body.limit,
        depth=body.depth,
        index=uses,
    )
    return StructResponse(answer)


@router.get(
    "/jobs/runs/{run_id}/provenance",
    summary="The runs and exact input versions upstream of a run",
    **typed(q.Provenance, 400, 404),
)
def run_provenance(
    conn: ConnDep, run_id: str, limit: Limit = q.DEFAULT_LIMIT, depth: Depth = q.DEFAULT_DEPTH
) -> StructResponse:
    """Upstream of the run: each run's state, code version, parameters, the version of each
    input it read and any failed quality check, hop by hop."""
    return StructResponse(q.run_provenance(conn, run_id, limit=limit, depth=depth))


@router.get(
    "/namespaces/{namespace}/datasets/{dataset:path}/versions/{version}/provenance",
    summary="The runs and exact input versions that produced a data version",
    **typed(q.Provenance, 400, 404),
)
def version_provenance(
    conn: ConnDep,
    row: DatasetRow,
    version: str,
    limit: Limit = q.DEFAULT_LIMIT,
    depth: Depth = q.DEFAULT_DEPTH,
) -> StructResponse:
    """Provenance of the version a COMPLETED run wrote, named by its `version` facet or by
    the writing run's id."""
    return StructResponse(
        q.version_provenance(conn, row.id, restore(version), limit=limit, depth=depth)
    )
