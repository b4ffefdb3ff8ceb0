"""Decode cost per event: this checkout's `parse_event` against an earlier revision's, same run.

The events are `ingest.py`'s ~7.8 KB Airflow-like RunEvents (a fresh runId each). The baseline
is the `events.py` of `--base` (git revision), loaded from git into this process: before the
typed decode that was `orjson.loads` followed by the Python validation and depth walk. The two
are timed event by event in turn (wall time per call; the median shrugs off the calls that
other work on the machine preempted). Prints figures; asserts nothing.

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


def interleaved_us(before: Any, after: Any, bodies: list[bytes], rounds: int) -> tuple[list, list]:
    """Per-event times of both, event by event in turn: preemption by other work on the
    machine lands on single calls, which the median then ignores."""
    times: tuple[list[float], list[float]] = ([], [])
    clock = time.perf_counter_ns
    for round_ in range(rounds):
        for body in bodies:
            pair = (before, after) if round_ % 2 == 0 else (after, before)
            for decode in pair:
                started = clock()
                decode(body)
                times[decode is after].append((clock() - started) / 1000)
    return times


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
    old_us, new_us = interleaved_us(before, after, bodies, args.rounds)
    print(f"{args.events} events of {size:,.0f} bytes x {args.rounds} rounds, interleaved")
    for label, times in ((f"{args.base} (orjson + walk)", old_us), ("this checkout", new_us)):
        times.sort()
        print(
            f"  {label:28} median {times[len(times) // 2]:6.1f} us/event"
            f"  (p10 {times[len(times) // 10]:.1f}, p90 {times[len(times) * 9 // 10]:.1f})"
        )
    print(f"  after / before (medians): {new_us[len(new_us) // 2] / old_us[len(old_us) // 2]:.2f}")


if __name__ == "__main__":
    main()
