"""Model routes against a real collector process, fed by our emitter over HTTP (SQLite + PG)."""

from __future__ import annotations

import hashlib
import platform
from pathlib import Path
from typing import Any

import pytest

from lineage.emit import file_input, output_dataset, training_run
from lineage.emit.probes import framework_versions
from tests.conftest import Server
from tests.ml.ml_helpers import WAREHOUSE, client_for, get, git_repo, model_path, run_job

NS = "ml"
MODELS = "ml-models"


def _train(
    server: Server,
    tmp_path: Path,
    *,
    params: dict[str, Any],
    metrics: list[tuple[str, float, int]],
    version: int,
    entry_point: str | None = None,
    fail: bool = False,
) -> str:
    """One training run of job ml:churn-train writing model ml-models:churn; returns its id."""
    features, holdout = tmp_path / "features.csv", tmp_path / "holdout.csv"
    model = tmp_path / f"model-v{version}.bin"
    model.write_bytes(f"model-v{version}".encode())
    with training_run(
        "churn-train",
        namespace=NS,
        url=server.url,
        entry_point=entry_point,
        device="cpu",
        inputs=[
            file_input(features, role="train", dataset_version="f1", row_count=120),
            file_input(holdout, role="validation", row_count=30),
        ],
        params=params,
    ) as run:
        for name, value, step in metrics:
            run.log_metric(name, value, step=step)
        run.log_model(
            model,
            framework="sklearn",
            flavor="sklearn",
            registered_name="churn",
            version=version,
            namespace=MODELS,
            name="churn",
        )
        if fail:
            raise ValueError("diverged")
    return run.run_id


def _version(server: Server, tmp_path: Path, run_id: str, number: int, state: str) -> dict:
    body = f"model-v{number}".encode()
    run = get(server.url, f"/api/v1/jobs/runs/{run_id}")
    return {
        "version": str(number),
        "runId": run_id,
        "runState": state,
        "uri": str((tmp_path / f"model-v{number}.bin").resolve()),
        "sha256": hashlib.sha256(body).hexdigest(),
        "sizeBytes": len(body),
        "framework": "sklearn",
        "flavor": "sklearn",
        "registeredName": "churn",
        "createdAt": run["endedAt"],
    }


def _feature_chain(server: Server, tmp_path: Path) -> None:
    """warehouse table -> build_features -> features.csv (the training input)."""
    features = str((tmp_path / "features.csv").resolve())
    run_job(
        client_for(server.url),
        "warehouse",
        "build_features",
        [(WAREHOUSE, "public.customers")],
        [("file", features)],
    )


PARAMS_1 = {"model": {"C": 0.5, "penalty": "l2"}, "seed": 7}
METRICS_1 = [("loss", 0.9, 0), ("loss", 0.4, 1), ("auc", 0.91, 1)]


