"""A job's current lineage edges and column edges, with retirement for history and as_of.

A job's current edges are the union of what its newest run reported. New edges appear as soon
as any event reports them; edges a newer run no longer reports are retired (`valid_to`) when
that run COMPLETEs, or at once for a JobEvent, which declares the whole set. Events older than
the job's last lineage change (`jobs.io_time`) are history only.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, func, select, update

from lineage.facets import ColumnEdge
from lineage.store import identities as ids
from lineage.store import schema as s
from lineage.store.changes import Changes, ColumnKey, NodeKey, dataset_key
from lineage.store.sql import for_update

IoPair = tuple[int, str]  # (dataset id, "in" | "out")


def update_job_edges(
    conn: Connection,
    changes: Changes,
    *,
    job: ids.Identity,
    inputs: list[ids.Identity],
    outputs: list[ids.Identity],
    at: datetime,
    run_id: str | None,
    settle: bool,
    origin: str,
) -> None:
    """Add the edges this event reports; on `settle`, retire those the run no longer has."""
    keys = {d.id: d.key for d in (*inputs, *outputs)}
    reported = {(d.id, "in") for d in inputs} | {(d.id, "out") for d in outputs}
    if not reported and not settle:
        return
    # the job row lock serializes replicas retiring the same job's edges (deadlocks retry)
    io_time = conn.execute(
        for_update(conn, select(s.jobs.c.io_time).where(s.jobs.c.id == job.id))
    ).scalar()
    if io_time is not None and at < io_time:
        return
    le = s.lineage_edges.c
    current: dict[IoPair, list[int]] = {}
    for row in conn.execute(
        select(le.id, le.dataset_id, le.direction, s.datasets.c.namespace, s.datasets.c.name)
        .join(s.datasets, s.datasets.c.id == le.dataset_id)
        .where(le.job_id == job.id, le.valid_to.is_(None))
    ):
        current.setdefault((row.dataset_id, row.direction), []).append(row.id)
        keys[row.dataset_id] = dataset_key(row.namespace, row.name)
    added = reported - current.keys()
    if added:
        conn.execute(
            s.lineage_edges.insert(),
            [
                {
                    "job_id": job.id,
                    "dataset_id": d,
                    "direction": direction,
                    "origin": origin,
                    "valid_from": at,
                }
                for d, direction in sorted(added)
            ],
        )
        changes.edges_added |= {_edge(job.key, keys[d], direction) for d, direction in added}
    changed = bool(reported)
    if settle:
        full = reported if run_id is None else _run_io(conn, run_id)
        retired = current.keys() - full if full else set()
        if retired:
            row_ids = [i for pair in retired for i in current[pair]]
            conn.execute(update(s.lineage_edges).where(le.id.in_(row_ids)).values(valid_to=at))
            changes.edges_removed |= {
                _edge(job.key, keys[d], direction) for d, direction in retired
            }
        changed = changed or bool(full)
    if changed:
        conn.execute(update(s.jobs).where(s.jobs.c.id == job.id).values(io_time=at))


def _run_io(conn: Connection, run_id: str) -> set[IoPair]:
    """Everything the run reported over all its events, resolved to canonical datasets."""
    ds = s.datasets.c
    canonical = func.coalesce(ds.canonical_id, ds.id)
    return {
        (row.dataset_id, row.direction)
        for row in conn.execute(
            select(canonical.label("dataset_id"), s.run_io.c.direction)
            .join(s.datasets, ds.id == s.run_io.c.dataset_id)
            .where(s.run_io.c.run_id == run_id)
        )
    }


def _edge(job: NodeKey, dataset: NodeKey, direction: str) -> tuple[NodeKey, NodeKey]:
    return (dataset, job) if direction == "in" else (job, dataset)


def update_column_edges(
    conn: Connection,
    cache: ids.IdCache,
    changes: Changes,
    *,
    job: ids.Identity,
    output: ids.Identity,
    edges: list[ColumnEdge],
    at: datetime,
) -> None:
    """Replace the column lineage `job` recorded for `output` with the newest facet's."""
    ce = s.column_edges.c
    current: dict[tuple[str, int, str, str, str | None], tuple[int, NodeKey]] = {}
    newest = None
    for row in conn.execute(
        select(
            ce.id,
            ce.out_field,
            ce.in_dataset_id,
            ce.in_field,
            ce.type,
            ce.subtype,
            ce.valid_from,
            s.datasets.c.namespace,
            s.datasets.c.name,
        )
        .join(s.datasets, s.datasets.c.id == ce.in_dataset_id)
        .where(ce.job_id == job.id, ce.out_dataset_id == output.id, ce.valid_to.is_(None))
    ):
        key = (row.out_field, row.in_dataset_id, row.in_field, row.type, row.subtype)
        current[key] = (row.id, dataset_key(row.namespace, row.name))
        newest = row.valid_from if newest is None else max(newest, row.valid_from)
    if newest is not None and at < newest:
        return
    wanted: dict[tuple[str, int, str, str, str | None], tuple[ColumnEdge, NodeKey]] = {}
    for edge in edges:
        source = ids.dataset(conn, cache, changes, edge.in_namespace, edge.in_name, at)
        wanted[(edge.out_field, source.id, edge.in_field, edge.type, edge.subtype)] = (
            edge,
            source.key,
        )
    added = [k for k in wanted if k not in current]
    retired = [k for k in current if k not in wanted]
    if added:
        conn.execute(
            s.column_edges.insert(),
            [
                {
                    "job_id": job.id,
                    "out_dataset_id": output.id,
                    "out_field": k[0],
                    "in_dataset_id": k[1],
                    "in_field": k[2],
                    "type": k[3],
                    "subtype": k[4],
                    "description": wanted[k][0].description,
                    "masking": wanted[k][0].masking,
                    "valid_from": at,
                }
                for k in added
            ],
        )
        changes.columns_added |= {_column(job.key, output.key, k, wanted[k][1]) for k in added}
    if retired:
        conn.execute(
            update(s.column_edges)
            .where(ce.id.in_([current[k][0] for k in retired]))
            .values(valid_to=at)
        )
        changes.columns_removed |= {_column(job.key, output.key, k, current[k][1]) for k in retired}


def _column(
    job: NodeKey, output: NodeKey, key: tuple[str, int, str, str, str | None], source: NodeKey
) -> ColumnKey:
    out_field, _, in_field, kind, subtype = key
    return ((source, in_field), (output, out_field), job, kind, subtype)
