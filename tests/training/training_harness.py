"""Harness for the training-integration tests: a real collector subprocess.

The collector is started as ``lineage serve --host 127.0.0.1 --port <free> --database-url
sqlite:///<tmp_path>/l.db`` and is ready once ``GET /healthz`` answers 200. Events are sent with
the real openlineage-python ``HttpTransport`` and read back through the collector's HTTP API.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
STARTUP_TIMEOUT_S = 60.0


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve_command() -> list[str]:
    """The ``lineage`` console script of this interpreter's environment."""
    return [str(Path(sys.executable).with_name("lineage"))]


@dataclass
class Collector:
    """A running collector and helpers for its read API."""

    url: str
    process: subprocess.Popen[bytes]

    def get(self, path: str, **params: Any) -> Any:
        response = httpx.get(f"{self.url}{path}", params=params, timeout=10.0)
        response.raise_for_status()
        return response.json()

    def events(self, job_name: str | None = None) -> list[dict[str, Any]]:
        """Raw events stored by the collector (oldest first), optionally only one job's."""
        body = self.get("/api/v1/events/lineage", limit=1000)
        assert body["totalCount"] == len(body["events"])
        events = [e for e in body["events"] if job_name in (None, e.get("job", {}).get("name"))]
        return sorted(events, key=lambda e: str(e["eventTime"]))

    def runs(self, namespace: str, job: str) -> list[dict[str, Any]]:
        """The runs of a job as the collector reports them."""
        body = self.get(
            f"/api/v1/namespaces/{quote(namespace, safe='')}/jobs/{quote(job, safe='')}/runs"
        )
        assert body["totalCount"] == len(body["runs"])
        return list(body["runs"])

    def dataset(self, namespace: str, name: str) -> dict[str, Any]:
        """One dataset (or model) node."""
        ns, nm = quote(namespace, safe=""), quote(name, safe="")
        return dict(self.get(f"/api/v1/namespaces/{ns}/datasets/{nm}"))


def wait_ready(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            _, err = process.communicate()
            pytest.fail(f"collector exited with {process.returncode}: {err.decode()[-2000:]}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    pytest.fail(f"collector at {url} not healthy after {STARTUP_TIMEOUT_S}s")
