"""Graph benchmark (issue 4): a generated 1M-node / 1.5M-edge estate (see estate.py).

Measures, side by side in one run: the downstream query of a DAG's landing table (closure
~1,000 nodes, resolved, built by `lineage.query.lineage.directed` and encoded, as the route does)
in-process and over HTTP against `lineage serve`; the same closure as the recursive CTE
`lineage.store.history.closure_cte` on SQLite and PostgreSQL; graph memory (RSS delta) and the
start-up rebuild from the store (`lineage.api.app.load_graph`). Prints; asserts nothing.

    .venv/bin/python benchmarks/graph.py [--scale 0.1] [--database sqlite|postgres|both]
"""

from __future__ import annotations

import argparse
import ctypes
import gc
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import msgspec

sys.path.insert(0, str(Path(__file__).parent))
import estate as est
from common import (
    VENV_BIN,
    free_port,
    median,
    pct,
    pg_database,
    row,
    rss_mb,
    server,
)
from ingest import NODELAY

from lineage import ids
from lineage.api.app import load_graph
from lineage.graph import LineageGraph
from lineage.query import lineage, names
from lineage.store.changes import NodeState, Snapshot, dataset_key, job_key
from lineage.store.db import make_engine
from lineage.store.history import closure_cte, column_closure_cte
from lineage.store.migrate import ensure_current

PID = __import__("os").getpid()
ENCODER = msgspec.json.Encoder()


def trimmed_rss() -> float:
    """RSS after a full collection and handing freed heap pages back to the OS."""
    gc.collect()
    ctypes.CDLL("libc.so.6").malloc_trim(0)
    return rss_mb(PID)


CPU_MS: list[float] = []  # CPU time (this thread) of every in-process query, for a loaded host
SCHEDSTAT = Path("/proc/thread-self/schedstat")  # Linux: ns on a CPU, ns waiting, timeslices


def run_queue_ns() -> int:
    """Nanoseconds this thread has spent runnable but waiting for a CPU (0 if unknown)."""
    try:
        return int(SCHEDSTAT.read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return 0


def timed(fn: Callable[[], Any], repeats: int) -> tuple[list[float], Any]:
    """Run `fn` `repeats` times; wall latencies in ms (CPU ms go to CPU_MS) and the last answer."""
    out, times = None, []
    for _ in range(repeats):
        c0, t0 = time.thread_time(), time.perf_counter()
        out = fn()
        times.append((time.perf_counter() - t0) * 1000)
        CPU_MS.append((time.thread_time() - c0) * 1000)
    return times, out


# --- the estate as a Snapshot, and in SQL ------------------------------------------------------


def snapshot(estate: est.Estate) -> Snapshot:
    """The estate in the graph's plain-key form."""
    snap = Snapshot()
    ds_keys = [None] + [dataset_key(est.DS_NS, name) for _, name in est.datasets(estate)]
    job_keys: list[Any] = [None]
    for _, name, parent in est.jobs(estate):
        key = job_key(est.JOB_NS, name)
        job_keys.append(key)
        snap.nodes[key] = NodeState(kind="job", parent=job_keys[parent] if parent else None)
    for key in ds_keys[1:]:
        snap.nodes[key] = NodeState()
    for job, dataset, direction in est.edges(estate):
        a, b = ds_keys[dataset], job_keys[job]
        snap.edges.add((a, b) if direction == "in" else (b, a))
    return snap


def load_store(engine: Any, estate: est.Estate) -> float:
    """Bulk-insert the estate into our own tables (executemany / COPY); seconds taken."""
    ensure_current(engine)
    now = datetime(2026, 11, 1, tzinfo=UTC)
    from lineage.store.schema import ident

    t0 = time.perf_counter()
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        is_pg = engine.dialect.name == "postgresql"
        stamp: Any = now if is_pg else now.replace(tzinfo=None).isoformat(" ")
        false: Any = False if is_pg else 0
        bulk = _copy if is_pg else _executemany
        if not is_pg:
            cur.execute("BEGIN")  # our SQLite engine runs the driver in autocommit mode
        bulk(
            cur,
            "namespaces",
            ["name", "ident", "created_at", "updated_at"],
            [(ns, ident(ns, ""), stamp, stamp) for ns in (est.DS_NS, est.JOB_NS)],
        )
        bulk(
            cur,
            "datasets",
            ["id", "ident", "namespace", "name", "kind", "is_dropped", "created_at", "updated_at"],
            (
                (i, ident(est.DS_NS, n), est.DS_NS, n, "dataset", false, stamp, stamp)
                for i, n in est.datasets(estate)
            ),
        )
        bulk(
            cur,
            "jobs",
            [
                "id",
                "ident",
                "namespace",
                "name",
                "parent_job_id",
                "lineage_incomplete",
                "created_at",
                "updated_at",
            ],
            (
                (i, ident(est.JOB_NS, n), est.JOB_NS, n, p, false, stamp, stamp)
                for i, n, p in est.jobs(estate)
            ),
        )
        bulk(
            cur,
            "lineage_edges",
            ["job_id", "dataset_id", "direction", "origin", "valid_from"],
            ((j, d, direction, "io", stamp) for j, d, direction in est.edges(estate)),
        )
        if is_pg:
            for table in ("datasets", "jobs"):
                cur.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT max(id) FROM {table}))"
                )
        raw.commit()
        cur.execute("ANALYZE")
        raw.commit()
    finally:
        raw.close()
    return time.perf_counter() - t0


