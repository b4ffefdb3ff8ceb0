"""Read queries over the ML tables: models, their versions, and training runs.

Functions return rows and dataclasses of rows; `lineage.query.ml` shapes them into answers.
Each kind of row is read in one statement per request (IN lists), never once per model.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Row, func, or_, select

from lineage import jsonio
from lineage.store import dataset_runs, ml_series, read
from lineage.store import ml_schema as m
from lineage.store import schema as s

UNSUCCESSFUL_STATES = frozenset({"FAILED", "ABORTED"})

ds, rn, jb = s.datasets.c, s.runs.c, s.jobs.c
mv, mt = m.ml_model_versions.c, m.ml_training_runs.c


def list_models(
    conn: Connection, *, namespace: str | None, limit: int, offset: int
) -> tuple[list[Row[Any]], int]:
    """Dataset rows of models (canonical, not deleted) by namespace and name; the total."""
    query = select(s.datasets).where(
        ds.kind == "model", ds.canonical_id.is_(None), ds.deleted_at.is_(None)
    )
    if namespace is not None:
        query = query.where(ds.namespace == namespace)
    total = conn.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    rows = conn.execute(query.order_by(ds.namespace, ds.name).limit(limit).offset(offset))
    return list(rows), total


def find_model(conn: Connection, namespace: str, name: str) -> Row[Any] | None:
    """The canonical dataset row of a model, or None when it is unknown or not a model."""
    row = read.find_dataset(conn, namespace, name)
    if row is None or row.deleted_at is not None or row.kind != "model":
        return None
    return row


def model_versions(conn: Connection, model_ids: list[int]) -> dict[int, list[Row[Any]]]:
    """Model id -> its version rows (with `state`, the run's), newest first, in one statement.

    A version written under an identity aliased to the model counts as the model's."""
    out: dict[int, list[Row[Any]]] = {model_id: [] for model_id in model_ids}
    if not model_ids:
        return out
    owner = func.coalesce(ds.canonical_id, ds.id).label("model_id")
    rows = conn.execute(
        select(m.ml_model_versions, rn.state, owner)
        .join(s.runs, rn.id == mv.run_id)
        .join(s.datasets, ds.id == mv.dataset_id)
        .where(or_(ds.id.in_(model_ids), ds.canonical_id.in_(model_ids)))
        .order_by(mv.event_time.desc(), mv.run_id)
    )
    for r in rows:
        out[r.model_id].append(r)
    return out


def latest_version(versions: list[Row[Any]]) -> Row[Any] | None:
    """The newest version whose training run did not fail or abort."""
    return next((v for v in versions if v.state not in UNSUCCESSFUL_STATES), None)


def runs_by_id(conn: Connection, run_ids: Iterable[str]) -> dict[str, Row[Any]]:
    """Run rows by id, in one statement (a page of ids, at most a thousand)."""
    wanted = list(dict.fromkeys(run_ids))
    if not wanted:
        return {}
    return {r.id: r for r in conn.execute(select(s.runs).where(rn.id.in_(wanted)))}


def error_message(run: Row[Any]) -> str | None:
    """The message of a run's errorMessage facet, if it has one."""
    return jsonio.loads(run.error_message).get("message") if run.error_message else None


@dataclass(frozen=True, slots=True)
class TrainingFacts:
    """What the store knows about one training run."""

    run: Row[Any]
    ml: Row[Any]  # its ml_training_runs row
    job_namespace: str
    job_name: str
    params: dict[str, Any]  # dotted key -> value, keys sorted
    metrics: list[Row[Any]]  # ml_metrics rows, names sorted
    series: dict[str, list[Row[Any]]]  # metric name -> (step, value) rows as logged
    inputs: list[Row[Any]]  # (namespace, name, role, dataset_version, row_count), by name


def training_run(conn: Connection, run_id: str) -> TrainingFacts | None:
    """A run's training metadata, or None when the run carries no ML facets."""
    run = read.find_run(conn, run_id)
    if run is None:
        return None
    ml = conn.execute(select(m.ml_training_runs).where(mt.run_id == run.id)).first()
    if ml is None:
        return None
    job = conn.execute(select(jb.namespace, jb.name).where(jb.id == run.job_id)).one()
    return TrainingFacts(
        run,
        ml,
        job.namespace,
        job.name,
        runs_params(conn, [run.id])[run.id],
        runs_metrics(conn, [run.id])[run.id],
        ml_series.runs_series(conn, [run.id])[run.id],
        run_inputs(conn, run.id),
    )


def runs_params(conn: Connection, run_ids: list[str]) -> dict[str, dict[str, Any]]:
    """Hyperparameters of several runs in one statement: run id -> {dotted key: value}."""
    table = m.ml_params
    out: dict[str, dict[str, Any]] = {run_id: {} for run_id in run_ids}
    query = select(table).where(table.c.run_id.in_(run_ids)).order_by(table.c.key)
    for r in conn.execute(query):
        out[r.run_id][r.key] = jsonio.loads(r.value)
    return out


def runs_metrics(conn: Connection, run_ids: list[str]) -> dict[str, list[Row[Any]]]:
    """`ml_metrics` rows of several runs in one statement: run id -> rows, names sorted."""
    table = m.ml_metrics
    out: dict[str, list[Row[Any]]] = {run_id: [] for run_id in run_ids}
    query = select(table).where(table.c.run_id.in_(run_ids)).order_by(table.c.name)
    for r in conn.execute(query):
        out[r.run_id].append(r)
    return out


def run_inputs(conn: Connection, run_id: str) -> list[Row[Any]]:
    """The run's input datasets with their role, version and row count, by name."""
    mi = m.ml_inputs.c
    return list(
        conn.execute(
            select(ds.namespace, ds.name, mi.role, mi.dataset_version, mi.row_count)
            .join(s.datasets, ds.id == mi.dataset_id)
            .where(mi.run_id == run_id)
            .order_by(ds.namespace, ds.name)
        )
    )


@dataclass(frozen=True, slots=True)
class TrainedOn:
    """A page of the model versions derived from a dataset (see `models_trained_on`)."""

    versions: list[Row[Any]]  # version, model and training-run columns, newest first
    hops: dict[str, int]  # run id -> fewest intermediate datasets from the dataset
    params: dict[str, dict[str, Any]]  # run id -> `runs_params`
    metrics: dict[str, list[Row[Any]]]  # run id -> `runs_metrics`
    total: int


def models_trained_on(conn: Connection, dataset_id: int, *, limit: int, offset: int) -> TrainedOn:
    """Every model version whose training run is derived from canonical dataset `dataset_id`
    (see `dataset_runs.derived_runs`), newest first, each with its training run, parameters
    and metrics and the fewest intermediate datasets between the dataset and the run."""
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
    return TrainedOn(
        page, derived, runs_params(conn, run_ids), runs_metrics(conn, run_ids), len(versions)
    )
