"""Fixtures for the training-integration tests: a real collector per module, clean environment."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from training_harness import Collector, free_port, serve_command, wait_ready


@pytest.fixture(scope="module")
def collector(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Collector]:
    """A collector on a fresh SQLite database, shared by one test module, then stopped.

    Tests in a module use distinct job names, so sharing the process (whose start-up dominates
    the suite's run time) does not couple their assertions.
    """
    workdir = tmp_path_factory.mktemp("collector")
    port = free_port()
    command = [
        *serve_command(),
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--database-url",
        f"sqlite:///{workdir / 'l.db'}",
    ]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LINEAGE_", "OPENLINEAGE"))}
    process = subprocess.Popen(
        command, cwd=workdir, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(url, process)
        yield Collector(url=url, process=process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stderr is not None:
            process.stderr.close()


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
