"""ML metric series: the per-step points of each metric of a training run

Revision ID: 0008_ml_metric_points
Revises: 0007_event_log_lz4
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_ml_metric_points"
down_revision = "0007_event_log_lz4"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ml_metric_points",
        sa.Column("run_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("step", sa.BigInteger(), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"], name="fk_ml_metric_points_run_id_runs"),
        sa.PrimaryKeyConstraint("run_id", "name", "seq", name="pk_ml_metric_points"),
    )


def downgrade() -> None:
    op.drop_table("ml_metric_points")
