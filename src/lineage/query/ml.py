"""ML model queries: the model list, one model, the versions trained on a dataset, a training
run's metric series and the comparison of two training runs, as typed answers built from
`lineage.store.ml_read`'s rows."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Row

from lineage import jsonio
from lineage.errors import NodeNotFound
from lineage.graph import LineageGraph
from lineage.query import lineage, names
from lineage.query import types as t
from lineage.store import ml_read, read

_iso = read.iso


def models(conn: Connection, *, namespace: str | None, limit: int, offset: int) -> t.ModelList:
    """Models (datasets of kind `model`) with their latest version, its metrics and last run,
    in four statements whatever the page size."""
    rows, total = ml_read.list_models(conn, namespace=namespace, limit=limit, offset=offset)
    versions = ml_read.model_versions(conn, [r.id for r in rows])
    latest = {r.id: ml_read.latest_version(versions[r.id]) for r in rows}
    metrics = ml_read.runs_metrics(conn, [v.run_id for v in latest.values() if v is not None])
    last_runs = ml_read.runs_by_id(conn, [vs[0].run_id for vs in versions.values() if vs])
    summaries = []
    for row in rows:
        mine, newest = versions[row.id], latest[row.id]
        summaries.append(
            t.ModelSummary(
                row.namespace,
                row.name,
                read.node_id("dataset", row.namespace, row.name),
                len(mine),
                _version(newest) if newest is not None else None,
                _values(metrics[newest.run_id]) if newest is not None else {},
                _outcome(last_runs[mine[0].run_id]) if mine else None,
            )
        )
    return t.ModelList(models=summaries, total_count=total)


def trained_on(
    conn: Connection, dataset_id: int, node_id: str, *, limit: int, offset: int
) -> t.ModelList:
    """Every model version whose training run read the dataset (`dataset_id`, `node_id`) or a
    dataset written from it by an earlier run (any number of hops), newest first."""
    found = ml_read.models_trained_on(conn, dataset_id, limit=limit, offset=offset)
    versions = [
        t.TrainedVersion(
            r.namespace,
            r.name,
            read.node_id("dataset", r.namespace, r.name),
            r.version,
            r.uri,
            r.framework,
            str(_iso(r.event_time)),
            found.hops[r.run_id],
            t.TrainedRun(
                r.run_id,
                r.state,
                r.job_namespace,
                r.job_name,
                _iso(r.started_at),
                _iso(r.ended_at),
                found.params[r.run_id],
                _values(found.metrics[r.run_id]),
            ),
        )
        for r in found.versions
    ]
    return t.ModelList(dataset=node_id, model_versions=versions, total_count=found.total)


def model(graph: LineageGraph, conn: Connection, namespace: str, name: str) -> t.Model:
    """A model's versions, the run that trained its latest version and its upstream chain;
    404 when there is no such model."""
    row = ml_read.find_model(conn, namespace, name)
    if row is None:
        raise NodeNotFound(f"model {name!r} not found in namespace {namespace!r}", field="name")
    versions = ml_read.model_versions(conn, [row.id])[row.id]
    latest = ml_read.latest_version(versions)
    last = ml_read.runs_by_id(conn, [versions[0].run_id]) if versions else {}
    trained = ml_read.training_run(conn, latest.run_id) if latest is not None else None
    root = names.resolve(graph, None, row.namespace, row.name, "dataset")
    walk = lineage.directed(graph, root, downstream=False, depth=None, kinds=None, limit=100_000)
    upstream = t.ModelUpstream(
        sorted(walk.nodes, key=lambda n: (n.depth, n.id)),
        sorted(walk.edges, key=lambda e: (e.from_, e.to)),
        walk.truncated,
    )
    return t.Model(
        row.namespace,
        row.name,
        read.node_id("dataset", row.namespace, row.name),
        [_version(v) for v in versions],
        _version(latest) if latest is not None else None,
        _training(trained) if trained is not None else None,
        _outcome(last[versions[0].run_id]) if versions else None,
        upstream,
    )


def training_run(conn: Connection, run_id: str, *, field: str = "run_id") -> t.TrainingRun:
    """A run's training metadata; 404 naming `field` (the parameter that held the id) when
    the run is unknown or carries no ML facets."""
    facts = ml_read.training_run(conn, run_id)
    if facts is None:
        raise NodeNotFound(
            f"run {run_id!r} is not a known training run (no ML facets)", field=field
        )
    return _training(facts)


def _training(facts: ml_read.TrainingFacts) -> t.TrainingRun:
    run, ml = facts.run, facts.ml
    return t.TrainingRun(
        run.id,
        run.state,
        facts.job_namespace,
        facts.job_name,
        _iso(run.started_at),
        _iso(run.ended_at),
        ml_read.error_message(run),
        ml.config_hash,
        facts.params,
        {r.name: _metric(r) for r in facts.metrics},
        _series(facts.series),
        _code_version(ml),
        jsonio.loads(ml.environment) if ml.environment else None,
        _mlflow(ml),
        [
            t.TrainingInput(
                r.namespace,
                r.name,
                read.node_id("dataset", r.namespace, r.name),
                r.role,
                r.dataset_version,
                r.row_count,
            )
            for r in facts.inputs
        ],
    )


def run_series(conn: Connection, run_id: str) -> t.RunSeries:
    """Each metric's final value and its logged points, names sorted; 404 as `training_run`."""
    run = training_run(conn, run_id)
    return t.RunSeries(run.id, run.job_namespace, run.job_name, run.state, run.metrics, run.series)


