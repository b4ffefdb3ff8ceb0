"""Decode cost per event: this checkout's `parse_event` against an earlier revision's, same run.

The events are `ingest.py`'s ~7.8 KB Airflow-like RunEvents (a fresh runId each). The baseline
is the `events.py` of `--base` (git revision), loaded from git into this process: before the
typed decode that was `orjson.loads` followed by the Python validation and depth walk. Rounds
alternate between the two so that load on the machine hits both alike. Prints figures; asserts
nothing.

    .venv/bin/python benchmarks/decode.py [--base ee09505] [--events 2000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
import types
from pathlib import Path
from typing import Any

import orjson

sys.path.insert(0, str(Path(__file__).parent))
from ingest import fresh_event

from lineage.events import Limits, parse_event

ROOT = Path(__file__).resolve().parent.parent


def baseline_module(revision: str) -> types.ModuleType:
    """`src/lineage/events.py` as it was at `revision`, imported under another name."""
    source = subprocess.run(
        ["git", "-C", str(ROOT), "show", f"{revision}:src/lineage/events.py"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    module = types.ModuleType("baseline_events")
    sys.modules[module.__name__] = module  # dataclasses look their module up
    exec(compile(source, f"{revision}:events.py", "exec"), module.__dict__)
    return module


def per_event_us(decode: Any, bodies: list[bytes]) -> float:
    """CPU time per event (the machine is shared: wall time would count others' work)."""
    started = time.process_time()
    for body in bodies:
        decode(body)
    return (time.process_time() - started) / len(bodies) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="ee09505", help="git revision of the baseline")
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    old = baseline_module(args.base)
    old_limits, limits = old.Limits(), Limits()
    bodies = [fresh_event(i) for i in range(args.events)]
    size = sum(map(len, bodies)) / len(bodies)

    def before(body: bytes) -> Any:
        return old.parse_event(orjson.loads(body), limits=old_limits, raw_bytes=body)

    def after(body: bytes) -> Any:
        return parse_event(body, limits=limits)

    assert before(bodies[0]).hash == after(bodies[0]).hash  # the same content hash
    results: dict[str, list[float]] = {"before": [], "after": []}
    for _ in range(args.rounds):
        results["before"].append(per_event_us(before, bodies))
        results["after"].append(per_event_us(after, bodies))
    print(f"{args.events} events of {size:,.0f} bytes, {args.rounds} alternated rounds")
    for name, label in (("before", f"{args.base} (orjson + walk)"), ("after", "this checkout")):
        runs = sorted(results[name])
        print(
            f"  {label:28} median {runs[len(runs) // 2]:6.1f} us CPU/event"
            f"  (min {runs[0]:.1f}, max {runs[-1]:.1f})"
        )
    ratio = sorted(results["after"])[args.rounds // 2] / sorted(results["before"])[args.rounds // 2]
    print(f"  after / before: {ratio:.2f}")


if __name__ == "__main__":
    main()
