"""Helpers for the Airflow end-to-end tests: a real collector subprocess and its HTTP API.

The collector is ``lineage serve`` from this interpreter's environment on a free loopback port
with its own SQLite database; Airflow runs from its own cached venv through
``integrations/airflow/run_examples.py`` (imported from there, not copied).
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import quote

import httpx
from tests.conftest import Server

REPO = Path(__file__).resolve().parents[2]
AIRFLOW_DIR = REPO / "integrations" / "airflow"


def load_runner() -> ModuleType:
    """Import ``integrations/airflow/run_examples.py`` as a module."""
    spec = importlib.util.spec_from_file_location("run_examples", AIRFLOW_DIR / "run_examples.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def seg(value: str) -> str:
    """Encode a namespace or name as one URL path segment."""
    return quote(value, safe="")


@dataclass
class Collector:
    """A running collector and a tiny client of its API."""

    url: str

    def get(self, path: str, **params: Any) -> Any:
        """GET ``path`` and return the JSON body, failing on any non-200 answer."""
        response = httpx.get(f"{self.url}{path}", params=params, timeout=10)
        assert response.status_code == 200, (path, response.status_code, response.text[:500])
        return response.json()

    def job(self, namespace: str, name: str) -> dict:
        """``GET /api/v1/namespaces/{ns}/jobs/{name}``."""
        return self.get(f"/api/v1/namespaces/{seg(namespace)}/jobs/{seg(name)}")

    def jobs(self, namespace: str) -> list[dict]:
        """All jobs of a namespace."""
        return self.get(f"/api/v1/namespaces/{seg(namespace)}/jobs", limit=1000)["jobs"]

    def runs(self, namespace: str, name: str) -> list[dict]:
        """All runs of a job."""
        path = f"/api/v1/namespaces/{seg(namespace)}/jobs/{seg(name)}/runs"
        return self.get(path, limit=1000)["runs"]

    def dataset(self, namespace: str, name: str) -> dict:
        """``GET /api/v1/namespaces/{ns}/datasets/{name}``."""
        return self.get(f"/api/v1/namespaces/{seg(namespace)}/datasets/{seg(name)}")

    def datasets(self, namespace: str) -> list[dict]:
        """All datasets of a namespace."""
        path = f"/api/v1/namespaces/{seg(namespace)}/datasets"
        return self.get(path, limit=1000)["datasets"]

    def children(self, namespace: str, name: str) -> dict:
        """The job hierarchy below a job (DAG -> task -> query)."""
        return self.get(f"/api/v1/jobs/{seg(namespace)}/{seg(name)}/children")

    def downstream(self, node_id: str, depth: int = 20) -> dict:
        """``GET /api/v1/lineage/downstream``."""
        return self.get("/api/v1/lineage/downstream", nodeId=node_id, depth=depth)

    def column_lineage(self, node_id: str, depth: int = 20) -> dict:
        """``GET /api/v1/column-lineage`` (upstream of the dataset's fields)."""
        return self.get("/api/v1/column-lineage", nodeId=node_id, depth=depth)


@contextmanager
def running_collector(work_dir: Path) -> Iterator[Collector]:
    """Start ``lineage serve`` on a fresh SQLite database; always stop it afterwards."""
    server = Server(f"sqlite:///{work_dir / 'l.db'}").start().wait_ready()
    try:
        yield Collector(url=server.url)
    finally:
        server.stop()
