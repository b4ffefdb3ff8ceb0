"""`lineage serve` refuses a bad setting with one line naming the variable, not a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

LINEAGE = str(Path(sys.executable).parent / "lineage")


def test_an_out_of_range_setting_names_the_variable_and_exits_2() -> None:
    done = subprocess.run(
        [LINEAGE, "serve"],
        env={**os.environ, "LINEAGE_MAX_JSON_DEPTH": "300"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (done.returncode, done.stdout) == (2, "")
    assert " ".join(done.stderr.split()) == (
        "error: invalid setting: LINEAGE_MAX_JSON_DEPTH: Input should be less than or equal to 250"
    )
