"""`lineage db replay`: rebuild every normalized table from the event log."""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy import Engine, delete, select

from lineage.errors import LineageError
from lineage.events import parse_event
from lineage.store import codec, facet_rows
from lineage.store import schema as s
from lineage.store.db import write_transaction
from lineage.store.identities import IdCache
from lineage.store.ingest import NO_LIMITS, apply_events
from lineage.store.ml_schema import ML_TABLES
from lineage.store.soft_delete import deleted_marks, reapply_marks

log = logging.getLogger(__name__)


def replay(
    engine: Engine, *, batch: int = 1000, progress: Callable[[int], None] | None = None
) -> int:
    """Empty the derived tables and re-derive them from the log in id order; returns events.

    Soft deletes are not events: their marks are noted first and put back at the end."""
    cache = IdCache()
    with write_transaction(engine) as conn:
        marks = deleted_marks(conn)
        for table in (*ML_TABLES, *s.NORMALIZED_TABLES):
            conn.execute(delete(table))
        conn.execute(delete(s.graph_changes))  # replicas reload from the rebuilt tables
        facet_rows.clear(conn)
    ev = s.events.c
    done, last_id = 0, 0
    while True:
        with write_transaction(engine) as conn:
            rows = list(
                conn.execute(
                    select(ev.id, ev.payload).where(ev.id > last_id).order_by(ev.id).limit(batch)
                )
            )
            events = []
            for row in rows:
                try:
                    events.append(parse_event(codec.decode(row.payload), limits=NO_LIMITS))
                except LineageError as exc:  # logged by an older release with laxer rules
                    log.warning("event %s is kept in the log but not derived: %s", row.id, exc)
            apply_events(conn, events, cache=cache)  # as the writer derives a group commit
        cache.commit()
        if not rows:
            break
        done += len(rows)
        last_id = rows[-1].id
        if progress is not None:
            progress(done)
    with write_transaction(engine) as conn:
        reapply_marks(conn, marks)
    return done
