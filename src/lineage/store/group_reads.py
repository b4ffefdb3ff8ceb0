"""What a group commit's events read, read once for the whole group where that is safe.

Applying an event reads its run row, its job's `io_time` (claiming it takes the job row's
lock) and current edges, and the current column edges of its outputs: four statements per
event, each waiting for its answer (on PostgreSQL, a round trip each). `GroupReads.prefetch`
reads them for all of a group's events with one statement per table before the first event
is applied, and locks the group's jobs in id order. Once a job's row is locked, its `io_time`
is kept here and its new values are written back with the group's appends.

Any other answer read ahead is handed out once; asking again reads the database, which by
then holds what the group wrote. It is only read ahead where no other event of the group can
change it first: never for a run that an event of the group names as its parent (the
placeholder upsert writes it), and the edges and column edges read ahead are dropped as soon
as an event merges two datasets (a symlink or a rename re-points other jobs' edges: `merged`).
Without `prefetch`, every answer is read when asked.

Both databases read ahead: on PostgreSQL each read saved is a round trip, and on SQLite it is
a statement's execution overhead, which costs more than the in-process read itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, func, select, update

from lineage import facets as f
from lineage.events import DATASET_EVENT, RUN_EVENT, Event
from lineage.store import schema as s
from lineage.store.identities import IdCache
from lineage.store.sql import Appends, for_update

_le, _ce, _ds, _jobs = s.lineage_edges.c, s.column_edges.c, s.datasets.c, s.jobs.c

_RUN = select(s.runs).where(s.runs.c.id == bindparam("run_id"))
_RUNS = select(s.runs).where(s.runs.c.id.in_(bindparam("ids", expanding=True)))
_RUN_IO = (
    select(func.coalesce(_ds.canonical_id, _ds.id).label("dataset_id"), s.run_io.c.direction)
    .join(s.datasets, _ds.id == s.run_io.c.dataset_id)
    .where(s.run_io.c.run_id == bindparam("run_id"), s.run_io.c.first_seen <= bindparam("at"))
)
_IO_TIME = select(_jobs.io_time).where(_jobs.id == bindparam("job_id"))
_IO_TIMES = (
    select(_jobs.id, _jobs.io_time)
    .where(_jobs.id.in_(bindparam("ids", expanding=True)))
    .order_by(_jobs.id)  # one lock order for every replica
)
_SET_IO_TIME = (
    update(s.jobs).where(_jobs.id == bindparam("job_id")).values(io_time=bindparam("io_time"))
)
# moves io_time forward unless the job's lineage is as new as the event or newer (0 rows)
_CLAIM_IO_TIME = _SET_IO_TIME.where(
    (_jobs.io_time.is_(None)) | (_jobs.io_time < bindparam("io_time"))
)
_EDGE_COLUMNS = (_le.job_id, _le.id, _le.dataset_id, _le.direction, _ds.namespace, _ds.name)
_CURRENT_EDGES = (
    select(*_EDGE_COLUMNS)
    .join(s.datasets, _ds.id == _le.dataset_id)
    .where(_le.job_id == bindparam("job_id"), _le.valid_to.is_(None))
)
_EDGES = (
    select(*_EDGE_COLUMNS)
    .join(s.datasets, _ds.id == _le.dataset_id)
    .where(_le.job_id.in_(bindparam("ids", expanding=True)), _le.valid_to.is_(None))
)
_COLUMN_COLUMNS = (
    _ce.job_id,
    _ce.out_dataset_id,
    _ce.id,
    _ce.out_field,
    _ce.in_dataset_id,
    _ce.in_field,
    _ce.type,
    _ce.subtype,
    _ce.valid_from,
    _ds.namespace,
    _ds.name,
)
_CURRENT_COLUMNS = (
    select(*_COLUMN_COLUMNS)
    .join(s.datasets, _ds.id == _ce.in_dataset_id)
    .where(
        _ce.job_id == bindparam("job_id"),
        _ce.out_dataset_id == bindparam("out_id"),
        _ce.valid_to.is_(None),
    )
)
_COLUMNS = (
    select(*_COLUMN_COLUMNS)
    .join(s.datasets, _ds.id == _ce.in_dataset_id)
    .where(_ce.job_id.in_(bindparam("ids", expanding=True)), _ce.valid_to.is_(None))
)


class GroupReads:
    """The per-event reads of the store, answered from what was read ahead when possible."""

    def __init__(self, conn: Connection, appends: Appends) -> None:
        self.conn = conn
        self._appends = appends  # writes held back to COMMIT (io_time), or to a read here
        self._runs: dict[str, Any] = {}  # run id -> stored row, or None: not stored
        # job id -> io_time, for the jobs whose row this transaction has locked: from then on
        # the value is kept here and its writes are held back on `appends`
        self._io_times: dict[int, datetime | None] = {}
        # parent run id -> the earliest time its placeholder was upserted at in this transaction
        self._placeholders: dict[str, datetime] = {}
        self._edges: dict[int, list[Any]] = {}  # job id -> current edge rows
        self._columns: dict[tuple[int, int], list[Any]] = {}  # (job, output) -> rows
        self._column_jobs: set[int] = set()  # jobs whose column edges were read ahead
        self._asked: set[tuple[int, int]] = set()  # (job, output) pairs already answered

    @classmethod
    def prefetch(
        cls, conn: Connection, events: Sequence[Event], cache: IdCache, appends: Appends
    ) -> GroupReads:
        """Read ahead what `events` will ask for, in one statement per table; `appends` holds
        the group's held-back writes."""
        reads = cls(conn, appends)
        if len(events) < 2:
            return reads
        parents = {p.run_id for e in events if (p := f.parent(e.run_facets)) is not None}
        run_ids = {e.run_id for e in events if e.kind == RUN_EVENT and e.run_id} - parents
        job_ids = set()
        for event in events:
            if event.kind != DATASET_EVENT and event.job_namespace and event.job_name:
                job = cache.get(("job", event.job_namespace, event.job_name))
                if job is not None:  # a job not cached is looked up or created on the way
                    job_ids.add(job.id)
        if run_ids:
            reads._runs = dict.fromkeys(run_ids)
            for row in conn.execute(_RUNS, {"ids": sorted(run_ids)}):
                reads._runs[row.id] = row
        if job_ids:
            ids = {"ids": sorted(job_ids)}
            reads._io_times = {
                r.id: r.io_time for r in conn.execute(for_update(conn, _IO_TIMES), ids)
            }
            reads._edges = {job_id: [] for job_id in reads._io_times}
            for row in conn.execute(_EDGES, ids):
                reads._edges[row.job_id].append(row)
            reads._column_jobs = set(reads._io_times)
            for row in conn.execute(_COLUMNS, ids):
                reads._columns.setdefault((row.job_id, row.out_dataset_id), []).append(row)
        return reads

    def run(self, run_id: str) -> Any:
        """The stored row of run `run_id`, or None."""
        if run_id in self._runs:
            return self._runs.pop(run_id)
        return self.conn.execute(_RUN, {"run_id": run_id}).first()

    def run_io(self, run_id: str, at: datetime) -> set[tuple[int, str]]:
        """What the run reported up to `at`: (canonical dataset id, "in" | "out") pairs."""
        if self._appends is not None:
            self._appends.flush_table(self.conn, s.run_io.name)
        rows = self.conn.execute(_RUN_IO, {"run_id": run_id, "at": at})
        return {(row.dataset_id, row.direction) for row in rows}

    def claim_io_time(self, job_id: int, at: datetime) -> bool:
        """Move the job's `io_time` to `at` and lock its row, unless its lineage is as new or
        newer (then the row is not locked: `io_time` locks it)."""
        if job_id not in self._io_times:
            claimed = self.conn.execute(_CLAIM_IO_TIME, {"job_id": job_id, "io_time": at})
            if claimed.rowcount:
                self._io_times[job_id] = at
            return bool(claimed.rowcount)
        io_time = self._io_times[job_id]
        if io_time is not None and io_time >= at:
            return False
        self._io_times[job_id] = at
        self._appends.add(
            s.jobs, _SET_IO_TIME, [{"job_id": job_id, "io_time": at}], queue="jobs.io_time"
        )
        return True

    def io_time(self, job_id: int) -> datetime | None:
        """The job's `io_time`, its row locked."""
        if job_id not in self._io_times:
            self._io_times[job_id] = self.conn.execute(
                for_update(self.conn, _IO_TIME), {"job_id": job_id}
            ).scalar()
        return self._io_times[job_id]

    def forget_job(self, job_id: int) -> None:
        """Drop what was read ahead of the job's edges and column edges (its history is being
        rewritten): they are read again when asked."""
        self._edges.pop(job_id, None)
        self._column_jobs.discard(job_id)

    def placeholder_changes(self, run_id: str, at: datetime) -> bool:
        """Can upserting parent run `run_id`'s placeholder at `at` change its row? Not when
        this transaction upserted it at `at` or earlier: the upsert only moves a NEW row's
        times back (every task of a DAG run names the same parent)."""
        upserted = self._placeholders.get(run_id)
        if upserted is not None and upserted <= at:
            return False
        self._placeholders[run_id] = at
        return True

    def merged(self) -> None:
        """Two datasets were merged: what was read ahead of edges and column edges may name
        the merged-away one, so every job's are read again when asked."""
        self._edges.clear()
        self._columns.clear()
        self._column_jobs.clear()

    def current_edges(self, job_id: int) -> list[Any]:
        """The job's current edge rows (id, dataset_id, direction, namespace, name)."""
        if job_id in self._edges:
            return self._edges.pop(job_id)
        return list(self.conn.execute(_CURRENT_EDGES, {"job_id": job_id}))

    def current_columns(self, job_id: int, out_id: int) -> list[Any]:
        """The current column edge rows `job_id` recorded for output `out_id`."""
        if job_id in self._column_jobs and (job_id, out_id) not in self._asked:
            self._asked.add((job_id, out_id))
            return self._columns.pop((job_id, out_id), [])
        return list(self.conn.execute(_CURRENT_COLUMNS, {"job_id": job_id, "out_id": out_id}))
