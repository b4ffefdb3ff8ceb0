"""The layering holds: the CLI's offline queries run the query layer without FastAPI, and
the import rules between the layers (store, graph, query, impact, web) hold in the source."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import httpx

import lineage
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


# --- the import rules, read from the source ----------------------------------------------------

SRC = Path(lineage.__file__).parent
SHARED = "lineage.store.changes"  # node keys, Changes, Snapshot: what store and graph share


def _imports(path: Path) -> set[str]:
    """Every module `path` imports, at module level or inside functions."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def _under(modules: set[str], *prefixes: str) -> list[str]:
    return sorted(m for m in modules if any(m == p or m.startswith(p + ".") for p in prefixes))


def test_store_imports_nothing_above_it() -> None:
    for path in sorted((SRC / "store").glob("*.py")):
        above = _under(
            _imports(path),
            "lineage.query",
            "lineage.api",
            "lineage.cli",
            "lineage.graph",
            "lineage.impact",
            "lineage.impact_context",
            "lineage.impact_targets",
            "fastapi",
            "starlette",
        )
        assert above == [], path.name


def test_graph_imports_only_the_shared_types_of_the_store() -> None:
    modules = _imports(SRC / "graph.py")
    store = [m for m in _under(modules, "lineage.store") if not m.startswith(SHARED)]
    assert store == [] and _under(modules, "lineage.query", "lineage.api", "sqlalchemy") == []


def test_query_and_impact_never_import_the_web_layer() -> None:
    paths = [*sorted((SRC / "query").glob("*.py")), *sorted(SRC.glob("impact*.py"))]
    for path in paths:
        web = _under(_imports(path), "lineage.api", "lineage.cli", "fastapi", "starlette")
        assert web == [], path.name


def test_impact_code_writes_no_sql() -> None:
    """Impact reads the store through lineage.store's functions: no tables, no statements."""
    for path in sorted(SRC.glob("impact*.py")):
        modules = _imports(path)
        assert _under(modules, "lineage.store.schema", "lineage.store.ml_schema") == [], path
        assert _under(modules, "sqlalchemy") == ["sqlalchemy", "sqlalchemy.Connection"], path
