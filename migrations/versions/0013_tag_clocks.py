"""tag clocks: the eventTime of each node's newest tags facet, an empty one included

Revision ID: 0013_tag_clocks
Revises: 0012_quality
Create Date: 2026-12-06

Filled from the facet tags already stored (the newest eventTime per node). A node whose
newest facet was empty has no row until `lineage db replay` derives it again.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

UtcDateTime = sa.DateTime(timezone=True)

revision = "0013_tag_clocks"
down_revision = "0012_quality"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tag_clocks",
        sa.Column("owner_type", sa.String(8), nullable=False),
        sa.Column("owner_ident", sa.String(40), nullable=False),
        sa.Column("event_time", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("owner_type", "owner_ident", name="pk_tag_clocks"),
    )
    op.execute(
        "INSERT INTO tag_clocks (owner_type, owner_ident, event_time) "
        "SELECT CASE owner_type WHEN 'field' THEN 'dataset' ELSE owner_type END, owner_ident, "
        "max(event_time) FROM node_tags WHERE event_time IS NOT NULL "
        "GROUP BY CASE owner_type WHEN 'field' THEN 'dataset' ELSE owner_type END, owner_ident"
    )


def downgrade() -> None:
    op.drop_table("tag_clocks")
