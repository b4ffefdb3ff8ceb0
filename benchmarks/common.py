"""Shared pieces of the benchmarks: servers in subprocesses, process figures, PostgreSQL
scratch databases and percentiles. Nothing here is imported by the collector."""

from __future__ import annotations

import contextlib
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import psycopg

VENV_BIN = Path(sys.executable).parent
PG_ADMIN_URL = os.environ.get("LINEAGE_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/test")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def server(
    cmd: list[str], port: int, *, ready_path: str = "/healthz", env: dict[str, str] | None = None
) -> Iterator[dict]:
    """Run `cmd` (a uvicorn-style server on `port`, environment `env` or ours) until the block
    ends.

    Yields {"pid", "startup_s", "url"}; start-up time is spawn -> first 200 on `ready_path`.
    """
    started = time.perf_counter()
    log = tempfile.TemporaryFile()  # noqa: SIM115  a file, not a pipe: never blocks the server
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=log, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        while True:
            if proc.poll() is not None:
                log.seek(0)
                raise RuntimeError(f"{cmd[0]} exited: {log.read().decode()[-2000:]}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(url + ready_path, timeout=1).status_code == 200:
                    break
            time.sleep(0.05)
        yield {"pid": proc.pid, "startup_s": time.perf_counter() - started, "url": url}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def rss_mb(pid: int) -> float:
    """Resident set size of a process in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def cpu_s(pid: int) -> float:
    """User + system CPU seconds a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def pct(values: list[float], q: float) -> float:
    """The q-th percentile (0..100) of `values`, nearest-rank on the sorted list."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


def median(values: list[float]) -> float:
    """The median, NaN for no values."""
    return statistics.median(values) if values else float("nan")


@contextlib.contextmanager
def pg_database(prefix: str) -> Iterator[str]:
    """A fresh PostgreSQL database for the block; yields its SQLAlchemy URL, then drops it."""
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    try:
        yield f"{base.replace('postgresql://', 'postgresql+psycopg://', 1)}/{name}"
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def psycopg_url(sqlalchemy_url: str) -> str:
    """The libpq form of a postgresql+psycopg:// URL."""
    return sqlalchemy_url.replace("postgresql+psycopg://", "postgresql://", 1)


def row(label: str, *cells: object, width: int = 14) -> str:
    """One aligned line of a printed table."""
    return f"{label:<34}" + "".join(f"{c!s:>{width}}" for c in cells)
