"""event tags: node_tags rows derived from OpenLineage tags facets carry their event time

Revision ID: 0010_event_tags
Revises: 0009_run_versions
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_event_tags"
down_revision = "0009_run_versions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("node_tags") as batch:
        batch.add_column(sa.Column("event_time", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_node_tags_key", "node_tags", ["key"])


def downgrade() -> None:
    op.drop_index("ix_node_tags_key", "node_tags")
    with op.batch_alter_table("node_tags") as batch:
        batch.drop_column("event_time")
