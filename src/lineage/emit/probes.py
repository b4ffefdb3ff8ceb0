"""Read facts about the running process: git state, environment, MLflow run, distributed rank.

Every probe is best effort: it returns ``None`` (or leaves a field out) instead of raising, and
never imports a heavy framework the user has not imported already.
"""

from __future__ import annotations

import logging
import os
import platform
import re
import subprocess
import sys
from importlib import metadata
from pathlib import Path

from lineage.emit.facets import (
    PRODUCER,
    MLCodeVersionRunFacet,
    MLEnvironmentRunFacet,
    MLflowRunFacet,
)

log = logging.getLogger(__name__)

GIT_TIMEOUT_S = 5.0

#: imported module name -> distribution name whose version is reported
FRAMEWORK_MODULES = {
    "torch": "torch",
    "sklearn": "scikit-learn",
    "xgboost": "xgboost",
    "lightgbm": "lightgbm",
    "tensorflow": "tensorflow",
    "jax": "jax",
    "transformers": "transformers",
    "lightning": "lightning",
    "numpy": "numpy",
    "pandas": "pandas",
    "mlflow": "mlflow-skinny",
}


def _git(args: list[str], cwd: Path) -> str | None:
    try:
        done = subprocess.run(
            ["git", *args],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=GIT_TIMEOUT_S,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def _strip_credentials(url: str) -> str:
    """Drop ``user:password@`` from an http(s) remote URL."""
    return re.sub(r"^(\w+://)[^/@]+@", r"\1", url)


def default_entry_point() -> str:
    """The script being run (``sys.argv[0]``), or ``"<interactive>"``."""
    argv0 = sys.argv[0] if sys.argv and sys.argv[0] else ""
    return argv0 or "<interactive>"


def code_version(entry_point: str | None = None) -> MLCodeVersionRunFacet:
    """Git commit, branch, dirty flag and remote of the entry point's repository."""
    entry = entry_point or default_entry_point()
    start = Path(entry).resolve().parent if Path(entry).exists() else Path.cwd()
    root = _git(["rev-parse", "--show-toplevel"], start)
    if root is None:
        return MLCodeVersionRunFacet(entryPoint=entry, producer=PRODUCER)
    top = Path(root)
    if Path(entry).exists():
        try:
            entry = Path(entry).resolve().relative_to(top.resolve()).as_posix()
        except ValueError:
            entry = str(Path(entry).resolve())
    status = _git(["status", "--porcelain", "--untracked-files=no"], top)
    branch = _git(["rev-parse", "--abbrev-ref", "HEAD"], top)
    remote = _git(["config", "--get", "remote.origin.url"], top)
    return MLCodeVersionRunFacet(
        entryPoint=entry,
        gitCommit=_git(["rev-parse", "HEAD"], top),
        gitBranch=branch if branch and branch != "HEAD" else None,
        dirty=None if status is None else bool(status),
        repoUrl=_strip_credentials(remote) if remote else None,
        producer=PRODUCER,
    )


def framework_versions() -> dict[str, str]:
    """Versions of the known ML frameworks that this process has imported."""
    found: dict[str, str] = {}
    for module, dist in FRAMEWORK_MODULES.items():
        if module not in sys.modules:
            continue
        try:
            found[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            version = getattr(sys.modules[module], "__version__", None)
            if isinstance(version, str):
                found[dist] = version
    return found


def detect_device() -> str:
    """``cuda``/``mps`` when torch is imported and sees one, else ``cpu``."""
    torch = sys.modules.get("torch")
    if torch is None:
        return "cpu"
    try:
        if torch.cuda.is_available():
            return f"cuda:{torch.cuda.current_device()}"
        mps = getattr(torch.backends, "mps", None)
        if mps is not None and mps.is_available():
            return "mps"
    except Exception:  # a broken driver must not break training
        log.debug("device probe failed", exc_info=True)
    return "cpu"


def environment(device: str | None = None) -> MLEnvironmentRunFacet:
    """Python and platform strings, imported framework versions and the device."""
    return MLEnvironmentRunFacet(
        python=platform.python_version(),
        platform=platform.platform(),
        frameworks=framework_versions(),
        device=device or detect_device(),
        producer=PRODUCER,
    )


def active_mlflow_run(known: MLflowRunFacet | None = None) -> MLflowRunFacet | None:
    """The active MLflow run as a facet, if the user imported mlflow and started one.

    ``known`` is returned as is when it describes the run still active (no store lookup).
    """
    mlflow = sys.modules.get("mlflow")
    if mlflow is None:
        return None
    try:
        active = mlflow.active_run()
        if active is None:
            return None
        if known is not None and known.runId == active.info.run_id:
            return known
        experiment_id = active.info.experiment_id
        experiment = mlflow.get_experiment(experiment_id) if experiment_id else None
        return MLflowRunFacet(
            runId=active.info.run_id,
            experimentId=experiment_id,
            experimentName=experiment.name if experiment is not None else None,
            trackingUri=mlflow.get_tracking_uri(),
            producer=PRODUCER,
        )
    except Exception:
        log.warning("could not read the active MLflow run", exc_info=True)
        return None


def _env_int(name: str) -> int | None:
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return None
    try:
        return int(raw)
    except ValueError:
        log.warning("ignoring non-integer %s=%r", name, raw)
        return None


def global_rank() -> int | None:
    """This process's global rank: ``RANK``, else ``LOCAL_RANK``, else torch.distributed."""
    rank = _env_int("RANK")
    if rank is not None:
        return rank
    local = _env_int("LOCAL_RANK")
    if local is not None:
        return local
    dist = sys.modules.get("torch.distributed")
    try:
        if dist is not None and dist.is_available() and dist.is_initialized():
            return int(dist.get_rank())
    except Exception:
        log.debug("torch.distributed rank probe failed", exc_info=True)
    return None


def is_emitting_rank() -> bool:
    """Only global rank 0 (or a process with no rank at all) emits lineage."""
    rank = global_rank()
    return rank is None or rank == 0
