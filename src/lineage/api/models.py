"""ML model routes: the model list, one model with its training run and upstream chain, a
training run's metric series and the comparison of two training runs; answers from
`lineage.query.ml`, encoded as they are."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from lineage.api.deps import ConnDep, GraphDep
from lineage.api.paths import restore
from lineage.api.wire import StructResponse, typed
from lineage.errors import BadRequest
from lineage.query import ml, names
from lineage.query import types as t
from lineage.store import read

router = APIRouter(tags=["models"])

RunIdQuery = Annotated[str, Query(min_length=1, description="A training run id.")]

_VERSION = {
    "version": "3",
    "runId": "0190a8a4-8f3c-7b1e-9d2a-4c5e6f708192",
    "runState": "COMPLETED",
    "uri": "s3://models/churn/3/model.pkl",
    "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    "sizeBytes": 48213,
    "framework": "sklearn",
    "flavor": "sklearn",
    "registeredName": "churn",
    "createdAt": "2026-01-05T12:00:00Z",
}
EXAMPLE = {
    "models": [
        {
            "namespace": "ml-models",
            "name": "churn",
            "nodeId": "dataset:ml-models:churn",
            "versionCount": 3,
            "latestVersion": _VERSION,
            "metrics": {"auc": 0.91, "loss": 0.23},
            "lastTrainingRun": {
                "id": "0190a8a4-8f3c-7b1e-9d2a-4c5e6f708192",
                "state": "COMPLETED",
                "errorMessage": None,
            },
        }
    ],
    "totalCount": 1,
}


DatasetQuery = Annotated[
    str | None,
    Query(
        description="dataset:<ns>:<name>: every model version trained on it, directly or "
        "through intermediate datasets (run history, not the current graph)"
    ),
]


@router.get(
    "/models",
    summary="List ML models, or the model versions trained on a dataset",
    **typed(t.ModelList, 400, 404, example=EXAMPLE),
)
def models(
    graph: GraphDep,
    conn: ConnDep,
    namespace: Annotated[str | None, Query(description="Only models of this namespace.")] = None,
    dataset: DatasetQuery = None,
    limit: Annotated[int, Query(ge=1, le=1000, description="Page size.")] = 100,
    offset: Annotated[int, Query(ge=0, le=2**31, description="Rows to skip.")] = 0,
) -> StructResponse:
    """Models (datasets of kind `model`) with their latest version, its metrics and run.

    With `dataset`, instead: every model version whose training run read that dataset or a
    dataset written from it by an earlier run (any number of hops), newest first."""
    if dataset is None:
        return StructResponse(ml.models(conn, namespace=namespace, limit=limit, offset=offset))
    kind, ns, nm = graph.key(names.resolve(graph, dataset, field="dataset"))
    row = read.find_dataset(conn, ns, nm) if kind != "job" else None
    if row is None:
        raise BadRequest(f"dataset {dataset!r} is not a dataset node id", field="dataset")
    node_id = read.node_id("dataset", ns, nm)
    return StructResponse(ml.trained_on(conn, row.id, node_id, limit=limit, offset=offset))


@router.get(
    "/models/compare", summary="Compare two training runs", **typed(t.RunComparison, 400, 404)
)
def compare(conn: ConnDep, a: RunIdQuery, b: RunIdQuery) -> StructResponse:
    """Hyperparameter and metric differences of run `b` against run `a`, and both runs'
    metric series side by side (`series[name] = {a: [{step, value}], b: [...]}`)."""
    return StructResponse(ml.compare(conn, a, b))


@router.get(
    "/jobs/runs/{run_id}/metrics",
    summary="Metric series of a training run",
    **typed(t.RunSeries, 404),
)
def run_series(conn: ConnDep, run_id: str) -> StructResponse:
    """Each metric's final value and its logged points `[{step, value}]` (at most the
    emitter's bound per metric, downsampled beyond it), names sorted."""
    return StructResponse(ml.run_series(conn, run_id))


@router.get("/models/{namespace}/{name:path}", summary="One ML model", **typed(t.Model, 404))
def model(graph: GraphDep, conn: ConnDep, namespace: str, name: str) -> StructResponse:
    """A model's versions, the run that trained its latest version and its upstream chain."""
    return StructResponse(ml.model(graph, conn, restore(namespace), restore(name)))
