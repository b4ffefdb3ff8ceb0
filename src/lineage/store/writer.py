"""Group commit: one writer thread writes concurrent requests together in one transaction.

A group is first written in bulk: one statement logs all its events, and the append-only
rows (facets, schema versions, change-log rows) of all of them go out as one executemany per
table just before COMMIT. If any event fails, the group is written again with a savepoint per
event, so one bad event never takes its neighbours down. Every request is answered only after
the shared COMMIT, and after the group's `Changes` (logged in the same transaction for the
other replicas) were handed to this process's graph, so a client reading right after its 201
sees its own write.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError

from lineage.errors import InvalidEvent, LineageError, StoreUnavailable
from lineage.events import Event
from lineage.store import changelog
from lineage.store.changelog import LoggedChange
from lineage.store.db import is_unavailable, write_transaction
from lineage.store.identities import IdCache
from lineage.store.ingest import apply_events, log_events

log = logging.getLogger(__name__)

_ATTEMPTS = 5
HEAVY_DATASETS = 1000  # a request naming this many datasets is written in a group of its own
_CONFLICTS = frozenset({"40P01", "40001"})  # PostgreSQL deadlock, serialization failure


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of one event: stored, a duplicate of a stored one, or rejected."""

    stored: bool
    error: LineageError | None = None


@dataclass(slots=True)
class _Request:
    events: list[Event]
    future: Future[list[Outcome]]


