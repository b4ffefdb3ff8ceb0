"""Soft delete and restore of datasets and jobs.

`DELETE .../datasets/{name}` (or `.../jobs/{name}`) hides the node: it 404s on detail
routes, leaves lists and search, and lineage answers no longer pass through it.
`POST .../restore` brings it back. Rows and history are kept. Both need a `write` key and
answer only the node's identity and state (a write-only key reads no lineage through them).
The change-log row written in
the transaction that sets `deleted_at` carries the change to every replica's graph (this
one's too, before answering), and a restart (which hides nodes by `deleted_at`) agrees.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter
from msgspec import Meta, Struct
from sqlalchemy import Connection, Engine, Row, Table

from lineage.api.deps import EngineDep, FollowerDep
from lineage.api.paths import restore
from lineage.api.wire import StructResponse, typed
from lineage.errors import NodeNotFound
from lineage.follow import ChangeFollower
from lineage.ids import format_id
from lineage.store import changelog, read
from lineage.store import schema as s
from lineage.store.changes import Changes, NodeKey, dataset_key, job_key
from lineage.store.db import unavailable_as_503, write_transaction
from lineage.store.soft_delete import set_deleted

router = APIRouter(tags=["admin"])

Finder = Callable[[Connection, str, str], Row[Any] | None]
KeyOf = Callable[[str, str], NodeKey]

_KINDS: dict[str, tuple[Table, Finder, KeyOf]] = {
    "dataset": (s.datasets, read.find_dataset, dataset_key),
    "job": (s.jobs, read.find_job, job_key),
}


class NodeState(Struct):
    """What a soft delete or restore answers: the node and its new state, nothing more."""

    nodeId: Annotated[str, Meta(examples=["dataset:ns:orders"])]
    namespace: str
    name: str
    isDeleted: Annotated[bool, Meta(description="True after a delete, false after a restore")]


def toggle_deleted(
    engine: Engine,
    follower: ChangeFollower,
    *,
    kind: str,
    namespace: str,
    name: str,
    delete: bool,
) -> StructResponse:
    """Soft delete (or restore) one dataset or job and log it; this replica's graph applies
    the change before the answer, the other replicas' as they follow the log."""
    table, find, key_of = _KINDS[kind]
    namespace, name = restore(namespace), restore(name)
    with unavailable_as_503("updating"):
        with write_transaction(engine) as conn:
            row = find(conn, namespace, name)
            if row is None or (row.deleted_at is not None) == delete:
                state = "not found" if row is None or delete else "not deleted"
                raise NodeNotFound(
                    f"{kind} {name!r} in namespace {namespace!r} is {state}", field=kind
                )
            row = set_deleted(conn, table, row.id, deleted=delete)
            key = {key_of(row.namespace, row.name)}
            changes = Changes(removed_nodes=key) if delete else Changes(restored_nodes=key)
            logged = changelog.append(conn, follower.replica_id, changes)
        follower.apply_own([logged])
    node_id = format_id(kind, row.namespace, row.name)
    return StructResponse(NodeState(node_id, row.namespace, row.name, isDeleted=delete))


@router.delete(
    "/namespaces/{namespace}/datasets/{dataset:path}",
    summary="Soft delete a dataset",
    **typed(NodeState, 404),
)
def delete_dataset(
    engine: EngineDep, follower: FollowerDep, namespace: str, dataset: str
) -> StructResponse:
    """Hide a dataset from lists, details and lineage; its rows and history are kept."""
    return toggle_deleted(
        engine, follower, kind="dataset", namespace=namespace, name=dataset, delete=True
    )


@router.post(
    "/namespaces/{namespace}/datasets/{dataset:path}/restore",
    summary="Restore a dataset",
    **typed(NodeState, 404),
)
def restore_dataset(
    engine: EngineDep, follower: FollowerDep, namespace: str, dataset: str
) -> StructResponse:
    """Undo a soft delete of a dataset."""
    return toggle_deleted(
        engine, follower, kind="dataset", namespace=namespace, name=dataset, delete=False
    )


@router.delete(
    "/namespaces/{namespace}/jobs/{job:path}", summary="Soft delete a job", **typed(NodeState, 404)
)
def delete_job(
    engine: EngineDep, follower: FollowerDep, namespace: str, job: str
) -> StructResponse:
    """Hide a job from lists, details and lineage; its runs and history are kept."""
    return toggle_deleted(engine, follower, kind="job", namespace=namespace, name=job, delete=True)


@router.post(
    "/namespaces/{namespace}/jobs/{job:path}/restore",
    summary="Restore a job",
    **typed(NodeState, 404),
)
def restore_job(
    engine: EngineDep, follower: FollowerDep, namespace: str, job: str
) -> StructResponse:
    """Undo a soft delete of a job."""
    return toggle_deleted(engine, follower, kind="job", namespace=namespace, name=job, delete=False)
