"""Keeping a replica's in-memory graph in step with the change log that every replica writes.

One `ChangeFollower` per process: it loads the graph from a consistent snapshot (in the
background, so ingest starts at once), remembers the change-log id that snapshot covers, applies
what committed meanwhile before publishing the graph, then applies newer log rows by increasing
id. Its own rows it never reads back: the writer (and soft delete) hands their `Changes`
over with the ids they were logged under right after COMMIT (`apply_own`), so a client reads
its own writes; other replicas' rows are read every `interval_ms`.

PostgreSQL assigns ids at INSERT, not at COMMIT, so a lower id can become visible after a
higher one. Every id skipped over is remembered as a gap and looked for again on each pass
until `gap_grace_ms` has passed (ids burnt by rolled-back events stay gaps until then).
"""

from __future__ import annotations

import gc
import logging
import threading
import time
import uuid
from collections.abc import Callable

from sqlalchemy import Connection, Engine

from lineage.graph import LineageGraph
from lineage.store import changelog, read
from lineage.store.changelog import LoggedChange

log = logging.getLogger(__name__)

GAP_WINDOW = 10_000  # most ids below the newest one that may still be in flight


def build_graph(conn: Connection) -> LineageGraph:
    """The graph of everything stored, read through `conn` (one snapshot if it is in a
    transaction).

    The cyclic garbage collector is paused while the millions of small dicts and tuples are
    made (none of them form cycles): otherwise CPython rescans the growing heap again and
    again, 2.7 of the 4.4 s it took to build 150k column edges.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        return LineageGraph.from_snapshot(read.load_snapshot(conn))
    finally:
        if enabled:
            gc.enable()


BATCH = 5_000  # log rows read per query


class ChangeFollower:
    """Owns one process's graph: loads it, then applies the change log to it."""

    def __init__(
        self,
        engine: Engine,
        *,
        interval_ms: int,
        gap_grace_ms: int,
        on_loaded: Callable[[LineageGraph], None],
    ) -> None:
        self.replica_id = uuid.uuid4().hex
        self.graph: LineageGraph | None = None
        self.applied_id = 0
        self._engine = engine
        self._interval_s = interval_ms / 1000
        self._grace_s = gap_grace_ms / 1000
        self._on_loaded = on_loaded
        self._gaps: dict[int, float] = {}
        self._own_while_loading: list[LoggedChange] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._loaded = threading.Event()
        self._thread = threading.Thread(target=self._run, name="lineage-follower", daemon=True)

    @property
    def pending_ids(self) -> int:
        """How many skipped ids are still being looked for."""
        return len(self._gaps)

    def start(self) -> None:
        """Load the graph in the background, then follow the log."""
        self._thread.start()

    def stop(self) -> None:
        """Stop following (waits for the current pass)."""
        self._stopping.set()
        self._thread.join()

    def load(self) -> LineageGraph:
        """Build the graph from one consistent snapshot and start the cursor where it ends."""
        with self._engine.connect() as conn:
            if conn.dialect.name == "postgresql":
                conn = conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                top = changelog.head(conn)
                in_flight = changelog.missing_below(conn, top, window=GAP_WINDOW)
                graph = build_graph(conn)
        now = time.monotonic()
        with self._lock:
            self.applied_id = top
            self._gaps = dict.fromkeys(in_flight, now)
            # what committed while the snapshot was read (e.g. ingest), own rows included
            self._catch_up(graph, skip_own=False)
            self._apply(graph, self._own_while_loading)  # rows read just now are skipped
            self._own_while_loading = []
            self.graph = graph
        self._on_loaded(graph)
        self._loaded.set()
        return graph

    def wait_loaded(self, timeout_s: float) -> bool:
        """Block until the graph is loaded and published (True), or `timeout_s` passed.

        Once it returns True, every change this process acknowledged before the call is in the
        graph: the writer hands its rows over before answering, and rows handed over while
        the graph loaded are applied before it is published."""
        return self._loaded.wait(timeout_s)

    def catch_up(self) -> int:
        """Apply every visible log row not applied yet; returns how many rows were applied."""
        with self._lock:
            if self.graph is None:
                return 0
            return self._catch_up(self.graph)

    def apply_own(self, rows: list[LoggedChange]) -> None:
        """Apply rows this process just committed to the log (in id order), as they are."""
        with self._lock:
            if self.graph is None:  # applied when the loading graph has caught up
                self._own_while_loading.extend(rows)
            else:
                self._apply(self.graph, rows)

    def _catch_up(self, graph: LineageGraph, *, skip_own: bool = True) -> int:
        total = 0
        while True:
            with self._engine.connect() as conn:
                rows = changelog.read_after(
                    conn,
                    self.applied_id,
                    sorted(self._gaps),
                    skip_origin=self.replica_id if skip_own else "",
                    limit=BATCH,
                )
            self._apply(graph, rows)
            total += len(rows)
            if len(rows) < BATCH:
                break
        self._expire_gaps()
        return total

    def _apply(self, graph: LineageGraph, rows: list[LoggedChange]) -> None:
        now = time.monotonic()
        fresh = []
        for row in rows:
            if self._gaps.pop(row.id, None) is None:
                if row.id <= self.applied_id:
                    continue
                skipped = range(max(self.applied_id + 1, row.id - GAP_WINDOW), row.id)
                self._gaps.update(dict.fromkeys(skipped, now))
                self.applied_id = row.id
            fresh.append(row.changes)
        graph.apply(fresh)

    def _expire_gaps(self) -> None:
        oldest = time.monotonic() - self._grace_s
        for missing in [i for i, seen in self._gaps.items() if seen < oldest]:
            del self._gaps[missing]

    def _run(self) -> None:
        while self.graph is None and not self._stopping.is_set():
            try:
                graph = self.load()
                log.info("graph loaded: %d nodes, change log at %d", len(graph), self.applied_id)
            except Exception:
                log.exception("loading the graph failed; retrying")
                self._stopping.wait(self._interval_s)
        while not self._stopping.wait(self._interval_s):
            try:
                self.catch_up()
            except Exception:  # the database may be down for a while; keep trying
                log.exception("following the change log failed; retrying")
