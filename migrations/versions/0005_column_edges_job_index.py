"""index column edges by job: impact analysis reads a job's column coverage

Revision ID: 0005_column_edges_job_index
Revises: 0004_changes_without_event
Create Date: 2026-11-23
"""

from __future__ import annotations

from alembic import op

revision = "0005_column_edges_job_index"
down_revision = "0004_changes_without_event"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_column_edges_job", "column_edges", ["job_id"])


def downgrade() -> None:
    op.drop_index("ix_column_edges_job", table_name="column_edges")
