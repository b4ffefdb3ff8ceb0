"""Ingest A/B: this checkout's collector against another source tree, alternated pair by pair.

On a shared VM the same code moves by up to 40% between runs minutes apart, so one run of
`ingest.py` per version cannot show a 10-20% change. This alternates the two versions (the
order flips every pair, so neither always runs first) on the same workload as `ingest.py`:
single-event POSTs from 16 clients against `lineage serve`, and the writer fed directly in
groups of 16. Each measurement gets a fresh database. Prints every pair and the medians.

    git worktree add /tmp/base <rev>
    .venv/bin/python benchmarks/ab.py --base /tmp/base/src [--pairs 3] [--seconds 10]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from common import VENV_BIN, free_port, median, pg_database, row, server
from ingest import post_single

HERE = Path(__file__).parent
THIS = str(HERE.parent / "src")
_WRITER = (
    "import sys; from ingest import write_in_process; "
    "from lineage.store.db import make_engine; from lineage.store.migrate import upgrade; "
    "upgrade(make_engine(sys.argv[1])); print(write_in_process(sys.argv[1], 1600, 16))"
)


@contextlib.contextmanager
def _database(kind: str) -> Iterator[str]:
    if kind == "postgres":
        with pg_database("bench_ab") as url:
            yield url
    else:
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite:///{tmp}/lineage.db"


def measure(tree: str, args: argparse.Namespace) -> dict[str, float]:
    """Single POSTs against `lineage serve` and the writer fed directly, code from `tree`."""
    env = {**os.environ, "PYTHONPATH": tree}  # ahead of the editable install of this checkout
    port = free_port()
    with _database(args.database) as url:
        cmd = [str(VENV_BIN / "lineage"), "serve", "--port", str(port), "--database-url", url]
        with server([*cmd, "--log-level", "warning"], port, env=env) as collector:
            single = post_single(collector["url"], collector["pid"], args.seconds, 2)
    with _database(args.database) as url:
        out = subprocess.run(
            [sys.executable, "-c", _WRITER, url],
            cwd=Path(tree).parent / "benchmarks",  # the tree's own harness: its writer's API
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
    return {**single, "writer": float(out.stdout.split()[-1])}


_COLUMNS = (  # (result key, title, format)
    ("rate", "events/s", ".0f"),
    ("p99_ms", "p99 ms", ".1f"),
    ("server_ms", "server ms/ev", ".2f"),
    ("writer", "writer ev/s", ".0f"),
)


def _line(label: str, pick: Callable[[str], float]) -> str:
    return row(label, *(format(pick(key), spec) for key, _, spec in _COLUMNS))


def main() -> None:
    """Alternate the two trees `--pairs` times and print each pair and the medians."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", required=True, help="the other tree's src directory")
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    args = parser.parse_args()
    trees = {"base": args.base, "this": THIS}
    results: dict[str, list[dict[str, float]]] = {"base": [], "this": []}
    print(row("", *(title for _, title, _ in _COLUMNS)))
    for pair in range(args.pairs):
        order = ["base", "this"] if pair % 2 == 0 else ["this", "base"]
        for name in order:
            r = measure(trees[name], args)
            results[name].append(r)
            print(_line(f"pair {pair + 1}: {name}", r.__getitem__))
    for name, rs in results.items():
        print(_line(f"median: {name}", lambda key, rs=rs: median([r[key] for r in rs])))


if __name__ == "__main__":
    main()
