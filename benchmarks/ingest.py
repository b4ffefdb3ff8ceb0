"""Ingest benchmark (issues 3 and 17): the collector against baselines measured in the same run.

(a) single-event POST /api/v1/lineage, 16 concurrent connections, against `lineage serve`
    (1 uvicorn worker) and against a bare FastAPI echo endpoint (its own uvicorn, 1 worker);
    driven by `wrk` (`post_events.lua`) when it is installed, else by Python clients;
(b) POST /api/v1/lineage/batch (500 events a request) against what any collector must do with
    the same events: parse each one's JSON and `executemany` its bytes into one table of the
    same database, committed per batch; beside it the plain `executemany` without the parse.
    Same durability (SQLite: WAL, synchronous=FULL; PostgreSQL: default synchronous_commit=on).
    And the collector's writer fed directly in-process (groups of 16 and of the batch size),
    which is the store's share.
Events are ~7.8 KB Airflow-like RunEvents (schema + columnLineage facets, parent, nominalTime,
jobType, an airflow run facet), a fresh runId each. Prints figures; asserts nothing.

    .venv/bin/python benchmarks/ingest.py [--database sqlite|postgres|both] [--seconds 15]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import resource
import socket
import sqlite3
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import orjson
import psycopg

sys.path.insert(0, str(Path(__file__).parent))
import wrk_client
from common import (
    VENV_BIN,
    cpu_s,
    free_port,
    median,
    pct,
    pg_database,
    psycopg_url,
    row,
    rss_mb,
    server,
)

NODELAY = [(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)]
RUN_PLACEHOLDER = b"11111111-2222-4333-8444-555555555555"
# each event gets its own eventTime, as a producer's runs do; --same-event-time keeps this one
# for every event (ties on one job's eventTime make each event refold the job's tied events)
TIME_PLACEHOLDER = b"2026-11-20T03:14:15.926535+00:00"
_last_time = [datetime.now(UTC)]


class EventTimes:
    """Whether every event keeps TIME_PLACEHOLDER (set from --same-event-time)."""

    same = False


CONCURRENCY = 16

# --- events -----------------------------------------------------------------------------------


def _fields(prefix: str, count: int) -> list[dict]:
    types = ["BIGINT", "VARCHAR(255)", "TIMESTAMP", "NUMERIC(18,2)", "BOOLEAN", "DATE"]
    return [
        {"name": f"{prefix}_{i}", "type": types[i % len(types)], "description": f"{prefix} {i}"}
        for i in range(count)
    ]


def _dataset(name: str, fields: list[dict]) -> dict:
    return {
        "namespace": "postgres://warehouse.internal:5432",
        "name": name,
        "facets": {
            "schema": {
                "_producer": "https://github.com/apache/airflow/tree/providers-openlineage/2.1.0",
                "_schemaURL": "https://openlineage.io/spec/facets/1-1-1/SchemaDatasetFacet.json",
                "fields": fields,
            },
            "dataSource": {
                "_producer": "https://github.com/apache/airflow",
                "_schemaURL": "https://openlineage.io/spec/facets/1-0-1/DatasourceDatasetFacet.json",
                "name": "postgres://warehouse.internal:5432",
                "uri": "postgres://warehouse.internal:5432/analytics",
            },
        },
    }


def event_template(dag: int, task: int) -> bytes:
    """One ~7 KB COMPLETE RunEvent of task `task` of DAG `dag`, with a runId placeholder."""
    producer = "https://github.com/apache/airflow/tree/providers-openlineage/2.1.0"
    src_a, src_b = _fields("order", 9), _fields("customer", 8)
    out_fields = _fields("fact", 10)
    column_lineage = {
        f["name"]: {
            "inputFields": [
                {
                    "namespace": "postgres://warehouse.internal:5432",
                    "name": f"analytics.raw_{dag}_{task}_{'a' if i % 2 else 'b'}",
                    "field": (src_a if i % 2 else src_b)[i % 8]["name"],
                    "transformations": [{"type": "DIRECT", "subtype": "TRANSFORMATION"}],
                }
            ]
        }
        for i, f in enumerate(out_fields)
    }
    dag_id = f"warehouse_dag_{dag}"
    event: dict[str, Any] = {
        "eventType": "COMPLETE",
        "eventTime": TIME_PLACEHOLDER.decode(),
        "producer": producer,
        "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
        "run": {
            "runId": RUN_PLACEHOLDER.decode(),
            "facets": {
                "nominalTime": {
                    "_producer": producer,
                    "_schemaURL": "https://openlineage.io/spec/facets/1-0-1/NominalTimeRunFacet.json",
                    "nominalStartTime": "2026-11-20T03:00:00+00:00",
                    "nominalEndTime": "2026-11-20T04:00:00+00:00",
                },
                "parent": {
                    "_producer": producer,
                    "_schemaURL": "https://openlineage.io/spec/facets/1-1-0/ParentRunFacet.json",
                    "run": {"runId": str(uuid.UUID(int=dag * 7919 + 1))},
                    "job": {"namespace": "airflow://prod", "name": dag_id},
                    "root": {
                        "run": {"runId": str(uuid.UUID(int=dag * 7919 + 1))},
                        "job": {"namespace": "airflow://prod", "name": dag_id},
                    },
                },
                "airflow": {
                    "_producer": producer,
                    "_schemaURL": "https://openlineage.io/spec/facets/1-0-0/AirflowRunFacet.json",
                    "dag": {"dag_id": dag_id, "schedule_interval": "0 * * * *", "tags": "[]"},
                    "dagRun": {"dag_id": dag_id, "run_id": "scheduled__2026-11-20T03:00:00"},
                    "task": {
                        "task_id": f"load_{task}",
                        "operator_class": "SQLExecuteQueryOperator",
                        "retries": 2,
                        "owner": "data-eng",
                        "pool": "default_pool",
                    },
                    "taskInstance": {"try_number": 1, "map_index": -1},
                    "taskUuid": str(uuid.UUID(int=dag * 100_003 + task)),
                },
                "processing_engine": {
                    "_producer": producer,
                    "_schemaURL": "https://openlineage.io/spec/facets/1-1-1/ProcessingEngineRunFacet.json",
                    "version": "2.10.3",
                    "name": "Airflow",
                    "openlineageAdapterVersion": "2.1.0",
                },
            },
        },
        "job": {
            "namespace": "airflow://prod",
            "name": f"{dag_id}.load_{task}",
            "facets": {
                "jobType": {
                    "_producer": producer,
                    "_schemaURL": "https://openlineage.io/spec/facets/2-0-3/JobTypeJobFacet.json",
                    "processingType": "BATCH",
                    "integration": "AIRFLOW",
                    "jobType": "TASK",
                },
                "sql": {
                    "_producer": producer,
                    "_schemaURL": "https://openlineage.io/spec/facets/1-1-0/SQLJobFacet.json",
                    "query": f"INSERT INTO analytics.fact_{dag}_{task} SELECT o.*, c.* "
                    f"FROM analytics.raw_{dag}_{task}_a o "
                    f"JOIN analytics.raw_{dag}_{task}_b c USING (id)",
                },
            },
        },
        "inputs": [
            _dataset(f"analytics.raw_{dag}_{task}_a", src_a),
            _dataset(f"analytics.raw_{dag}_{task}_b", src_b),
        ],
        "outputs": [_dataset(f"analytics.fact_{dag}_{task}", out_fields)],
    }
    event["outputs"][0]["facets"]["columnLineage"] = {
        "_producer": producer,
        "_schemaURL": "https://openlineage.io/spec/facets/1-2-0/ColumnLineageDatasetFacet.json",
        "fields": column_lineage,
    }
    return orjson.dumps(event)


TEMPLATES = [event_template(d, t) for d in range(20) for t in range(10)]


def fresh_event(i: int) -> bytes:
    """Event `i`: a template (cycling over 200 tasks) with a new runId and, unless
    --same-event-time, an eventTime later than every earlier event's."""
    body = TEMPLATES[i % len(TEMPLATES)].replace(RUN_PLACEHOLDER, str(uuid.uuid4()).encode())
    if EventTimes.same:
        return body
    # now, or a microsecond after the last: later than every event sent before, in any phase
    at = _last_time[0] = max(datetime.now(UTC), _last_time[0] + timedelta(microseconds=1))
    return body.replace(TIME_PLACEHOLDER, at.isoformat().encode())


