"""Writing one event into the store, inside the caller's transaction; returns graph changes.

The order of work follows the architecture: append to the event log (deduplicated by content
hash), upsert identities, then runs, facets, versions and lineage. Run state follows
eventTime, never arrival order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, bindparam, case, delete, func, select, update

from lineage import facets as f
from lineage import jsonio
from lineage.events import (
    DATASET_EVENT,
    JOB_EVENT,
    RUN_EVENT,
    UNKNOWN_EVENT,
    DatasetRef,
    Event,
    Limits,
    parse_event,
)
from lineage.store import codec, edges, facet_rows, job_links, ml, run_versions
from lineage.store import identities as ids
from lineage.store import schema as s
from lineage.store.changes import Changes, NodeState
from lineage.store.group_reads import GroupReads
from lineage.store.sql import Appends, insert_ignore, update_by_id, upsert_newer, upsert_when

TERMINAL_STATES = {"COMPLETE": "COMPLETED", "ABORT": "ABORTED", "FAIL": "FAILED"}
FINISHED = frozenset(TERMINAL_STATES.values())
_STATE_OF = {"START": "RUNNING", "RUNNING": "RUNNING", **TERMINAL_STATES}
# which state wins a tie on eventTime: any terminal one over running, then a fixed order, so
# that the answer never depends on which of the tied events arrived first
_STATE_RANK = {"NEW": 0, "RUNNING": 1, "COMPLETED": 2, "ABORTED": 3, "FAILED": 4}
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# logged events are derived again as they were accepted, whatever the limits are now
NO_LIMITS = Limits(
    max_body_bytes=1 << 62,
    max_json_depth=10_000,
    max_name_chars=1 << 30,
    max_event_datasets=1 << 30,
    max_event_fields=1 << 30,
)

# Hot statements are built once: constructing and cache-keying them per event cost more than
# running them (benchmarks/ingest.py).
_PARENT = s.jobs.alias("parent")
_JOB_STATE = (
    select(s.jobs.c.lineage_incomplete, _PARENT.c.namespace, _PARENT.c.name)
    .select_from(s.jobs.outerjoin(_PARENT, s.jobs.c.parent_job_id == _PARENT.c.id))
    .where(s.jobs.c.id == bindparam("job_id"))
)
_INSERT_RUN = s.runs.insert()
_ev = s.events.c
# the log id of an event by its hash: the events logged up to it are those already applied
# (a group commit logs all its events first; replay applies the log in id order)
_LOGGED_ID = select(_ev.id).where(_ev.hash == bindparam("hash")).scalar_subquery()
_JOB_EVENTS_SINCE = select(_ev.payload).where(
    _ev.job_namespace == bindparam("namespace"),
    _ev.job_name == bindparam("name"),
    _ev.kind.in_([RUN_EVENT, JOB_EVENT]),
    _ev.event_time >= bindparam("at"),
    _ev.id <= _LOGGED_ID,
)
_RUN_EVENT_TYPES = select(_ev.event_type, _ev.event_time).where(
    _ev.run_id == bindparam("run_id"), _ev.kind == RUN_EVENT, _ev.id <= _LOGGED_ID
)


def _seen_earlier(run_io: Any, incoming: Any) -> Any:
    """A run's report of a dataset keeps the earliest eventTime that made it."""
    return run_io.c.first_seen > incoming.first_seen


@lru_cache(maxsize=64)
def _update_job(columns: tuple[str, ...]) -> Any:
    """UPDATE jobs SET <columns>, updated_at moved forward to :at, WHERE id = :row_id."""
    return update_by_id(s.jobs, columns).values(
        updated_at=_later(s.jobs.c.updated_at, bindparam("at"))
    )


def _later(column: Any, at: Any) -> Any:
    """`column` moved forward to `at` (never back: an older event arriving late)."""
    return case((column < at, at), else_=column)


