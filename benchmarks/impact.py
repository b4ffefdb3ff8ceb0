"""Impact benchmark (issue 7): one column change on a ~100,000-node estate, end to end through
the `lineage impact` CLI, offline (`--database-url`) and over HTTP against `lineage serve`.

The estate is estate.py's DAGs, bulk-inserted into our own tables (graph.py's `load_store`),
plus column lineage for every task (out.c0 <- DIRECT from one input's c0, out.c1 <- DIRECT
from the other's c1, out.c2 <- INDIRECT/FILTER on c2) and one recorded schema per dataset.
The change drops `c0` of one DAG's landing table: every table of that DAG (495) is breaking.

Prints the CLI's wall time (median of `--repeats` runs) next to two baselines measured in the
same run, `python -c pass` and `lineage --help`, then where the offline time goes (imports
and connection, reading the part of the graph downstream of the changed table, analysis) and
the server's own time for the request. Asserts nothing.

    .venv/bin/python benchmarks/impact.py [--nodes 100000] [--database sqlite|postgres|both]
"""

from __future__ import annotations

import argparse
import io
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import msgspec

sys.path.insert(0, str(Path(__file__).parent))
import estate as est
from common import VENV_BIN, free_port, median, pg_database, row, server
from graph import _copy, _executemany, load_store
from ingest import NODELAY
from rich.console import Console

from lineage import ids
from lineage.cli.impact_output import render_json

COLUMNS = ("c0", "c1", "c2")
STAMP = datetime(2026, 11, 1, tzinfo=UTC)


# --- the estate's column lineage and schemas ---------------------------------------------------


def column_edges(estate: est.Estate) -> Iterator[tuple[int, int, str, int, str, str, str | None]]:
    """(job, out dataset, out field, in dataset, in field, type, subtype) of every task."""
    reads: dict[int, list[int]] = {}
    for job, dataset, direction in est.edges(estate):
        if direction == "in":
            reads.setdefault(job, []).append(dataset)
        elif job in reads:  # hub loaders read nothing and carry no column lineage
            main, other = max(reads[job]), min(reads[job])
            yield job, dataset, "c0", main, "c0", "DIRECT", "IDENTITY"
            yield job, dataset, "c1", other, "c1", "DIRECT", "TRANSFORMATION"
            yield job, dataset, "c2", main, "c2", "INDIRECT", "FILTER"


def add_columns_and_schemas(engine: Any, estate: est.Estate) -> float:
    """Bulk-insert column_edges and dataset_versions; seconds taken."""
    t0 = time.perf_counter()
    is_pg = engine.dialect.name == "postgresql"
    stamp: Any = STAMP if is_pg else STAMP.replace(tzinfo=None).isoformat(" ")
    false: Any = False if is_pg else 0
    fields = json.dumps([{"name": c, "type": "varchar"} for c in COLUMNS])
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        bulk = _copy if is_pg else _executemany
        if not is_pg:
            cur.execute("BEGIN")
        bulk(
            cur,
            "column_edges",
            [
                "job_id",
                "out_dataset_id",
                "out_field",
                "in_dataset_id",
                "in_field",
                "type",
                "subtype",
                "masking",
                "valid_from",
            ],
            ((*edge, false, stamp) for edge in column_edges(estate)),
        )
        bulk(
            cur,
            "dataset_versions",
            ["dataset_id", "version", "schema_hash", "fields", "created_at"],
            ((i, "v1", "s1", fields, stamp) for i, _ in est.datasets(estate)),
        )
        raw.commit()
        cur.execute("ANALYZE")
        raw.commit()
    finally:
        raw.close()
    return time.perf_counter() - t0


# --- measurements ------------------------------------------------------------------------------


def wall_ms(cmd: list[str], repeats: int, *, expect: int = 0) -> tuple[float, str]:
    """Median wall time (ms) of running `cmd`; its last stdout (exit code checked)."""
    times, out = [], ""
    for _ in range(repeats):
        t0 = time.perf_counter()
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)
        times.append((time.perf_counter() - t0) * 1000)
        if done.returncode != expect:
            raise RuntimeError(f"{cmd[:3]} exited {done.returncode}: {done.stderr[-2000:]}")
        out = done.stdout
    return median(times), out


