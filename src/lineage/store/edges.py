"""A job's current lineage edges and column edges, with retirement for history and as_of.

A job's current edges are the union of what its newest run reported. New edges appear as soon
as any event reports them; edges a newer run no longer reports are retired (`valid_to`) when
that run COMPLETEs, or at once for a JobEvent, which declares the whole set.

The history is that of the job's events applied in eventTime order, whatever order they
arrive in. `jobs.io_time` is the time of the newest event applied to the job's lineage: an
event newer than it is one more step (`update_job_edges`, `update_column_edges`); an older or
tied one makes the writer `rewind` the job's history to its time and apply the job's logged
events from there on again, in `fold_order`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection, bindparam, delete, select, update

from lineage.facets import ColumnEdge
from lineage.store import identities as ids
from lineage.store import schema as s
from lineage.store.changes import Changes, ColumnKey, NodeKey, dataset_key
from lineage.store.group_reads import GroupReads

IoPair = tuple[int, str]  # (dataset id, "in" | "out")
Edge = tuple[NodeKey, NodeKey]

# Built once: constructing these per event cost more than running them (benchmarks/ingest.py).
_le, _ce, _ds = s.lineage_edges.c, s.column_edges.c, s.datasets.c
_INSERT_EDGES, _INSERT_COLUMNS = s.lineage_edges.insert(), s.column_edges.insert()
_IN, _OUT = s.datasets.alias("src"), s.datasets.alias("dst")
_CURRENT_EDGE_KEYS = (
    select(_le.direction, _ds.namespace, _ds.name)
    .join(s.datasets, _ds.id == _le.dataset_id)
    .where(_le.job_id == bindparam("job_id"), _le.valid_to.is_(None))
)
_CURRENT_COLUMN_KEYS = (
    select(
        _IN.c.namespace.label("in_namespace"),
        _IN.c.name.label("in_name"),
        _ce.in_field,
        _OUT.c.namespace.label("out_namespace"),
        _OUT.c.name.label("out_name"),
        _ce.out_field,
        _ce.type,
        _ce.subtype,
    )
    .join(_IN, _IN.c.id == _ce.in_dataset_id)
    .join(_OUT, _OUT.c.id == _ce.out_dataset_id)
    .where(_ce.job_id == bindparam("job_id"), _ce.valid_to.is_(None))
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

    One step of the job's history: the caller has claimed the job's `io_time` (which locks
    its row) or rewound the history to `at`. `run_io` is everything the run reported so far
    when the caller knows it (the run's first event); else it is read for `run_id`: its
    reports up to `at`. A JobEvent (`run_id` None) declares the whole set.
    """
    conn = reads.conn
    keys = {d.id: d.key for d in (*inputs, *outputs)}
    reported = {(d.id, "in") for d in inputs} | {(d.id, "out") for d in outputs}
    le = s.lineage_edges.c
    current: dict[IoPair, list[int]] = {}
    for row in reads.current_edges(job.id):
        current.setdefault((row.dataset_id, row.direction), []).append(row.id)
        keys[row.dataset_id] = dataset_key(row.namespace, row.name)
    added = reported - current.keys()
    if added:
        conn.execute(
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
        changes.add_edges({_edge(job.key, keys[d], direction) for d, direction in added})
    if settle:
        full = reported if run_id is None else run_io or reads.run_io(run_id, at)
        retired = current.keys() - full if full else set()
        if retired:
            row_ids = [i for pair in retired for i in current[pair]]
            conn.execute(update(s.lineage_edges).where(le.id.in_(row_ids)).values(valid_to=at))
            changes.remove_edges({_edge(job.key, keys[d], direction) for d, direction in retired})


def fold_order(event_time: datetime, settle: bool, event_hash: str) -> tuple[datetime, bool, str]:
    """Where an event goes in its job's history: by eventTime; at a tie a settling event
    (COMPLETE, JobEvent) first, so what another run reports at that instant stays; then by
    hash, so the history never depends on which of the tied events arrived first."""
    return (event_time, not settle, event_hash)


def rewind(conn: Connection, job_id: int, at: datetime) -> None:
    """Undo the job's edge and column edge history from `at` on: the rows that began then or
    later go, the rows retired then or later are current again."""
    for table in (s.lineage_edges, s.column_edges):
        c = table.c
        conn.execute(delete(table).where(c.job_id == job_id, c.valid_from >= at))
        conn.execute(
            update(table).where(c.job_id == job_id, c.valid_to >= at).values(valid_to=None)
        )


def current_keys(conn: Connection, job: ids.Identity) -> tuple[set[Edge], set[ColumnKey]]:
    """The graph keys of the job's current edges and column edges."""
    params = {"job_id": job.id}
    lineage = {
        _edge(job.key, dataset_key(row.namespace, row.name), row.direction)
        for row in conn.execute(_CURRENT_EDGE_KEYS, params)
    }
    columns = {
        (
            (dataset_key(row.in_namespace, row.in_name), row.in_field),
            (dataset_key(row.out_namespace, row.out_name), row.out_field),
            job.key,
            row.type,
            row.subtype,
        )
        for row in conn.execute(_CURRENT_COLUMN_KEYS, params)
    }
    return lineage, columns


def _edge(job: NodeKey, dataset: NodeKey, direction: str) -> Edge:
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
    """Replace the column lineage `job` recorded for `output` with this facet's (one step of
    the job's history, like `update_job_edges`)."""
    conn, ce = reads.conn, s.column_edges.c
    # a merge can leave several current rows with one key (two sources became one dataset):
    # all of them are retired together
    current: dict[tuple[str, int, str, str, str | None], tuple[list[int], NodeKey]] = {}
    for row in reads.current_columns(job.id, output.id):
        key = (row.out_field, row.in_dataset_id, row.in_field, row.type, row.subtype)
        row_ids, _ = current.setdefault(key, ([], dataset_key(row.namespace, row.name)))
        row_ids.append(row.id)
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
        changes.add_columns({_column(job.key, output.key, k, wanted[k][1]) for k in added})
    if retired:
        conn.execute(
            update(s.column_edges)
            .where(ce.id.in_([i for k in retired for i in current[k][0]]))
            .values(valid_to=at)
        )
        changes.remove_columns({_column(job.key, output.key, k, current[k][1]) for k in retired})


def _column(
    job: NodeKey, output: NodeKey, key: tuple[str, int, str, str, str | None], source: NodeKey
) -> ColumnKey:
    out_field, _, in_field, kind, subtype = key
    return ((source, in_field), (output, out_field), job, kind, subtype)
