"""Descriptions of the settings the CLI exposes as options, kept free of pydantic.

`Settings` takes its descriptions from here and so does `lineage serve --help`, so the two
never disagree, and the CLI starts without importing pydantic (~160 ms of every command).
"""

from __future__ import annotations

HELP = {
    "database_url": "SQLAlchemy URL of the store: a SQLite file or postgresql+psycopg://...",
    "host": "Interface the HTTP server binds to.",
    "port": "TCP port the HTTP server listens on.",
    "log_level": "Log level: debug, info, warning or error.",
}
