"""data quality: assertions, test results and metrics from dataQualityAssertions, test and
dataQualityMetrics facets

Revision ID: 0012_quality
Revises: 0011_job_edges
Create Date: 2026-12-03

Stores upgraded from an older release fill the tables with `lineage db replay`.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
UtcDateTime = sa.DateTime(timezone=True)

revision = "0012_quality"
down_revision = "0011_job_edges"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "quality_results",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("ident", sa.String(40), nullable=False),
        sa.Column("origin", sa.String(16), nullable=False),
        sa.Column("dataset_ident", sa.String(40)),
        sa.Column("namespace", sa.Text),
        sa.Column("name", sa.Text),
        sa.Column("version", sa.Text),
        sa.Column("run_id", sa.String(36)),
        sa.Column("event_time", UtcDateTime, nullable=False),
        sa.Column("test", sa.Text),
        sa.Column("assertion", sa.Text),
        sa.Column("column", sa.Text),
        sa.Column("success", sa.Boolean),
        sa.Column("severity", sa.Text),
        sa.Column("expected", sa.Text),
        sa.Column("actual", sa.Text),
        sa.Column("description", sa.Text),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"], name="fk_quality_results_run_id_runs"),
        sa.PrimaryKeyConstraint("id", name="pk_quality_results"),
        sa.UniqueConstraint("ident", name="uq_quality_results_ident"),
    )
    op.create_index(
        "ix_quality_results_dataset", "quality_results", ["dataset_ident", "event_time"]
    )
    op.create_index("ix_quality_results_run", "quality_results", ["run_id"])
    op.create_table(
        "quality_metrics",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("ident", sa.String(40), nullable=False),
        sa.Column("dataset_ident", sa.String(40), nullable=False),
        sa.Column("namespace", sa.Text, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("version", sa.Text),
        sa.Column("run_id", sa.String(36)),
        sa.Column("event_time", UtcDateTime, nullable=False),
        sa.Column("row_count", sa.BigInteger),
        sa.Column("bytes", sa.BigInteger),
        sa.Column("file_count", sa.BigInteger),
        sa.Column("column_metrics", sa.Text, nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"], name="fk_quality_metrics_run_id_runs"),
        sa.PrimaryKeyConstraint("id", name="pk_quality_metrics"),
        sa.UniqueConstraint("ident", name="uq_quality_metrics_ident"),
    )
    op.create_index(
        "ix_quality_metrics_dataset", "quality_metrics", ["dataset_ident", "event_time"]
    )
    op.create_index("ix_quality_metrics_run", "quality_metrics", ["run_id"])


def downgrade() -> None:
    op.drop_table("quality_metrics")
    op.drop_table("quality_results")
