"""Helpers for the ML collector tests: producers (our emitter, openlineage-python) and reads."""

from __future__ import annotations

import subprocess
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
from openlineage.client import OpenLineageClient
from openlineage.client.event_v2 import InputDataset, Job, OutputDataset, Run, RunEvent, RunState
from openlineage.client.transport.http import HttpConfig, HttpTransport
from sqlalchemy import create_engine, select

from lineage.store import schema
from lineage.store.ml_schema import ML_TABLES

WAREHOUSE = "postgres://warehouse:5432"


def get(url: str, path: str, *, status: int = 200, **params: Any) -> Any:
    """GET a collector route and return its JSON, checking the status."""
    response = httpx.get(f"{url}{path}", params=params, timeout=10.0)
    assert response.status_code == status, response.text
    return response.json()


def model_path(namespace: str, name: str) -> str:
    """The detail route of a model (both parts URL-encoded)."""
    return f"/api/v1/models/{quote(namespace, safe='')}/{quote(name, safe='')}"


def client_for(url: str) -> OpenLineageClient:
    """The openlineage-python client posting to `url` over HTTP."""
    return OpenLineageClient(transport=HttpTransport(HttpConfig(url=url)))


def run_job(
    client: OpenLineageClient,
    namespace: str,
    name: str,
    inputs: list[tuple[str, str]],
    outputs: list[tuple[str, str]],
) -> str:
    """Emit START and COMPLETE of a plain (non-ML) job; returns its run id."""
    run_id = str(uuid.uuid4())
    for state in (RunState.START, RunState.COMPLETE):
        client.emit(
            RunEvent(
                eventType=state,
                eventTime=datetime.now(UTC).isoformat(),
                run=Run(runId=run_id),
                job=Job(namespace=namespace, name=name),
                inputs=[InputDataset(namespace=ns, name=nm) for ns, nm in inputs],
                outputs=[OutputDataset(namespace=ns, name=nm) for ns, nm in outputs],
                producer="https://example.com/ml-tests",
            )
        )
    return run_id


def git_repo(root: Path) -> tuple[Path, str]:
    """A committed git repository holding `train.py`; returns (script, commit)."""
    root.mkdir()
    script = root / "train.py"
    script.write_text("print('train')\n")
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "-C", str(root)]
    subprocess.run([*git, "init", "-q", "-b", "main"], check=True)
    subprocess.run([*git, "remote", "add", "origin", "https://example.com/ml.git"], check=True)
    subprocess.run([*git, "add", "train.py"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "train"], check=True)
    head = subprocess.run([*git, "rev-parse", "HEAD"], check=True, capture_output=True, text=True)
    return script, head.stdout.strip()


def dump_ml_tables(database_url: str) -> dict[str, list[dict[str, Any]]]:
    """Every row of every ML table (dataset ids as namespace/name), sorted, for comparisons."""
    engine = create_engine(database_url)
    datasets = schema.datasets.c
    try:
        with engine.connect() as conn:
            names = {
                r.id: (r.namespace, r.name)
                for r in conn.execute(select(datasets.id, datasets.namespace, datasets.name))
            }
            dump = {}
            for table in ML_TABLES:
                rows = [dict(row._mapping) for row in conn.execute(select(table))]
                for row in rows:
                    if "dataset_id" in row:
                        row["dataset_id"] = names[row["dataset_id"]]
                dump[table.name] = sorted(rows, key=repr)
            return dump
    finally:
        engine.dispose()