def _executemany(cur: Any, table: str, columns: list[str], rows: Any) -> None:
    marks = ", ".join("?" * len(columns))
    cur.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)


def _copy(cur: Any, table: str, columns: list[str], rows: Any) -> None:
    with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for r in rows:
            copy.write_row(r)


# --- measurements ------------------------------------------------------------------------------


def query_in_process(
    graph: LineageGraph, roots: list[str], repeats: int
) -> tuple[list[float], int]:
    """Latencies (ms) of the downstream query from each root, resolved, built and encoded to
    JSON bytes as the route does (`lineage.query`, msgspec); closure size."""

    def query(node_id: str) -> bytes:
        root = names.resolve(graph, node_id)
        answer = lineage.directed(
            graph, root, downstream=True, depth=None, kinds=None, limit=100_000
        )
        return ENCODER.encode(answer)

    times, sizes = [], set()
    for node_id in roots:
        lat, body = timed(lambda n=node_id: query(n), repeats)
        times += lat
        sizes.add(len(msgspec.json.decode(body)["nodes"]))
    return times, max(sizes)


def query_cte(engine: Any, dataset_ids: list[int], repeats: int) -> tuple[list[float], int]:
    """Latencies (ms) of the recursive CTE closure; datasets in the closure."""
    times, size = [], 0
    with engine.connect() as conn:
        for dataset_id in dataset_ids:
            lat, answer = timed(lambda d=dataset_id: closure_cte(conn, d), repeats)
            times += lat
            size = max(size, len(answer))
    return times, size


def query_http(url: str, roots: list[str], repeats: int) -> list[float]:
    """Latencies (ms) of GET /api/v1/lineage/downstream, one keep-alive connection."""
    times = []
    transport = httpx.HTTPTransport(socket_options=NODELAY)
    with httpx.Client(base_url=url, transport=transport, timeout=60) as client:
        for node_id in roots:

            def get(n: str = node_id) -> None:
                resp = client.get("/api/v1/lineage/downstream", params={"nodeId": n})
                if resp.status_code != 200:
                    raise RuntimeError(f"{resp.status_code}: {resp.text[:500]}")

            get()  # warm
            times += timed(get, repeats)[0]
    return times


def ms(values: list[float]) -> tuple[str, str]:
    """p50 and p99 formatted."""
    return f"{median(values):.2f}", f"{pct(values, 99):.2f}"


def in_memory(estate: est.Estate, roots: list[str], repeats: int) -> list[float]:
    """Build the graph straight from a Snapshot; print build time, memory and query figures."""
    rss0 = trimmed_rss()
    t0 = time.perf_counter()
    snap = snapshot(estate)
    t1, c1 = time.perf_counter(), time.process_time()
    graph = LineageGraph.from_snapshot(snap)
    t2, c2 = time.perf_counter(), time.process_time()
    rss_both = rss_mb(PID)
    del snap
    graph_mb = trimmed_rss() - rss0
    CPU_MS.clear()
    wait0 = run_queue_ns()  # the kernel books waits at switches: summed over the whole loop
    times, closure = query_in_process(graph, roots, repeats)
    wait_ms = (run_queue_ns() - wait0) / 1e6
    cpu = list(CPU_MS)
    print(f"\n== in memory: {len(graph):,} nodes, {graph.edge_count():,} edges")
    print(row("snapshot generated, s", f"{t1 - t0:.1f}"))
    print(row("LineageGraph.from_snapshot, s", f"{t2 - t1:.1f}", f"CPU {c2 - c1:.1f}"))
    print(row("RSS delta, graph + snapshot, MB", f"{rss_both - rss0:.0f}"))
    print(row("RSS delta, graph alone, MB (<= 1024)", f"{graph_mb:.0f}"))
    print(row("", "p50 ms", "p99 ms", "closure"))
    print(row("downstream in-process (<= 2 ms)", *ms(times), closure))
    print(row("  same, CPU time of the query", *ms(cpu)))
    # on a shared host, wall - CPU is time spent waiting for a CPU, not for the graph's lock
    print(row("  all queries: wall, CPU s", f"{sum(times) / 1000:.2f}", f"{sum(cpu) / 1000:.2f}"))
    print(row("  all queries: waiting for a CPU, s", f"{wait_ms / 1000:.2f}", "(schedstat)"))
    return times


