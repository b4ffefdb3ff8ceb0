"""A busy collector that answers late still gets every event, and the run says nothing.

A TCP proxy in front of the real collector holds each answer back (the collector has already
stored the event): what a collector under load looks like to the emitter."""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time
from collections.abc import Iterator

import pytest
from training_harness import Collector

from lineage.emit import training_run
from lineage.emit.transport import EMIT_TIMEOUT_S

ANSWER_DELAY_S = 3 * EMIT_TIMEOUT_S


class SlowProxy:
    """Forwards connections to `upstream`, each answer `delay_s` late."""

    def __init__(self, upstream: str, delay_s: float) -> None:
        host, port = upstream.removeprefix("http://").split(":")
        self.upstream, self.delay_s = (host, int(port)), delay_s
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.threads = [threading.Thread(target=self._accept, daemon=True)]
        self.threads[0].start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.sock.accept()
            except OSError:
                return
            server = socket.create_connection(self.upstream)
            for source, target, delay in ((client, server, 0.0), (server, client, self.delay_s)):
                thread = threading.Thread(target=_pipe, args=(source, target, delay), daemon=True)
                thread.start()
                self.threads.append(thread)

    def close(self) -> None:
        self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()


def _pipe(source: socket.socket, target: socket.socket, delay_s: float) -> None:
    """Copy `source` to `target`, each chunk `delay_s` after it arrived."""
    try:
        while chunk := source.recv(65536):
            time.sleep(delay_s)
            target.sendall(chunk)
    except OSError:
        pass
    finally:
        for sock in (source, target):
            with contextlib.suppress(OSError):  # the other side may have closed it already
                sock.shutdown(socket.SHUT_RDWR)


@pytest.fixture
def slow(collector: Collector) -> Iterator[SlowProxy]:
    proxy = SlowProxy(collector.url, ANSWER_DELAY_S)
    try:
        yield proxy
    finally:
        proxy.close()


def test_late_answers_are_no_failure(
    collector: Collector, slow: SlowProxy, caplog: pytest.LogCaptureFixture
) -> None:
    with (
        caplog.at_level(logging.WARNING, logger="lineage.emit"),
        training_run("busy", namespace="busy", url=slow.url) as run,
    ):
        run.log_metric("loss", 0.5, step=0)
    for thread in threading.enumerate():
        if thread.name == "lineage-emit":
            thread.join()
    assert run.state == "COMPLETED"
    assert [r.getMessage() for r in caplog.records if r.name.startswith("lineage.emit")] == []
    assert [e["eventType"] for e in collector.events("busy")] == ["START", "COMPLETE"]