def _version_earlier(versions: Any, incoming: Any) -> Any:
    """A dataset version is the earliest event's that recorded it (a tie: the least run id,
    then the least fields), whatever order they arrived in."""
    held = (versions.c.created_at, func.coalesce(versions.c.run_id, ""))
    new = (incoming.created_at, func.coalesce(incoming.run_id, ""))
    return (held[0] > new[0]) | (
        (held[0] == new[0])
        & (
            (held[1] > new[1])
            | (
                (held[1] == new[1])
                & (func.coalesce(versions.c.fields, "") > func.coalesce(incoming.fields, ""))
            )
        )
    )


def _earlier_placeholder(runs: Any, incoming: Any) -> Any:
    """A parent run seen only as a placeholder takes the earliest time a child mentions it."""
    return (runs.c.state == "NEW") & (runs.c.started_at > incoming.started_at)


_fc = s.facets.c
_DELETE_FACET = delete(s.facets).where(
    _fc.owner_type == bindparam("d_owner_type"),
    _fc.owner_key == bindparam("d_owner_key"),
    _fc.name == bindparam("d_name"),
    _fc.event_time <= bindparam("d_at"),
)


@lru_cache(maxsize=4)
def _returning_ids(insert: Any) -> Any:
    return insert.returning(s.events.c.hash, s.events.c.id)


def log_events(
    conn: Connection, events: Sequence[Event], received_at: datetime
) -> list[int | None]:
    """Append `events` to the event log in one statement; for each, its new log id, or None
    when it is a duplicate of a stored event or of an earlier one in `events`."""
    if not events:
        return []
    dialect = conn.dialect.name
    rows = [
        {
            "hash": event.hash,
            "kind": event.kind,
            "event_type": event.event_type,
            "event_time": event.event_time,
            "received_at": received_at,
            "run_id": event.run_id,
            "job_namespace": event.job_namespace,
            "job_name": event.job_name,
            "producer": event.producer,
            "payload": codec.encode(event.raw_bytes, dialect),
        }
        # in arrival order: log ids are the order replay applies events in
        for event in events
    ]
    statement = _returning_ids(insert_ignore(conn, s.events, ["hash"]))
    inserted = {row.hash: row.id for row in conn.execute(statement, rows)}
    return [inserted.pop(event.hash, None) for event in events]


def apply_events(conn: Connection, events: Sequence[Event], *, cache: ids.IdCache) -> list[Changes]:
    """Derive newly logged `events` together, in the order given (a group commit's, a batch
    of `lineage db replay`'s); each event's graph changes.

    What the events read is read ahead in a few statements, the append-only rows go out as
    one executemany per table before the rows derived from the whole batch (run versions,
    quality and tags, job links) are written."""
    appends = Appends()
    reads = GroupReads.prefetch(conn, events, cache, appends)
    derived = []
    for event in events:
        changes = Changes()
        apply_event(conn, event, cache=cache, changes=changes, appends=appends, reads=reads)
        derived.append(changes)
    run_versions.queue(conn, events, appends)
    appends.flush(conn)
    facet_rows.derive(conn, events)
    job_links.derive(conn, cache, zip(events, derived, strict=True))
    return derived


def apply_event(
    conn: Connection,
    event: Event,
    *,
    cache: ids.IdCache,
    changes: Changes,
    appends: Appends | None = None,
    reads: GroupReads | None = None,
) -> None:
    """Derive the normalized rows of one logged event (also used by `lineage db replay`).

    Facets and schema versions are queued on `appends` when given (the caller flushes them
    before COMMIT), else written before returning. `reads` answers the event's reads of runs
    and edges from what its group commit read ahead; without it they are read one by one.
    """
    if event.kind == UNKNOWN_EVENT:
        return  # logged as received; a newer release derives it on replay
    queue = appends if appends is not None else Appends()
    reads = reads or GroupReads(conn, queue)
    writer = _EventWriter(reads, cache, changes, event, queue)
    if event.kind == DATASET_EVENT:
        assert event.dataset is not None
        writer.dataset(event.dataset)
    elif event.kind == JOB_EVENT:
        writer.job_event()
    else:
        writer.run_event()
    writer.queue_appends()
    if appends is None:
        queue.flush(conn)


