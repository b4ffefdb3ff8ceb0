"""Fixtures for the training-integration tests: a fresh collector per test, clean environment."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from training_harness import Collector, free_port, serve_command, wait_ready


@pytest.fixture
def collector(tmp_path: Path) -> Iterator[Collector]:
    """A fresh collector on its own SQLite database, stopped after the test."""
    port = free_port()
    command = [
        *serve_command(),
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--database-url",
        f"sqlite:///{tmp_path / 'l.db'}",
    ]
    process = subprocess.Popen(
        command, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
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
