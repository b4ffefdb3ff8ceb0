"""event log: payloads on PostgreSQL stored as received and compressed by TOAST's lz4

From this revision the collector writes an event's bytes as they are on PostgreSQL and as a
zstd frame on SQLite (lineage.store.codec, measured by benchmarks/codec.py). Rows written
before stay zlib streams, which the codec still reads: nothing is rewritten on upgrade. A
PostgreSQL server built without lz4 (or older than 14) keeps its default TOAST compression.

Revision ID: 0007_event_log_lz4
Revises: 0006_tags
Create Date: 2026-12-02
"""

from __future__ import annotations

import zlib

import sqlalchemy as sa
from alembic import op

from lineage.store import codec

revision = "0007_event_log_lz4"
down_revision = "0006_tags"
branch_labels = None
depends_on = None

_HAS_LZ4 = sa.text(
    "SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY(enumvals)"
)
_events = sa.table("events", sa.column("id", sa.Integer), sa.column("payload", sa.LargeBinary))


def _lz4(bind: sa.Connection) -> bool:
    return bind.dialect.name == "postgresql" and bind.execute(_HAS_LZ4).first() is not None


def upgrade() -> None:
    if _lz4(op.get_bind()):
        op.execute("ALTER TABLE events ALTER COLUMN payload SET COMPRESSION lz4")


def downgrade() -> None:
    """Back to zlib streams everywhere: the release before reads nothing else."""
    bind = op.get_bind()
    if _lz4(bind):
        op.execute("ALTER TABLE events ALTER COLUMN payload SET COMPRESSION default")
    rewrite = sa.update(_events).where(_events.c.id == sa.bindparam("row_id"))
    rows = sa.select(_events.c.id, _events.c.payload).order_by(_events.c.id).limit(1000)
    last = 0
    while batch := bind.execute(rows.where(_events.c.id > last)).all():
        last = batch[-1].id
        newer = [
            {"row_id": row.id, "payload": zlib.compress(codec.decode(row.payload), 1)}
            for row in batch
            if row.payload[:1] != b"\x78"
        ]
        if newer:
            bind.execute(rewrite, newer)
