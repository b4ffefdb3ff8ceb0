"""Bulk reads of data versions for the incident queries: who wrote and who read a dataset.

A *data version* is what one COMPLETED run wrote to a dataset (written at the run's COMPLETE
eventTime, `runs.ended_at`), named by the producer's `version` facet when it sent one
(`run_versions`). Failed, aborted and unfinished runs wrote no version. Aliases (symlinks)
count as their canonical dataset.

Every read names its values in one bound parameter (an array on PostgreSQL, a JSON array on
SQLite), so each statement compiles once whatever their number, and times come back as integer
microseconds since the epoch (UTC) without a datetime per row: a blast radius reads ~10,000
rows (benchmarks/README.md, "Incidents"). `iso` writes them as the API does.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple, Protocol

import msgspec
from sqlalchemy import (
    Connection,
    and_,
    func,
    select,
    type_coerce,
)
from sqlalchemy.types import NullType

from lineage.store import schema as s
from lineage.store.read import one_of

io, rn, ds, rv = s.run_io.c, s.runs.c, s.datasets.c, s.run_versions.c
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_NAIVE_EPOCH = _EPOCH.replace(tzinfo=None)


def raw(column: Any) -> Any:
    """The column as the driver returns it: no per-row type processing."""
    return type_coerce(column, NullType())


def micros(value: datetime | str | None) -> int | None:
    """A stored time (a datetime, or SQLite's text) as microseconds since the epoch, UTC."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    # SQLite keeps UTC without an offset
    delta = value - (_NAIVE_EPOCH if value.tzinfo is None else _EPOCH)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def at(us: int) -> datetime:
    """The UTC datetime of `us` microseconds since the epoch (to bind in a query)."""
    return _EPOCH + timedelta(microseconds=us)


def iso(us: int | None) -> str | None:
    """RFC 3339 with a Z suffix, as every API time is written (`lineage.store.read.iso`)."""
    if us is None:
        return None
    return (_NAIVE_EPOCH + timedelta(microseconds=us)).isoformat() + "Z"


_cid = func.coalesce(ds.canonical_id, ds.id)
_USES = (
    select(
        io.run_id,
        io.dataset_id,
        _cid.label("cid"),
        io.direction,
        rn.job_id,
        rn.state,
        raw(func.coalesce(rn.started_at, rn.created_at)).label("start"),
        raw(rn.ended_at).label("ended_at"),
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


class Use(msgspec.Struct, frozen=True, gc=False):
    """A run reading (`in`) or writing (`out`) a dataset, with the run's state and times.

    `start` is the run's START eventTime (its first event's when it sent none), `end` its
    COMPLETE, FAIL or ABORT eventTime, both in microseconds (`micros`); `version` the
    `version` facet the run sent for this dataset, if any. A Struct the cyclic garbage
    collector does not track: a walk makes ~10,000 of them."""

    run_id: str
    dataset_row: int  # the identity the run named (an alias's own id)
    dataset: int  # canonical
    direction: str
    job_id: int
    state: str
    start: int
    end: int | None
    version: str | None

    @property
    def wrote(self) -> bool:
        """A data version: an output of a COMPLETED run."""
        return self.direction == "out" and self.state == "COMPLETED" and self.end is not None


def _uses(rows: Iterable[Any]) -> list[Use]:
    return [
        Use(run, row, cid, direction, job, state, micros(start), micros(end), version)  # type: ignore[arg-type]
        for run, row, cid, direction, job, state, start, end, version in rows
    ]


def _identities(conn: Connection, dataset_ids: Iterable[int]) -> Any:
    """The canonical datasets' own ids and those of their aliases, as a subquery (by the
    canonical_id index: an OR with the ids would scan every dataset)."""
    ids = sorted(set(dataset_ids))
    own = select(ds.id).where(one_of(conn, ds.id, ids))
    aliases = select(ds.id).where(one_of(conn, ds.canonical_id, ids))
    return own.union_all(aliases)


def versions(
    conn: Connection,
    dataset_ids: Iterable[int],
    *,
    since: int | None = None,
    until: int | None = None,
) -> list[Use]:
    """The versions of the canonical datasets written from `since` to `until` (inclusive,
    microseconds), and, with `since`, the newest of each written before it (what a run
    starting at `since` read)."""
    written = _USES.where(
        io.direction == "out",
        rn.state == "COMPLETED",
        io.dataset_id.in_(_identities(conn, dataset_ids)),
    )
    if until is not None:
        written = written.where(rn.ended_at <= at(until))
    if since is None:
        return _uses(conn.execute(written))
    out = _uses(conn.execute(written.where(rn.ended_at >= at(since))))
    rank = func.row_number().over(partition_by=io.dataset_id, order_by=rn.ended_at.desc())
    before = written.where(rn.ended_at < at(since)).add_columns(rank.label("rank")).subquery()
    newest = select(*[before.c[c.name] for c in _USES.selected_columns])
    return out + _uses(conn.execute(newest.where(before.c.rank == 1)))


def readers(
    conn: Connection,
    dataset_ids: Iterable[int],
    *,
    since: int,
    until: int | None,
    pinned: Iterable[str] = (),
) -> list[Use]:
    """Reads of the canonical datasets by runs that started from `since`, before `until`
    (microseconds), and those whose `version` facet names one of the `pinned` versions,
    whenever."""
    start = func.coalesce(rn.started_at, rn.created_at)
    window = start >= at(since) if until is None else (start >= at(since)) & (start < at(until))
    named = sorted(set(pinned))
    if named:
        window = window | one_of(conn, rv.version, named)
    query = _USES.where(
        io.direction == "in", io.dataset_id.in_(_identities(conn, dataset_ids)), window
    )
    return _uses(conn.execute(query))


def run_uses(conn: Connection, run_ids: Iterable[str], direction: str) -> list[Use]:
    """What the runs read (`in`) or wrote (`out`), whatever their state."""
    query = _USES.where(one_of(conn, io.run_id, run_ids), io.direction == direction)
    return _uses(conn.execute(query))


class RunRow(NamedTuple):
    """A run's job, state and times (microseconds, `micros`)."""

    id: str
    job_id: int
    state: str
    started_at: int | None
    ended_at: int | None
    created_at: int


RUNS = select(rn.id, rn.job_id, rn.state, raw(rn.started_at), raw(rn.ended_at), raw(rn.created_at))
"""(id, job_id, state, started_at, ended_at, created_at) of runs, times as stored."""


def runs_by_id(conn: Connection, run_ids: Iterable[str]) -> dict[str, RunRow]:
    """The runs by id."""
    rows: Any = conn.execute(RUNS.where(one_of(conn, rn.id, run_ids)))
    return {
        run: RunRow(run, job, state, micros(started), micros(ended), micros(created))  # type: ignore[arg-type]
        for run, job, state, started, ended, created in rows
    }


def datasets_by_id(conn: Connection, dataset_ids: Iterable[int]) -> dict[int, Any]:
    """(id, namespace, name, kind) of datasets by id."""
    query = select(ds.id, ds.namespace, ds.name, ds.kind).where(one_of(conn, ds.id, dataset_ids))
    return {r.id: r for r in conn.execute(query)}


def run_events(conn: Connection, run_ids: Iterable[str]) -> list[Any]:
    """(run_id, payload) of the runs' logged events, oldest eventTime first."""
    ev = s.events.c
    query = select(ev.run_id, ev.payload).where(one_of(conn, ev.run_id, run_ids))
    return list(conn.execute(query.order_by(ev.event_time, ev.id)))


class Uses(Protocol):
    """What the blast radius walk reads: answered by SQL (`SqlUses`) or from memory
    (`lineage.store.use_index.UseIndex`), the same rows either way."""

    def versions(
        self, dataset_ids: Iterable[int], *, since: int | None = None, until: int | None = None
    ) -> list[Use]:
        """As `versions`."""
        ...

    def readers(
        self,
        dataset_ids: Iterable[int],
        *,
        since: int,
        until: int | None,
        pinned: Iterable[str] = (),
    ) -> list[Use]:
        """As `readers`."""
        ...

    def outputs(self, run_ids: Iterable[str]) -> list[Use]:
        """What the runs wrote (`run_uses(..., "out")`), whatever their state."""
        ...

    def runs(self, run_ids: Iterable[str]) -> dict[str, RunRow]:
        """As `runs_by_id`."""
        ...


class SqlUses:
    """The walk's reads as SQL statements through `conn`."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def versions(
        self, dataset_ids: Iterable[int], *, since: int | None = None, until: int | None = None
    ) -> list[Use]:
        """As `versions`."""
        return versions(self.conn, dataset_ids, since=since, until=until)

    def readers(
        self,
        dataset_ids: Iterable[int],
        *,
        since: int,
        until: int | None,
        pinned: Iterable[str] = (),
    ) -> list[Use]:
        """As `readers`."""
        return readers(self.conn, dataset_ids, since=since, until=until, pinned=pinned)

    def outputs(self, run_ids: Iterable[str]) -> list[Use]:
        """What the runs wrote, whatever their state."""
        return run_uses(self.conn, run_ids, "out")

    def runs(self, run_ids: Iterable[str]) -> dict[str, RunRow]:
        """As `runs_by_id`."""
        return runs_by_id(self.conn, run_ids)
