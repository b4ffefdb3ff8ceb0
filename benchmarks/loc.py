"""Lines of code in `src/lineage/store/` (issue 17): this tree, and a git revision beside it.

Counts every `.py` file's physical lines and its code lines (not blank, not only a comment;
docstrings count as code). `--base REV` reads the same directory at a git revision, so a
before/after pair prints in one run. Asserts nothing.

    .venv/bin/python benchmarks/loc.py [--base REV]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from common import row

ROOT = Path(__file__).resolve().parent.parent
STORE = "src/lineage/store"


def count(text: str) -> tuple[int, int]:
    """(physical lines, code lines) of one file's text."""
    lines = text.splitlines()
    code = [x for x in lines if x.strip() and not x.strip().startswith("#")]
    return len(lines), len(code)


def tree_files() -> dict[str, str]:
    """Each module of the store in the working tree, by file name."""
    return {p.name: p.read_text() for p in sorted((ROOT / STORE).glob("*.py"))}


def revision_files(rev: str) -> dict[str, str]:
    """Each module of the store at git revision `rev`, by file name."""

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", "-C", str(ROOT), *args], capture_output=True, text=True, check=True
        ).stdout

    names = git("ls-tree", "--name-only", f"{rev}:{STORE}").split()
    return {n: git("show", f"{rev}:{STORE}/{n}") for n in names if n.endswith(".py")}


def main() -> None:
    """Print per-file and total counts for the tree and, with --base, the revision."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", help="a git revision to count beside the working tree")
    args = parser.parse_args()
    sides = {"this tree": tree_files()}
    if args.base:
        sides[args.base] = revision_files(args.base)
    counts = {side: {n: count(t) for n, t in files.items()} for side, files in sides.items()}
    names = sorted({n for c in counts.values() for n in c})
    header = [f"{side} {kind}" for side in counts for kind in ("lines", "code")]
    print(row(STORE, *header, width=16))
    for name in names:
        cells = [
            f"{counts[side][name][i]}" if name in counts[side] else "-"
            for side in counts
            for i in (0, 1)
        ]
        print(row(f"  {name}", *cells, width=16))
    totals = [f"{sum(c[i] for c in counts[side].values()):,}" for side in counts for i in (0, 1)]
    print(
        row(f"total ({', '.join(f'{len(c)} files' for c in counts.values())})", *totals, width=16)
    )


if __name__ == "__main__":
    main()
