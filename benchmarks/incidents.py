"""Incidents benchmark (issue 22): the blast radius of a bad run on a generated estate.

The estate: `--dags` DAGs (default 100) of 1,000 jobs, each job writing its own dataset (100k
jobs and datasets), every job run once a day for `--days` days (default 10: 1M runs). A DAG is
a landing loader and 9 layers of 111 tasks; a layer-1 task reads the landing table, a deeper
task reads two tables of the layer before; layer L runs at hour L of its day for 30 minutes.
So a bad landing run on day D taints that day's run of each of the DAG's 999 tasks, and the
next day's clean runs end the taint: a radius of 1,000 runs, 9 hops deep. Each output also
carries a `version` facet row (`run_versions`), as Delta or Iceberg producers send.

Stored with executemany (SQLite, one transaction) or COPY (PostgreSQL) straight into
`datasets`, `jobs`, `runs`, `run_io` and `run_versions`, then ANALYZE. Measures, in one run:
the blast radius in-process (`lineage.query.incidents.run_blast_radius`, built and encoded as
the route does), over HTTP against `lineage serve` (POST /api/v1/incidents/blast-radius, one
kept-alive connection), and the recursive SQL that finds the same tainted runs; and the store's
growth per million runs, and what the collector's in-memory index of run uses
(`lineage.store.use_index`) costs to build and hold. In-process figures are given both ways:
the walk reading the index (as the collector answers) and reading SQL (as the CLI's offline
mode does). Prints; asserts nothing.

    .venv/bin/python benchmarks/incidents.py [--dags 100] [--days 10] [--database both]
"""

from __future__ import annotations

import argparse
import gc
import sys
import tempfile
import time
import tracemalloc
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import msgspec
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).parent))
from common import VENV_BIN, free_port, median, pct, pg_database, row, server
from ingest import NODELAY

from lineage.cli.main import GC_THRESHOLDS
from lineage.query import incidents
from lineage.store.db import make_engine
from lineage.store.migrate import ensure_current
from lineage.store.schema import ident
from lineage.store.use_index import UseIndex

ENCODER = msgspec.json.Encoder()
NS = "bench"
TASKS = 1000  # jobs per DAG: a landing loader and 9 layers of 111
LAYER = 111
BASE = datetime(2026, 1, 1, tzinfo=UTC)
BAD_DAY = 5

# The baseline: the same tainted runs by recursive SQL. A run is tainted when it read, at or
# after its start, a version a tainted run wrote and no newer version of that dataset was
# written before it started; CROSS JOIN keeps SQLite's join order (PostgreSQL plans it as an
# inner join). (It leaves out what the in-process answer also does: version
# facets, aliases, the datasets, plan and context lists.)
TAINTED_CTE = text("""
WITH RECURSIVE tainted(run_id) AS (
  SELECT CAST(:run AS VARCHAR(36))
  UNION
  SELECT q.run_id
  FROM tainted t
  CROSS JOIN run_io w CROSS JOIN runs wr CROSS JOIN run_io q CROSS JOIN runs qr
  WHERE w.run_id = t.run_id AND w.direction = 'out'
    AND wr.id = w.run_id AND wr.state = 'COMPLETED'
    AND q.dataset_id = w.dataset_id AND q.direction = 'in'
    AND qr.id = q.run_id
    AND wr.ended_at <= COALESCE(qr.started_at, qr.created_at)
    AND NOT EXISTS (
      SELECT 1 FROM run_io w2 JOIN runs r2 ON r2.id = w2.run_id
      WHERE w2.dataset_id = w.dataset_id AND w2.direction = 'out'
        AND r2.state = 'COMPLETED' AND r2.ended_at > wr.ended_at
        AND r2.ended_at <= COALESCE(qr.started_at, qr.created_at))
)
SELECT run_id FROM tainted
""")


def run_id(job: int, day: int, days: int) -> str:
    return str(uuid.UUID(int=job * days + day + 1))


def layer_of(task: int) -> int:
    return 0 if task == 0 else 1 + (task - 1) // LAYER


def inputs_of(job: int) -> list[int]:
    """The jobs (= datasets) whose tables job `job` reads."""
    dag, task = divmod(job, TASKS)
    if task == 0:
        return []
    if task <= LAYER:
        return [dag * TASKS]
    p = (task - 1) % LAYER
    first = dag * TASKS + 1 + (layer_of(task) - 2) * LAYER
    return [first + p, first + (p + 1) % LAYER]


