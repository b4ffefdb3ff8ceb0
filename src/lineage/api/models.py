"""ML model routes: the model list, one model with its training run and upstream chain, and
the comparison of two training runs."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from fastapi import APIRouter, Query

from lineage.api.deps import ConnDep, GraphDep
from lineage.api.paths import restore
from lineage.api.wire import error_responses, schema_ref
from lineage.errors import BadRequest, NodeNotFound
from lineage.query import lineage as q
from lineage.query import names
from lineage.store import ml_read, read

router = APIRouter(tags=["models"])

RunIdQuery = Annotated[str, Query(min_length=1, description="A training run id.")]


DatasetQuery = Annotated[
    str | None,
    Query(
        description="dataset:<ns>:<name>: every model version trained on it, directly or "
        "through intermediate datasets (run history, not the current graph)"
    ),
]


@router.get("/models", summary="List ML models, or the model versions trained on a dataset")
def models(
    graph: GraphDep,
    conn: ConnDep,
    namespace: str | None = None,
    dataset: DatasetQuery = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=2**31)] = 0,
) -> dict[str, Any]:
    """Models (datasets of kind `model`) with their latest version, its metrics and run.

    With `dataset`, instead: every model version whose training run read that dataset or a
    dataset written from it by an earlier run (any number of hops), newest first."""
    if dataset is None:
        items, total = ml_read.list_models(conn, namespace=namespace, limit=limit, offset=offset)
        return {"models": items, "totalCount": total}
    kind, ns, nm = graph.key(names.resolve(graph, dataset))
    row = read.find_dataset(conn, ns, nm) if kind != "job" else None
    if row is None:
        raise BadRequest(f"dataset {dataset!r} is not a dataset node id", field="dataset")
    versions, total = ml_read.models_trained_on(conn, row.id, limit=limit, offset=offset)
    return {
        "dataset": read.node_id("dataset", ns, nm),
        "modelVersions": versions,
        "totalCount": total,
    }


@router.get("/models/compare", summary="Compare two training runs")
def compare(conn: ConnDep, a: RunIdQuery, b: RunIdQuery) -> dict[str, Any]:
    """Hyperparameter and metric differences of run `b` against run `a`, and both runs'
    metric series side by side (`series[name] = {a: [{step, value}], b: [...]}`)."""
    run_a, run_b = _training_run(conn, a), _training_run(conn, b)
    return {
        "a": _run_ref(run_a),
        "b": _run_ref(run_b),
        "sameConfig": run_a["configHash"] is not None
        and run_a["configHash"] == run_b["configHash"],
        "hyperparameters": diff_params(run_a["hyperparameters"], run_b["hyperparameters"]),
        "metrics": diff_metrics(run_a["metrics"], run_b["metrics"]),
        "series": {
            name: {"a": run_a["series"].get(name, []), "b": run_b["series"].get(name, [])}
            for name in sorted(run_a["series"].keys() | run_b["series"].keys())
        },
    }


class SeriesPoint(msgspec.Struct):
    """One logged point of a metric."""

    step: float | None = None
    value: float | None = None


class SeriesSummary(msgspec.Struct, rename="camel"):
    """What the run's metric series add up to."""

    count: int | None = None
    min: float | None = None
    max: float | None = None
    first: float | None = None
    last: float | None = None
    last_step: float | None = None


class MetricValue(msgspec.Struct):
    """A metric's final value and the summary of its series."""

    value: float | None = None
    series: SeriesSummary | None = None


class RunSeries(msgspec.Struct, rename="camel"):
    """Each metric of a training run: final value and logged points, names sorted."""

    run_id: str
    job_namespace: str
    job_name: str
    state: str
    metrics: dict[str, MetricValue]
    series: Annotated[
        dict[str, list[SeriesPoint]], msgspec.Meta(description="Metric name -> its points")
    ]


@router.get(
    "/jobs/runs/{run_id}/metrics",
    summary="Metric series of a training run",
    responses={
        200: {
            "description": "Success",
            "content": {"application/json": {"schema": schema_ref(RunSeries)}},
        },
        **error_responses(401, 403, 404, 503),
    },
)
def run_series(conn: ConnDep, run_id: str) -> dict[str, Any]:
    """Each metric's final value and its logged points `[{step, value}]` (at most the
    emitter's bound per metric, downsampled beyond it), names sorted."""
    run = _training_run(conn, run_id)
    return {
        "runId": run["id"],
        "jobNamespace": run["jobNamespace"],
        "jobName": run["jobName"],
        "state": run["state"],
        "metrics": {
            name: {"value": metric["value"], "series": metric["series"]}
            for name, metric in run["metrics"].items()
        },
        "series": run["series"],
    }


@router.get("/models/{namespace}/{name:path}", summary="One ML model")
def model(graph: GraphDep, conn: ConnDep, namespace: str, name: str) -> dict[str, Any]:
    """A model's versions, the run that trained its latest version and its upstream chain."""
    namespace, name = restore(namespace), restore(name)
    row = ml_read.find_model(conn, namespace, name)
    if row is None:
        raise NodeNotFound(f"model {name!r} not found in namespace {namespace!r}")
    summary = ml_read.model_summary(conn, row)
    latest = summary["latestVersion"]
    root = names.resolve(graph, None, row.namespace, row.name, "dataset")
    upstream = msgspec.to_builtins(
        q.directed(graph, root, downstream=False, depth=None, kinds=None, limit=100_000)
    )
    return {
        "namespace": row.namespace,
        "name": row.name,
        "nodeId": summary["nodeId"],
        "versions": ml_read.model_versions(conn, row.id),
        "latestVersion": latest,
        "trainingRun": ml_read.training_run(conn, latest["runId"]) if latest else None,
        "lastTrainingRun": summary["lastTrainingRun"],
        "upstream": {
            "nodes": sorted(upstream["nodes"], key=lambda n: (n["depth"], n["id"])),
            "edges": sorted(upstream["edges"], key=lambda e: (e["from"], e["to"])),
            "truncated": upstream["truncated"],
        },
    }


def _training_run(conn: ConnDep, run_id: str) -> dict[str, Any]:
    found = ml_read.training_run(conn, run_id)
    if found is None:
        raise NodeNotFound(f"run {run_id!r} is not a known training run (no ML facets)")
    return found


def _run_ref(run: dict[str, Any]) -> dict[str, Any]:
    keys = ("id", "jobNamespace", "jobName", "state", "configHash")
    return {key: run[key] for key in keys}


def diff_params(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """Keys only in `b` (added), only in `a` (removed), and in both with different values."""
    return {
        "added": {k: b[k] for k in sorted(b.keys() - a.keys())},
        "removed": {k: a[k] for k in sorted(a.keys() - b.keys())},
        "changed": {k: {"a": a[k], "b": b[k]} for k in sorted(a.keys() & b.keys()) if a[k] != b[k]},
        "unchangedCount": sum(1 for k in a.keys() & b.keys() if a[k] == b[k]),
    }


def diff_metrics(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """Final metric values: added, removed, and every common metric with `delta` = b - a."""
    va = {name: metric["value"] for name, metric in a.items()}
    vb = {name: metric["value"] for name, metric in b.items()}
    common = {}
    for name in sorted(va.keys() & vb.keys()):
        x, y = va[name], vb[name]
        delta = y - x if x is not None and y is not None else None
        common[name] = {"a": x, "b": y, "delta": delta}
    return {
        "added": {k: vb[k] for k in sorted(vb.keys() - va.keys())},
        "removed": {k: va[k] for k in sorted(va.keys() - vb.keys())},
        "common": common,
    }
