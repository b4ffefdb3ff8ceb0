"""Read queries over the ML tables: models, their versions, and training runs."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Row, func, select

from lineage import jsonio
from lineage.store import dataset_runs, ml_series, read
from lineage.store import ml_schema as m
from lineage.store import schema as s

UNSUCCESSFUL_STATES = frozenset({"FAILED", "ABORTED"})

ds, rn, jb = s.datasets.c, s.runs.c, s.jobs.c
mv, mt = m.ml_model_versions.c, m.ml_training_runs.c


def list_models(
    conn: Connection, *, namespace: str | None, limit: int, offset: int
) -> tuple[list[dict[str, Any]], int]:
    """Models (canonical, not deleted), each with its latest version, metrics and last run."""
    query = select(s.datasets).where(
        ds.kind == "model", ds.canonical_id.is_(None), ds.deleted_at.is_(None)
    )
    if namespace is not None:
        query = query.where(ds.namespace == namespace)
    total = conn.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    rows = conn.execute(query.order_by(ds.namespace, ds.name).limit(limit).offset(offset))
    return [model_summary(conn, row) for row in rows], total


def find_model(conn: Connection, namespace: str, name: str) -> Row[Any] | None:
    """The canonical dataset row of a model, or None when it is unknown or not a model."""
    row = read.find_dataset(conn, namespace, name)
    if row is None or row.deleted_at is not None or row.kind != "model":
        return None
    return row


def model_summary(conn: Connection, row: Row[Any]) -> dict[str, Any]:
    """A model as the list shows it."""
    versions = model_versions(conn, row.id)
    latest = latest_version(versions)
    metrics = run_metrics(conn, latest["runId"]) if latest else {}
    return {
        "namespace": row.namespace,
        "name": row.name,
        "nodeId": read.node_id("dataset", row.namespace, row.name),
        "versionCount": len(versions),
        "latestVersion": latest,
        "metrics": {name: metric["value"] for name, metric in metrics.items()},
        "lastTrainingRun": _last_run(conn, versions),
    }


def model_versions(conn: Connection, dataset_id: int) -> list[dict[str, Any]]:
    """Every version of a model (one per training run that output it), newest first."""
    rows = conn.execute(
        select(m.ml_model_versions, rn.state)
        .join(s.runs, rn.id == mv.run_id)
        .where(mv.dataset_id.in_(read.identity_ids(conn, dataset_id)))
        .order_by(mv.event_time.desc(), mv.run_id)
    )
    return [
        {
            "version": r.version,
            "runId": r.run_id,
            "runState": r.state,
            "uri": r.uri,
            "sha256": r.sha256,
            "sizeBytes": r.size_bytes,
            "framework": r.framework,
            "flavor": r.flavor,
            "registeredName": r.registered_name,
            "createdAt": read.iso(r.event_time),
        }
        for r in rows
    ]


def latest_version(versions: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The newest version whose training run did not fail or abort."""
    return next((v for v in versions if v["runState"] not in UNSUCCESSFUL_STATES), None)


def _last_run(conn: Connection, versions: list[dict[str, Any]]) -> dict[str, Any] | None:
    if not versions:
        return None
    run = read.find_run(conn, versions[0]["runId"])
    assert run is not None
    return {"id": run.id, "state": run.state, "errorMessage": _error(run)}


def _error(run: Row[Any]) -> str | None:
    return jsonio.loads(run.error_message).get("message") if run.error_message else None


def training_run(conn: Connection, run_id: str) -> dict[str, Any] | None:
    """A run's training metadata, or None when the run carries no ML facets."""
    run = read.find_run(conn, run_id)
    if run is None:
        return None
    ml = conn.execute(select(m.ml_training_runs).where(mt.run_id == run.id)).first()
    if ml is None:
        return None
    job = conn.execute(select(jb.namespace, jb.name).where(jb.id == run.job_id)).one()
    return {
        "id": run.id,
        "state": run.state,
        "jobNamespace": job.namespace,
        "jobName": job.name,
        "startedAt": read.iso(run.started_at),
        "endedAt": read.iso(run.ended_at),
        "errorMessage": _error(run),
        "configHash": ml.config_hash,
        "hyperparameters": run_params(conn, run.id),
        "metrics": run_metrics(conn, run.id),
        "series": ml_series.runs_series(conn, [run.id])[run.id],
        "codeVersion": _code_version(ml),
        "environment": jsonio.loads(ml.environment) if ml.environment else None,
        "mlflow": _mlflow(ml),
        "inputs": run_inputs(conn, run.id),
    }


def _code_version(ml: Row[Any]) -> dict[str, Any] | None:
    if ml.code_time is None:
        return None
    return {
        "gitCommit": ml.git_commit,
        "gitBranch": ml.git_branch,
        "dirty": ml.git_dirty,
        "repoUrl": ml.repo_url,
        "entryPoint": ml.entry_point,
    }


