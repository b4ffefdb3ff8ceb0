"""Ingest ceiling: `ingest.py` against a collector whose writer derives nothing.

The copy of `src/` this makes differs in two lines of the writer: the group reads nothing
ahead and `GroupCommitWriter._apply` no longer calls `apply_event`. So each event is still
parsed, validated, logged (compressed, deduplicated), committed durably and recorded in the
change log, but no dataset, job, run, facet, schema or edge row is written. What it measures
is the most that normalizing in the same transaction (ARCHITECTURE.md's contract) could ever
reach on this machine with this HTTP stack: if this copy misses a target, no faster
derivation can meet it.

    .venv/bin/python benchmarks/ceiling.py --database sqlite --client-procs 2
(every option is passed on to ingest.py)
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).parent
# (what the writer does, what the copy does instead): no derivation, no reads ahead for it
_PATCHES = (
    (re.compile(r"^        apply_event\(conn, event, .*\)$", re.M), "        pass"),
    (re.compile(r"GroupReads\.prefetch\(.*\)$", re.M), "None"),
)


def underived_copy(target: Path) -> Path:
    """Copy this checkout's `src/` to `target` with the writer's derivation call removed."""
    src = target / "src"
    shutil.copytree(HERE.parent / "src", src, ignore=shutil.ignore_patterns("__pycache__"))
    writer = src / "lineage" / "store" / "writer.py"
    text = writer.read_text()
    for pattern, replacement in _PATCHES:
        text, found = pattern.subn(replacement, text)
        if found != 1:
            raise SystemExit(f"{writer}: {pattern.pattern!r} was not found exactly once")
    writer.write_text(text)
    return src


def main() -> None:
    """Run ingest.py with the underived copy ahead of the editable install on the path."""
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "PYTHONPATH": str(underived_copy(Path(tmp)))}
        print("collector rows below: the writer logs and commits each event, derives nothing")
        cmd = [sys.executable, str(HERE / "ingest.py"), *sys.argv[1:]]
        raise SystemExit(subprocess.run(cmd, env=env, check=False).returncode)


if __name__ == "__main__":
    main()