def test_model_list_and_detail(server: Server, tmp_path: Path) -> None:
    _feature_chain(server, tmp_path)
    script, commit = git_repo(tmp_path / "repo")
    run_id = _train(
        server, tmp_path, params=PARAMS_1, metrics=METRICS_1, version=1, entry_point=str(script)
    )
    version = _version(server, tmp_path, run_id, 1, "COMPLETED")
    last_run = {"id": run_id, "state": "COMPLETED", "errorMessage": None}

    listed = get(server.url, "/api/v1/models")
    assert listed == {
        "models": [
            {
                "namespace": MODELS,
                "name": "churn",
                "nodeId": f"dataset:{MODELS}:churn",
                "versionCount": 1,
                "latestVersion": version,
                "metrics": {"auc": 0.91, "loss": 0.4},
                "lastTrainingRun": last_run,
            }
        ],
        "totalCount": 1,
    }
    assert get(server.url, "/api/v1/models", namespace="other") == {"models": [], "totalCount": 0}

    detail = get(server.url, model_path(MODELS, "churn"))
    stored = get(server.url, f"/api/v1/jobs/runs/{run_id}")
    features = str((tmp_path / "features.csv").resolve())
    holdout = str((tmp_path / "holdout.csv").resolve())
    assert detail["versions"] == [version]
    assert detail["latestVersion"] == version
    assert detail["lastTrainingRun"] == last_run
    assert detail["trainingRun"] == {
        "id": run_id,
        "state": "COMPLETED",
        "jobNamespace": NS,
        "jobName": "churn-train",
        "startedAt": stored["startedAt"],
        "endedAt": stored["endedAt"],
        "errorMessage": None,
        "configHash": stored["facets"]["ml_hyperparameters"]["configHash"],
        "hyperparameters": {"model.C": 0.5, "model.penalty": "l2", "seed": 7},
        "metrics": {
            "auc": {
                "value": 0.91,
                "series": {
                    "count": 1,
                    "min": 0.91,
                    "max": 0.91,
                    "first": 0.91,
                    "last": 0.91,
                    "lastStep": 1,
                },
            },
            "loss": {
                "value": 0.4,
                "series": {
                    "count": 2,
                    "min": 0.4,
                    "max": 0.9,
                    "first": 0.9,
                    "last": 0.4,
                    "lastStep": 1,
                },
            },
        },
        "series": {
            "auc": [{"step": 1, "value": 0.91}],
            "loss": [{"step": 0, "value": 0.9}, {"step": 1, "value": 0.4}],
        },
        "codeVersion": {
            "gitCommit": commit,
            "gitBranch": "main",
            "dirty": False,
            "repoUrl": "https://example.com/ml.git",
            "entryPoint": "train.py",
        },
        "environment": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "frameworks": framework_versions(),
            "device": "cpu",
        },
        "mlflow": None,
        "inputs": [
            {
                "namespace": "file",
                "name": features,
                "nodeId": f"dataset:file:{features}",
                "role": "train",
                "datasetVersion": "f1",
                "rowCount": 120,
            },
            {
                "namespace": "file",
                "name": holdout,
                "nodeId": f"dataset:file:{holdout}",
                "role": "validation",
                "datasetVersion": None,
                "rowCount": 30,
            },
        ],
    }
    upstream = detail["upstream"]
    assert {(n["id"], n["kind"], n["depth"]) for n in upstream["nodes"]} == {
        (f"dataset:{MODELS}:churn", "model", 0),
        (f"job:{NS}:churn-train", "job", 1),
        (f"dataset:file:{features}", "dataset", 2),
        (f"dataset:file:{holdout}", "dataset", 2),
        ("job:warehouse:build_features", "job", 3),
        (f"dataset:{WAREHOUSE}:public.customers", "dataset", 4),
    }
    assert {(e["from"], e["to"]) for e in upstream["edges"]} == {
        (f"job:{NS}:churn-train", f"dataset:{MODELS}:churn"),
        (f"dataset:file:{features}", f"job:{NS}:churn-train"),
        (f"dataset:file:{holdout}", f"job:{NS}:churn-train"),
        ("job:warehouse:build_features", f"dataset:file:{features}"),
        (f"dataset:{WAREHOUSE}:public.customers", "job:warehouse:build_features"),
    }
    assert upstream["truncated"] is False


def test_compare_two_training_runs(server: Server, tmp_path: Path) -> None:
    a = _train(server, tmp_path, params=PARAMS_1, metrics=METRICS_1, version=1)
    b = _train(
        server,
        tmp_path,
        params={"model": {"C": 1.0, "solver": "saga"}, "seed": 7},
        metrics=[("loss", 0.3, 0), ("f1", 0.8, 0), ("auc", 0.93, 0)],
        version=2,
    )
    body = get(server.url, "/api/v1/models/compare", a=a, b=b)
    hashes = {
        r: get(server.url, f"/api/v1/jobs/runs/{r}")["facets"]["ml_hyperparameters"]["configHash"]
        for r in (a, b)
    }
    assert body == {
        "a": {
            "id": a,
            "jobNamespace": NS,
            "jobName": "churn-train",
            "state": "COMPLETED",
            "configHash": hashes[a],
        },
        "b": {
            "id": b,
            "jobNamespace": NS,
            "jobName": "churn-train",
            "state": "COMPLETED",
            "configHash": hashes[b],
        },
        "sameConfig": False,
        "hyperparameters": {
            "added": {"model.solver": "saga"},
            "removed": {"model.penalty": "l2"},
            "changed": {"model.C": {"a": 0.5, "b": 1.0}},
            "unchangedCount": 1,
        },
        "metrics": {
            "added": {"f1": 0.8},
            "removed": {},
            "common": {
                "auc": {"a": 0.91, "b": 0.93, "delta": 0.93 - 0.91},
                "loss": {"a": 0.4, "b": 0.3, "delta": 0.3 - 0.4},
            },
        },
        "series": {
            "auc": {"a": [{"step": 1, "value": 0.91}], "b": [{"step": 0, "value": 0.93}]},
            "f1": {"a": [], "b": [{"step": 0, "value": 0.8}]},
            "loss": {
                "a": [{"step": 0, "value": 0.9}, {"step": 1, "value": 0.4}],
                "b": [{"step": 0, "value": 0.3}],
            },
        },
    }
    same = get(server.url, "/api/v1/models/compare", a=a, b=a)
    assert same["sameConfig"] is True
    assert same["hyperparameters"] == {
        "added": {},
        "removed": {},
        "changed": {},
        "unchangedCount": 3,
    }