def _mlflow(ml: Row[Any]) -> dict[str, Any] | None:
    if ml.mlflow_time is None:
        return None
    return {
        "runId": ml.mlflow_run_id,
        "experimentId": ml.mlflow_experiment_id,
        "experimentName": ml.mlflow_experiment_name,
        "trackingUri": ml.mlflow_tracking_uri,
    }


def run_params(conn: Connection, run_id: str) -> dict[str, Any]:
    """The run's hyperparameters: dotted key -> value, keys sorted."""
    return runs_params(conn, [run_id])[run_id]


def runs_params(conn: Connection, run_ids: list[str]) -> dict[str, dict[str, Any]]:
    """Hyperparameters of several runs in one statement: run id -> `run_params`."""
    table = m.ml_params
    out: dict[str, dict[str, Any]] = {run_id: {} for run_id in run_ids}
    query = select(table).where(table.c.run_id.in_(run_ids)).order_by(table.c.key)
    for r in conn.execute(query):
        out[r.run_id][r.key] = jsonio.loads(r.value)
    return out


def run_metrics(conn: Connection, run_id: str) -> dict[str, dict[str, Any]]:
    """The run's metrics: name -> {value, series summary or None}, names sorted."""
    return runs_metrics(conn, [run_id])[run_id]


def runs_metrics(conn: Connection, run_ids: list[str]) -> dict[str, dict[str, dict[str, Any]]]:
    """Metrics of several runs in one statement: run id -> `run_metrics`."""
    table = m.ml_metrics
    out: dict[str, dict[str, dict[str, Any]]] = {run_id: {} for run_id in run_ids}
    query = select(table).where(table.c.run_id.in_(run_ids)).order_by(table.c.name)
    for r in conn.execute(query):
        out[r.run_id][r.name] = {
            "value": r.value,
            "series": None
            if r.series_count is None
            else {
                "count": r.series_count,
                "min": r.series_min,
                "max": r.series_max,
                "first": r.series_first,
                "last": r.series_last,
                "lastStep": r.series_last_step,
            },
        }
    return out


def run_inputs(conn: Connection, run_id: str) -> list[dict[str, Any]]:
    """The run's input datasets with their role, version and row count."""
    mi = m.ml_inputs.c
    rows = conn.execute(
        select(ds.namespace, ds.name, mi.role, mi.dataset_version, mi.row_count)
        .join(s.datasets, ds.id == mi.dataset_id)
        .where(mi.run_id == run_id)
        .order_by(ds.namespace, ds.name)
    )
    return [
        {
            "namespace": r.namespace,
            "name": r.name,
            "nodeId": read.node_id("dataset", r.namespace, r.name),
            "role": r.role,
            "datasetVersion": r.dataset_version,
            "rowCount": r.row_count,
        }
        for r in rows
    ]


def models_trained_on(
    conn: Connection, dataset_id: int, *, limit: int, offset: int
) -> tuple[list[dict[str, Any]], int]:
    """Every model version whose training run is derived from canonical dataset `dataset_id`
    (see `dataset_runs.derived_runs`), newest first, each with its training run, parameters
    and metrics and `hops`, the fewest intermediate datasets between the dataset and the run."""
    derived = dataset_runs.derived_runs(conn, dataset_id)
    versions: list[Row[Any]] = []
    for chunk in dataset_runs.chunks(derived):
        versions.extend(
            conn.execute(
                select(
                    mv.run_id,
                    mv.version,
                    mv.uri,
                    mv.framework,
                    mv.event_time,
                    ds.namespace,
                    ds.name,
                    rn.state,
                    rn.started_at,
                    rn.ended_at,
                    jb.namespace.label("job_namespace"),
                    jb.name.label("job_name"),
                )
                .join(s.datasets, ds.id == mv.dataset_id)
                .join(s.runs, rn.id == mv.run_id)
                .join(s.jobs, jb.id == rn.job_id)
                .where(mv.run_id.in_(chunk), ds.deleted_at.is_(None))
            )
        )
    versions.sort(key=lambda r: (-r.event_time.timestamp(), r.namespace, r.name, r.run_id))
    page = versions[offset : offset + limit]
    run_ids = sorted({r.run_id for r in page})
    params, metrics = runs_params(conn, run_ids), runs_metrics(conn, run_ids)
    return [
        {
            "namespace": r.namespace,
            "name": r.name,
            "nodeId": read.node_id("dataset", r.namespace, r.name),
            "version": r.version,
            "uri": r.uri,
            "framework": r.framework,
            "createdAt": read.iso(r.event_time),
            "hops": derived[r.run_id],
            "trainingRun": {
                "id": r.run_id,
                "state": r.state,
                "jobNamespace": r.job_namespace,
                "jobName": r.job_name,
                "startedAt": read.iso(r.started_at),
                "endedAt": read.iso(r.ended_at),
                "hyperparameters": params[r.run_id],
                "metrics": {name: metric["value"] for name, metric in metrics[r.run_id].items()},
            },
        }
        for r in page
    ], len(versions)
