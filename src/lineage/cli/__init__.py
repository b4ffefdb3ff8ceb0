"""The `lineage` command line: serve, db, and the query/impact commands."""

from lineage.cli.main import app, main

__all__ = ["app", "main"]