class GroupCommitWriter:
    """The single writer of a collector process."""

    def __init__(
        self,
        engine: Engine,
        *,
        origin: str,
        on_commit: Callable[[list[LoggedChange]], None],
        max_events: int = 2000,
        on_group: Callable[[int], None] | None = None,
    ) -> None:
        self._engine = engine
        self._on_commit = on_commit
        self._origin = origin  # the change-log rows' origin: this replica
        self._on_group = on_group
        self._max_events = max_events
        self._queue: queue.SimpleQueue[_Request | None] = queue.SimpleQueue()
        self._cache = IdCache()
        self._thread = threading.Thread(target=self._run, name="lineage-writer", daemon=True)

    def start(self) -> None:
        """Start the writer thread."""
        self._thread.start()

    def stop(self) -> None:
        """Finish queued work, then stop the thread."""
        self._queue.put(None)
        self._thread.join()

    def submit(self, events: list[Event]) -> Future[list[Outcome]]:
        """Queue events; the future resolves after they are committed (or rejected)."""
        future: Future[list[Outcome]] = Future()
        self._queue.put(_Request(events, future))
        return future

    def _run(self) -> None:
        waiting: list[_Request] = []  # drained from the queue, not written yet
        stopping = False
        while waiting or not stopping:
            if not waiting:
                first = self._queue.get()
                if first is None:
                    return
                waiting.append(first)
            while not stopping:
                try:
                    nxt = self._queue.get_nowait()
                except queue.Empty:
                    break
                if nxt is None:
                    stopping = True
                else:
                    waiting.append(nxt)
            group, waiting = self._next_group(waiting)
            self._write(group)

    def _next_group(self, waiting: list[_Request]) -> tuple[list[_Request], list[_Request]]:
        """The next group to write and what waits after it. Light requests go first, in
        arrival order, up to `max_events`; a heavy one (an event with thousands of datasets
        takes seconds to derive) is written alone once no light request waits, so it never
        holds back the light requests queued with it, and new ones wait for one heavy
        request at most (what one event may carry is bounded by the ingest limits)."""
        light = [r for r in waiting if _weight(r) < HEAVY_DATASETS]
        if not light:
            return waiting[:1], waiting[1:]
        group: list[_Request] = []
        count = 0
        for request in light:
            if group and count + len(request.events) > self._max_events:
                break
            group.append(request)
            count += len(request.events)
        chosen = {id(r) for r in group}
        return group, [r for r in waiting if id(r) not in chosen]

    def _write(self, group: list[_Request]) -> None:
        received_at = datetime.now(UTC)
        try:
            outcomes, changes = self._transaction(group, received_at)
        except Exception as exc:
            self._cache.rollback()
            error = _unavailable(exc)
            for request in group:
                request.future.set_result(
                    [Outcome(stored=False, error=error)] * len(request.events)
                )
            return
        if self._on_group is not None:
            self._on_group(sum(len(request.events) for request in group))
        try:
            self._on_commit(changes)
        except Exception:  # the store is the truth; a graph bug must not lose an answer
            log.exception("applying committed changes to the graph failed")
        for request, result in zip(group, outcomes, strict=True):
            request.future.set_result(result)

    def _transaction(
        self, group: list[_Request], received_at: datetime
    ) -> tuple[list[list[Outcome]], list[LoggedChange]]:
        """Write the group in one transaction: in bulk first, then, if any event failed,
        with a savepoint per event. Also retried when another writer (a replica) deadlocks
        with this one."""
        conflicts, guarded = 0, False
        while True:
            changes: list[LoggedChange] = []
            try:
                with write_transaction(self._engine) as conn:
                    if guarded:
                        outcomes = [
                            [self._write_guarded(conn, e, received_at, changes) for e in r.events]
                            for r in group
                        ]
                    else:
                        outcomes = self._write_bulk(conn, group, received_at, changes)
                self._cache.commit()
                return outcomes, changes
            except _EventFailed:
                self._cache.rollback()
                guarded = True
            except DBAPIError as exc:
                self._cache.rollback()
                conflicts += 1
                if conflicts == _ATTEMPTS or not _conflict(exc):
                    raise
                log.info("group commit conflicted with another writer; retrying (%s)", conflicts)

    def _write_bulk(
        self,
        conn: Connection,
        group: list[_Request],
        received_at: datetime,
        changes: list[LoggedChange],
    ) -> list[list[Outcome]]:
        """All events without savepoints; any failure raises _EventFailed."""
        events = [event for request in group for event in request.events]
        try:
            # any failure here rewrites the group with savepoints
            log_ids = log_events(conn, events, received_at)
            logged = [(i, e) for i, e in zip(log_ids, events, strict=True) if i is not None]
            derived = apply_events(conn, [event for _, event in logged], cache=self._cache)
            changes += changelog.log(
                conn, self._origin, [(i, d) for (i, _), d in zip(logged, derived, strict=True)]
            )
        except Exception as exc:
            if isinstance(exc, DBAPIError) and (is_unavailable(exc) or _conflict(exc)):
                raise  # the whole group is answered 503 or retried
            raise _EventFailed from exc
        stored = iter(log_ids)
        return [
            [Outcome(stored=next(stored) is not None) for _ in request.events] for request in group
        ]

    def _write_guarded(
        self, conn: Connection, event: Event, received_at: datetime, changes: list[LoggedChange]
    ) -> Outcome:
        """One event in its own savepoint: a failure rejects only this event."""
        savepoint = conn.begin_nested()
        try:
            log_id = log_events(conn, [event], received_at)[0]
            change = apply_events(conn, [event], cache=self._cache)[0] if log_id else None
            logged = changelog.log(conn, self._origin, [(log_id, change)] if change else [])
            savepoint.commit()
        except Exception as exc:
            if isinstance(exc, DBAPIError) and (is_unavailable(exc) or _conflict(exc)):
                raise  # the whole group is answered 503 or retried
            savepoint.rollback()
            self._cache.rollback()
            log.exception("event could not be stored; it was rolled back")
            reason = exc.orig if isinstance(exc, DBAPIError) else f"{type(exc).__name__}: {exc}"
            return Outcome(False, InvalidEvent(f"the event could not be stored: {reason}"))
        changes += logged
        return Outcome(stored=change is not None)


def _weight(request: _Request) -> int:
    """The datasets a request's events name: what deriving it costs, roughly."""
    return sum(len(e.inputs) + len(e.outputs) for e in request.events)


def _conflict(exc: DBAPIError) -> bool:
    return getattr(exc.orig, "sqlstate", None) in _CONFLICTS


class _EventFailed(Exception):
    """An event failed in an unguarded group: write the group again with savepoints."""


def _unavailable(exc: Exception) -> LineageError:
    if isinstance(exc, DBAPIError) and is_unavailable(exc):
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
        return StoreUnavailable(f"database unavailable, event not stored: {reason}")
    log.exception("group commit failed", exc_info=exc)
    return StoreUnavailable(f"event not stored: {type(exc).__name__}: {exc}")
