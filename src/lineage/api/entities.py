"""Entity routes: namespaces, datasets, jobs, runs, events, search; answers from
`lineage.query.entities`, encoded as they are."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from sqlalchemy import Connection, Row

from lineage.api.deps import ConnDep
from lineage.api.paths import restore
from lineage.api.wire import StructResponse, typed
from lineage.errors import BadRequest, NodeNotFound
from lineage.query import entities as q
from lineage.query import params
from lineage.query import tags as tagging
from lineage.query import types as t
from lineage.store import read

router = APIRouter(tags=["entities"])

Limit = Annotated[int, Query(ge=1, le=1000, description="Page size.")]
Offset = Annotated[int, Query(ge=0, le=2**31, description="Rows to skip.")]
TagQuery = Annotated[
    str | None, Query(description="KEY or KEY:VALUE: only the nodes carrying that tag")
]


def dataset_row(conn: Connection, namespace: str, dataset: str) -> Row[Any]:
    """The canonical row of a visible dataset; 404 with suggestions otherwise."""
    row = read.find_dataset(conn, namespace, dataset)
    if row is None or row.deleted_at is not None:
        raise NodeNotFound(
            f"dataset {dataset!r} not found in namespace {namespace!r}",
            field="dataset",
            suggestions=q.suggest_by_search(conn, dataset, kind="DATASET"),
        )
    return row


def job_row(conn: Connection, namespace: str, job: str) -> Row[Any]:
    """The row of a visible job; 404 with suggestions otherwise."""
    row = read.find_job(conn, namespace, job)
    if row is None or row.deleted_at is not None:
        raise NodeNotFound(
            f"job {job!r} not found in namespace {namespace!r}",
            field="job",
            suggestions=q.suggest_by_search(conn, job, kind="JOB"),
        )
    return row


def _dataset_dep(conn: ConnDep, namespace: str, dataset: str) -> Row[Any]:
    return dataset_row(conn, restore(namespace), restore(dataset))


def _job_dep(conn: ConnDep, namespace: str, job: str) -> Row[Any]:
    return job_row(conn, restore(namespace), restore(job))


DatasetRow = Annotated[Row[Any], Depends(_dataset_dep)]
JobRow = Annotated[Row[Any], Depends(_job_dep)]


@router.get("/namespaces", summary="List namespaces", **typed(t.Namespaces, 400))
def namespaces(conn: ConnDep, limit: Limit = 100, offset: Offset = 0) -> StructResponse:
    """Every namespace seen in an event (job or dataset)."""
    return StructResponse(q.namespaces(conn, limit=limit, offset=offset))


@router.get(
    "/namespaces/{namespace}/datasets",
    summary="List datasets of a namespace",
    **typed(t.Datasets, 400, 404),
)
def datasets(
    conn: ConnDep, namespace: str, limit: Limit = 100, offset: Offset = 0, tag: TagQuery = None
) -> StructResponse:
    """Datasets (canonical identities only) in `namespace`."""
    return StructResponse(
        q.list_datasets(
            conn, restore(namespace), limit=limit, offset=offset, tag=tagging.parse(tag)
        )
    )


@router.get(
    "/namespaces/{namespace}/datasets/{dataset:path}/versions",
    summary="Dataset versions",
    **typed(t.DatasetVersions, 400, 404),
)
def dataset_versions(
    conn: ConnDep, row: DatasetRow, limit: Limit = 100, offset: Offset = 0
) -> StructResponse:
    """Schema and data versions, newest first."""
    return StructResponse(q.dataset_versions(conn, row.id, limit=limit, offset=offset))


@router.get(
    "/namespaces/{namespace}/datasets/{dataset:path}",
    summary="One dataset",
    **typed(t.Dataset, 404),
)
def dataset(conn: ConnDep, row: DatasetRow) -> StructResponse:
    """A dataset with its current schema, facets, aliases, producers and consumers."""
    return StructResponse(q.dataset(conn, row))


@router.get(
    "/namespaces/{namespace}/jobs", summary="List jobs of a namespace", **typed(t.Jobs, 400, 404)
)
def jobs(
    conn: ConnDep, namespace: str, limit: Limit = 100, offset: Offset = 0, tag: TagQuery = None
) -> StructResponse:
    """Jobs in `namespace`, with their latest run."""
    return StructResponse(
        q.list_jobs(conn, restore(namespace), limit=limit, offset=offset, tag=tagging.parse(tag))
    )


@router.get(
    "/namespaces/{namespace}/jobs/{job:path}/runs",
    summary="Runs of a job",
    **typed(t.Runs, 400, 404),
)
def job_runs(conn: ConnDep, row: JobRow, limit: Limit = 100, offset: Offset = 0) -> StructResponse:
    """Runs of a job, newest first."""
    return StructResponse(q.job_runs(conn, row.id, limit=limit, offset=offset))


@router.get("/namespaces/{namespace}/jobs/{job:path}", summary="One job", **typed(t.Job, 404))
def job(conn: ConnDep, row: JobRow) -> StructResponse:
    """A job with its current inputs/outputs, facets and latest run."""
    return StructResponse(q.job(conn, row))


def _run_row(conn: Connection, run_id: str) -> Row[Any]:
    row = read.find_run(conn, run_id)
    if row is None:
        raise NodeNotFound(f"run {run_id!r} not found", field="run_id")
    return row


@router.get("/jobs/runs/{run_id}", summary="One run", **typed(t.Run, 404))
def run(conn: ConnDep, run_id: str) -> StructResponse:
    """A run by UUID (or by the raw id its producer sent)."""
    return StructResponse(q.run(conn, _run_row(conn, run_id)))


@router.get(
    "/jobs/runs/{run_id}/children", summary="A run with its child runs", **typed(t.RunTree, 404)
)
def run_children(conn: ConnDep, run_id: str) -> StructResponse:
    """A DAG run with its task runs (and their query runs), each with its state."""
    return StructResponse(q.run_tree(conn, _run_row(conn, run_id)))


@router.get(
    "/jobs/runs/{run_id}/facets",
    summary="Facets of a run or of its job",
    **typed(t.RunFacets, 400, 404),
)
def run_facets(
    conn: ConnDep,
    run_id: str,
    type: Annotated[
        Literal["run", "job"], Query(description="The run's facets, or its job's")
    ] = "run",
) -> StructResponse:
    """Marquez's facet endpoint: the run's (or its job's) current facets."""
    row = _run_row(conn, run_id)
    key, owner = (row.id, "run") if type == "run" else (str(row.job_id), "job")
    return StructResponse(t.RunFacets(row.id, read.facets_of(conn, owner, [key])[key]))


@router.get("/events/lineage", summary="Raw events by eventTime", **typed(t.Events, 400))
def events(
    conn: ConnDep,
    before: Annotated[str | None, Query(description="RFC 3339: events at or before")] = None,
    after: Annotated[str | None, Query(description="RFC 3339: events at or after")] = None,
    sortDirection: Literal["asc", "desc"] = "desc",
    limit: Limit = 100,
    offset: Offset = 0,
) -> StructResponse:
    """The event log, each event byte for byte as received."""
    return StructResponse(
        q.events(
            conn,
            before=params.time(before, "before"),
            after=params.time(after, "after"),
            limit=limit,
            offset=offset,
            ascending=sortDirection == "asc",
        )
    )


@router.get(
    "/search", summary="Search datasets, jobs and models by name", **typed(t.SearchResults, 400)
)
def search(
    conn: ConnDep,
    q_: Annotated[
        str | None,
        Query(
            alias="q",
            min_length=1,
            max_length=1024,
            description="Text names contain (optional with `tag`)",
        ),
    ] = None,
    filter: Annotated[
        Literal["DATASET", "JOB", "MODEL"] | None, Query(description="Only this type")
    ] = None,
    sort: Annotated[
        Literal["NAME", "UPDATE_AT"] | None,
        Query(description="NAME: by name; UPDATE_AT: newest first; default: best match first"),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=100, description="Most results")] = 10,
    tag: TagQuery = None,
) -> StructResponse:
    """Type-ahead search: exact name matches first, then prefix matches, then the rest (or
    as Marquez's `sort` says); `%` and `_` in `q` match themselves. With `tag`, only the
    nodes carrying it (every such node when `q` is left out)."""
    tagged = tagging.parse(tag)
    if q_ is None and tagged is None:
        raise BadRequest("q: give the text to search for (or a tag)", field="q")
    return StructResponse(q.search(conn, q_ or "", kind=filter, limit=limit, sort=sort, tag=tagged))
