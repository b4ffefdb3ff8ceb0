"""Routes for browsing the store (the explorer's home page): an overview, and paged,
filtered, sorted lists of datasets and jobs. Read scope, like every GET."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from lineage.api.deps import ConnDep
from lineage.api.wire import StructResponse, typed
from lineage.query import browse
from lineage.query import tags as tagging

router = APIRouter(tags=["browse"])

Limit = Annotated[int, Query(ge=1, le=500, description="Page size.")]
Offset = Annotated[int, Query(ge=0, le=2**31, description="Rows to skip.")]
Namespace = Annotated[str | None, Query(max_length=1024, description="Only this namespace.")]
Text = Annotated[
    str | None,
    Query(max_length=256, description="Name or namespace contains this (case-insensitive)."),
]
Tag = Annotated[
    str | None,
    Query(max_length=256, description="KEY or KEY:VALUE: carries that tag."),
]


@router.get(
    "/overview", summary="Counts, namespaces, recent runs, schema changes", **typed(browse.Overview)
)
def overview(conn: ConnDep) -> StructResponse:
    """What the explorer's home page shows: counts, namespaces with their sizes, the 20 most
    recent runs (failed and aborted first) and the 10 most recent schema changes."""
    return StructResponse(browse.overview(conn))


@router.get(
    "/browse/datasets", summary="Datasets, filtered and sorted", **typed(browse.DatasetPage, 400)
)
def browse_datasets(
    conn: ConnDep,
    namespace: Namespace = None,
    kind: Annotated[Literal["dataset", "model"] | None, Query(description="Kind.")] = None,
    tag: Tag = None,
    q: Text = None,
    sort: Annotated[browse.DatasetSort, Query(description="Order; `-` for descending.")] = "name",
    limit: Limit = 50,
    offset: Offset = 0,
) -> StructResponse:
    """Live datasets (no aliases, no soft-deleted ones) matching every filter given."""
    return StructResponse(
        browse.list_datasets(
            conn,
            namespace=namespace,
            kind=kind,
            tag=tagging.parse(tag),
            q=q,
            sort=sort,
            limit=limit,
            offset=offset,
        )
    )


@router.get("/browse/jobs", summary="Jobs, filtered and sorted", **typed(browse.JobPage, 400))
def browse_jobs(
    conn: ConnDep,
    namespace: Namespace = None,
    state: Annotated[
        browse.RunState | None,
        Query(description="State of the latest run; `none` for jobs that never ran."),
    ] = None,
    q: Text = None,
    sort: Annotated[
        browse.JobSort, Query(description="Order; `-` for descending, `state` failed first.")
    ] = "name",
    limit: Limit = 50,
    offset: Offset = 0,
    tag: Tag = None,
) -> StructResponse:
    """Live jobs with their latest run, matching every filter given."""
    return StructResponse(
        browse.list_jobs(
            conn,
            namespace=namespace,
            state=state,
            q=q,
            sort=sort,
            limit=limit,
            offset=offset,
            tag=tagging.parse(tag),
        )
    )