class _EventWriter:
    """The per-event write steps; holds the event, its time and the pending facet rows."""

    def __init__(
        self,
        reads: GroupReads,
        cache: ids.IdCache,
        changes: Changes,
        event: Event,
        appends: Appends,
    ) -> None:
        self.reads, self.conn, self.appends = reads, reads.conn, appends
        self.cache, self.changes, self.event = cache, changes, event
        self.at = event.event_time
        self.parent = f.parent(event.run_facets)  # read by the job and the run steps
        self.facet_rows: list[dict[str, Any]] = []
        self.version_rows: list[dict[str, Any]] = []
        self.deleted_facets: list[tuple[str, str, str]] = []

    # --- entities -------------------------------------------------------------------------

    def dataset(self, ref: DatasetRef) -> ids.Identity:
        """Upsert a dataset with what its facets say (schema, symlinks, lifecycle, kind)."""
        identity = ids.dataset(
            self.conn, self.cache, self.changes, ref.namespace, ref.name, self.at
        )
        if not ref.facets:
            return identity
        self._facets("dataset", str(identity.id), ref.facets, deletable=True)
        fields = f.schema_fields(ref.facets)
        version = f.dataset_version(ref.facets)
        if fields is not None or version is not None:
            self._version(identity.id, fields, version)
        for namespace, name in f.symlinks(ref.facets):
            self._merge(self._dataset_named(namespace, name), identity)
        state, previous = f.lifecycle(ref.facets)
        if previous is not None:
            self._merge(self._dataset_named(*previous), identity)
        self._dataset_attributes(identity, ref, state)
        return identity

    def _dataset_attributes(
        self, identity: ids.Identity, ref: DatasetRef, state: str | None
    ) -> None:
        values: dict[str, Any] = {}
        if f.dataset_kind(ref.facets) == "model":
            values["kind"] = "model"
        if (doc := f.description(ref.facets)) is not None:
            values["description"] = doc
        if not values and state is None:
            return
        ds = s.datasets.c
        if values:
            self.conn.execute(
                update(s.datasets)
                .where(ds.id == identity.id)
                .values(updated_at=_later(ds.updated_at, self.at), **values)
            )
        if state is not None:
            # lifecycle follows eventTime: an older DROP never hides a newer CREATE
            self.conn.execute(
                update(s.datasets)
                .where(ds.id == identity.id)
                .where((ds.lifecycle_time.is_(None)) | (ds.lifecycle_time <= self.at))
                .values(lifecycle_state=state, lifecycle_time=self.at, is_dropped=state == "DROP")
            )
        row = self.conn.execute(select(ds.kind, ds.is_dropped).where(ds.id == identity.id)).one()
        self.changes.nodes[identity.key] = NodeState(kind=row.kind, dropped=row.is_dropped)

    def _version(
        self, dataset_id: int, fields: list[dict[str, Any]] | None, version: str | None
    ) -> None:
        schema_hash = f.schema_hash(fields) if fields is not None else None
        self.version_rows.append(
            {
                "dataset_id": dataset_id,
                "version": version or schema_hash,
                "schema_hash": schema_hash,
                "fields": jsonio.dumps(fields).decode() if fields is not None else None,
                "run_id": self.event.run_id,
                "created_at": self.at,
            }
        )

    def job(self) -> ids.Identity:
        """Upsert the event's job and the columns its facets feed."""
        event = self.event
        assert event.job_namespace is not None and event.job_name is not None
        identity = ids.job(
            self.conn, self.cache, self.changes, event.job_namespace, event.job_name, self.at
        )
        self._facets("job", str(identity.id), event.job_facets, deletable=True)
        values: dict[str, Any] = {}
        if (jt := f.job_type(event.job_facets)) is not None:
            values.update(
                integration=jt["integration"],
                job_type=jt["jobType"],
                processing_type=jt["processingType"],
            )
        if (query := f.sql_query(event.job_facets)) is not None:
            values["sql"] = query
        if (doc := f.description(event.job_facets)) is not None:
            values["description"] = doc
        location = event.job_facets.get("sourceCodeLocation")
        if isinstance(location, dict) and isinstance(location.get("url"), str):
            values["location"] = location["url"]
        parent = self.parent
        state = self.changes.nodes.get(identity.key)
        if parent is not None:
            parent_job = ids.job(
                self.conn, self.cache, self.changes, parent.job_namespace, parent.job_name, self.at
            )
            if parent_job.id != identity.id:
                values["parent_job_id"] = parent_job.id
                state = state or NodeState(kind="job")
                state.parent = parent_job.key
        incomplete = f.lineage_incomplete(event.run_facets)
        if event.kind == RUN_EVENT and (incomplete or event.event_type == "COMPLETE"):
            values["lineage_incomplete"] = incomplete  # the newest finished run decides
        # updated_at is the job's newest event, whatever order they arrive in; held back to
        # the group's appends (`_job_state`, the one reader before COMMIT, flushes them)
        self.appends.add(
            s.jobs,
            _update_job(tuple(sorted(values))),
            [{"row_id": identity.id, "at": self.at, **values}],
        )
        if state is not None or "lineage_incomplete" in values:
            state = state or NodeState(kind="job")
            if state.parent is not None and "lineage_incomplete" in values:
                state.incomplete = values["lineage_incomplete"]  # both just written
            else:
                stored_incomplete, stored_parent = self._job_state(identity.id)
                state.parent = state.parent or stored_parent
                state.incomplete = stored_incomplete
            self.changes.nodes[identity.key] = state
        return identity

    def _job_state(self, job_id: int) -> tuple[bool, Any]:
        """(lineage_incomplete, parent key) of a stored job, in one query."""
        self.appends.flush_table(self.conn, s.jobs.name)
        row = self.conn.execute(_JOB_STATE, {"job_id": job_id}).one()
        key = ("job", row.namespace, row.name) if row.name is not None else None
        return bool(row.lineage_incomplete), key

    # --- event kinds ----------------------------------------------------------------------

    def run_event(self) -> None:
        """RunEvent: job, run state, run facets, datasets, run inputs/outputs, lineage."""
        event = self.event
        job = self.job()
        first_of_run = self._run(job)
        assert event.run_id is not None
        self._facets("run", event.run_id, event.run_facets, deletable=False)
        inputs, outputs = self._resolved(
            self._datasets(event.inputs, "input"), self._datasets(event.outputs, "output")
        )
        ml.record_run_event(self.conn, event, inputs=inputs, outputs=outputs)
        pairs = {(d.id, "in") for d in inputs} | {(d.id, "out") for d in outputs}
        if pairs:  # held back: `GroupReads.run_io`, their one reader, flushes them first
            self.appends.add(
                s.run_io,
                upsert_when(
                    self.conn,
                    s.run_io,
                    ["run_id", "dataset_id", "direction"],
                    ["first_seen"],
                    _seen_earlier,
                ),
                [
                    {
                        "run_id": event.run_id,
                        "dataset_id": d,
                        "direction": io,
                        "first_seen": self.at,
                    }
                    for d, io in sorted(pairs)
                ],
            )
        # the run's first event reported exactly these pairs (unless a symlink in it merged
        # one of them into another dataset: then the stored rows are resolved by a query)
        run_io = pairs if first_of_run and not self.changes.merges else None
        self._lineage(job, inputs, outputs, settle=_settles(event), origin="run", run_io=run_io)

    def job_event(self) -> None:
        """JobEvent: declared (static) lineage; replaces the job's current edges."""
        job = self.job()
        inputs, outputs = self._resolved(
            self._datasets(self.event.inputs, None), self._datasets(self.event.outputs, None)
        )
        self._lineage(job, inputs, outputs, settle=True, origin="job")

    def _resolved(
        self, inputs: list[ids.Identity], outputs: list[ids.Identity]
    ) -> tuple[list[ids.Identity], list[ids.Identity]]:
        """The event's datasets as they are once all of its refs are applied: a symlink on
        a later ref (an output aliasing one of the inputs) merges an earlier one away."""
        if not self.changes.merges:
            return inputs, outputs
        event = self.event
        return [self._dataset_of(r) for r in event.inputs], [
            self._dataset_of(r) for r in event.outputs
        ]

    def _datasets(self, refs: list[DatasetRef], io_owner: str | None) -> list[ids.Identity]:
        identities = []
        for ref in refs:
            identity = self.dataset(ref)
            identities.append(identity)
            if io_owner and ref.io_facets and self.event.run_id:
                self._facets(
                    io_owner, f"{self.event.run_id}:{identity.id}", ref.io_facets, deletable=False
                )
        return identities

    def _lineage(
        self,
        job: ids.Identity,
        inputs: list[ids.Identity],
        outputs: list[ids.Identity],
        *,
        settle: bool,
        origin: str,
        run_io: set[tuple[int, str]] | None = None,
    ) -> None:
        flows = f.explicit_flows(self.event.job_facets)
        if not (inputs or outputs or settle or flows):
            return  # no step of the job's history
        # claiming io_time locks the job row: replicas retiring the same job's edges wait
        if self.reads.claim_io_time(job.id, self.at):
            self._lineage_step(job, inputs, outputs, settle=settle, origin=origin, run_io=run_io)
        else:
            self._refold_lineage(job)

    def _lineage_step(
        self,
        job: ids.Identity,
        inputs: list[ids.Identity],
        outputs: list[ids.Identity],
        *,
        settle: bool,
        origin: str,
        run_io: set[tuple[int, str]] | None = None,
    ) -> None:
        """Apply the event to its job's edge and column edge history, the newest step."""
        flows = f.explicit_flows(self.event.job_facets)
        if flows is not None:
            flow_inputs, flow_outputs, pairs = flows
            inputs = inputs + [self._dataset_of(r) for r in flow_inputs]
            outputs = outputs + [self._dataset_of(r) for r in flow_outputs]
            self.changes.flows[job.key] = frozenset(
                (("dataset", *a), ("dataset", *b)) for a, b in pairs
            )
        edges.update_job_edges(
            self.reads,
            self.changes,
            job=job,
            inputs=inputs,
            outputs=outputs,
            at=self.at,
            run_id=self.event.run_id if origin == "run" else None,
            run_io=run_io,
            settle=settle,
            origin=origin,
        )
        for ref in self.event.outputs:
            column_edges = f.column_edges(ref.facets)
            if column_edges is not None:
                out = self._dataset_of(ref)
                edges.update_column_edges(
                    self.reads,
                    self.cache,
                    self.changes,
                    job=job,
                    output=out,
                    edges=column_edges,
                    at=self.at,
                )

    def _refold_lineage(self, job: ids.Identity) -> None:
        """The event is older than (or as old as) the job's newest lineage step: rewind the
        job's history to its time and apply the job's logged events from there on again, in
        eventTime order. The graph gets the difference in current edges."""
        conn = self.conn
        self.reads.io_time(job.id)  # locks the job row (the claim did not)
        self.reads.forget_job(job.id)
        edges_before, columns_before = edges.current_keys(conn, job)
        edges.rewind(conn, job.id, self.at)
        assert self.event.job_namespace is not None and self.event.job_name is not None
        rows = conn.execute(
            _JOB_EVENTS_SINCE,
            {
                "namespace": self.event.job_namespace,
                "name": self.event.job_name,
                "at": self.at,
                "hash": self.event.hash,
            },
        )
        later = [parse_event(codec.decode(row.payload), limits=NO_LIMITS) for row in rows]
        steps = Changes()
        for event in sorted(later, key=_fold_order):
            step = _EventWriter(self.reads, self.cache, steps, event, self.appends)
            step._lineage_step(
                job,
                [step._dataset_of(r) for r in event.inputs],
                [step._dataset_of(r) for r in event.outputs],
                settle=_settles(event),
                origin="job" if event.kind == JOB_EVENT else "run",
            )
        edges_after, columns_after = edges.current_keys(conn, job)
        changes = self.changes
        changes.nodes.update(steps.nodes)  # datasets a column lineage facet named first
        changes.flows.update(steps.flows)
        changes.remove_edges(edges_before - edges_after)
        changes.add_edges(edges_after - edges_before)
        changes.remove_columns(columns_before - columns_after)
        changes.add_columns(columns_after - columns_before)

    def _dataset_of(self, ref: DatasetRef) -> ids.Identity:
        return self._dataset_named(ref.namespace, ref.name)

    def _dataset_named(self, namespace: str, name: str) -> ids.Identity:
        return ids.dataset(self.conn, self.cache, self.changes, namespace, name, self.at)

    def _merge(self, loser: ids.Identity, winner: ids.Identity) -> None:
        """`loser` becomes an alias of `winner` (a symlink, a rename): edges read ahead for
        the group may name it, so they are read again."""
        if ids.merge_datasets(self.conn, self.cache, self.changes, loser, winner):
            self.reads.merged()

    # --- runs -----------------------------------------------------------------------------

    def _run(self, job: ids.Identity) -> bool:
        """Insert or update the event's run; True when no earlier event of it is stored."""
        event = self.event
        assert event.run_id is not None and event.run_id_raw is not None
        parent = self.parent
        if parent is not None and parent.run_id != event.run_id:
            self._placeholder_parent(parent)
        existing = self.reads.run(event.run_id)
        values = self._run_values(existing, parent)
        if existing is None:
            values.update(
                id=event.run_id,
                external_id=event.run_id_raw,
                job_id=job.id,
                created_at=self.at,
                updated_at=self.at,
            )
            values.setdefault("state", "NEW")
            values.setdefault("state_time", self.at)
            self.conn.execute(_INSERT_RUN, values)
            return True
        if existing.created_at > self.at:
            values["created_at"] = self.at
        if existing.updated_at < self.at:
            values["updated_at"] = self.at
        if existing.job_id != job.id:
            values["job_id"] = job.id
        if values:
            self.conn.execute(update_by_id(s.runs, values), {"row_id": event.run_id, **values})
        return False

    def _run_values(self, existing: Any, parent: f.ParentRef | None) -> dict[str, Any]:
        """Columns this event sets on its run: state, times, nominal time, error, parent."""
        event = self.event
        values = fold_run(existing, event.event_type, self.at, self._logged_run_events)
        nominal_start, nominal_end = f.nominal_times(event.run_facets)
        if nominal_start is not None:
            values.update(nominal_start=nominal_start, nominal_end=nominal_end)
        error = f.error_message(event.run_facets)
        if error is not None:
            values["error_message"] = jsonio.dumps(error).decode()
        if parent is not None:
            values.update(parent_run_id=parent.run_id, root_run_id=parent.root_run_id)
        if f.lineage_incomplete(event.run_facets):
            values["lineage_incomplete"] = True
        return values

    def _logged_run_events(self) -> list[tuple[str | None, datetime]]:
        """(eventType, eventTime) of the event's run's events logged up to this one."""
        rows = self.conn.execute(
            _RUN_EVENT_TYPES, {"run_id": self.event.run_id, "hash": self.event.hash}
        )
        return [(row.event_type, row.event_time) for row in rows]

    def _placeholder_parent(self, parent: f.ParentRef) -> None:
        """A parent run referenced before it was seen gets a NEW row that real events override."""
        parent_job = ids.job(
            self.conn, self.cache, self.changes, parent.job_namespace, parent.job_name, self.at
        )
        if not self.reads.placeholder_changes(parent.run_id, self.at):
            return
        self.conn.execute(
            upsert_when(
                self.conn, s.runs, ["id"], ["started_at", "created_at"], _earlier_placeholder
            ),
            {
                "id": parent.run_id,
                "external_id": parent.run_id_raw,
                "job_id": parent_job.id,
                "state": "NEW",
                "state_time": _EPOCH,
                "started_at": self.at,
                "created_at": self.at,
                "updated_at": self.at,
                "lineage_incomplete": False,
            },
        )

    # --- facets ---------------------------------------------------------------------------

    def _facets(self, owner: str, key: str, facets: dict[str, Any], *, deletable: bool) -> None:
        for name, facet in facets.items():
            if deletable and f.is_deleted(facet):
                self.deleted_facets.append((owner, key, name))
                continue
            self.facet_rows.append(
                {
                    "owner_type": owner,
                    "owner_key": key,
                    "name": name,
                    "payload": jsonio.dumps(facet).decode(),
                    "event_time": self.at,
                }
            )

    def queue_appends(self) -> None:
        """Queue the event's schema versions and facets (the latest eventTime wins per key)."""
        conn, appends = self.conn, self.appends
        if self.version_rows:
            appends.add(
                s.dataset_versions,
                upsert_when(
                    conn,
                    s.dataset_versions,
                    ["dataset_id", "version"],
                    ["created_at", "run_id", "schema_hash", "fields"],
                    _version_earlier,
                ),
                self.version_rows,
            )
        if self.facet_rows:
            appends.add(
                s.facets,
                upsert_newer(
                    conn,
                    s.facets,
                    ["owner_type", "owner_key", "name"],
                    ["payload", "event_time"],
                    "event_time",
                ),
                self.facet_rows,
            )
        if self.deleted_facets:
            appends.add(
                s.facets,
                _DELETE_FACET,
                [
                    {"d_owner_type": owner, "d_owner_key": key, "d_name": name, "d_at": self.at}
                    for owner, key, name in self.deleted_facets
                ],
            )


