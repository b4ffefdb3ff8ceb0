"""job_edges: job-to-job lineage from jobDependencies and temporary datasets

Revision ID: 0011_job_edges
Revises: 0010_event_tags
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
UtcDateTime = sa.DateTime(timezone=True)

revision = "0011_job_edges"
down_revision = "0010_event_tags"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "job_edges",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("upstream_job_id", Id, nullable=False),
        sa.Column("downstream_job_id", Id, nullable=False),
        sa.Column("owner_type", sa.String(8), nullable=False),
        sa.Column("owner_id", Id, nullable=False),
        sa.Column("upstream_run_id", sa.String(36)),
        sa.Column("downstream_run_id", sa.String(36)),
        sa.Column("dependency_type", sa.Text),
        sa.Column("sequence_trigger_rule", sa.Text),
        sa.Column("status_trigger_rule", sa.Text),
        sa.Column("trigger_rule", sa.Text),
        sa.Column("valid_from", UtcDateTime, nullable=False),
        sa.Column("valid_to", UtcDateTime),
        sa.ForeignKeyConstraint(
            ["upstream_job_id"], ["jobs.id"], name="fk_job_edges_upstream_job_id_jobs"
        ),
        sa.ForeignKeyConstraint(
            ["downstream_job_id"], ["jobs.id"], name="fk_job_edges_downstream_job_id_jobs"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_job_edges"),
    )
    op.create_index("ix_job_edges_owner", "job_edges", ["owner_type", "owner_id"])
    op.create_index("ix_job_edges_upstream", "job_edges", ["upstream_job_id"])
    op.create_index("ix_job_edges_downstream", "job_edges", ["downstream_job_id"])


def downgrade() -> None:
    op.drop_table("job_edges")
