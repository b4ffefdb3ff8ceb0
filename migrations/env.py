"""Alembic environment: runs on the connection `lineage.store.migrate` hands over."""

from __future__ import annotations

from alembic import context

import lineage.store.ml_schema  # noqa: F401  (registers the ML tables on `metadata`)
from lineage.store.schema import metadata


def run_migrations() -> None:
    """Online migrations only: the collector always has a live connection."""
    connection = context.config.attributes["connection"]
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
