"""Soft delete and restore of datasets and jobs.

`DELETE .../datasets/{name}` (or `.../jobs/{name}`) hides the node: it 404s on detail
routes, leaves lists and search, and lineage answers no longer pass through it.
`POST .../restore` brings it back. Rows and history are kept; the graph is updated only
after the change is committed, and a restart (which hides nodes by `deleted_at`) agrees.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter
from sqlalchemy import Connection, Engine, Row, Table

from lineage.api.deps import EngineDep, GraphDep
from lineage.api.paths import restore
from lineage.errors import NodeNotFound
from lineage.graph import LineageGraph
from lineage.store import read
from lineage.store import schema as s
from lineage.store.changes import NodeKey, dataset_key, job_key
from lineage.store.db import unavailable_as_503
from lineage.store.soft_delete import set_deleted

router = APIRouter(tags=["admin"])

Finder = Callable[[Connection, str, str], Row[Any] | None]
Detail = Callable[[Connection, Row[Any]], dict[str, Any]]
KeyOf = Callable[[str, str], NodeKey]

_KINDS: dict[str, tuple[Table, Finder, Detail, KeyOf]] = {
    "dataset": (s.datasets, read.find_dataset, read.dataset_detail, dataset_key),
    "job": (s.jobs, read.find_job, read.job_detail, job_key),
}


def toggle_deleted(
    engine: Engine, graph: LineageGraph, *, kind: str, namespace: str, name: str, delete: bool
) -> dict[str, Any]:
    """Soft delete (or restore) one dataset or job: in the store, then in the graph."""
    table, find, detail, key_of = _KINDS[kind]
    namespace, name = restore(namespace), restore(name)
    with unavailable_as_503("updating"), engine.begin() as conn:
        row = find(conn, namespace, name)
        if row is None or (row.deleted_at is not None) == delete:
            state = "not found" if row is None or delete else "not deleted"
            raise NodeNotFound(f"{kind} {name!r} in namespace {namespace!r} is {state}")
        row = set_deleted(conn, table, row.id, deleted=delete)
        answer = detail(conn, row)
    graph.set_hidden(key_of(row.namespace, row.name), delete)
    return answer


@router.delete("/namespaces/{namespace}/datasets/{dataset:path}", summary="Soft delete a dataset")
def delete_dataset(
    engine: EngineDep, graph: GraphDep, namespace: str, dataset: str
) -> dict[str, Any]:
    """Hide a dataset from lists, details and lineage; its rows and history are kept."""
    return toggle_deleted(
        engine, graph, kind="dataset", namespace=namespace, name=dataset, delete=True
    )


@router.post("/namespaces/{namespace}/datasets/{dataset:path}/restore", summary="Restore a dataset")
def restore_dataset(
    engine: EngineDep, graph: GraphDep, namespace: str, dataset: str
) -> dict[str, Any]:
    """Undo a soft delete of a dataset."""
    return toggle_deleted(
        engine, graph, kind="dataset", namespace=namespace, name=dataset, delete=False
    )


@router.delete("/namespaces/{namespace}/jobs/{job:path}", summary="Soft delete a job")
def delete_job(engine: EngineDep, graph: GraphDep, namespace: str, job: str) -> dict[str, Any]:
    """Hide a job from lists, details and lineage; its runs and history are kept."""
    return toggle_deleted(engine, graph, kind="job", namespace=namespace, name=job, delete=True)


@router.post("/namespaces/{namespace}/jobs/{job:path}/restore", summary="Restore a job")
def restore_job(engine: EngineDep, graph: GraphDep, namespace: str, job: str) -> dict[str, Any]:
    """Undo a soft delete of a job."""
    return toggle_deleted(engine, graph, kind="job", namespace=namespace, name=job, delete=False)
