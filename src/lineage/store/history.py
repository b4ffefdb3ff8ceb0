"""Lineage as it was: traversals over the edge history (`valid_from` / `valid_to`) in SQL.

`walk_as_of` answers `as_of` queries level by level (cycle-safe, depth-aware); `closure_cte`
is the same closure as one recursive CTE, kept as the baseline the graph is measured against.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, or_, select, text

from lineage.store import job_links
from lineage.store import schema as s
from lineage.store.changes import NodeKey, dataset_key, job_key

le, ds, jb, je = s.lineage_edges.c, s.datasets.c, s.jobs.c, s.job_edges.c


def _valid_at(at: datetime) -> Any:
    return and_(le.valid_from <= at, or_(le.valid_to.is_(None), le.valid_to > at))


def walk_as_of(
    conn: Connection,
    start: NodeKey,
    *,
    downstream: bool,
    as_of: datetime,
    depth: int | None,
    max_nodes: int = 100_000,
) -> tuple[dict[NodeKey, int], list[tuple[NodeKey, NodeKey]], bool]:
    """BFS over the edges that were current at `as_of`. Returns depths, edges, truncated."""
    start_id = _node_id(conn, start)
    if start_id is None:
        return {start: 0}, [], False
    depths: dict[tuple[str, int], int] = {start_id: 0}
    keys: dict[tuple[str, int], NodeKey] = {start_id: start}
    edges: list[tuple[tuple[str, int], tuple[str, int]]] = []
    frontier = [start_id]
    level, truncated = 0, False
    while frontier:
        if (depth is not None and level >= depth) or len(depths) >= max_nodes:
            truncated = bool(_step(conn, frontier, downstream, as_of, keys))
            break
        # by key, not row id: ids follow arrival order, the answer must not
        found = sorted(
            _step(conn, frontier, downstream, as_of, keys), key=lambda e: (keys[e[0]], keys[e[1]])
        )
        level += 1
        frontier = []
        for src, dst in found:
            edges.append((src, dst) if downstream else (dst, src))
            if dst not in depths:
                depths[dst] = level
                frontier.append(dst)
    return (
        {keys[n]: d for n, d in depths.items()},
        [(keys[a], keys[b]) for a, b in edges],
        truncated,
    )


def _node_id(conn: Connection, key: NodeKey) -> tuple[str, int] | None:
    table = s.datasets if key[0] == "dataset" else s.jobs
    found = conn.execute(
        select(table.c.id).where(table.c.ident == s.ident(key[1], key[2]))
    ).scalar()
    return (key[0], found) if found is not None else None


def _step(
    conn: Connection,
    frontier: list[tuple[str, int]],
    downstream: bool,
    at: datetime,
    keys: dict[tuple[str, int], NodeKey],
) -> list[tuple[tuple[str, int], tuple[str, int]]]:
    """One hop from every frontier node: dataset -> job, job -> dataset or job -> job."""
    dataset_ids = [i for kind, i in frontier if kind == "dataset"]
    job_ids = [i for kind, i in frontier if kind == "job"]
    out: list[tuple[tuple[str, int], tuple[str, int]]] = []
    to_job, to_dataset = ("in", "out") if downstream else ("out", "in")
    if dataset_ids:
        rows = conn.execute(
            select(le.dataset_id, le.job_id, jb.namespace, jb.name)
            .join(s.jobs, jb.id == le.job_id)
            .where(le.dataset_id.in_(dataset_ids), le.direction == to_job, _valid_at(at))
            .distinct()
        )
        for r in rows:
            keys[("job", r.job_id)] = job_key(r.namespace, r.name)
            out.append((("dataset", r.dataset_id), ("job", r.job_id)))
    if job_ids:
        rows = conn.execute(
            select(le.job_id, le.dataset_id, ds.namespace, ds.name)
            .join(s.datasets, ds.id == le.dataset_id)
            .where(le.job_id.in_(job_ids), le.direction == to_dataset, _valid_at(at))
            .distinct()
        )
        for r in rows:
            keys[("dataset", r.dataset_id)] = dataset_key(r.namespace, r.name)
            out.append((("job", r.job_id), ("dataset", r.dataset_id)))
        near, far = (
            (je.upstream_job_id, je.downstream_job_id)
            if downstream
            else (je.downstream_job_id, je.upstream_job_id)
        )
        rows = conn.execute(
            select(near.label("job_id"), far.label("other_id"), jb.namespace, jb.name)
            .join(s.jobs, jb.id == far)
            .where(near.in_(job_ids), job_links.valid_at(at))
            .distinct()
        )
        for r in rows:  # job-to-job lineage
            keys[("job", r.other_id)] = job_key(r.namespace, r.name)
            out.append((("job", r.job_id), ("job", r.other_id)))
    return sorted(out)


CLOSURE_SQL = text(
    """
    WITH RECURSIVE walk(dataset_id) AS (
        SELECT CAST(:start AS BIGINT)
        UNION
        SELECT o.dataset_id
        FROM walk w
        JOIN lineage_edges i ON i.dataset_id = w.dataset_id AND i.direction = 'in'
                            AND i.valid_to IS NULL
        JOIN lineage_edges o ON o.job_id = i.job_id AND o.direction = 'out'
                            AND o.valid_to IS NULL
    )
    SELECT dataset_id FROM walk
    """
)


def closure_cte(conn: Connection, dataset_id: int) -> list[int]:
    """Downstream dataset closure of one dataset as a single recursive CTE (benchmark baseline)."""
    return list(conn.execute(CLOSURE_SQL, {"start": dataset_id}).scalars())


COLUMN_CLOSURE_SQL = text(
    """
    WITH RECURSIVE walk(dataset_id, field) AS (
        SELECT CAST(:start AS BIGINT), CAST(:field AS TEXT)
        UNION
        SELECT c.out_dataset_id, c.out_field
        FROM walk w
        JOIN column_edges c ON c.in_dataset_id = w.dataset_id AND c.in_field = w.field
                           AND c.valid_to IS NULL
    )
    SELECT dataset_id, field FROM walk
    """
)


def column_closure_cte(conn: Connection, dataset_id: int, field: str) -> list[tuple[int, str]]:
    """Downstream field closure of one dataset field as a single recursive CTE (benchmark
    baseline of the column graph)."""
    rows = conn.execute(COLUMN_CLOSURE_SQL, {"start": dataset_id, "field": field})
    return [(r.dataset_id, r.field) for r in rows]
