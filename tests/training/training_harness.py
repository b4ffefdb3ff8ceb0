"""Harness for the training-integration tests: a real collector subprocess.

The collector is the shared ``tests.conftest.Server`` (``lineage serve`` on a SQLite file,
ready once ``GET /readyz`` answers 200). Events are sent with
the real openlineage-python ``HttpTransport`` and read back through the collector's HTTP API.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

REPO_ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Collector:
    """A running collector and helpers for its read API."""

    url: str

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
