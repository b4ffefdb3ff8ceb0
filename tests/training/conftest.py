"""Fixtures for the training-integration tests: a real collector per module, clean environment."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.conftest import Server
from training_harness import Collector


@pytest.fixture(scope="module")
def collector(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Collector]:
    """A collector on a fresh SQLite database, shared by one test module, then stopped.

    Tests in a module use distinct job names, so sharing the process (whose start-up dominates
    the suite's run time) does not couple their assertions. The collector sees none of the
    outer LINEAGE_/OPENLINEAGE settings.
    """
    workdir = tmp_path_factory.mktemp("collector")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LINEAGE_", "OPENLINEAGE"))}
    server = Server(f"sqlite:///{workdir / 'l.db'}", env=env, inherit_env=False)
    server.start().wait_ready()
    try:
        yield Collector(url=server.url)
    finally:
        server.stop()


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """Isolate each test from lineage/OpenLineage/rank settings of the outer environment.

    The openlineage client writes ``OPENLINEAGE__TRANSPORT__*`` aliases into ``os.environ``
    when it sees ``OPENLINEAGE_URL``, so the whole environment is restored afterwards.
    """
    saved = dict(os.environ)
    for key in list(os.environ):
        if key.startswith(("OPENLINEAGE", "LINEAGE_EMIT", "MLFLOW_")) or key in (
            "RANK",
            "LOCAL_RANK",
            "WORLD_SIZE",
        ):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)  # no stray ./openlineage.yml
    yield
    os.environ.clear()
    os.environ.update(saved)
