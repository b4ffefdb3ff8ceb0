"""The offline commands print the same bytes whatever the interpreter's hash seed.

Python salts the hash of every string with PYTHONHASHSEED, so anything that iterates a set
or a graph built from one into the output differs from one process to the next. Each command
runs in two processes with different seeds on the same store; their output must be equal.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.cli.conftest import ingest
from tests.events import column_lineage, ds, run_event, schema

LINEAGE = str(Path(sys.executable).parent / "lineage")
SEEDS = ("1", "2")  # two seeds that order the fan-out below differently


def _fan_out() -> list[dict[str, Any]]:
    """One source read by six jobs, each writing two datasets, some of which feed others: a
    closure with many nodes and edges at each depth."""
    return [
        run_event(
            f"j{i}",
            run_id=f"0190c2f6-0000-7000-8000-{i:012d}",
            time=f"2024-01-01T00:0{i}:00Z",
            inputs=[ds("n", "src"), *(ds("n", f"mid{k}") for k in range(i % 3))],
            outputs=[
                ds(
                    "n",
                    f"mid{i}",
                    schema=schema("a", "b"),
                    columnLineage=column_lineage({"a": [("n", "src", "a")]}),
                ),
                ds("n", f"out{i}"),
            ],
            job_facets={"tags": {"tags": [{"key": "team", "value": f"t{i}", "source": "USER"}]}},
        )
        for i in range(6)
    ]


COMMANDS = [
    ("downstream", "dataset:n:src"),
    ("upstream", "dataset:n:out5"),
    ("downstream", "dataset:n:src", "--depth", "2"),
    ("upstream", "dataset:n:out5", "--tag", "team"),
    ("downstream", "dataset:n:src", "--as-of", "2024-01-01T00:03:30Z"),
    ("graph", "dataset:n:mid1", "--direction", "both", "--format", "json"),
    ("impact", "dataset:n:src", "--drop-column", "a"),
]


def _output(seed: str, url: str, args: tuple[str, ...]) -> tuple[int, bytes]:
    """The exit code (impact's is 1 when it finds breaking changes) and the standard output."""
    done = subprocess.run(
        [
            LINEAGE,
            *args,
            "--database-url",
            url,
            *(() if "--format" in args else ("--format", "json")),
        ],
        env={**os.environ, "PYTHONHASHSEED": seed},
        capture_output=True,
        check=False,
        timeout=120,
    )
    return done.returncode, done.stdout


def test_offline_output_does_not_depend_on_the_hash_seed(db_url: str) -> None:
    asyncio.run(ingest(db_url, _fan_out()))
    for args in COMMANDS:
        first, second = (_output(seed, db_url, args) for seed in SEEDS)
        assert first[0] in (0, 1) and first[1], (args, first)
        assert first == second, args
