"""Schema migrations (Alembic) and the start-up check that the schema is current."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect

import lineage.migrations
from lineage.errors import LineageError


class SchemaOutdated(LineageError):
    """The database schema is older (or newer) than this collector."""

    status = 503
    code = "schema_outdated"


def _config(connection: object | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(Path(lineage.migrations.__file__).parent))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The newest migration this code ships."""
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at (None for an empty database)."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply migrations up to `revision`."""
    with engine.begin() as conn:
        command.upgrade(_config(conn), revision)


def ensure_current(engine: Engine) -> None:
    """Create the schema in an empty database; refuse to run on an outdated one."""
    current = current_revision(engine)
    if current is None:
        if inspect(engine).get_table_names():
            raise SchemaOutdated(
                "the database has tables but no lineage schema version; "
                "point LINEAGE_DATABASE_URL at an empty database or a lineage store"
            )
        upgrade(engine)
        return
    check_current(engine, current)


def check_current(engine: Engine, current: str | None = None) -> None:
    """Refuse a database that is not a lineage store at this code's revision; writes nothing."""
    current = current or current_revision(engine)
    if current is None:
        raise SchemaOutdated(
            "the database holds no lineage store (no schema version): point --database-url "
            "at a store, or create one with `lineage db upgrade`"
        )
    head = head_revision()
    if current != head:
        raise SchemaOutdated(
            f"the database schema is at revision {current}, this collector needs {head}: "
            "run `lineage db upgrade` to migrate it"
        )
