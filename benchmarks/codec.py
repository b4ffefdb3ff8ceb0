"""The event log's codec, measured: size and CPU per event, and what PostgreSQL's TOAST does.

In process, on `ingest.py`'s ~7.8 KB Airflow-like events (a fresh runId each): zlib level 1
(the log's codec so far, the baseline) against zstd and lz4 at fast levels: bytes stored and
CPU us per event to compress and to decompress. Then on PostgreSQL, the same events inserted
into a scratch `bytea` table four ways: zlib-1 or zstd-1 on the client, raw with TOAST's
default pglz, raw with TOAST lz4: table size, client CPU and wall time. Prints figures;
asserts nothing.

    .venv/bin/python benchmarks/codec.py [--events 4000] [--rounds 5] [--no-postgres]
"""

from __future__ import annotations

import argparse
import sys
import time
import zlib
from collections.abc import Callable
from pathlib import Path

import lz4.frame
import psycopg
import zstandard

sys.path.insert(0, str(Path(__file__).parent))
from common import pg_database, psycopg_url
from ingest import fresh_event

Codec = tuple[Callable[[bytes], bytes], Callable[[bytes], bytes]]


def codecs() -> dict[str, Codec]:
    zstd1, zstd3 = zstandard.ZstdCompressor(level=1), zstandard.ZstdCompressor(level=3)
    zstd_minus = zstandard.ZstdCompressor(level=-1)
    unzstd = zstandard.ZstdDecompressor()
    return {
        "zlib 1 (baseline)": (lambda b: zlib.compress(b, 1), zlib.decompress),
        "zlib 6": (lambda b: zlib.compress(b, 6), zlib.decompress),
        "zstd -1": (zstd_minus.compress, unzstd.decompress),
        "zstd 1": (zstd1.compress, unzstd.decompress),
        "zstd 3": (zstd3.compress, unzstd.decompress),
        "lz4 0": (lambda b: lz4.frame.compress(b, compression_level=0), lz4.frame.decompress),
    }


def cpu_us(work: Callable[[bytes], bytes], items: list[bytes]) -> float:
    started = time.process_time()
    for item in items:
        work(item)
    return (time.process_time() - started) / len(items) * 1e6


def in_process(bodies: list[bytes], rounds: int) -> None:
    raw = sum(map(len, bodies))
    print(f"{len(bodies)} events, {raw / len(bodies):,.0f} bytes each on average")
    print(f"  {'codec':18} {'bytes/event':>11} {'ratio':>6} {'compress':>9} {'decompress':>11}")
    timings: dict[str, list[tuple[float, float]]] = {name: [] for name in codecs()}
    sizes: dict[str, int] = {}
    for _ in range(rounds):  # rounds alternate codecs: machine load hits all alike
        for name, (pack, unpack) in codecs().items():
            packed = [pack(b) for b in bodies]
            assert [unpack(p) for p in packed[:50]] == bodies[:50]
            sizes[name] = sum(map(len, packed))
            timings[name].append((cpu_us(pack, bodies), cpu_us(unpack, packed)))
    for name, runs in timings.items():
        pack_us = sorted(r[0] for r in runs)[rounds // 2]
        unpack_us = sorted(r[1] for r in runs)[rounds // 2]
        print(
            f"  {name:18} {sizes[name] / len(bodies):11,.0f} {raw / sizes[name]:6.2f}"
            f" {pack_us:7.1f}us {unpack_us:9.1f}us"
        )


def on_postgres(bodies: list[bytes]) -> None:
    print("PostgreSQL: the same events into a bytea table, 500 a transaction")
    zstd1 = zstandard.ZstdCompressor(level=1)
    ways = [
        ("zlib 1 on the client", "pglz", lambda b: zlib.compress(b, 1)),
        ("zstd 1 on the client", "pglz", zstd1.compress),
        ("raw, TOAST pglz", "pglz", lambda b: b),
        ("raw, TOAST lz4", "lz4", lambda b: b),
    ]
    with pg_database("codec") as url, psycopg.connect(psycopg_url(url)) as conn:
        for label, method, pack in ways:
            conn.execute("DROP TABLE IF EXISTS log")
            conn.execute(
                f"CREATE TABLE log (id serial primary key, payload bytea COMPRESSION {method})"
            )
            conn.commit()
            wall, cpu = time.perf_counter(), time.process_time()
            for start in range(0, len(bodies), 500):
                with conn.cursor() as cur:
                    cur.executemany(
                        "INSERT INTO log (payload) VALUES (%s)",
                        [(pack(b),) for b in bodies[start : start + 500]],
                    )
                conn.commit()
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            size = conn.execute("SELECT pg_total_relation_size('log')").fetchone()[0]
            per = len(bodies)
            print(
                f"  {label:22} {size / per:7,.0f} bytes/event on disk, client CPU"
                f" {cpu / per * 1e6:5.1f} us/event, wall {wall / per * 1e6:6.1f} us/event"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=4000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    bodies = [fresh_event(i) for i in range(args.events)]
    in_process(bodies, args.rounds)
    if not args.no_postgres:
        on_postgres(bodies)


if __name__ == "__main__":
    main()
