"""A dead collector costs a run about one bounded timeout per event, whatever configures the
client: `OPENLINEAGE_URL`, `openlineage.yml` or `url=` in code; against a closed port and
against a port that accepts connections and never answers."""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from openlineage.client.transport.composite import CompositeTransport
from openlineage.client.transport.http import HttpTransport
from tests.conftest import free_port

from lineage.emit import training_run
from lineage.emit.transport import EMIT_RETRY, EMIT_TIMEOUT_S, resolve_client

SOURCES = ("OPENLINEAGE_URL", "openlineage.yml", "code")


class BlackHole:
    """Accepts every connection and never answers; counts the connections."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.accepted: list[socket.socket] = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted.append(conn)

    def close(self) -> None:
        # shutdown wakes the blocked accept(): a thread still inside it after close() could
        # act on a reused descriptor number and reset a later test's connection
        self.sock.shutdown(socket.SHUT_RDWR)
        self.thread.join()
        self.sock.close()
        for conn in self.accepted:
            conn.close()


@pytest.fixture
def black_hole() -> Iterator[BlackHole]:
    hole = BlackHole()
    try:
        yield hole
    finally:
        hole.close()


def _configure(source: str, url: str, monkeypatch: pytest.MonkeyPatch, cwd: Path) -> str | None:
    """Point the emitter at `url` through `source`; returns the `url=` argument to pass."""
    if source == "OPENLINEAGE_URL":
        monkeypatch.setenv("OPENLINEAGE_URL", url)
    elif source == "openlineage.yml":  # the client's defaults: 5 s timeout, 5 retries
        (cwd / "openlineage.yml").write_text(f"transport:\n  type: http\n  url: {url}\n")
    else:
        return url
    return None


def _train(url: str | None, **options: Any) -> tuple[str | None, float]:
    started = time.monotonic()
    with training_run("dead-collector", namespace="failsoft", url=url, **options) as run:
        run.log_metric("loss", 0.5, step=0)
    return run.state, time.monotonic() - started


def _join_sends() -> None:
    """Wait for the sends still going on in the background."""
    for thread in threading.enumerate():
        if thread.name == "lineage-emit":
            thread.join()


@pytest.mark.parametrize("source", SOURCES)
def test_closed_port_costs_a_run_little(
    source: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    url = _configure(source, f"http://127.0.0.1:{free_port()}", monkeypatch, tmp_path)
    with caplog.at_level(logging.WARNING, logger="lineage.emit"):
        state, elapsed = _train(url)
    assert state == "COMPLETED"
    assert elapsed < 3.0  # the client's own defaults spend 18 s here
    ours = [r.getMessage() for r in caplog.records if r.name.startswith("lineage.emit")]
    assert len(ours) == 2
    assert ours[0].startswith("lineage: could not emit START event for dead-collector: ")
    assert ours[1].startswith("lineage: could not emit COMPLETE event for dead-collector: ")


@pytest.mark.parametrize("source", SOURCES)
def test_silent_port_gets_one_attempt_per_event(
    source: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, black_hole: BlackHole
) -> None:
    url = _configure(source, black_hole.url, monkeypatch, tmp_path)
    # a send waits for its answer up to half the emit deadline (a busy collector answers late)
    state, elapsed = _train(url, emit_deadline_s=1.0)
    assert state == "COMPLETED"
    assert elapsed < 3.0  # the 1 s deadline; the client's defaults: 30 s per event
    _join_sends()
    assert len(black_hole.accepted) == 2  # START and COMPLETE, no retry after a timeout


def test_bounds_keep_lower_values_and_reach_into_composite_transports(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("OPENLINEAGE_URL", "http://127.0.0.1:9")
    client = resolve_client()
    assert client is not None and isinstance(client.transport, HttpTransport)
    assert client.transport.config.timeout == (EMIT_TIMEOUT_S, EMIT_TIMEOUT_S)
    assert {k: client.transport.config.retry[k] for k in EMIT_RETRY} == EMIT_RETRY
    monkeypatch.delenv("OPENLINEAGE_URL")
    monkeypatch.setenv("LINEAGE_EMIT_TIMEOUT_S", "2.5")
    (tmp_path / "openlineage.yml").write_text(
        "transport:\n  type: composite\n  transports:\n"
        "    fast:\n      type: http\n      url: http://127.0.0.1:9\n      timeout: 0.2\n"
        "      retry:\n        total: 0\n"
        "    slow:\n      type: http\n      url: http://127.0.0.1:10\n      timeout: 30\n"
    )
    client = resolve_client()
    assert client is not None and isinstance(client.transport, CompositeTransport)
    children = {t.url: t.config for t in client.transport.transports}  # type: ignore[attr-defined]
    assert children["http://127.0.0.1:9"].timeout == (0.2, 0.2)
    assert children["http://127.0.0.1:9"].retry["total"] == 0
    assert children["http://127.0.0.1:10"].timeout == (2.5, 2.5)
    assert children["http://127.0.0.1:10"].retry["read"] == 0
