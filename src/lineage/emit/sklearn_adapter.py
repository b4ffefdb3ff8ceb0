"""scikit-learn adapter: fit an estimator or Pipeline and report it on a training run.

``tracked_fit`` records the estimator's ``get_params(deep=True)`` as hyperparameters (``__``
becomes ``.``, nested estimator objects are reduced to their class name under ``estimator``),
fits, computes the metrics you ask for on an evaluation set, and saves the fitted model with
joblib as the run's model artifact (sha256 and size included).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Unpack

from lineage.emit.artifacts import save_and_log
from lineage.emit.datasets import ModelNaming
from lineage.emit.params import json_scalar
from lineage.emit.run import TrainingRun, current_run

log = logging.getLogger(__name__)

Scorer = Callable[[Any, Any, Any], float]


def estimator_params(estimator: Any) -> dict[str, Any]:
    """Scalar parameters of an estimator/Pipeline as a nested-key mapping (dots, not ``__``)."""
    params: dict[str, Any] = {"estimator": type(estimator).__name__}
    for key, value in estimator.get_params(deep=True).items():
        if hasattr(value, "get_params") or key in ("steps", "transformers"):
            continue  # nested estimators are described by their own parameters
        if isinstance(value, list | tuple):
            if all(isinstance(item, str | int | float | bool) for item in value):
                params[key.replace("__", ".")] = list(value)
            continue
        if value is None or isinstance(value, str | int | float | bool):
            params[key.replace("__", ".")] = value
        elif not callable(value):
            params[key.replace("__", ".")] = json_scalar(value)
    return params


def tracked_fit(
    estimator: Any,
    x: Any,
    y: Any = None,
    *,
    run: TrainingRun | None = None,
    eval_set: tuple[Any, Any] | None = None,
    metrics: Mapping[str, float | Scorer] | None = None,
    model_path: str | os.PathLike[str] | None = None,
    registered_name: str | None = None,
    version: str | int | None = None,
    **fit_params: Any,
) -> Any:
    """Fit ``estimator`` on ``(x, y)`` and report params, metrics and the model to ``run``.

    ``metrics`` values are either numbers you computed or scorers called as
    ``scorer(estimator, x_eval, y_eval)`` on ``eval_set``; without ``metrics`` but with an
    ``eval_set`` the estimator's own ``score`` is logged as ``score``. With ``model_path`` the
    fitted estimator is saved with joblib and logged as the model artifact. ``run`` defaults to
    the active :func:`~lineage.emit.run.current_run`; with no run the estimator is just fitted.
    """
    run = run or current_run()
    if run is not None:
        run.log_params(estimator_params(estimator))
    fitted = estimator.fit(x, y, **fit_params)
    if run is None:
        return fitted
    for name, value in _evaluate(estimator, eval_set, metrics).items():
        run.log_metric(name, value)
    if model_path is not None:
        save_model(estimator, model_path, run=run, registered_name=registered_name, version=version)
    return fitted


def _evaluate(
    estimator: Any,
    eval_set: tuple[Any, Any] | None,
    metrics: Mapping[str, float | Scorer] | None,
) -> dict[str, float]:
    if not metrics:
        return {} if eval_set is None else {"score": float(estimator.score(*eval_set))}
    values: dict[str, float] = {}
    for name, metric in metrics.items():
        if callable(metric):
            if eval_set is None:
                msg = f"metric {name!r} is a scorer but no eval_set was given"
                raise ValueError(msg)
            values[name] = float(metric(estimator, *eval_set))
        else:
            values[name] = float(metric)
    return values


def save_model(
    estimator: Any,
    path: str | os.PathLike[str],
    *,
    run: TrainingRun | None = None,
    **naming: Unpack[ModelNaming],
) -> Path:
    """Save with joblib and log the file as the run's model (framework sklearn, flavor joblib)."""
    import joblib

    return save_and_log(
        path,
        lambda target: joblib.dump(estimator, target),
        framework="sklearn",
        flavor="joblib",
        run=run,
        **naming,
    )