def _settles(event: Event) -> bool:
    """Does the event declare the job's whole lineage (retiring what it does not name)?"""
    return event.kind == JOB_EVENT or event.event_type == "COMPLETE"


def _fold_order(event: Event) -> tuple[datetime, bool, str]:
    return edges.fold_order(event.event_time, _settles(event), event.hash)


def run_step(current: Any, event_type: str | None, at: datetime) -> dict[str, Any]:
    """The run columns an event of `event_type` at `at` changes on `current` (a run row or
    `RunTimes`, None when the run is new), applied in eventTime order.

    The latest state wins; a tie on time goes by `_STATE_RANK` (terminal over running).
    A START or RUNNING after a terminal state reopens the run (a re-run)."""
    values: dict[str, Any] = {}
    new_state = _STATE_OF.get(event_type or "")
    if new_state is None:
        if current is not None and current.state == "NEW" and at < current.state_time:
            values["state_time"] = at  # a run without a state yet: since its first event
        return values
    if current is None or (at, _STATE_RANK[new_state]) > (
        current.state_time,
        _STATE_RANK[current.state],
    ):
        values.update(state=new_state, state_time=at)
        if new_state in FINISHED:
            values["ended_at"] = at
        elif current is not None and current.state in FINISHED:
            values.update(ended_at=None, started_at=at)  # a re-run reopens the run
    if event_type == "START" and "started_at" not in values:
        started = current.started_at if current is not None else None
        values["started_at"] = at if started is None else min(started, at)
    return values


