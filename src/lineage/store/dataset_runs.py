"""History over runs: every run that read or wrote a dataset, and every run derived from it.

The lineage graph holds each job's *current* edges (those of its newest run), which answers
"what feeds this table now". These queries answer "what was ever done with it" from `run_io`,
the record of every dataset each run reported, so no run is forgotten when its job moves on.

A run is *derived from* dataset X (`derived_runs`) when it read X (0 hops), or when it read a
dataset D that a run derived from X wrote, and that writing run had ended (COMPLETE, FAIL or
ABORT event time) at or before the reading run's first event time (1 hop per intermediate
dataset, the fewest over all such chains). A run still going does not count as having written
yet, and a run that read D before X-derived data reached D is not derived from X through D.
Aliased identities (symlinks) count as their canonical dataset.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Connection, Row, func, select

from lineage.store import schema as s

Role = Literal["input", "output"]
DIRECTIONS: dict[str, str] = {"input": "in", "output": "out"}
ROLES = {direction: role for role, direction in DIRECTIONS.items()}
CHUNK = 5_000  # ids per IN list: well under SQLite's bound on statement parameters

io, rn, ds = s.run_io.c, s.runs.c, s.datasets.c
_canonical = func.coalesce(ds.canonical_id, ds.id)


def chunks(values: Iterable[Any]) -> Iterator[list[Any]]:
    """`values` in lists of at most CHUNK (for IN lists)."""
    items = list(values)
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def dataset_runs(
    conn: Connection,
    dataset_ids: list[int],
    *,
    role: Role | None,
    since: datetime | None,
    until: datetime | None,
    limit: int,
    offset: int,
) -> tuple[list[tuple[Row[Any], list[Role]]], int]:
    """Runs that read (`input`) or wrote (`output`) one of `dataset_ids`, newest first.

    A run's time is its first event time (`runs.created_at`); `since` is inclusive, `until`
    exclusive. Returns a page of (run row, its roles for the dataset) and the total count.
    """
    matching = select(io.run_id).where(io.dataset_id.in_(dataset_ids))
    if role is not None:
        matching = matching.where(io.direction == DIRECTIONS[role])
    query = select(s.runs).where(rn.id.in_(matching))
    if since is not None:
        query = query.where(rn.created_at >= since)
    if until is not None:
        query = query.where(rn.created_at < until)
    total = conn.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    rows = list(
        conn.execute(query.order_by(rn.created_at.desc(), rn.id).limit(limit).offset(offset))
    )
    roles: dict[str, list[Role]] = {row.id: [] for row in rows}
    found = conn.execute(
        select(io.run_id, io.direction)
        .where(io.run_id.in_(list(roles)), io.dataset_id.in_(dataset_ids))
        .distinct()
        .order_by(io.run_id, io.direction)
    )
    for r in found:
        roles[r.run_id].append(ROLES[r.direction])  # type: ignore[arg-type]
    return [(row, roles[row.id]) for row in rows], int(total)


def derived_runs(conn: Connection, dataset_id: int) -> dict[str, int]:
    """Every run derived from canonical dataset `dataset_id` -> its fewest intermediate datasets.

    Breadth-first over runs, one statement per hop and direction: `tainted[D]` is the earliest
    time X-derived data reached D (None for X itself: always). When a hop lowers that time,
    readers of D between the new and the old time join at the next hop.
    """
    tainted: dict[int, datetime | None] = {dataset_id: None}
    frontier: dict[int, datetime | None] = {dataset_id: None}
    found: dict[str, int] = {}
    hops = 0
    while frontier:
        new_runs = _readers(conn, frontier, found)
        for run_id in new_runs:
            found[run_id] = hops
        frontier = {}
        for cid, ended in _writes(conn, new_runs):
            if cid in tainted and (tainted[cid] is None or tainted[cid] <= ended):  # type: ignore[operator]
                continue
            tainted[cid] = frontier[cid] = ended
        hops += 1
    return found


def _readers(
    conn: Connection, frontier: dict[int, datetime | None], found: dict[str, int]
) -> list[str]:
    """Runs not yet found that read a frontier dataset at or after it was tainted."""
    out: set[str] = set()
    for chunk in chunks(frontier):
        rows = conn.execute(
            select(io.run_id, _canonical.label("cid"), rn.created_at)
            .join(s.datasets, ds.id == io.dataset_id)
            .join(s.runs, rn.id == io.run_id)
            .where(io.direction == "in", _canonical.in_(chunk))
        )
        for r in rows:
            since = frontier[r.cid]
            if r.run_id not in found and (since is None or r.created_at >= since):
                out.add(r.run_id)
    return sorted(out)


def _writes(conn: Connection, run_ids: list[str]) -> list[tuple[int, datetime]]:
    """(canonical dataset, end time) for every dataset an ended run of `run_ids` wrote."""
    out: list[tuple[int, datetime]] = []
    for chunk in chunks(run_ids):
        rows = conn.execute(
            select(_canonical.label("cid"), rn.ended_at)
            .join(s.datasets, ds.id == io.dataset_id)
            .join(s.runs, rn.id == io.run_id)
            .where(io.direction == "out", io.run_id.in_(chunk), rn.ended_at.is_not(None))
        )
        out.extend((r.cid, r.ended_at) for r in rows)
    return out