def on_database(
    kind: str,
    url: str,
    estate: est.Estate,
    roots: list[str],
    landing_ids: list[int],
    in_process: list[float],
    repeats: int,
) -> None:
    """Store the estate in `url`, then rebuild, CTE and HTTP figures next to in-process."""
    engine = make_engine(url)
    load_s = load_store(engine, estate)
    cpu0 = time.process_time()
    rebuild, graph = timed(lambda: load_graph(engine), 1)
    rebuild_cpu = time.process_time() - cpu0
    rebuilt_closure = query_in_process(graph, roots[:1], 1)[1]
    del graph
    trimmed_rss()
    cte, cte_size = query_cte(engine, landing_ids, repeats)
    engine.dispose()
    port = free_port()
    cmd = [
        str(VENV_BIN / "lineage"),
        "serve",
        "--port",
        str(port),
        "--database-url",
        url,
        "--log-level",
        "warning",
    ]
    with server(cmd, port, ready_path="/readyz") as collector:  # 200 once the graph is loaded
        http = query_http(collector["url"], roots, repeats)
        server_rss = rss_mb(collector["pid"])
    print(f"\n== {kind}")
    print(row("bulk load of the estate, s", f"{load_s:.1f}"))
    print(
        row(
            "load_graph(engine) rebuild, s (<= 20)",
            f"{rebuild[0] / 1000:.1f}",
            f"CPU {rebuild_cpu:.1f}",
        )
    )
    print(row("collector start-up to /readyz 200, s", f"{collector['startup_s']:.1f}"))
    print(row("collector RSS with the graph, MB", f"{server_rss:.0f}"))
    print(row("", "p50 ms", "p99 ms", "closure"))
    print(row("downstream in-process", *ms(in_process), rebuilt_closure))
    print(row("downstream over HTTP (<= 10 ms)", *ms(http)))
    print(row(f"closure_cte on {kind}", *ms(cte), f"{cte_size} ds"))
    print(row("CTE p50 / in-process p50 (>= 3)", f"{median(cte) / median(in_process):.1f}x"))


# --- column lineage at scale -------------------------------------------------------------------


def column_edges(estate: est.Estate, fields: int) -> Any:
    """(job, out dataset, out field, in dataset, in field, type, subtype, masking, valid_from)
    rows: every task's output field f<k> is fed by field f<k> of one of its two inputs (even
    k: the higher id, odd k: the lower), so column edges run along every job."""
    reads: dict[int, list[int]] = {}
    for job, dataset, direction in est.edges(estate):
        if direction == "in":
            reads.setdefault(job, []).append(dataset)
        elif job in reads:
            main, other = max(reads[job]), min(reads[job])
            for k in range(fields):
                source = main if k % 2 == 0 else other
                yield job, dataset, f"f{k}", source, f"f{k}", "DIRECT", "IDENTITY"


def load_columns(engine: Any, estate: est.Estate, fields: int) -> tuple[float, int]:
    """Bulk-insert the column edges; seconds taken and rows."""
    t0 = time.perf_counter()
    is_pg = engine.dialect.name == "postgresql"
    stamp: Any = datetime(2026, 11, 1, tzinfo=UTC)
    if not is_pg:
        stamp = stamp.replace(tzinfo=None).isoformat(" ")
    false: Any = False if is_pg else 0
    count = 0

    def rows() -> Any:
        nonlocal count
        for edge in column_edges(estate, fields):
            count += 1
            yield (*edge, false, stamp)

    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        if not is_pg:
            cur.execute("BEGIN")
        columns = [
            "job_id",
            "out_dataset_id",
            "out_field",
            "in_dataset_id",
            "in_field",
            "type",
            "subtype",
            "masking",
            "valid_from",
        ]
        (_copy if is_pg else _executemany)(cur, "column_edges", columns, rows())
        raw.commit()
        cur.execute("ANALYZE")
        raw.commit()
    finally:
        raw.close()
    return time.perf_counter() - t0, count


def column_query(graph: LineageGraph, root: str, repeats: int) -> tuple[list[float], int]:
    """Latencies (ms) of the column-level downstream closure of one field, resolved, built
    and encoded as `/column-lineage` does; fields in the closure."""

    def query() -> bytes:
        roots = names.resolve_field(graph, root)
        answer = lineage.column_lineage(graph, roots, depth=100, with_downstream=True)
        return ENCODER.encode(answer)

    times, body = timed(query, repeats)
    return times, len(msgspec.json.decode(body)["graph"])