def load(engine: Any, dags: int, days: int) -> float:
    """Bulk-insert the estate; seconds taken."""
    ensure_current(engine)
    is_pg = engine.dialect.name == "postgresql"
    jobs = dags * TASKS

    def stamp(at: datetime) -> Any:
        return at if is_pg else at.replace(tzinfo=None).isoformat(" ")

    false: Any = False if is_pg else 0
    now = stamp(BASE)
    t0 = time.perf_counter()
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        bulk = _copy if is_pg else _executemany
        if not is_pg:
            cur.execute("BEGIN")
        bulk(cur, "namespaces", ["name", "ident", "created_at", "updated_at"],
             [(NS, ident(NS, ""), now, now)])  # fmt: skip
        bulk(
            cur,
            "datasets",
            ["id", "ident", "namespace", "name", "kind", "is_dropped", "created_at", "updated_at"],
            ((j + 1, ident(NS, f"t{j}"), NS, f"t{j}", "dataset", false, now, now)
             for j in range(jobs)),
        )  # fmt: skip
        bulk(
            cur,
            "jobs",
            ["id", "ident", "namespace", "name", "lineage_incomplete", "created_at", "updated_at"],
            ((j + 1, ident(NS, f"job{j}"), NS, f"job{j}", false, now, now) for j in range(jobs)),
        )

        def times(job: int, day: int) -> tuple[Any, Any]:
            start = BASE + timedelta(days=day, hours=layer_of(job % TASKS))
            return stamp(start), stamp(start + timedelta(minutes=30))

        def runs() -> Iterator[tuple[Any, ...]]:
            for j in range(jobs):
                for d in range(days):
                    start, end = times(j, d)
                    r = run_id(j, d, days)
                    yield (r, r, j + 1, "COMPLETED", end, start, end, false, start, end)

        bulk(
            cur,
            "runs",
            ["id", "external_id", "job_id", "state", "state_time", "started_at", "ended_at",
             "lineage_incomplete", "created_at", "updated_at"],
            runs(),
        )  # fmt: skip

        def run_io() -> Iterator[tuple[Any, ...]]:
            for j in range(jobs):
                reads = inputs_of(j)
                for d in range(days):
                    start, _ = times(j, d)
                    r = run_id(j, d, days)
                    for i in reads:
                        yield (r, i + 1, "in", start)
                    yield (r, j + 1, "out", start)

        bulk(cur, "run_io", ["run_id", "dataset_id", "direction", "first_seen"], run_io())

        def versions() -> Iterator[tuple[Any, ...]]:
            for j in range(jobs):
                key = ident(NS, f"t{j}")
                for d in range(days):
                    yield (run_id(j, d, days), key, "out", f"d{d}", times(j, d)[1])

        bulk(
            cur,
            "run_versions",
            ["run_id", "dataset_ident", "direction", "version", "event_time"],
            versions(),
        )
        if is_pg:
            for table in ("datasets", "jobs"):
                cur.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT max(id) FROM {table}))"
                )
        raw.commit()
        if is_pg:
            # VACUUM too: else autovacuum sets the fresh tables' visibility maps during the
            # first measurements (they took twice as long as the later HTTP ones)
            raw.driver_connection.autocommit = True
            cur.execute("VACUUM ANALYZE")
            raw.driver_connection.autocommit = False  # as the pool lent it
        else:
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


def table_mb(engine: Any, tables: list[str]) -> dict[str, float]:
    """Size of each table with its indexes, MiB."""
    out: dict[str, float] = {}
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            for t in tables:
                size = conn.execute(text(f"SELECT pg_total_relation_size('{t}')")).scalar_one()
                out[t] = size / 2**20
        else:
            owner = dict(conn.execute(text("SELECT name, tbl_name FROM sqlite_master")).all())
            for name, size in conn.execute(
                text("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name")
            ):
                table = owner.get(name, name)
                if table in tables:
                    out[table] = out.get(table, 0.0) + size / 2**20
    return out


def timed(fn: Callable[[], Any], repeats: int) -> tuple[list[float], Any]:
    """Latencies (ms) of `repeats` calls after one warm-up, and the last answer."""
    answer = fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        answer = fn()
        times.append((time.perf_counter() - t0) * 1000)
    return times, answer


def ms(values: list[float]) -> tuple[str, str]:
    return f"{median(values):.1f}", f"{pct(values, 99):.1f}"


