"""Run versions: the `version` dataset facet each run sent for its inputs and outputs

Revision ID: 0009_run_versions
Revises: 0008_ml_metric_points
Create Date: 2026-12-03

Stores upgraded from an older release fill the table with `lineage db replay`.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_run_versions"
down_revision = "0008_ml_metric_points"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "run_versions",
        sa.Column("run_id", sa.String(length=36), nullable=False),
        sa.Column("dataset_ident", sa.String(length=40), nullable=False),
        sa.Column("direction", sa.String(length=3), nullable=False),
        sa.Column("version", sa.String(length=128), nullable=False),
        sa.Column("event_time", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"], name="fk_run_versions_run_id_runs"),
        sa.PrimaryKeyConstraint("run_id", "dataset_ident", "direction", name="pk_run_versions"),
    )


def downgrade() -> None:
    op.drop_table("run_versions")
