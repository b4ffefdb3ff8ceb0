"""Typed views of our ML facets (`lineage.emit.facets` is the producing side).

Readers are forgiving like those in `lineage.facets`: a partial or malformed facet yields what
can be read and never raises. Each reader returns the column values of its ML table, or None
when the facet is absent.
"""

from __future__ import annotations

from typing import Any

from lineage import jsonio

HYPERPARAMETERS = "ml_hyperparameters"
METRICS = "ml_metrics"
CODE_VERSION = "ml_codeVersion"
ENVIRONMENT = "ml_environment"
MLFLOW = "ml_mlflow"
MODEL = "ml_model"
INPUT_ROLE = "ml_inputRole"
RUN_FACETS = (HYPERPARAMETERS, METRICS, CODE_VERSION, ENVIRONMENT, MLFLOW)

_INT64_MAX = (1 << 63) - 1


def _facet(facets: dict[str, Any], key: str) -> dict[str, Any] | None:
    facet = facets.get(key)
    return facet if isinstance(facet, dict) and facet.get("_deleted") is not True else None


def _str(value: Any) -> str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return str(value)
    return value if isinstance(value, str) and value else None


def _float(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _int(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value if -_INT64_MAX <= value <= _INT64_MAX else None


def _bool(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _public(facet: dict[str, Any]) -> dict[str, Any]:
    """The facet without its `_producer` / `_schemaURL` bookkeeping keys."""
    return {k: v for k, v in facet.items() if not k.startswith("_")}


def hyperparameters(run_facets: dict[str, Any]) -> tuple[str | None, dict[str, str]] | None:
    """(configHash, {dotted key: value as JSON text}) from `ml_hyperparameters`."""
    facet = _facet(run_facets, HYPERPARAMETERS)
    if facet is None:
        return None
    params = _dict(facet.get("parameters"))
    encoded = {str(k): jsonio.dumps(v).decode() for k, v in params.items()}
    return _str(facet.get("configHash")), encoded


def metrics(run_facets: dict[str, Any]) -> list[dict[str, Any]] | None:
    """One `ml_metrics` row per metric: final value and the summary of its series."""
    facet = _facet(run_facets, METRICS)
    if facet is None:
        return None
    values, series = _dict(facet.get("metrics")), _dict(facet.get("series"))
    rows = []
    for name in sorted({*values, *series}, key=str):
        summary = _dict(series.get(name))
        rows.append(
            {
                "name": str(name),
                "value": _float(values.get(name)),
                "series_count": _int(summary.get("count")),
                "series_min": _float(summary.get("min")),
                "series_max": _float(summary.get("max")),
                "series_first": _float(summary.get("first")),
                "series_last": _float(summary.get("last")),
                "series_last_step": _int(summary.get("lastStep")),
            }
        )
    return rows


def metric_points(run_facets: dict[str, Any]) -> list[dict[str, Any]] | None:
    """One `ml_metric_points` row per [step, value] of each `ml_metrics` series, in order;
    malformed points are skipped and a non-finite value is None."""
    facet = _facet(run_facets, METRICS)
    if facet is None:
        return None
    rows: list[dict[str, Any]] = []
    for name, summary in sorted(_dict(facet.get("series")).items(), key=lambda kv: str(kv[0])):
        points = _dict(summary).get("points")
        steps = [
            (_int(p[0]), p[1])
            for p in (points if isinstance(points, list) else ())
            if isinstance(p, list) and len(p) == 2
        ]
        valid = [(step, value) for step, value in steps if step is not None]
        rows.extend(
            {"name": str(name), "seq": seq, "step": step, "value": _float(value)}
            for seq, (step, value) in enumerate(valid)
        )
    return rows


def code_version(run_facets: dict[str, Any]) -> dict[str, Any] | None:
    """`ml_codeVersion` as ml_training_runs columns."""
    facet = _facet(run_facets, CODE_VERSION)
    if facet is None:
        return None
    return {
        "git_commit": _str(facet.get("gitCommit")),
        "git_branch": _str(facet.get("gitBranch")),
        "git_dirty": _bool(facet.get("dirty")),
        "repo_url": _str(facet.get("repoUrl")),
        "entry_point": _str(facet.get("entryPoint")),
    }


def environment(run_facets: dict[str, Any]) -> dict[str, Any] | None:
    """`ml_environment` (python, platform, frameworks, device) as a JSON text column."""
    facet = _facet(run_facets, ENVIRONMENT)
    if facet is None:
        return None
    return {"environment": jsonio.dumps(_public(facet)).decode()}


def mlflow(run_facets: dict[str, Any]) -> dict[str, Any] | None:
    """`ml_mlflow` back-reference as ml_training_runs columns."""
    facet = _facet(run_facets, MLFLOW)
    if facet is None:
        return None
    return {
        "mlflow_run_id": _str(facet.get("runId")),
        "mlflow_experiment_id": _str(facet.get("experimentId")),
        "mlflow_experiment_name": _str(facet.get("experimentName")),
        "mlflow_tracking_uri": _str(facet.get("trackingUri")),
    }


def model(dataset_facets: dict[str, Any]) -> dict[str, Any] | None:
    """`ml_model` on an output dataset as ml_model_versions columns."""
    facet = _facet(dataset_facets, MODEL)
    if facet is None:
        return None
    return {
        "version": _str(facet.get("version")),
        "uri": _str(facet.get("uri")),
        "sha256": _str(facet.get("sha256")),
        "size_bytes": _int(facet.get("sizeBytes")),
        "framework": _str(facet.get("framework")),
        "flavor": _str(facet.get("flavor")),
        "registered_name": _str(facet.get("registeredName")),
    }


def input_role(input_facets: dict[str, Any]) -> dict[str, Any] | None:
    """`ml_inputRole` on an input dataset as ml_inputs columns."""
    facet = _facet(input_facets, INPUT_ROLE)
    if facet is None:
        return None
    return {
        "role": _str(facet.get("role")),
        "dataset_version": _str(facet.get("datasetVersion")),
        "row_count": _int(facet.get("rowCount")),
    }
