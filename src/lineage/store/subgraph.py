"""The part of the store that one downstream question touches, read as a graph snapshot.

`downstream_snapshot` follows current lineage (dataset -in-> job -out-> dataset) from a few
datasets level by level in SQL and reads only what walking from them needs, so a graph built
from it answers a walk from those datasets (and the impact analysis of them) exactly as the
graph of the whole store does, at the cost of their closure instead of the estate's. The
lookups below find the datasets a question names without reading every dataset.

Lineage and column edges point at canonical dataset ids (a merge re-points them), so the
closure never meets an alias id.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any

from sqlalchemy import Connection, func, select

from lineage.store import read
from lineage.store import schema as s
from lineage.store.changes import NodeKey, Snapshot, dataset_key

CHUNK = 500  # ids per IN (...) list

ds, jb, le, ce, fc = s.datasets.c, s.jobs.c, s.lineage_edges.c, s.column_edges.c, s.facets.c
Rows = list[tuple[Any, ...]]


def downstream_snapshot(conn: Connection, roots: Collection[int]) -> Snapshot:
    """What a walk downstream from the `roots` datasets (canonical ids) can see.

    That is every node of their downstream closure with its state and the current edges out
    of it, the column lineage among those nodes, their jobs' explicit flows and parent jobs
    (up to the root of each DAG), the aliases of their datasets, and every column edge into
    or out of a root (its fields are checked against them).
    """
    datasets, jobs, edges = _closure(conn, roots)
    columns = _columns(conn, datasets, jobs, roots)
    snap = Snapshot()
    in_columns = {row[1] for row in columns} | {row[3] for row in columns}
    dataset_keys = read.add_datasets(snap, _dataset_rows(conn, datasets | in_columns))
    job_keys = read.add_jobs(snap, _job_rows(conn, jobs | {row[0] for row in columns}))
    read.add_edges(snap, edges, job_keys, dataset_keys)
    read.add_columns(snap, columns, job_keys, dataset_keys)
    # a flow between nodes outside the snapshot cannot be met on the walk; keeping it
    # would add its datasets to the graph as nodes of their own
    known = snap.nodes.keys() | snap.aliases.keys()
    lineage_facets = select(fc.owner_key, fc.payload).where(
        fc.owner_type == "job", fc.name == "lineage"
    )
    owners = [str(job) for job in jobs]
    for job, flows in read.job_flows(_chunked(conn, lineage_facets, fc.owner_key, owners)):
        kept = frozenset(flow for flow in flows if flow[0] in known and flow[1] in known)
        snap.flows[job_keys[job]] = kept
    return snap


def _closure(
    conn: Connection, roots: Iterable[int]
) -> tuple[set[int], set[int], set[tuple[Any, ...]]]:
    """Datasets and jobs downstream of `roots` (roots included) and every current edge out
    of them, as LINEAGE_EDGE rows; one query per direction and level, cycle-safe."""
    current = select(*read.LINEAGE_EDGE).where(le.valid_to.is_(None))
    reads, writes = current.where(le.direction == "in"), current.where(le.direction == "out")
    datasets: set[int] = set(roots)
    jobs: set[int] = set()
    edges: set[tuple[Any, ...]] = set()
    frontier = set(datasets)
    while frontier:
        found = _chunked(conn, reads, le.dataset_id, frontier)
        edges.update(found)
        new_jobs = {row[0] for row in found} - jobs
        jobs |= new_jobs
        found = _chunked(conn, writes, le.job_id, new_jobs)
        edges.update(found)
        frontier = {row[1] for row in found} - datasets
        datasets |= frontier
    return datasets, jobs, edges


def _columns(
    conn: Connection, datasets: set[int], jobs: set[int], roots: Collection[int]
) -> set[tuple[Any, ...]]:
    """Current COLUMN_EDGE rows between the closure's datasets through its jobs, and every
    one into or out of a root."""
    current = select(*read.COLUMN_EDGE).where(ce.valid_to.is_(None))
    rows = {
        row
        for row in _chunked(conn, current, ce.in_dataset_id, datasets)
        if (row[1] in datasets and row[0] in jobs) or row[3] in roots
    }
    rows.update(_chunked(conn, current, ce.out_dataset_id, roots))
    return rows


def _dataset_rows(conn: Connection, ids: Collection[int]) -> Rows:
    """DATASET_NODE rows of datasets and of their aliases."""
    rows = select(*read.DATASET_NODE)
    return _chunked(conn, rows, ds.id, ids) + _chunked(conn, rows, ds.canonical_id, ids)


def _job_rows(conn: Connection, ids: Collection[int]) -> Rows:
    """JOB_NODE rows of jobs and of all their ancestors (parent jobs)."""
    found: dict[int, tuple[Any, ...]] = {}
    todo = set(ids)
    while todo:
        rows = _chunked(conn, select(*read.JOB_NODE), jb.id, todo)
        found.update((row[0], row) for row in rows)
        todo = {row[3] for row in rows if row[3] is not None} - found.keys()
    return list(found.values())


def _chunked(conn: Connection, query: Any, column: Any, values: Collection[Any]) -> Rows:
    """Rows of `query` where `column` is one of `values`, a CHUNK of values per query."""
    values = list(values)
    rows: Rows = []
    for start in range(0, len(values), CHUNK):
        chunk = values[start : start + CHUNK]
        rows.extend(tuple(row) for row in conn.execute(query.where(column.in_(chunk))))
    return rows


# --- finding the datasets a question names -------------------------------------------------


def find_datasets(conn: Connection, keys: Iterable[NodeKey]) -> dict[NodeKey, tuple[int, bool]]:
    """For each key naming a dataset or an alias of one: (canonical id, not soft deleted)."""
    by_ident = {s.ident(key[1], key[2]): key for key in keys}
    canonical = s.datasets.alias("canonical")
    rows = conn.execute(
        select(ds.ident, canonical.c.id, canonical.c.deleted_at)
        .join(canonical, canonical.c.id == func.coalesce(ds.canonical_id, ds.id))
        .where(ds.ident.in_(by_ident))
    )
    return {by_ident[row.ident]: (row.id, row.deleted_at is None) for row in rows}


def named_datasets(conn: Connection, name: str) -> list[int]:
    """Ids of the datasets (not aliases, not soft deleted) called `name`, in any namespace."""
    query = select(ds.id).where(ds.name == name, ds.canonical_id.is_(None), ds.deleted_at.is_(None))
    return list(conn.execute(query).scalars())


def visible_datasets(conn: Connection) -> dict[NodeKey, int]:
    """Every dataset that is neither an alias nor soft deleted: key -> id."""
    rows = read.raw_rows(
        conn,
        "SELECT id, namespace, name FROM datasets"
        " WHERE canonical_id IS NULL AND deleted_at IS NULL",
    )
    return {dataset_key(namespace, name): id_ for id_, namespace, name in rows}


def namespaces_among(conn: Connection, candidates: Iterable[str]) -> set[str]:
    """Those of `candidates` that the whole graph knows: some job or (canonical) dataset,
    soft deleted or not, lives there."""
    known = set()
    for namespace in candidates:
        datasets_there = select(ds.id).where(ds.namespace == namespace)
        # the first two look up the namespace indexes; the last may scan the table (where
        # one namespace holds most datasets, the planner rightly skips the index), so it only
        # runs for a namespace that holds datasets but no job
        if _exists(conn, select(jb.id).where(jb.namespace == namespace)) or (
            _exists(conn, datasets_there)
            and _exists(conn, datasets_there.where(ds.canonical_id.is_(None)))
        ):
            known.add(namespace)
    return known


def _exists(conn: Connection, query: Any) -> bool:
    return bool(conn.execute(select(query.exists())).scalar())
