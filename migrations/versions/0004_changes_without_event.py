"""change-log rows without an event: soft delete and restore are logged too

Revision ID: 0004_changes_without_event
Revises: 0003_ml
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_changes_without_event"
down_revision = "0003_ml"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _set_event_id_nullable(nullable: bool) -> None:
    with op.batch_alter_table(
        "graph_changes", table_kwargs={"sqlite_autoincrement": True}
    ) as batch:
        batch.alter_column("event_id", existing_type=_ID, nullable=nullable)


def upgrade() -> None:
    _set_event_id_nullable(True)


def downgrade() -> None:
    op.execute("DELETE FROM graph_changes WHERE event_id IS NULL")
    _set_event_id_nullable(False)
