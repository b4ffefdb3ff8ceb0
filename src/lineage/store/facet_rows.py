"""Rows derived from facets beside the lineage model: the tags of `tags` facets and data
quality (assertions, tests, metrics).

`derive` is called once per group commit (and per replay batch) with the group's newly
logged events, after their entities and runs are written; each concept keeps its pure
events -> rows function in its own module.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection

from lineage.events import Event
from lineage.store import quality, tags


def derive(conn: Connection, events: Sequence[Event]) -> None:
    """Write the facet-derived rows of newly stored events."""
    if events:
        tags.derive(conn, events)
        quality.derive(conn, events)


def clear(conn: Connection) -> None:
    """Delete every facet-derived row kept outside the normalized tables (for replay)."""
    tags.clear_derived(conn)
