"""Emitter A/B: this checkout's training emitter against another source tree's, alternated.

The client side of `mlflow_compare.py`'s per-run cost (`ours_run`: 30 hyperparameters, 200
per-step values, two inputs, a model; mlflow imported, the entry point inside a git
repository), in a child process per measurement whose `lineage` package comes from one tree or
the other, against one `lineage serve` of this checkout on SQLite. The order flips every pair,
so neither tree always runs first on a machine whose load moves between minutes. Prints each
measurement (median wall and CPU of the child per run) and the medians per tree.

    mkdir /tmp/base && git archive <rev> src migrations | tar -x -C /tmp/base
    .venv/bin/python -m benchmarks.mlflow_emit_ab --base /tmp/base/src [--pairs 3] [--runs 40]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks.common import free_port, server

ROOT = Path(__file__).resolve().parents[1]
CHILD = """
import json, statistics, sys, tempfile, time
from pathlib import Path

import mlflow  # noqa: F401  as in mlflow_compare.py, the MLflow client is imported

from benchmarks.mlflow_compare import ours_run

url, runs = sys.argv[1], int(sys.argv[2])
work = Path(tempfile.mkdtemp())
for i in range(3):  # warm-up: imports, first connection
    ours_run(url, 900 + i, work)
wall, cpu = [], []
for i in range(runs):
    started, cpu_started = time.perf_counter(), time.process_time()
    ours_run(url, i, work)
    wall.append(time.perf_counter() - started)
    cpu.append(time.process_time() - cpu_started)
medians = {"wall_ms": statistics.median(wall), "cpu_ms": statistics.median(cpu)}
print(json.dumps({key: value * 1e3 for key, value in medians.items()}))
"""


def measure(src: str, url: str, runs: int) -> dict[str, float]:
    """One child process's medians with `lineage` imported from `src`."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([src, str(ROOT)])}
    env = {k: v for k, v in env.items() if not k.startswith(("OPENLINEAGE", "LINEAGE_EMIT"))}
    done = subprocess.run(
        [sys.executable, "-c", CHILD, url, str(runs)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return dict(json.loads(done.stdout.splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True, help="the other tree's src/ folder")
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("--runs", type=int, default=40, help="timed runs per measurement")
    args = parser.parse_args()
    trees = {"this": str(ROOT / "src"), "base": str(Path(args.base).resolve())}
    work = Path(tempfile.mkdtemp(prefix="emit-ab-"))
    port = free_port()
    lineage_bin = str(Path(sys.executable).parent / "lineage")
    cmd = [lineage_bin, "serve", "--port", str(port),
           "--database-url", f"sqlite:///{work / 'lineage.db'}"]  # fmt: skip
    results: dict[str, list[dict[str, float]]] = {"this": [], "base": []}
    with server(cmd, port, ready_path="/readyz") as ours:
        for pair in range(args.pairs):
            order = ["base", "this"] if pair % 2 == 0 else ["this", "base"]
            for name in order:
                got = measure(trees[name], ours["url"], args.runs)
                results[name].append(got)
                print(
                    f"pair {pair + 1} {name:<4}  wall {got['wall_ms']:7.1f} ms/run  "
                    f"cpu {got['cpu_ms']:6.1f} ms/run",
                    flush=True,
                )
    for name, rows in results.items():
        wall = statistics.median(r["wall_ms"] for r in rows)
        cpu = statistics.median(r["cpu_ms"] for r in rows)
        print(f"median {name:<4}  wall {wall:7.1f} ms/run  cpu {cpu:6.1f} ms/run")


if __name__ == "__main__":
    main()
