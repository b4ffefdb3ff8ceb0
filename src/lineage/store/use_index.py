"""An in-memory index of every run's reads and writes, for the blast radius walk.

`lineage.store.version_reads` answers the walk's questions (the versions of these datasets,
the runs that read them, what these runs wrote) with a few SQL statements per hop; this index
answers the same questions, with the same `Use` rows, from memory. It is compact: run ids are
numbered once, times are integer microseconds in arrays, and each (dataset, direction) keeps
one array of `run number << 32 | version number` (its `version` facet, as a number into a
table of the distinct facet strings), ordered by time: a dataset's reads by their runs'
start, its writes by their runs' end. A walk's questions are time windows ("who read it
since the bad version", "its versions since then"), so each is answered by bisecting, at a
cost that grows with the window, not with the dataset's history.

It is kept exact from the event log, before every walk, without the graph's lock or the
writer: every stored event commits in one transaction with what was derived from it, so the
runs named by events with ids above the index's high-water mark are read again whole (their
current rows, whatever order their events arrived in), and the datasets' aliases with them.
PostgreSQL assigns ids at INSERT, not at COMMIT, so an id skipped over is looked for again
until `gap_grace_s` has passed (as `lineage.follow` does for the change log). `lineage db
replay` empties the graph change log and `lineage db prune` deletes the oldest events with
their log rows: when the oldest id of either is not what it was at the last build, the index
is built again (a replay is meant to run with the collectors stopped: a new process builds
its index anew anyway). A refresh that fails half way leaves the index to be built again.
"""

from __future__ import annotations

import bisect
import threading
import time
from array import array
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, func, select

from lineage.store import schema as s
from lineage.store.read import one_of
from lineage.store.version_reads import RUNS, RunRow, Use, micros

io, rn, ds, rv, ev = s.run_io.c, s.runs.c, s.datasets.c, s.run_versions.c, s.events.c
GAP_WINDOW = 10_000  # most ids below the newest one that may still be in flight
_NO_TIME = -(2**63)
_LOW = (1 << 32) - 1  # the version number's bits

_USES = (
    select(io.run_id, io.dataset_id, io.direction, rv.version)
    .select_from(s.run_io)
    .join(s.datasets, ds.id == io.dataset_id)
    .outerjoin(
        s.run_versions,
        (rv.run_id == io.run_id) & (rv.dataset_ident == ds.ident) & (rv.direction == io.direction),
    )
)
_ALIASES = select(ds.id, ds.canonical_id).where(ds.canonical_id.is_not(None))
_PARENTS = select(rn.parent_run_id).where(rn.parent_run_id.is_not(None))
_TOKEN = select(
    select(func.min(s.graph_changes.c.id)).scalar_subquery(),
    select(func.min(ev.id)).scalar_subquery(),
)


def _stream(conn: Connection, query: Any) -> Any:
    """The rows of `query` a batch at a time (a build reads every run and every use)."""
    return conn.execution_options(stream_results=True, yield_per=10_000).execute(query)


def _rows(conn: Connection, query: Any) -> Any:
    # typed Any: the times come back untyped (`version_reads.raw`)
    return conn.execute(query)