def test_failing_training_run_keeps_the_last_good_version(server: Server, tmp_path: Path) -> None:
    good = _train(server, tmp_path, params=PARAMS_1, metrics=METRICS_1, version=1)
    with pytest.raises(ValueError, match="diverged"):
        _train(
            server, tmp_path, params={"seed": 8}, metrics=[("loss", 7.5, 0)], version=2, fail=True
        )
    [failed] = [
        r["id"]
        for r in get(server.url, "/api/v1/namespaces/ml/jobs/churn-train/runs")["runs"]
        if r["id"] != good
    ]
    good_version = _version(server, tmp_path, good, 1, "COMPLETED")
    failed_version = _version(server, tmp_path, failed, 2, "FAILED")
    failure = {"id": failed, "state": "FAILED", "errorMessage": "ValueError: diverged"}

    [listed] = get(server.url, "/api/v1/models")["models"]
    assert listed["latestVersion"] == good_version
    assert listed["metrics"] == {"auc": 0.91, "loss": 0.4}
    assert listed["lastTrainingRun"] == failure
    assert listed["versionCount"] == 2

    detail = get(server.url, model_path(MODELS, "churn"))
    assert detail["versions"] == [failed_version, good_version]
    assert detail["trainingRun"]["id"] == good
    assert detail["lastTrainingRun"] == failure

    diff = get(server.url, "/api/v1/models/compare", a=good, b=failed)
    assert diff["b"]["state"] == "FAILED"
    assert diff["metrics"]["common"] == {"loss": {"a": 0.4, "b": 7.5, "delta": 7.5 - 0.4}}


def test_which_models_depend_on_a_table(server: Server, tmp_path: Path) -> None:
    _feature_chain(server, tmp_path)
    _train(server, tmp_path, params=PARAMS_1, metrics=METRICS_1, version=1)
    scores = str((tmp_path / "scores.csv").resolve())
    run_job(client_for(server.url), NS, "score", [(MODELS, "churn")], [("file", scores)])
    with training_run(
        "other-train",
        namespace=NS,
        url=server.url,
        inputs=[file_input(tmp_path / "unrelated.csv")],
        outputs=[output_dataset(tmp_path / "report.csv")],
    ) as run:
        run.log_model(tmp_path / "other.bin", framework="torch", namespace=MODELS, name="other")

    body = get(
        server.url,
        "/api/v1/lineage/downstream",
        namespace=WAREHOUSE,
        name="public.customers",
        type="DATASET",
        kinds="model",
    )
    assert {(n["id"], n["kind"], n["depth"]) for n in body["nodes"]} == {
        (f"dataset:{WAREHOUSE}:public.customers", "dataset", 0),
        (f"dataset:{MODELS}:churn", "model", 4),
    }
    assert body["edges"] == []
    everything = get(
        server.url,
        "/api/v1/lineage/downstream",
        namespace=WAREHOUSE,
        name="public.customers",
        type="DATASET",
    )
    assert {n["id"] for n in everything["nodes"]} == {
        f"dataset:{WAREHOUSE}:public.customers",
        "job:warehouse:build_features",
        f"dataset:file:{(tmp_path / 'features.csv').resolve()}",
        f"job:{NS}:churn-train",
        f"dataset:{MODELS}:churn",
        f"job:{NS}:score",
        f"dataset:file:{scores}",
    }


def test_model_errors_use_the_error_shape(server: Server, tmp_path: Path) -> None:
    _feature_chain(server, tmp_path)
    features = str((tmp_path / "features.csv").resolve())
    assert get(server.url, model_path("file", features), status=404) == {
        "error": {
            "code": "not_found",
            "field": "name",
            "message": f"model {features!r} not found in namespace 'file'",
            "suggestions": [],
        }
    }
    unknown = "00000000-0000-4000-8000-000000000000"
    assert get(server.url, "/api/v1/models/compare", status=404, a=unknown, b=unknown) == {
        "error": {
            "code": "not_found",
            "field": "a",
            "message": f"run {unknown!r} is not a known training run (no ML facets)",
            "suggestions": [],
        }
    }
    assert get(server.url, "/api/v1/models/compare", status=400, a=unknown) == {
        "error": {"code": "invalid_parameter", "message": "b: Field required", "field": "b"}
    }