def compare(conn: Connection, a: str, b: str) -> t.RunComparison:
    """Hyperparameter and metric differences of run `b` against run `a`, and both runs'
    metric series side by side; 404 naming the first run that is no training run."""
    run_a, run_b = training_run(conn, a, field="a"), training_run(conn, b, field="b")
    return t.RunComparison(
        _ref(run_a),
        _ref(run_b),
        run_a.config_hash is not None and run_a.config_hash == run_b.config_hash,
        diff_params(run_a.hyperparameters, run_b.hyperparameters),
        diff_metrics(
            {k: m.value for k, m in run_a.metrics.items()},
            {k: m.value for k, m in run_b.metrics.items()},
        ),
        {
            name: t.SeriesPair(run_a.series.get(name, []), run_b.series.get(name, []))
            for name in sorted(run_a.series.keys() | run_b.series.keys())
        },
    )


def diff_params(a: dict[str, Any], b: dict[str, Any]) -> t.ParamDiff:
    """Keys only in `b` (added), only in `a` (removed), and in both with different values."""
    return t.ParamDiff(
        {k: b[k] for k in sorted(b.keys() - a.keys())},
        {k: a[k] for k in sorted(a.keys() - b.keys())},
        {k: t.ParamChange(a[k], b[k]) for k in sorted(a.keys() & b.keys()) if a[k] != b[k]},
        sum(1 for k in a.keys() & b.keys() if a[k] == b[k]),
    )


def diff_metrics(a: dict[str, float | None], b: dict[str, float | None]) -> t.MetricDiff:
    """Final metric values: added, removed, and every common metric with `delta` = b - a."""
    common = {}
    for name in sorted(a.keys() & b.keys()):
        x, y = a[name], b[name]
        common[name] = t.MetricChange(x, y, y - x if x is not None and y is not None else None)
    return t.MetricDiff(
        {k: b[k] for k in sorted(b.keys() - a.keys())},
        {k: a[k] for k in sorted(a.keys() - b.keys())},
        common,
    )


def _version(r: Row[Any]) -> t.ModelVersion:
    return t.ModelVersion(
        r.version,
        r.run_id,
        r.state,
        r.uri,
        r.sha256,
        r.size_bytes,
        r.framework,
        r.flavor,
        r.registered_name,
        str(_iso(r.event_time)),
    )


def _outcome(run: Row[Any]) -> t.RunOutcome:
    return t.RunOutcome(run.id, run.state, ml_read.error_message(run))


def _values(metrics: list[Row[Any]]) -> dict[str, float | None]:
    return {r.name: r.value for r in metrics}


def _metric(r: Row[Any]) -> t.MetricValue:
    summary = None
    if r.series_count is not None:
        summary = t.SeriesSummary(
            r.series_count,
            r.series_min,
            r.series_max,
            r.series_first,
            r.series_last,
            r.series_last_step,
        )
    return t.MetricValue(r.value, summary)


def _series(series: dict[str, list[Row[Any]]]) -> dict[str, list[t.SeriesPoint]]:
    return {
        name: [t.SeriesPoint(p.step, p.value) for p in points] for name, points in series.items()
    }


def _code_version(ml: Row[Any]) -> t.CodeVersion | None:
    if ml.code_time is None:
        return None
    return t.CodeVersion(ml.git_commit, ml.git_branch, ml.git_dirty, ml.repo_url, ml.entry_point)


def _mlflow(ml: Row[Any]) -> t.MlflowRun | None:
    if ml.mlflow_time is None:
        return None
    return t.MlflowRun(
        ml.mlflow_run_id,
        ml.mlflow_experiment_id,
        ml.mlflow_experiment_name,
        ml.mlflow_tracking_uri,
    )


def _ref(run: t.TrainingRun) -> t.RunRef:
    return t.RunRef(run.id, run.job_namespace, run.job_name, run.state, run.config_hash)