def on_columns(kind: str, url: str, datasets: int, fields: int, repeats: int) -> None:
    """An estate of `datasets` datasets with `fields` fields each and column edges along every
    job: graph memory and rebuild, column closure in the graph and as a recursive CTE."""
    estate = est.for_nodes(2 * datasets)
    engine = make_engine(url)
    load_s = load_store(engine, estate)
    columns_s, column_rows = load_columns(engine, estate, fields)
    rss0 = trimmed_rss()
    cpu0 = time.process_time()
    rebuild, graph = timed(lambda: load_graph(engine), 1)
    rebuild_cpu = time.process_time() - cpu0
    graph_mb = trimmed_rss() - rss0
    picked = [d * estate.dags // 10 for d in range(10)]
    in_process: list[float] = []
    walk_only: list[float] = []
    closure = 0
    for dag in picked:
        root = ids.format_id("datasetField", est.DS_NS, f"landing.dag_{dag}_raw", "f0")
        times, closure = column_query(graph, root, repeats)
        in_process += times
        roots = names.resolve_field(graph, root)
        walk = graph.column_walk
        walk_only += timed(lambda r=roots, w=walk: w(r, downstream=True), repeats)[0]
    del graph, walk
    trimmed_rss()
    cte: list[float] = []
    with engine.connect() as conn:
        for dag in picked:
            times, answer = timed(
                lambda d=dag: column_closure_cte(conn, estate.landing(d), "f0"), repeats
            )
            cte += times
            cte_size = len(answer)
    engine.dispose()
    print(f"\n== column lineage on {kind}: {estate.datasets:,} datasets x {fields} fields")
    print(row("bulk load (tables; column edges), s", f"{load_s:.1f}", f"{columns_s:.1f}"))
    print(row("column edges stored", f"{column_rows:,}"))
    print(
        row("load_graph(engine) rebuild, s", f"{rebuild[0] / 1000:.1f}", f"CPU {rebuild_cpu:.1f}")
    )
    print(row("RSS delta, graph with columns, MB", f"{graph_mb:.0f}"))
    print(row("", "p50 ms", "p99 ms", "closure"))
    print(row("column downstream, in-process", *ms(in_process), f"{closure} fields"))
    print(row("  the closure alone (column_walk)", *ms(walk_only)))
    print(row(f"column_closure_cte on {kind}", *ms(cte), f"{cte_size} fields"))
    print(row("CTE p50 / in-process p50", f"{median(cte) / median(in_process):.1f}x"))
    print(row("CTE p50 / closure alone p50", f"{median(cte) / median(walk_only):.1f}x"))


def main() -> None:
    """Parse options, run in memory, then each database."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 = 1,000,000 nodes")
    parser.add_argument(
        "--database", choices=["sqlite", "postgres", "both", "none"], default="both"
    )
    parser.add_argument("--roots", type=int, default=10, help="distinct DAGs queried")
    parser.add_argument("--repeats", type=int, default=20, help="queries per root")
    parser.add_argument("--part", choices=["graph", "columns", "both"], default="both")
    parser.add_argument("--column-datasets", type=int, default=100_000)
    parser.add_argument("--fields", type=int, default=20, help="fields per dataset")
    args = parser.parse_args()
    if args.part in ("columns", "both"):
        columns(args)
    if args.part == "columns":
        return
    estate = est.for_nodes(int(1_000_000 * args.scale))
    picked = [d * estate.dags // args.roots for d in range(args.roots)]
    landing_ids = [estate.landing(d) for d in picked]
    roots = [ids.format_id("dataset", est.DS_NS, f"landing.dag_{d}_raw") for d in picked]
    print(
        f"estate: {estate.dags} DAGs, {estate.datasets + estate.jobs:,} nodes; "
        f"{args.roots} roots x {args.repeats} queries each"
    )
    in_process = in_memory(estate, roots, args.repeats)
    if args.database in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as tmp:
            on_database(
                "sqlite",
                f"sqlite:///{tmp}/estate.db",
                estate,
                roots,
                landing_ids,
                in_process,
                args.repeats,
            )
    if args.database in ("postgres", "both"):
        with pg_database("bench_graph") as url:
            on_database("postgres", url, estate, roots, landing_ids, in_process, args.repeats)


def columns(args: argparse.Namespace) -> None:
    """The column-lineage part on each database."""
    if args.database in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as tmp:
            on_columns(
                "sqlite",
                f"sqlite:///{tmp}/columns.db",
                args.column_datasets,
                args.fields,
                args.repeats,
            )
    if args.database in ("postgres", "both"):
        with pg_database("bench_columns") as url:
            on_columns("postgres", url, args.column_datasets, args.fields, args.repeats)


if __name__ == "__main__":
    main()