def in_process_ms(fn: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    """Median wall time (ms) of `fn()` in this process, and its last answer."""
    times, answer = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        answer = fn()
        times.append((time.perf_counter() - t0) * 1000)
    return median(times), answer


OFFLINE_SETUP = """
import lineage.cli.main, lineage.cli.backend, lineage.impact, lineage.store.subgraph
from lineage.store.db import make_engine
make_engine({url!r}).connect().close()
"""


def offline_breakdown(
    url: str, request: dict[str, Any], repeats: int, *, main_import_ms: float
) -> list[tuple[str, float]]:
    """Where an offline run spends its time after `import lineage.cli.main`: the rest of its
    imports and the database connection (in a subprocess), then in this process reading the
    part of the graph the request touches (backend.impact_graph) and the analysis on it, on
    the first call (statement caches cold, as in the CLI) and warm, and rendering."""
    from lineage import impact
    from lineage.cli.backend import impact_graph
    from lineage.store.db import make_engine

    setup_ms, _ = wall_ms([sys.executable, "-c", OFFLINE_SETUP.format(url=url)], repeats)
    engine = make_engine(url)

    def load() -> Any:
        with engine.connect() as conn:
            return impact_graph(conn, request)

    def analyze() -> Any:
        with engine.connect() as conn:
            return impact.analyze_request(graph, conn, request)

    load_first, graph = in_process_ms(load, 1)
    load_warm, _ = in_process_ms(load, repeats)
    analysis_first, answer = in_process_ms(analyze, 1)
    analysis_warm, _ = in_process_ms(analyze, repeats)
    report = msgspec.to_builtins(answer)  # as the offline CLI renders it
    render, _ = in_process_ms(lambda: render_json(report, Console(file=io.StringIO()), 0), repeats)
    engine.dispose()
    return [
        ("  + offline imports, connect", setup_ms - main_import_ms),
        (f"  impact_graph ({len(graph):,} nodes), 1st", load_first),
        ("  impact_graph, warm", load_warm),
        ("  impact.analyze_request, 1st", analysis_first),
        ("  impact.analyze_request, warm", analysis_warm),
        ("  JSON rendering (render_json)", render),
    ]


def server_ms(url: str, request: dict[str, Any], repeats: int) -> float:
    """Median time of POST /api/v1/impact from a warm client (the server's share)."""
    transport = httpx.HTTPTransport(socket_options=NODELAY)
    with httpx.Client(base_url=url, transport=transport, timeout=60) as client:
        client.post("/api/v1/impact", json=request)  # warm
        ms, _ = in_process_ms(lambda: client.post("/api/v1/impact", json=request), repeats)
    return ms


def on_database(label: str, url: str, estate: est.Estate, repeats: int) -> None:
    """Load the estate, then time the CLI offline and over HTTP against `lineage serve`."""
    from lineage.store.db import make_engine

    engine = make_engine(url)
    seconds = load_store(engine, estate) + add_columns_and_schemas(engine, estate)
    engine.dispose()
    print(f"\n{label}: estate stored in {seconds:.1f} s")
    root = ids.format_id("dataset", est.DS_NS, "landing.dag_0_raw")
    request = {"dataset": root, "changes": [{"kind": "drop_column", "column": "c0"}]}
    lineage = str(VENV_BIN / "lineage")
    impact = [lineage, "impact", root, "--drop-column", "c0", "--format", "json"]
    python_ms, _ = wall_ms([sys.executable, "-c", "pass"], repeats)
    help_ms, _ = wall_ms([lineage, "--help"], repeats)
    import_ms, _ = wall_ms([sys.executable, "-c", "import lineage.cli.main"], repeats)
    offline_ms, out = wall_ms([*impact, "--database-url", url], repeats, expect=1)
    summary = json.loads(out)["summary"]
    port = free_port()
    serve = [lineage, "serve", "--port", str(port), "--database-url", url, "--log-level", "warning"]
    with server(serve, port, ready_path="/readyz") as srv:
        http_ms, out = wall_ms([*impact, "--url", srv["url"]], repeats, expect=1)
        table = [*impact[:-2], "--url", srv["url"]]  # the default Rich table, 50 rows
        table_ms, _ = wall_ms(table, repeats, expect=1)
        assert json.loads(out)["summary"] == summary
        server_side = server_ms(srv["url"], request, repeats)
    print(f"change: drop {root} c0 -> {summary}; median of {repeats} runs")
    print(row("", "wall ms", "- python", "- --help"))
    print(row("python -c pass (baseline)", f"{python_ms:.0f}"))
    print(row("lineage --help (baseline)", f"{help_ms:.0f}", f"{help_ms - python_ms:.0f}"))
    runs = {
        "lineage impact --url (HTTP)": http_ms,
        "  same, default table output": table_ms,
        "lineage impact offline": offline_ms,
    }
    for name, ms in runs.items():
        print(row(name, f"{ms:.0f}", f"{ms - python_ms:.0f}", f"{ms - help_ms:.0f}"))
    print("where the time goes:")
    print(row("  import lineage.cli.main", f"{import_ms - python_ms:.0f}"))
    print(row("  POST /api/v1/impact (server)", f"{server_side:.0f}"))
    for name, ms in offline_breakdown(url, request, repeats, main_import_ms=import_ms):
        print(row(name, f"{ms:.0f}"))


def main() -> None:
    """Parse options, then run on each database."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--nodes", type=int, default=100_000, help="estate size (nodes)")
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--repeats", type=int, default=7, help="runs per measurement")
    args = parser.parse_args()
    estate = est.for_nodes(args.nodes)
    print(f"estate: {estate.dags} DAGs, {estate.datasets + estate.jobs:,} nodes")
    if args.database in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as tmp:
            on_database("sqlite", f"sqlite:///{tmp}/estate.db", estate, args.repeats)
    if args.database in ("postgres", "both"):
        with pg_database("bench_impact") as url:
            on_database("postgres", url, estate, args.repeats)


if __name__ == "__main__":
    main()