class UseIndex:
    """Every run's reads and writes, with the runs' states and times, kept current from the
    event log; one per process, shared by the threads answering queries."""

    def __init__(self, *, gap_grace_s: float) -> None:
        self._grace_s = gap_grace_s
        self._lock = threading.Lock()
        self._token: tuple[Any, ...] | None = None
        self._clear()

    def _clear(self) -> None:
        self._high = 0  # every event id up to here is in the index (but the gaps)
        self._gaps: dict[int, float] = {}  # skipped ids -> when first skipped
        self._number: dict[str, int] = {}  # run id -> run number
        self._ids: list[str] = []
        self._job = array("q")
        self._state = bytearray()
        self._started = array("q")
        self._start = array("q")  # started, else created: what reads are resolved by
        self._ended = array("q")
        self._created = array("q")
        self._states: list[str] = []
        self._versions: list[str | None] = [None]  # version number 0: no facet
        self._version_number: dict[str | None, int] = {None: 0}
        # (dataset row, direction) -> its uses, by (time, run number): `_order`
        self._uses: dict[tuple[int, str], array[int]] = {}
        # per run the first dataset row it wrote (-1: none), and the rest of them
        self._wrote = array("q")
        self._wrote_more: dict[int, array[int]] = {}
        self._versioned_reads: set[int] = set()  # dataset rows read with a `version` facet
        self._canonical: dict[int, int] = {}  # alias row -> canonical dataset
        self._aliases: dict[int, list[int]] = {}  # canonical dataset -> alias rows

    # --- keeping current ---------------------------------------------------------------

    @contextmanager
    def current(self, conn: Connection) -> Iterator[UseIndex]:
        """The index brought up to what `conn` sees, held for the block (one walk at a
        time: the walk is Python, so walks would not run in parallel anyway)."""
        with self._lock:
            try:
                token = tuple(conn.execute(_TOKEN).one())
                if token != self._token:
                    self._token = None
                    self._build(conn)
                    self._token = token
                else:
                    self._catch_up(conn)
            except BaseException:
                self._token = None  # half applied: built again next time
                raise
            yield self

    def _build(self, conn: Connection) -> None:
        self._clear()
        high: int = conn.execute(select(func.coalesce(func.max(ev.id), 0))).scalar_one()
        low = max(high - GAP_WINDOW, 0)
        present: set[int] = set(
            conn.execute(select(ev.id).where(ev.id > low, ev.id <= high)).scalars()
        )
        now = time.monotonic()
        self._high = high
        self._gaps = {i: now for i in range(low + 1, high + 1) if i not in present}
        for row in _stream(conn, RUNS):
            self._set_run(*row)
        for run_id, dataset, direction, version in _stream(conn, _USES):
            number = self._number.get(run_id)
            if number is not None:  # else committed since the runs were read: caught up later
                self._add_use(number, dataset, direction, version)
        for (_, direction), uses in self._uses.items():  # one row per use: sorted once
            uses[:] = array("q", sorted(uses, key=self._order(direction)))
        self._set_aliases(conn)

    def _catch_up(self, conn: Connection) -> None:
        query = select(ev.id, ev.run_id).where(ev.id > self._high)
        if self._gaps:
            query = select(ev.id, ev.run_id).where(
                (ev.id > self._high) | one_of(conn, ev.id, self._gaps)
            )
        now, runs, seen = time.monotonic(), set(), False
        for event_id, run_id in _rows(conn, query.order_by(ev.id)):
            seen = True
            if self._gaps.pop(event_id, None) is None and event_id > self._high:
                skipped = range(max(self._high + 1, event_id - GAP_WINDOW), event_id)
                self._gaps.update(dict.fromkeys(skipped, now))
                self._high = event_id
            if run_id is not None:
                runs.add(run_id)
        oldest = now - self._grace_s
        for missing in [i for i, seen_at in self._gaps.items() if seen_at < oldest]:
            del self._gaps[missing]
        if not seen:
            return
        if runs:
            # a child's event can move its parent placeholder's times (lineage.store.ingest)
            runs.update(_rows(conn, _PARENTS.where(one_of(conn, rn.id, runs))).scalars())
            # a run's current rows, read whole, replace what the index had of it; its uses
            # come out first, as they are ordered by its times, which may change
            uses = list(_rows(conn, _USES.where(one_of(conn, io.run_id, runs))))
            for run_id, dataset, direction, _ in uses:
                if run_id in self._number:
                    self._remove_use(self._number[run_id], dataset, direction)
            for row in _rows(conn, RUNS.where(one_of(conn, rn.id, runs))):
                self._set_run(*row)
            for run_id, dataset, direction, version in uses:
                if run_id in self._number:  # else committed since its runs were read
                    self._insert_use(self._number[run_id], dataset, direction, version)
        self._set_aliases(conn)  # a dataset event can make an alias too

    def _set_run(
        self, run_id: str, job: int, state: str, started: Any, ended: Any, created: Any
    ) -> None:
        if state not in self._states:
            self._states.append(state)
        code = self._states.index(state)
        times = (_time(started), _time(ended), _time(created))
        number = self._number.get(run_id)
        if number is None:
            self._number[run_id] = len(self._ids)
            self._ids.append(run_id)
            self._job.append(job)
            self._state.append(code)
            self._started.append(times[0])
            self._start.append(times[2] if times[0] == _NO_TIME else times[0])
            self._ended.append(times[1])
            self._created.append(times[2])
            self._wrote.append(-1)
            return
        self._job[number], self._state[number] = job, code
        self._started[number], self._ended[number], self._created[number] = times
        self._start[number] = times[2] if times[0] == _NO_TIME else times[0]

    def _times(self, direction: str) -> array[int]:
        """What a (dataset, direction)'s uses are ordered by: their runs' start, or end."""
        return self._start if direction == "in" else self._ended

    def _order(self, direction: str) -> Any:
        """The sort key of a (dataset, direction)'s uses (for `bisect`)."""
        times = self._times(direction)
        return lambda packed: times[packed >> 32]

    def _find(self, uses: array[int], number: int, direction: str) -> int:
        """Where run `number`'s use is in `uses`, or -1: among the uses at its run's time."""
        times, order = self._times(direction), self._order(direction)
        at = bisect.bisect_left(uses, times[number], key=order)
        while at < len(uses) and order(uses[at]) == times[number]:
            if uses[at] >> 32 == number:
                return at
            at += 1
        return -1

    def _uses_of(self, dataset: int, direction: str) -> array[int]:
        uses = self._uses.get((dataset, direction))
        if uses is None:
            uses = self._uses[(dataset, direction)] = array("q")
        return uses

    def _record_use(self, number: int, dataset: int, direction: str, version: str | None) -> int:
        """Note what a use tells of its run and dataset; the use, packed, for its dataset's
        array (where the caller puts it)."""
        v = self._version_number.get(version)
        if v is None:
            v = self._version_number[version] = len(self._versions)
            self._versions.append(version)
        if direction == "in" and v:
            self._versioned_reads.add(dataset)
        if direction == "out":
            if self._wrote[number] == -1:
                self._wrote[number] = dataset
            elif dataset != self._wrote[number] and dataset not in self._wrote_more.get(number, ()):
                self._wrote_more.setdefault(number, array("q")).append(dataset)
        return number << 32 | v

    def _add_use(self, number: int, dataset: int, direction: str, version: str | None) -> None:
        """Record a use at the end of its dataset's uses (a build sorts them once it has
        them all)."""
        packed = self._record_use(number, dataset, direction, version)
        self._uses_of(dataset, direction).append(packed)

    def _insert_use(self, number: int, dataset: int, direction: str, version: str | None) -> None:
        """Record a use in its place in its dataset's time order."""
        packed = self._record_use(number, dataset, direction, version)
        uses, order = (
            self._uses.setdefault((dataset, direction), array("q")),
            self._order(direction),
        )
        uses.insert(bisect.bisect_right(uses, order(packed), key=order), packed)

    def _remove_use(self, number: int, dataset: int, direction: str) -> None:
        uses = self._uses.get((dataset, direction))
        at = -1 if uses is None else self._find(uses, number, direction)
        if uses is not None and at >= 0:
            del uses[at]

    def _set_aliases(self, conn: Connection) -> None:
        # iter(): a result has keys(), so dict() alone would take it for a mapping
        self._canonical = dict(iter(_rows(conn, _ALIASES)))
        self._aliases = {}
        for alias, canonical in sorted(self._canonical.items()):
            self._aliases.setdefault(canonical, []).append(alias)

    # --- what the walk reads (as lineage.store.version_reads answers it) ----------------

    def _use(self, packed: int, row: int, canonical: int, direction: str) -> Use:
        n = packed >> 32
        ended = self._ended[n]
        return Use(
            self._ids[n],
            row,
            canonical,
            direction,
            self._job[n],
            self._states[self._state[n]],
            self._start[n],
            None if ended == _NO_TIME else ended,
            self._versions[packed & _LOW],
        )

    def _rows(self, dataset_ids: Iterable[int]) -> list[tuple[int, int]]:
        """(row, canonical dataset) of the canonical datasets' own rows and their aliases'."""
        out = []
        for d in set(dataset_ids):
            out.append((d, d))
            out += ((alias, d) for alias in self._aliases.get(d, ()))
        return out

    def versions(
        self, dataset_ids: Iterable[int], *, since: int | None = None, until: int | None = None
    ) -> list[Use]:
        """As `version_reads.versions` (of the versions written at the same time before
        `since`, the one of the greatest run id: the one `_Versions.read_by` would pick)."""
        completed = self._states.index("COMPLETED") if "COMPLETED" in self._states else -1
        state, ended, order, out = self._state, self._ended, self._order("out"), []
        for row, canonical in self._rows(dataset_ids):
            uses = self._uses.get((row, "out"), array("q"))
            if since is None and until is None:
                window = uses
            else:  # runs with no end yet sort first, and wrote no version in a window
                if since is None:
                    first = bisect.bisect_right(uses, _NO_TIME, key=order)
                else:
                    first = bisect.bisect_left(uses, since, key=order)
                last = len(uses) if until is None else bisect.bisect_right(uses, until, key=order)
                window = uses[first:last]
            out += [
                self._use(p, row, canonical, "out") for p in window if state[p >> 32] == completed
            ]
            if since is None:
                continue
            # the newest before `since` (at or before `until`); of a tie, the greatest run id
            newest: tuple[str, int] | None = None
            at = min(first, last) - 1
            while at >= 0:
                packed = uses[at]
                n = packed >> 32
                if ended[n] == _NO_TIME or (
                    newest is not None and ended[n] < ended[newest[1] >> 32]
                ):
                    break
                if state[n] == completed and (newest is None or self._ids[n] > newest[0]):
                    newest = (self._ids[n], packed)
                at -= 1
            if newest is not None:
                out.append(self._use(newest[1], row, canonical, "out"))
        return out

    def readers(
        self,
        dataset_ids: Iterable[int],
        *,
        since: int,
        until: int | None,
        pinned: Iterable[str] = (),
    ) -> list[Use]:
        """As `version_reads.readers`."""
        named = {self._version_number[p] for p in pinned if p in self._version_number}
        before = -_NO_TIME if until is None else until
        order, out = self._order("in"), []
        for row, canonical in self._rows(dataset_ids):
            uses = self._uses.get((row, "in"), array("q"))
            first = bisect.bisect_left(uses, since, key=order)
            last = max(first, bisect.bisect_left(uses, before, key=order))
            out += [self._use(p, row, canonical, "in") for p in uses[first:last]]
            if named and row in self._versioned_reads:  # read a pinned version, whenever
                out += [
                    self._use(p, row, canonical, "in")
                    for p in (*uses[:first], *uses[last:])
                    if p & _LOW in named
                ]
        return out

    def outputs(self, run_ids: Iterable[str]) -> list[Use]:
        """As `version_reads.run_uses(..., "out")`."""
        out: list[Use] = []
        for run_id in set(run_ids):
            n = self._number.get(run_id)
            if n is None:
                continue
            if self._wrote[n] == -1:
                continue
            for row in (self._wrote[n], *self._wrote_more.get(n, ())):
                uses = self._uses[(row, "out")]
                packed = uses[self._find(uses, n, "out")]
                out.append(self._use(packed, row, self._canonical.get(row, row), "out"))
        return out

    def runs(self, run_ids: Iterable[str]) -> dict[str, RunRow]:
        """As `version_reads.runs_by_id`."""
        out = {}
        for run_id in run_ids:
            n = self._number.get(run_id)
            if n is None:
                continue
            started, ended = self._started[n], self._ended[n]
            out[run_id] = RunRow(
                run_id,
                self._job[n],
                self._states[self._state[n]],
                None if started == _NO_TIME else started,
                None if ended == _NO_TIME else ended,
                self._created[n],
            )
        return out


def _time(value: Any) -> int:
    us = micros(value)
    return _NO_TIME if us is None else us
