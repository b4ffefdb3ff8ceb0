"""Shared fixtures: a fresh database per test on SQLite and on PostgreSQL, apps, servers."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from lineage.api.app import create_app
from lineage.settings import Settings
from lineage.store.db import make_engine
from lineage.store.migrate import ensure_current

POSTGRES_URL = os.environ.get(
    "LINEAGE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def _migrate(url: str) -> None:
    engine = make_engine(url)
    ensure_current(engine)
    engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test (migrating per test is slow)."""
    path = tmp_path_factory.mktemp("template") / "lineage.db"
    _migrate(f"sqlite:///{path}")
    return path


@pytest.fixture
def sqlite_url(tmp_path: Path, sqlite_template: Path) -> str:
    """A fresh, migrated SQLite file."""
    shutil.copy(sqlite_template, tmp_path / "lineage.db")
    return f"sqlite:///{tmp_path / 'lineage.db'}"


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str]:
    """A migrated PostgreSQL database used as the template of each test's database."""
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT", pool_pre_ping=True)
    name = f"lineage_tmpl_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        _migrate(make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False))
        yield name
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


@pytest.fixture
def postgres_url(postgres_template: str) -> Iterator[str]:
    """A fresh, migrated PostgreSQL database, dropped afterwards."""
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT", pool_pre_ping=True)
    name = f"lineage_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{postgres_template}"'))
    try:
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"),
                {"n": name},
            )
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


# `make test-fast` sets LINEAGE_TEST_DATABASES=sqlite; the full suite runs both
DATABASES = os.environ.get("LINEAGE_TEST_DATABASES", "sqlite,postgres").split(",")


@pytest.fixture(params=DATABASES)
def db_url(request: pytest.FixtureRequest) -> str:
    """Each storage test runs once on SQLite and once on PostgreSQL."""
    return str(request.getfixturevalue(f"{request.param}_url"))


@pytest.fixture
async def client(db_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """An in-process client of a collector app on a fresh database."""
    app = create_app(Settings(database_url=db_url))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as c,
    ):
        c.app = app  # type: ignore[attr-defined]
        deadline = time.monotonic() + 60  # the graph loads in the background at start-up
        while getattr(app.state, "graph", None) is None and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        yield c


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """A real `lineage serve` subprocess (uvicorn), stopped on exit."""

    def __init__(
        self, database_url: str, *, env: dict[str, str] | None = None, inherit_env: bool = True
    ) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.database_url = database_url
        self.env = {**(os.environ if inherit_env else {}), **(env or {})}
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = tempfile.TemporaryFile()  # noqa: SIM115  kept across restarts; freed with self

    def start(self) -> Server:
        lineage_bin = Path(sys.executable).parent / "lineage"
        self.proc = subprocess.Popen(
            [
                str(lineage_bin),
                "serve",
                "--port",
                str(self.port),
                "--database-url",
                self.database_url,
            ],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=self.log,  # a file, not a pipe: a chatty collector never blocks on it
        )
        return self._poll("/healthz", 60.0)

    def wait_ready(self, timeout_s: float = 90.0) -> Server:
        """Wait until /readyz answers 200 (it answers 503 while the graph loads)."""
        return self._poll("/readyz", timeout_s)

    def output(self) -> str:
        """Everything the collector wrote to stderr (its log) so far."""
        self.log.seek(0)
        return self.log.read().decode()

    def _poll(self, path: str, timeout_s: float) -> Server:
        assert self.proc is not None
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"collector exited: {self.output()[-4000:]}")
            try:
                if httpx.get(f"{self.url}{path}", timeout=5).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"collector: no 200 on {path} within {timeout_s:g} s")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@pytest.fixture
def server(db_url: str) -> Iterator[Server]:
    """A real collector process on a fresh database."""
    srv = Server(db_url).start().wait_ready()
    try:
        yield srv
    finally:
        srv.stop()
