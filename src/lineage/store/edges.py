"""A job's current lineage edges and column edges, with retirement for history and as_of.

A job's current edges are the union of what its newest run reported. New edges appear as soon
as any event reports them; edges a newer run no longer reports are retired (`valid_to`) when
that run COMPLETEs, or at once for a JobEvent, which declares the whole set. Events older than
the job's last lineage change (`jobs.io_time`) are history only.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection, bindparam, func, select, update

from lineage.facets import ColumnEdge
from lineage.store import identities as ids
from lineage.store import schema as s
from lineage.store.changes import Changes, ColumnKey, NodeKey, dataset_key
from lineage.store.cursor import execute, send
from lineage.store.group_reads import GroupReads

IoPair = tuple[int, str]  # (dataset id, "in" | "out")

# Built once: constructing these per event cost more than running them (benchmarks/ingest.py).
_le, _ce, _ds = s.lineage_edges.c, s.column_edges.c, s.datasets.c
_INSERT_EDGES, _INSERT_COLUMNS = s.lineage_edges.insert(), s.column_edges.insert()
_RUN_IO = (
    select(func.coalesce(_ds.canonical_id, _ds.id).label("dataset_id"), s.run_io.c.direction)
    .join(s.datasets, _ds.id == s.run_io.c.dataset_id)
    .where(s.run_io.c.run_id == bindparam("run_id"))
)


def update_job_edges(
    reads: GroupReads,
    changes: Changes,
    *,
    job: ids.Identity,
    inputs: list[ids.Identity],
    outputs: list[ids.Identity],
    at: datetime,
    run_id: str | None,
    run_io: set[IoPair] | None = None,
    settle: bool,
    origin: str,
) -> None:
    """Add the edges this event reports; on `settle`, retire those the run no longer has.

    `run_io` is everything the run reported so far when the caller knows it (the run's first
    event); else it is read for `run_id`. A JobEvent (`run_id` None) declares the whole set.
    """
    conn = reads.conn
    keys = {d.id: d.key for d in (*inputs, *outputs)}
    reported = {(d.id, "in") for d in inputs} | {(d.id, "out") for d in outputs}
    if not reported and not settle:
        return
    # the job row lock serializes replicas retiring the same job's edges (deadlocks retry)
    if reported:  # the lineage changes: claim io_time and take the lock in one statement
        if not reads.claim_io_time(job.id, at):
            return
    else:
        io_time = reads.io_time(job.id)
        if io_time is not None and at < io_time:
            return
    le = s.lineage_edges.c
    current: dict[IoPair, list[int]] = {}
    for row in reads.current_edges(job.id):
        current.setdefault((row.dataset_id, row.direction), []).append(row.id)
        keys[row.dataset_id] = dataset_key(row.namespace, row.name)
    added = reported - current.keys()
    if added:
        send(
            conn,
            _INSERT_EDGES,
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
    if settle:
        full = reported if run_id is None else run_io or _run_io(conn, run_id)
        retired = current.keys() - full if full else set()
        if retired:
            row_ids = [i for pair in retired for i in current[pair]]
            conn.execute(update(s.lineage_edges).where(le.id.in_(row_ids)).values(valid_to=at))
            changes.edges_removed |= {
                _edge(job.key, keys[d], direction) for d, direction in retired
            }
        if full and not reported:
            reads.set_io_time(job.id, at)


def _run_io(conn: Connection, run_id: str) -> set[IoPair]:
    """Everything the run reported over all its events, resolved to canonical datasets."""
    return {(row.dataset_id, row.direction) for row in execute(conn, _RUN_IO, {"run_id": run_id})}


def _edge(job: NodeKey, dataset: NodeKey, direction: str) -> tuple[NodeKey, NodeKey]:
    return (dataset, job) if direction == "in" else (job, dataset)


def update_column_edges(
    reads: GroupReads,
    cache: ids.IdCache,
    changes: Changes,
    *,
    job: ids.Identity,
    output: ids.Identity,
    edges: Sequence[ColumnEdge],
    at: datetime,
) -> None:
    """Replace the column lineage `job` recorded for `output` with the newest facet's."""
    conn, ce = reads.conn, s.column_edges.c
    current: dict[tuple[str, int, str, str, str | None], tuple[int, NodeKey]] = {}
    newest = None
    for row in reads.current_columns(job.id, output.id):
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
        send(
            conn,
            _INSERT_COLUMNS,
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
