"""The layering holds: the CLI's offline queries run the query layer without FastAPI."""

from __future__ import annotations

import subprocess
import sys

import httpx

from tests.test_lineage_api import ingest, step

OFFLINE_QUERY = """
import sys
from lineage.cli.backend import OfflineBackend
answer = OfflineBackend(sys.argv[1]).lineage(downstream=True, params={"nodeId": "dataset:n:a"})
print(sorted(n["id"] for n in answer["nodes"]))
loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("fastapi", "starlette"))
print(loaded)
"""


async def test_offline_cli_query_never_imports_fastapi(
    client: httpx.AsyncClient, db_url: str
) -> None:
    await ingest(client, step("j", ["a"], ["b"]))
    done = subprocess.run(
        [sys.executable, "-c", OFFLINE_QUERY, db_url], capture_output=True, text=True, check=True
    )
    assert done.stdout.splitlines() == ["['dataset:n:a', 'dataset:n:b', 'job:ns:j']", "[]"]
