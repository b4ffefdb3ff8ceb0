"""Alembic migrations of the lineage store (installed as `lineage.migrations`)."""
