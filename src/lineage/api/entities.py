"""Marquez-compatible entity routes: namespaces, datasets, jobs, runs, events, search."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from sqlalchemy import Connection, Row

from lineage.api.deps import ConnDep
from lineage.api.paths import restore
from lineage.errors import BadRequest, InvalidEvent, NodeNotFound
from lineage.events import parse_time
from lineage.store import read

router = APIRouter(tags=["entities"])

Limit = Annotated[int, Query(ge=1, le=1000, description="Page size.")]
Offset = Annotated[int, Query(ge=0, le=2**31, description="Rows to skip.")]


def _page(key: str, items: list[Any], total: int) -> dict[str, Any]:
    return {key: items, "totalCount": total}


def _dataset_row(conn: ConnDep, namespace: str, dataset: str) -> Row[Any]:
    namespace, dataset = restore(namespace), restore(dataset)
    row = read.find_dataset(conn, namespace, dataset)
    if row is None or row.deleted_at is not None:
        raise NodeNotFound(
            f"dataset {dataset!r} not found in namespace {namespace!r}",
            suggestions=[
                h["nodeId"]
                for h in read.search(conn, dataset.rsplit(".", 1)[-1], kind="DATASET", limit=5)
            ],
        )
    return row


def _job_row(conn: ConnDep, namespace: str, job: str) -> Row[Any]:
    namespace, job = restore(namespace), restore(job)
    row = read.find_job(conn, namespace, job)
    if row is None or row.deleted_at is not None:
        raise NodeNotFound(
            f"job {job!r} not found in namespace {namespace!r}",
            suggestions=[
                h["nodeId"] for h in read.search(conn, job.rsplit(".", 1)[-1], kind="JOB", limit=5)
            ],
        )
    return row


DatasetRow = Annotated[Row[Any], Depends(_dataset_row)]
JobRow = Annotated[Row[Any], Depends(_job_row)]


@router.get("/namespaces", summary="List namespaces")
def namespaces(conn: ConnDep, limit: Limit = 100, offset: Offset = 0) -> dict[str, Any]:
    """Every namespace seen in an event (job or dataset)."""
    return _page("namespaces", *read.list_namespaces(conn, limit=limit, offset=offset))


@router.get("/namespaces/{namespace}/datasets", summary="List datasets of a namespace")
def datasets(
    conn: ConnDep, namespace: str, limit: Limit = 100, offset: Offset = 0
) -> dict[str, Any]:
    """Datasets (canonical identities only) in `namespace`."""
    return _page(
        "datasets", *read.list_datasets(conn, restore(namespace), limit=limit, offset=offset)
    )


@router.get("/namespaces/{namespace}/datasets/{dataset:path}/versions", summary="Dataset versions")
def dataset_versions(
    conn: ConnDep, row: DatasetRow, limit: Limit = 100, offset: Offset = 0
) -> dict[str, Any]:
    """Schema and data versions, newest first."""
    return _page("versions", *read.dataset_versions(conn, row.id, limit=limit, offset=offset))


@router.get("/namespaces/{namespace}/datasets/{dataset:path}", summary="One dataset")
def dataset(conn: ConnDep, row: DatasetRow) -> dict[str, Any]:
    """A dataset with its current schema, facets, aliases, producers and consumers."""
    return read.dataset_detail(conn, row)


@router.get("/namespaces/{namespace}/jobs", summary="List jobs of a namespace")
def jobs(conn: ConnDep, namespace: str, limit: Limit = 100, offset: Offset = 0) -> dict[str, Any]:
    """Jobs in `namespace`, with their latest run."""
    return _page("jobs", *read.list_jobs(conn, restore(namespace), limit=limit, offset=offset))


@router.get("/namespaces/{namespace}/jobs/{job:path}/runs", summary="Runs of a job")
def job_runs(conn: ConnDep, row: JobRow, limit: Limit = 100, offset: Offset = 0) -> dict[str, Any]:
    """Runs of a job, newest first."""
    return _page("runs", *read.job_runs(conn, row.id, limit=limit, offset=offset))


@router.get("/namespaces/{namespace}/jobs/{job:path}", summary="One job")
def job(conn: ConnDep, row: JobRow) -> dict[str, Any]:
    """A job with its current inputs/outputs, facets and latest run."""
    return read.job_detail(conn, row)


def _run_row(conn: Connection, run_id: str) -> Row[Any]:
    row = read.find_run(conn, run_id)
    if row is None:
        raise NodeNotFound(f"run {run_id!r} not found")
    return row


@router.get("/jobs/runs/{run_id}", summary="One run")
def run(conn: ConnDep, run_id: str) -> dict[str, Any]:
    """A run by UUID (or by the raw id its producer sent)."""
    return read.run_detail(conn, _run_row(conn, run_id))


@router.get("/jobs/runs/{run_id}/children", summary="A run with its child runs")
def run_children(conn: ConnDep, run_id: str) -> dict[str, Any]:
    """A DAG run with its task runs (and their query runs), each with its state."""
    return _run_tree(conn, _run_row(conn, run_id), set())


def _run_tree(conn: Connection, row: Row[Any], seen: set[str]) -> dict[str, Any]:
    seen.add(row.id)
    out = read.run_detail(conn, row, with_facets=False)
    out["children"] = [
        _run_tree(conn, child, seen)
        for child in read.child_runs(conn, row.id)
        if child.id not in seen
    ]
    return out


@router.get("/jobs/runs/{run_id}/facets", summary="Facets of a run or of its job")
def run_facets(conn: ConnDep, run_id: str, type: Literal["run", "job"] = "run") -> dict[str, Any]:
    """Marquez's facet endpoint: the run's (or its job's) current facets."""
    row = _run_row(conn, run_id)
    if type == "run":
        return {"runId": row.id, "facets": read.facets_of(conn, "run", [row.id])[row.id]}
    key = str(row.job_id)
    return {"runId": row.id, "facets": read.facets_of(conn, "job", [key])[key]}


@router.get("/events/lineage", summary="Raw events by eventTime")
def events(
    conn: ConnDep,
    before: str | None = None,
    after: str | None = None,
    sortDirection: Literal["asc", "desc"] = "desc",
    limit: Limit = 100,
    offset: Offset = 0,
) -> dict[str, Any]:
    """The event log, as received."""
    items, total = read.list_events(
        conn,
        before=_time(before, "before"),
        after=_time(after, "after"),
        limit=limit,
        offset=offset,
        ascending=sortDirection == "asc",
    )
    return _page("events", items, total)


def _time(value: str | None, name: str) -> datetime | None:
    try:
        return parse_time(value, name)
    except InvalidEvent as exc:
        raise BadRequest(exc.message, field=name) from exc


@router.get("/search", summary="Search datasets, jobs and models by name")
def search(
    conn: ConnDep,
    q: Annotated[str, Query(min_length=1, max_length=1024)],
    filter: Literal["DATASET", "JOB", "MODEL"] | None = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
) -> dict[str, Any]:
    """Type-ahead search: names containing `q`, prefix matches first."""
    results = read.search(conn, q, kind=filter, limit=limit)
    return {"results": results, "totalCount": len(results)}
