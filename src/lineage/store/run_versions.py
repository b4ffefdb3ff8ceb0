"""Which data version each run read and wrote, when the producer names it (`run_versions`).

Derived from run events by a pure function (`rows`), queued with the group commit's other
append-only rows and rebuilt by `lineage db replay`. The `version` dataset facet (Delta
version, Iceberg snapshot, ...) on an input says which version the run read; on an output,
which version it wrote. Without the facet a run's read is resolved when asked
(`lineage.query.incidents`): the newest version written before the run started.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection

from lineage import facets as f
from lineage.events import RUN_EVENT, Event
from lineage.store import schema as s
from lineage.store.sql import Appends, upsert_newer


def rows(events: Iterable[Event]) -> list[dict[str, Any]]:
    """One row per (run, dataset, direction) whose ref carries a `version` facet."""
    out = []
    for event in events:
        if event.kind != RUN_EVENT or event.run_id is None:
            continue
        for direction, refs in (("in", event.inputs), ("out", event.outputs)):
            for ref in refs:
                version = f.dataset_version(ref.facets)
                if version is not None:
                    out.append(
                        {
                            "run_id": event.run_id,
                            "dataset_ident": s.ident(ref.namespace, ref.name),
                            "direction": direction,
                            "version": version,
                            "event_time": event.event_time,
                        }
                    )
    return out


def queue(conn: Connection, events: Iterable[Event], appends: Appends) -> None:
    """Queue the rows of `events` on `appends` (the newest eventTime wins per key)."""
    found = rows(events)
    if found:
        statement = upsert_newer(
            conn,
            s.run_versions,
            ["run_id", "dataset_ident", "direction"],
            ["version", "event_time"],
            "event_time",
        )
        appends.add(s.run_versions, statement, found)
