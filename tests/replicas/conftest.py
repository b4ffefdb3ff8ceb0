"""Fixtures for the replica tests: a fresh PostgreSQL database and real `lineage serve` replicas."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from sqlalchemy import Connection

from lineage.events import Limits, parse_event
from lineage.store import changelog
from lineage.store.identities import IdCache
from lineage.store.ingest import apply_events, log_events
from tests.conftest import free_port

LINEAGE = str(Path(sys.executable).parent / "lineage")
READY_TIMEOUT_S = 60


@pytest.fixture
def replica_db_url(postgres_url: str) -> str:
    """A fresh, migrated PostgreSQL database shared by the replicas of one test."""
    return postgres_url


@dataclass
class Replica:
    """One `lineage serve` process on the shared database."""

    url: str
    process: subprocess.Popen[bytes]

    def kill(self) -> None:
        """SIGKILL: no shutdown work at all."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        """SIGTERM, then SIGKILL if it does not exit."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


def start_replica(database_url: str, log_dir: Path) -> Replica:
    """Start a replica and wait until /healthz answers (the graph may still be loading)."""
    port = free_port()
    log = (log_dir / f"replica-{port}.log").open("wb")
    process = subprocess.Popen(
        [LINEAGE, "serve", "--port", str(port), "--database-url", database_url],
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "LINEAGE_GRAPH_FOLLOW_INTERVAL_MS": "200"},
    )
    replica = Replica(f"http://127.0.0.1:{port}", process)
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"replica exited with {process.returncode}; see {log.name}")
        try:
            if httpx.get(replica.url + "/healthz", timeout=1).status_code == 200:
                return replica
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    replica.stop()
    raise RuntimeError(f"replica did not answer within {READY_TIMEOUT_S} s; see {log.name}")


@pytest.fixture
def replicas(replica_db_url: str, tmp_path: Path) -> Iterator[Callable[[], Replica]]:
    """A factory of replicas on one fresh database; all are stopped after the test."""
    started: list[Replica] = []

    def start() -> Replica:
        replica = start_replica(replica_db_url, tmp_path)
        started.append(replica)
        return replica

    yield start
    for replica in started:
        replica.stop()


def wait_for(check: Callable[[], bool], *, timeout_s: float = 30) -> None:
    """Poll `check` until it holds; fail the test with a clear message after `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"condition not met within {timeout_s} s")
        time.sleep(0.05)


def write_event(conn: Connection, body: dict[str, Any], *, origin: str = "other-replica") -> None:
    """Store one new event in `conn`'s transaction as the writer's group commit does (log
    it, derive it, log its changes), leaving the commit to the caller: a test holds the
    transaction open to interleave two writers."""
    event = parse_event(orjson.dumps(body), limits=Limits())
    log_id = log_events(conn, [event], datetime.now(UTC))[0]
    assert log_id is not None  # not a duplicate
    changes = apply_events(conn, [event], cache=IdCache())
    changelog.log(conn, origin, [(log_id, changes[0])])
