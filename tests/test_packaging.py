"""Packaging: compose file validity, migrations on both databases, outdated-schema refusal;
the wheel and the base install (emitter and HTTP CLI, no server dependency)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import text

from lineage.cli.main import SERVER_MODULES
from lineage.errors import LineageError
from lineage.store.db import make_engine
from lineage.store.migrate import current_revision, ensure_current, head_revision, upgrade
from tests.conftest import Server

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


# --- the package as users install it -------------------------------------------------------

# the modules the CLI names as the server's (its hint to install `lineage[server]`): none may be
# installed by the base install, so the check of tests/cli/test_base_cli.py, which blocks them
# all, blocks exactly what a base install lacks
SERVER_ONLY = sorted(SERVER_MODULES)


def _quiet_env() -> dict[str, str]:
    """The environment without settings that make setuptools warn about the machine."""
    return {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """`python -m build --wheel` of the repository, and everything the build printed."""
    out = tmp_path_factory.mktemp("dist")
    done = subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(out), str(ROOT)],
        capture_output=True,
        text=True,
        env=_quiet_env(),
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    (built,) = out.glob("lineage-*.whl")
    return built, done.stdout + done.stderr


@pytest.mark.slow
def test_wheel_builds_without_warnings_and_holds_every_file(wheel: tuple[Path, str]) -> None:
    built, log = wheel
    warnings = [line for line in log.splitlines() if "Warning" in line or "warning:" in line]
    assert warnings == []
    shipped = set(zipfile.ZipFile(built).namelist())
    wanted = {
        f"lineage/{p.relative_to(ROOT / 'src' / 'lineage')}"
        for p in (ROOT / "src" / "lineage").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    } | {
        f"lineage/migrations/{p.relative_to(ROOT / 'migrations')}"
        for p in (ROOT / "migrations").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }
    assert wanted - shipped == set()
    assert {"lineage/ui/index.html", "lineage/schemas/MLModelDatasetFacet.json"} <= shipped


@pytest.mark.slow
def test_base_install_trains_and_asks_impact_without_the_server(
    wheel: tuple[Path, str], tmp_path: Path
) -> None:
    """`pip install lineage` in a fresh venv (pip's cache reused): a training example reports
    to a collector and `lineage impact --url` answers, with no server dependency installed."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python, lineage_bin = venv / "bin" / "python", venv / "bin" / "lineage"
    install = [str(python), "-m", "pip", "install", "--quiet", "--constraint"]
    subprocess.run(
        [*install, str(ROOT / "constraints.txt"), str(wheel[0]), "scikit-learn"], check=True
    )
    found = subprocess.run(
        [
            str(python),
            "-c",
            "import importlib.util as u, sys; "
            "print(' '.join(m for m in sys.argv[1:] if u.find_spec(m)))",
            *SERVER_ONLY,
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert found.stdout.split() == []

    server = Server(f"sqlite:///{tmp_path / 'store.db'}").start()
    try:
        server.wait_ready()
        data = tmp_path / "data"
        env = {**os.environ, "OPENLINEAGE_URL": server.url, "LINEAGE_DEMO_DATA_DIR": str(data)}
        env.pop("OPENLINEAGE_CONFIG", None)
        example = ROOT / "integrations" / "training" / "examples" / "sklearn_churn.py"
        trained = subprocess.run(
            [str(python), str(example)], env=env, capture_output=True, text=True, check=False
        )
        assert trained.returncode == 0, trained.stderr[-3000:]
        source = f"dataset:file:{data / 'customer_features.generated.csv'}"
        impact = ["impact", source, "--drop-dataset", "--fail-on", "never", "--format", "json"]
        asked = subprocess.run(
            [str(lineage_bin), *impact, "--url", server.url],
            capture_output=True,
            text=True,
            check=False,
        )
    finally:
        server.stop()
    assert (asked.returncode, asked.stderr) == (0, "")
    report = json.loads(asked.stdout)
    model, scores = (
        f"dataset:file:{data / name}" for name in ("churn_model.joblib", "churn_scores.csv")
    )
    assert sorted((item["id"], item["kind"], item["class"]) for item in report["items"]) == [
        (model, "model", "breaking"),
        (scores, "dataset", "breaking"),
    ]
    assert report["models"] == [model]
    assert [(j["id"], j["latestRun"]["state"]) for j in report["jobs"]] == [
        ("job:ml:churn_model.train", "COMPLETED")
    ]


def _name(requirement: str) -> str:
    """A requirement's project name, normalized (PEP 503)."""
    import re

    return re.sub(
        r"[-_.]+", "-", re.split(r"[\s\[<>=!~;@]", requirement.strip(), maxsplit=1)[0]
    ).lower()


def test_constraints_pin_every_dependency() -> None:
    """constraints.txt is current: every dependency of every extra has one exact version
    there (after a change to pyproject.toml, `make constraints` rewrites it)."""
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = {_name(r) for r in project["dependencies"]}
    wanted |= {_name(r) for extra in project["optional-dependencies"].values() for r in extra}
    pinned = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, sep, version = line.partition("==")
            assert sep and version, f"constraints.txt: {line!r} is not NAME==VERSION"
            pinned[_name(name)] = version
    assert sorted(wanted - set(pinned)) == []
