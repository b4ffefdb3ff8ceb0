"""Bulk reads of data versions for the incident queries: who wrote and who read a dataset.

A *data version* is what one COMPLETED run wrote to a dataset (written at the run's COMPLETE
eventTime, `runs.ended_at`), named by the producer's `version` facet when it sent one
(`run_versions`). Failed, aborted and unfinished runs wrote no version. Every read takes an
IN list of at most `CHUNK` values per statement; aliases (symlinks) count as their canonical
dataset.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, func, select

from lineage.store import schema as s
from lineage.store.read import CHUNK

io, rn, ds, rv = s.run_io.c, s.runs.c, s.datasets.c, s.run_versions.c
_cid = func.coalesce(ds.canonical_id, ds.id)
_USES = (
    select(
        io.run_id,
        io.dataset_id,
        _cid.label("cid"),
        io.direction,
        rn.job_id,
        rn.state,
        func.coalesce(rn.started_at, rn.created_at).label("start"),
        rn.ended_at,
        rv.version,
    )
    .select_from(s.run_io)
    .join(s.datasets, ds.id == io.dataset_id)
    .join(s.runs, rn.id == io.run_id)
    .outerjoin(
        s.run_versions,
        and_(
            rv.run_id == io.run_id,
            rv.dataset_ident == ds.ident,
            rv.direction == io.direction,
        ),
    )
)


@dataclass(frozen=True, slots=True)
class Use:
    """A run reading (`in`) or writing (`out`) a dataset, with the run's state and times.

    `start` is the run's START eventTime (its first event's when it sent none); `version`
    the `version` facet the run sent for this dataset, if any."""

    run_id: str
    dataset_row: int  # the identity the run named (an alias's own id)
    dataset: int  # canonical
    direction: str
    job_id: int
    state: str
    start: datetime
    end: datetime | None
    version: str | None

    @property
    def wrote(self) -> bool:
        """A data version: an output of a COMPLETED run."""
        return self.direction == "out" and self.state == "COMPLETED" and self.end is not None


def _chunks(values: Iterable[Any]) -> Iterator[list[Any]]:
    items = sorted(set(values))
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def _uses(rows: Iterable[Any]) -> list[Use]:
    return [Use(*row) for row in rows]


def _identities(conn: Connection, dataset_ids: Iterable[int]) -> list[int]:
    """The canonical datasets' own ids and those of their aliases (by the canonical_id
    index: an OR with the ids would scan every dataset)."""
    out: list[int] = []
    for chunk in _chunks(dataset_ids):
        out += chunk
        out += conn.execute(select(ds.id).where(ds.canonical_id.in_(chunk))).scalars()
    return out


def versions(
    conn: Connection,
    dataset_ids: Iterable[int],
    *,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[Use]:
    """The versions of the canonical datasets written from `since` to `until` (inclusive),
    and, with `since`, the newest of each written before it (what a run starting at `since`
    read)."""
    out: list[Use] = []
    written = _USES.where(io.direction == "out", rn.state == "COMPLETED")
    for ids in _chunks(_identities(conn, dataset_ids)):
        query = written.where(io.dataset_id.in_(ids))
        if until is not None:
            query = query.where(rn.ended_at <= until)
        if since is None:
            out += _uses(conn.execute(query))
            continue
        out += _uses(conn.execute(query.where(rn.ended_at >= since)))
        rank = func.row_number().over(partition_by=io.dataset_id, order_by=rn.ended_at.desc())
        before = query.where(rn.ended_at < since).add_columns(rank.label("rank")).subquery()
        newest = select(*[before.c[c.name] for c in _USES.selected_columns])
        out += _uses(conn.execute(newest.where(before.c.rank == 1)))
    return out


def readers(
    conn: Connection,
    dataset_ids: Iterable[int],
    *,
    since: datetime,
    until: datetime | None,
    pinned: Iterable[str] = (),
) -> list[Use]:
    """Reads of the canonical datasets by runs that started from `since`, before `until`,
    and those whose `version` facet names one of the `pinned` versions, whenever."""
    out: list[Use] = []
    start = func.coalesce(rn.started_at, rn.created_at)
    window = start >= since if until is None else (start >= since) & (start < until)
    named = sorted(set(pinned))
    if named:
        window = window | rv.version.in_(named)
    for ids in _chunks(_identities(conn, dataset_ids)):
        out += _uses(
            conn.execute(_USES.where(io.direction == "in", io.dataset_id.in_(ids), window))
        )
    return out


def run_uses(conn: Connection, run_ids: Iterable[str], direction: str) -> list[Use]:
    """What the runs read (`in`) or wrote (`out`), whatever their state."""
    out: list[Use] = []
    for chunk in _chunks(run_ids):
        out += _uses(conn.execute(_USES.where(io.run_id.in_(chunk), io.direction == direction)))
    return out


_RUN = select(rn.id, rn.job_id, rn.state, rn.started_at, rn.ended_at, rn.created_at)


def runs_by_id(conn: Connection, run_ids: Iterable[str]) -> dict[str, Any]:
    """(id, job_id, state, started_at, ended_at, created_at) of runs by id."""
    out: dict[str, Any] = {}
    for chunk in _chunks(run_ids):
        out.update((r.id, r) for r in conn.execute(_RUN.where(rn.id.in_(chunk))))
    return out


def datasets_by_id(conn: Connection, dataset_ids: Iterable[int]) -> dict[int, Any]:
    """(id, namespace, name, kind) of datasets by id."""
    out: dict[int, Any] = {}
    for chunk in _chunks(dataset_ids):
        query = select(ds.id, ds.namespace, ds.name, ds.kind).where(ds.id.in_(chunk))
        out.update((r.id, r) for r in conn.execute(query))
    return out


def run_events(conn: Connection, run_ids: Iterable[str]) -> list[Any]:
    """(run_id, payload) of the runs' logged events, oldest eventTime first."""
    ev = s.events.c
    out: list[Any] = []
    for chunk in _chunks(run_ids):
        query = select(ev.run_id, ev.payload).where(ev.run_id.in_(chunk))
        out += conn.execute(query.order_by(ev.event_time, ev.id))
    return out
