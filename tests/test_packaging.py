"""Packaging: compose file validity, migrations on both databases, outdated-schema refusal."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import text

from lineage.errors import LineageError
from lineage.store.db import make_engine
from lineage.store.migrate import current_revision, ensure_current, head_revision, upgrade

ROOT = Path(__file__).resolve().parents[1]


def test_compose_file_is_valid() -> None:
    binary = shutil.which("docker-compose")
    if binary is None:
        pytest.fail("docker-compose is not installed: `apt-get install -y docker-compose`")
    result = subprocess.run(
        [binary, "config", "-q"], check=False, cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("which", ["sqlite", "postgres"])
def test_migrations_upgrade_from_empty_and_refuse_outdated(
    which: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    if which == "sqlite":
        url = f"sqlite:///{tmp_path / 'm.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
        engine = make_engine(url)
        with engine.begin() as conn:  # the template is migrated: start from empty instead
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    engine = make_engine(url)
    assert current_revision(engine) is None
    upgrade(engine, "0001")
    upgrade(engine)
    ensure_current(engine)
    assert current_revision(engine) == head_revision()
    with engine.begin() as conn:  # pretend the database was made by an older release
        conn.execute(text("UPDATE alembic_version SET version_num = '0001'"))
    with pytest.raises(LineageError) as outdated:
        ensure_current(engine)
    if head_revision() != "0001":
        assert outdated.value.message == (
            f"the database schema is at revision 0001, this collector needs {head_revision()}: "
            "run `lineage db upgrade` to migrate it"
        )
    engine.dispose()


def test_migrations_build_exactly_the_tables_the_code_declares(db_url: str) -> None:
    """No drift between migrations/ and store/schema.py (+ ML tables) on either database."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from lineage.store.schema import metadata

    engine = make_engine(db_url)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, metadata) == []
    engine.dispose()
