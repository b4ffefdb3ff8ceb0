"""tags: user-created tag names and tags on datasets, fields and jobs (kept across replay)

Revision ID: 0006_tags
Revises: 0005_column_edges_job_index
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
UtcDateTime = sa.DateTime(timezone=True)

revision = "0006_tags"
down_revision = "0005_column_edges_job_index"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tags",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("ident", sa.String(40), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("description", sa.Text),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_tags"),
        sa.UniqueConstraint("ident", name="uq_tags_ident"),
    )
    op.create_table(
        "node_tags",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("ident", sa.String(40), nullable=False),
        sa.Column("owner_type", sa.String(8), nullable=False),
        sa.Column("owner_ident", sa.String(40), nullable=False),
        sa.Column("namespace", sa.Text, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("field", sa.Text, nullable=False),
        sa.Column("key", sa.Text, nullable=False),
        sa.Column("value", sa.Text),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_node_tags"),
        sa.UniqueConstraint("ident", name="uq_node_tags_ident"),
    )
    op.create_index("ix_node_tags_owner", "node_tags", ["owner_type", "owner_ident"])


def downgrade() -> None:
    op.drop_table("node_tags")
    op.drop_table("tags")