def fold_run(
    current: Any,
    event_type: str | None,
    at: datetime,
    logged: Callable[[], Iterable[tuple[str | None, datetime]]],
) -> dict[str, Any]:
    """The state columns an event of `event_type` at `at` changes on its run (`current`, as
    in `run_step`): one `run_step` when it is newer than the run's state; when it is as old
    or older, the run's events logged so far, this one included (`logged`, called only
    then), folded again in eventTime order. Whatever order a run's events arrive in, the run
    ends with `run_times` of all of them (tests/test_run_fold.py)."""
    if current is None or current.state_time < at or event_type not in _STATE_OF:
        return run_step(current, event_type, at)
    times = run_times(logged())
    if times is None:
        return {}
    values = {
        "state": times.state,
        "state_time": times.state_time,
        "started_at": times.started_at,
        "ended_at": times.ended_at,
    }
    return {k: v for k, v in values.items() if getattr(current, k) != v}


@dataclass(frozen=True)
class RunTimes:
    """A run's state columns, as `run_times` folds them."""

    state: str
    state_time: datetime
    started_at: datetime | None = None
    ended_at: datetime | None = None


def run_times(events: Iterable[tuple[str | None, datetime]]) -> RunTimes | None:
    """The state columns of a run with these (eventType, eventTime) events, whatever order
    they arrived in: `run_step` folded in eventTime order (ties by `_STATE_RANK`).
    None when no event carries a state."""
    steps = sorted(
        ((at, _STATE_RANK[_STATE_OF[t]], t) for t, at in events if t in _STATE_OF),
        key=lambda step: step[:2],
    )
    times: RunTimes | None = None
    for at, _, event_type in steps:
        values = run_step(times, event_type, at)
        times = replace(times, **values) if times is not None else RunTimes(**values)
    return times