# --- (a) concurrent single-event POSTs ---------------------------------------------------------


async def _client_loop(url: str, seconds: float, concurrency: int) -> tuple[int, list[float]]:
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    headers = {"Content-Type": "application/json"}
    # TCP_NODELAY: httpx writes headers and body separately; without it Nagle + delayed ACK
    # add ~40 ms to every request and the benchmark measures the kernel, not the servers.
    transport = httpx.AsyncHTTPTransport(limits=limits, socket_options=NODELAY)
    async with httpx.AsyncClient(base_url=url, transport=transport, timeout=60) as client:

        async def worker(n: int) -> None:
            nonlocal errors
            i = n
            while time.perf_counter() < deadline:
                body = fresh_event(i)
                i += concurrency
                t0 = time.perf_counter()
                resp = await client.post("/api/v1/lineage", content=body, headers=headers)
                latencies.append(time.perf_counter() - t0)
                if resp.status_code != 201:
                    errors += 1

        await asyncio.gather(*(worker(n) for n in range(concurrency)))
    return errors, latencies


def _client_process(args: tuple[str, float, int]) -> tuple[int, list[float], float]:
    errors, latencies = asyncio.run(_client_loop(*args))
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return errors, latencies, usage.ru_utime + usage.ru_stime


def post_single(url: str, pid: int, seconds: float, procs: int) -> dict:
    """16 concurrent clients (split over `procs` client processes) for `seconds`."""
    with multiprocessing.get_context("spawn").Pool(procs) as pool:
        pool.map(_client_process, [(url, 1.0, CONCURRENCY // procs)] * procs)  # warm up
        cpu0, t0 = cpu_s(pid), time.perf_counter()
        results = pool.map(_client_process, [(url, seconds, CONCURRENCY // procs)] * procs)
        wall = time.perf_counter() - t0
    latencies = [x for _, lat, _ in results for x in lat]
    rate = len(latencies) / wall
    server_cpu = (cpu_s(pid) - cpu0) / wall
    client_cpu = sum(c for _, _, c in results) / wall
    return {
        "rate": rate,
        "p50_ms": median(latencies) * 1000,
        "p99_ms": pct(latencies, 99) * 1000,
        "errors": sum(e for e, _, _ in results),
        "server_cpu": server_cpu,
        "client_cpu": client_cpu,
        "server_ms": server_cpu * 1000 / rate,  # CPU per event: the clients share the cores
        "client_ms": client_cpu * 1000 / rate,
        "rss_mb": rss_mb(pid),
    }


def post_single_wrk(url: str, pid: int, seconds: float) -> dict:
    """The same 16 connections from `wrk` (2 threads, one per core) for `seconds`."""

    def run(duration: float) -> dict:
        return wrk_client.post_events(
            url + "/api/v1/lineage",
            TEMPLATES,
            duration,
            connections=CONCURRENCY,
            threads=2,
            same_time=EventTimes.same,
        )

    run(1.0)  # warm up
    cpu0 = cpu_s(pid)
    result = run(seconds)
    server_cpu = (cpu_s(pid) - cpu0) / result["wall_s"]
    client_cpu = result["client_cpu_s"] / result["wall_s"]
    rate = result["rate"]
    return {
        **result,
        "server_cpu": server_cpu,
        "client_cpu": client_cpu,
        "server_ms": server_cpu * 1000 / rate,
        "client_ms": client_cpu * 1000 / rate,
        "rss_mb": rss_mb(pid),
    }


def measure_single(url: str, pid: int, args: argparse.Namespace) -> dict:
    """Single POSTs from the client chosen in `args.client`."""
    if args.client == "wrk":
        return post_single_wrk(url, pid, args.seconds)
    return post_single(url, pid, args.seconds, args.client_procs)


# --- (b) batches vs executemany ----------------------------------------------------------------


def post_batches(url: str, batches: int, size: int) -> float:
    """Events/s for `batches` sequential batch POSTs of `size` events (a JSON array each)."""
    bodies = [
        b"[" + b",".join(fresh_event(b * size + i) for i in range(size)) + b"]"
        for b in range(batches)
    ]
    transport = httpx.HTTPTransport(socket_options=NODELAY)
    with httpx.Client(base_url=url, transport=transport, timeout=600) as client:
        t0 = time.perf_counter()
        for body in bodies:
            resp = client.post(
                "/api/v1/lineage/batch", content=body, headers={"Content-Type": "application/json"}
            )
            if resp.status_code != 204:
                raise RuntimeError(f"batch answered {resp.status_code}: {resp.text[:500]}")
        return batches * size / (time.perf_counter() - t0)


def _parse_each(rows: list[tuple[bytes]]) -> None:
    """The least a collector does with an event before storing it: parse its JSON."""
    for (payload,) in rows:
        orjson.loads(payload)


def executemany_sqlite(path: Path, batches: int, size: int, *, parse: bool) -> float:
    """Events/s inserting the same event bytes into a new table, a transaction per batch;
    with `parse`, each event's JSON is parsed first, inside the timing."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    table = f"raw_events_{'parsed' if parse else 'plain'}"
    conn.execute(f"CREATE TABLE {table} (id INTEGER PRIMARY KEY, payload BLOB NOT NULL)")
    bodies = [[(fresh_event(b * size + i),) for i in range(size)] for b in range(batches)]
    t0 = time.perf_counter()
    for rows in bodies:
        if parse:
            _parse_each(rows)
        conn.execute("BEGIN")
        conn.executemany(f"INSERT INTO {table} (payload) VALUES (?)", rows)
        conn.execute("COMMIT")
    rate = batches * size / (time.perf_counter() - t0)
    conn.close()
    return rate


def executemany_postgres(url: str, batches: int, size: int, *, parse: bool) -> float:
    """Events/s inserting the same event bytes into a new PostgreSQL table, a commit per
    batch; with `parse`, each event's JSON is parsed first, inside the timing."""
    bodies = [[(fresh_event(b * size + i),) for i in range(size)] for b in range(batches)]
    table = f"raw_events_{'parsed' if parse else 'plain'}"
    with psycopg.connect(psycopg_url(url)) as conn:
        conn.execute(f"CREATE TABLE {table} (id BIGSERIAL PRIMARY KEY, payload BYTEA NOT NULL)")
        conn.commit()
        t0 = time.perf_counter()
        with conn.cursor() as cur:
            for rows in bodies:
                if parse:
                    _parse_each(rows)
                cur.executemany(f"INSERT INTO {table} (payload) VALUES (%s)", rows)
                conn.commit()
        return batches * size / (time.perf_counter() - t0)


def write_in_process(db_url: str, events: int, group: int) -> float:
    """Events/s of the collector's own writer fed directly (no HTTP, no parsing in the timing),
    `group` events per transaction, each commit applied to the graph as in the server."""
    from lineage.events import Limits, parse_event
    from lineage.follow import ChangeFollower
    from lineage.store.db import make_engine
    from lineage.store.writer import GroupCommitWriter

    engine = make_engine(db_url)
    follower = ChangeFollower(
        engine, interval_ms=60_000, gap_grace_ms=1000, on_loaded=lambda _graph: None
    )
    follower.load()
    writer = GroupCommitWriter(
        engine,
        origin=follower.replica_id,
        on_commit=follower.apply_own,
    )
    limits = Limits()
    bodies = [fresh_event(i) for i in range(events)]
    parsed = [parse_event(body, limits=limits) for body in bodies]
    writer.start()
    t0 = time.perf_counter()
    for i in range(0, events, group):  # one group at a time: queued requests would merge
        writer.submit(parsed[i : i + group]).result()
    rate = events / (time.perf_counter() - t0)
    writer.stop()
    engine.dispose()
    return rate


# --- driver ------------------------------------------------------------------------------------


def run_database(kind: str, db_url: str, raw: object, echo: dict, args: argparse.Namespace) -> None:
    """Both measurements against a collector on `db_url`, printed next to the baselines."""
    port = free_port()
    cmd = [
        str(VENV_BIN / "lineage"),
        "serve",
        "--port",
        str(port),
        "--database-url",
        db_url,
        "--log-level",
        "warning",
    ]
    with server(cmd, port) as collector:
        single = measure_single(collector["url"], collector["pid"], args)
        batch_rate = post_batches(collector["url"], args.batches, args.batch_size)
        rss_after = rss_mb(collector["pid"])
    groups = (16, args.batch_size) if args.direct_events else ()
    direct = {g: write_in_process(db_url, args.direct_events, g) for g in groups}
    executemany = executemany_sqlite if kind == "sqlite" else executemany_postgres
    raw_rate, parsed_rate = (
        executemany(raw, args.batches, args.batch_size, parse=parse)  # type: ignore[arg-type]
        for parse in (False, True)
    )
    print(f"\n== {kind}: single-event POST, {CONCURRENCY} connections, {args.seconds:.0f} s")
    print(
        row(
            "",
            "events/s",
            "p50 ms",
            "p99 ms",
            "server CPU",
            "client CPU",
            "RSS MB",
            "server ms/ev",
            "client ms/ev",
        )
    )
    for label, r in (("bare FastAPI echo", echo), (f"lineage serve ({kind})", single)):
        print(
            row(
                label,
                f"{r['rate']:.0f}",
                f"{r['p50_ms']:.1f}",
                f"{r['p99_ms']:.1f}",
                f"{r['server_cpu']:.0%}",
                f"{r['client_cpu']:.0%}",
                f"{r['rss_mb']:.0f}",
                f"{r['server_ms']:.2f}",
                f"{r['client_ms']:.2f}",
            )
        )
    target = "0.5" if kind == "sqlite" else "0.35"
    print(row(f"ratio collector / echo (>= {target})", f"{single['rate'] / echo['rate']:.2f}"))
    if single["errors"]:
        print(f"   !! {single['errors']} non-201 answers")
    print(f"\n== {kind}: batch ingest, {args.batches} x {args.batch_size} events")
    print(row("", "events/s"))
    print(row("raw executemany, one table", f"{raw_rate:.0f}"))
    print(row("parse each + executemany", f"{parsed_rate:.0f}"))
    print(row(f"POST /lineage/batch ({kind})", f"{batch_rate:.0f}"))
    print(row("batch / parse+executemany (>= 0.3)", f"{batch_rate / parsed_rate:.2f}"))
    print(row("ratio batch / executemany", f"{batch_rate / raw_rate:.2f}"))
    for size, rate in direct.items():
        print(row(f"writer fed directly, groups of {size}", f"{rate:.0f}"))
    print(row("collector RSS after batches, MB", f"{rss_after:.0f}"))


def main() -> None:
    """Parse options, then for each database the echo baseline and the collector."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument(
        "--client",
        choices=["wrk", "python"],
        default="wrk" if wrk_client.wrk_path() else "python",
        help="single-POST client (default: wrk when it is installed)",
    )
    parser.add_argument(
        "--client-procs",
        type=int,
        default=1,
        choices=[1, 2, 4, 8, 16],
        help="Python client only: processes the 16 clients are split over",
    )
    parser.add_argument("--batches", type=int, default=4)
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument(
        "--direct-events",
        type=int,
        default=1600,
        help="events fed to the writer directly per group size (0: skip that phase)",
    )
    parser.add_argument(
        "--same-event-time",
        action="store_true",
        help="every event at one eventTime (the tie case) instead of one time each",
    )
    args = parser.parse_args()
    EventTimes.same = args.same_event_time
    print("eventTime: " + ("the same for every event" if EventTimes.same else "one per event"))
    print(f"event size: {len(fresh_event(0))} bytes")
    if args.client == "wrk":
        print(f"single-POST client: {wrk_client.wrk_version()}, 2 threads, post_events.lua")
    else:
        reason = "" if wrk_client.wrk_path() else " (wrk is not installed)"
        print(f"single-POST client: Python httpx, {args.client_procs} process(es){reason}")
    port = free_port()
    echo_cmd = [
        str(VENV_BIN / "uvicorn"),
        "--app-dir",
        str(Path(__file__).parent),
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--no-access-log",
        "echo_app:app",
    ]

    def echo() -> dict:
        # measured right before each database's collector: the shared VM drifts within a run
        with server(echo_cmd, port) as echo_server:
            return measure_single(echo_server["url"], echo_server["pid"], args)

    if args.database in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as tmp:
            db_url = f"sqlite:///{tmp}/lineage.db"
            run_database("sqlite", db_url, Path(tmp) / "raw.db", echo(), args)
    if args.database in ("postgres", "both"):
        with pg_database("bench_ingest") as db_url:
            run_database("postgres", db_url, db_url, echo(), args)


if __name__ == "__main__":
    main()
