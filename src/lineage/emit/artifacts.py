"""Saving a model file and logging it as the active run's model artifact (shared by adapters)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Unpack

from lineage.emit.datasets import ModelNaming
from lineage.emit.run import TrainingRun, current_run


def save_and_log(
    path: str | os.PathLike[str],
    write: Callable[[Path], None],
    *,
    framework: str,
    flavor: str,
    run: TrainingRun | None,
    **naming: Unpack[ModelNaming],
) -> Path:
    """Write the model with `write(target)`, then log it on `run` (or the current run)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    write(target)
    run = run or current_run()
    if run is not None:
        run.log_model(target, framework=framework, flavor=flavor, **naming)
    return target
