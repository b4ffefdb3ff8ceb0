"""Soft delete: a dataset or job keeps its rows and history but is hidden until restored.

Ingest never clears `deleted_at`, so new events about a deleted node are stored (nothing is
lost) while the node stays hidden; restoring it shows everything that arrived meanwhile.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Row, Table, select, update


def set_deleted(conn: Connection, table: Table, row_id: int, *, deleted: bool) -> Row[Any]:
    """Mark a `datasets` or `jobs` row deleted (now) or restored; returns the updated row."""
    deleted_at = datetime.now(UTC) if deleted else None
    conn.execute(update(table).where(table.c.id == row_id).values(deleted_at=deleted_at))
    return conn.execute(select(table).where(table.c.id == row_id)).one()