def index_cost(engine: Any) -> tuple[float, float]:
    """Seconds to build the index of run uses, and the MiB it holds (tracemalloc, a second
    build)."""
    with engine.connect() as conn:
        t0 = time.perf_counter()
        with UseIndex(gap_grace_s=1).current(conn):
            build_s = time.perf_counter() - t0
        gc.collect()
        tracemalloc.start()
        index = UseIndex(gap_grace_s=1)
        with index.current(conn):
            pass
        gc.collect()
        held = tracemalloc.get_traced_memory()[0] / 2**20
        tracemalloc.stop()
    del index
    return build_s, held


def measure(kind: str, url: str, dags: int, days: int, origins: int, repeats: int) -> None:
    engine = make_engine(url)
    load_s = load(engine, dags, days)
    sizes = table_mb(engine, ["runs", "run_io", "run_versions"])
    build_s, index_mb = index_cost(engine)
    bad = [run_id(d * TASKS, BAD_DAY, days) for d in range(min(origins, dags))]
    in_process: list[float] = []
    by_sql: list[float] = []
    cte: list[float] = []
    radius = set()
    same = same_answer = True
    index = UseIndex(gap_grace_s=1)
    bodies = {}
    with engine.connect() as conn:
        # the index's walks first, all of them: the SQL walk's garbage would otherwise be
        # collected during them
        for r in bad:
            lat, bodies[r] = timed(
                lambda r=r: ENCODER.encode(incidents.run_blast_radius(conn, r, index=index)),
                repeats,
            )
            in_process += lat
        for r in bad:
            lat, sql_body = timed(
                lambda r=r: ENCODER.encode(incidents.run_blast_radius(conn, r)), repeats
            )
            by_sql += lat
            same_answer = same_answer and bodies[r] == sql_body
            ours = {x["id"] for x in msgspec.json.decode(bodies[r])["runs"]}
            lat, rows = timed(lambda r=r: conn.execute(TAINTED_CTE, {"run": r}).all(), repeats)
            cte += lat
            same = same and ours == {x.run_id for x in rows}
            radius.add(len(ours))
    engine.dispose()
    port = free_port()
    cmd = [str(VENV_BIN / "lineage"), "serve", "--port", str(port), "--database-url", url,
           "--log-level", "warning"]  # fmt: skip
    http: list[float] = []
    with server(cmd, port, ready_path="/readyz") as collector:
        transport = httpx.HTTPTransport(socket_options=NODELAY)
        with httpx.Client(base_url=collector["url"], transport=transport, timeout=120) as client:
            for r in bad:

                def post(r: str = r) -> None:
                    resp = client.post("/api/v1/incidents/blast-radius", json={"run": r})
                    if resp.status_code != 200:
                        raise RuntimeError(f"{resp.status_code}: {resp.text[:500]}")

                http += timed(post, repeats)[0]
    runs = dags * TASKS * days
    print(f"\n== {kind}: {dags * TASKS:,} jobs and datasets, {runs:,} runs")
    print(row("bulk load of the estate, s", f"{load_s:.1f}"))
    for table, size in sizes.items():
        print(row(f"{table} + indexes, MiB per 1M runs", f"{size * 1e6 / runs:.0f}"))
    print(row("index of run uses: build s, MiB", f"{build_s:.1f}", f"{index_mb:.0f}"))
    print(row("", "p50 ms", "p99 ms", "radius"))
    print(row("blast radius in-process", *ms(in_process), "/".join(map(str, sorted(radius)))))
    print(row("blast radius in-process, by SQL", *ms(by_sql)))
    print(row("blast radius over HTTP", *ms(http)))
    print(row("recursive SQL (tainted runs only)", *ms(cte)))
    print(row("SQL p50 / in-process p50", f"{median(cte) / median(in_process):.1f}x"))
    print(row("SQL p50 / HTTP p50", f"{median(cte) / median(http):.1f}x"))
    print(row("same tainted runs as the SQL", str(same)))
    print(row("same answer by index and by SQL", str(same_answer)))


def main() -> None:
    gc.set_threshold(*GC_THRESHOLDS)  # in-process as in the collector
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dags", type=int, default=100, help="DAGs of 1,000 jobs")
    parser.add_argument("--days", type=int, default=10, help="runs per job")
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--origins", type=int, default=5, help="bad runs asked about")
    parser.add_argument("--repeats", type=int, default=10, help="queries per bad run")
    args = parser.parse_args()
    if args.database in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite:///{tmp}/incidents.db"
            measure("sqlite", url, args.dags, args.days, args.origins, args.repeats)
    if args.database in ("postgres", "both"):
        with pg_database("bench_incidents") as url:
            measure("postgres", url, args.dags, args.days, args.origins, args.repeats)


if __name__ == "__main__":
    main()
