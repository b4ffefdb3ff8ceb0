"""Slow clients against a real `lineage serve` (uvicorn): headers and bodies sent too slowly
are cut off, and the collector keeps answering the others meanwhile."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import httpx
import orjson
import pytest

from tests.conftest import Server

TIMEOUTS = {
    "LINEAGE_HTTP_HEADER_TIMEOUT_S": "1",
    "LINEAGE_HTTP_BODY_TIMEOUT_S": "1",
    "LINEAGE_HTTP_KEEP_ALIVE_TIMEOUT_S": "1",
}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    database = tmp_path_factory.mktemp("slow") / "lineage.db"
    collector = Server(f"sqlite:///{database}", env=TIMEOUTS).start()
    try:
        yield collector
    finally:
        collector.stop()


def _connect(server: Server) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    return sock


def _read_until_closed(sock: socket.socket) -> tuple[bytes, float]:
    """Everything the server sends until it closes, and how long that took."""
    start, received = time.monotonic(), b""
    while chunk := sock.recv(65536):
        received += chunk
    return received, time.monotonic() - start


def test_headers_sent_slowly_are_cut_off(server: Server) -> None:
    with _connect(server) as sock:
        start = time.monotonic()
        closed = False
        for byte in b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 50:
            try:
                sock.sendall(bytes([byte]))
            except OSError:
                closed = True
                break
            time.sleep(0.1)
            if time.monotonic() - start > 8:
                break
        if not closed:
            assert _read_until_closed(sock)[0] == b""
        assert time.monotonic() - start < 8  # 1 s allowed, the dribble would take 7.5 s
        # the other clients are served meanwhile and after
        assert httpx.get(f"{server.url}/healthz").status_code == 200


def test_a_silent_connection_is_closed(server: Server) -> None:
    with _connect(server) as sock:
        received, waited = _read_until_closed(sock)
    assert (received, waited < 5) == (b"", True)


def test_a_body_sent_slowly_is_a_408(server: Server) -> None:
    with _connect(server) as sock:
        sock.sendall(
            b"POST /api/v1/lineage HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b'Content-Length: 1000\r\n\r\n{"eventTime": '
        )
        received, waited = _read_until_closed(sock)
    head, _, body = received.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 408 ")
    assert orjson.loads(body) == {
        "error": {
            "code": "request_timeout",
            "message": "the request body did not arrive within 1 s (http_body_timeout_s)",
            "field": "body",
        }
    }
    assert waited < 5


def test_a_prompt_client_is_unaffected(server: Server) -> None:
    with httpx.Client(base_url=server.url) as client:
        for _ in range(3):
            assert client.get("/api/v1/namespaces").status_code == 200
            time.sleep(0.3)  # keep-alive reuse within the idle timeout
