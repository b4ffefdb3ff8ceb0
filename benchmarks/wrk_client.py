"""The single-POST client of the ingest benchmark when `wrk` is installed: a C load generator,
so the client's own CPU does not decide the figure (the Python clients take about as much CPU
per request as the collector). `post_events.lua` sends `ingest.py`'s events with a fresh
runId each."""

from __future__ import annotations

import random
import resource
import shutil
import subprocess
import tempfile
from pathlib import Path

SCRIPT = Path(__file__).with_name("post_events.lua")


def wrk_path() -> str | None:
    """The `wrk` executable, or None when it is not installed."""
    return shutil.which("wrk")


def wrk_version() -> str:
    """wrk's version line (it prints it with the usage text, on an unknown option)."""
    proc = subprocess.run(["wrk", "-v"], capture_output=True, text=True, check=False)
    return (proc.stdout or proc.stderr).splitlines()[0]


def children_cpu_s() -> float:
    """User + system CPU seconds of the waited-for child processes so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def post_events(
    url: str,
    templates: list[bytes],
    seconds: float,
    *,
    connections: int,
    threads: int,
    same_time: bool = False,
) -> dict:
    """Run wrk against `url` (the POST route) for `seconds`; rate, p50/p99, errors, client CPU.

    `templates` are event bodies holding ingest.py's runId and eventTime placeholders once
    each; with `same_time` the eventTime is left as it is."""
    with tempfile.NamedTemporaryFile(suffix=".ndjson") as file:
        file.write(b"\n".join(templates) + b"\n")
        file.flush()
        cmd = [
            "wrk",
            f"--threads={threads}",
            f"--connections={connections}",
            f"--duration={max(1, round(seconds))}s",
            "--timeout=60s",
            f"--script={SCRIPT}",
            url,
            "--",
            file.name,
            str(random.getrandbits(31)),
            "same" if same_time else "distinct",
            str(threads),
        ]
        cpu0 = children_cpu_s()
        proc = subprocess.run(cmd, capture_output=True, text=True, check=True)
        client_cpu_s = children_cpu_s() - cpu0
    line = next(x for x in proc.stdout.splitlines() if x.startswith("WRK_RESULT "))
    requests, duration_us, p50_us, p99_us, status, timeouts, socket = map(int, line.split()[1:])
    wall = duration_us / 1e6
    return {
        "rate": requests / wall,
        "wall_s": wall,
        "p50_ms": p50_us / 1000,
        "p99_ms": p99_us / 1000,
        "errors": status + timeouts + socket,
        "client_cpu_s": client_cpu_s,
    }
