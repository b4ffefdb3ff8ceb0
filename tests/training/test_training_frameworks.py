"""Hydra/OmegaConf capture, MLflow back-reference, scikit-learn and PyTorch adapters, examples."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import mlflow
import numpy as np
import pytest
import torch
from omegaconf import OmegaConf
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, make_scorer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from training_harness import REPO_ROOT, Collector

from lineage.emit import config_hash, file_input, training_run
from lineage.emit.sklearn_adapter import tracked_fit
from lineage.emit.torch_adapter import save_model, train_loop

NS = "ml"


def test_omegaconf_config_is_resolved_into_hyperparameters(collector: Collector) -> None:
    cfg = OmegaConf.create(
        {
            "model": {"hidden": 16, "layers": [{"units": "${model.hidden}"}, {"units": 4}]},
            "optim": {"lr": 0.001, "name": "adam"},
            "run_name": "${optim.name}-${model.hidden}",
        }
    )
    with training_run("hydra-train", namespace=NS, url=collector.url) as run:
        run.log_config(cfg)
    expected = {
        "model.hidden": 16,
        "model.layers.0.units": 16,
        "model.layers.1.units": 4,
        "optim.lr": 0.001,
        "optim.name": "adam",
        "run_name": "adam-16",
    }
    [stored] = collector.runs(NS, "hydra-train")
    facet = stored["facets"]["ml_hyperparameters"]
    assert facet["parameters"] == expected
    assert facet["configHash"] == config_hash(expected)


def test_active_mlflow_run_is_referenced(
    collector: Collector, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")
    tracking_uri = (tmp_path / "mlruns").as_uri()
    mlflow.set_tracking_uri(tracking_uri)
    experiment_id = mlflow.create_experiment("churn-experiments")
    with (
        mlflow.start_run(experiment_id=experiment_id) as active,
        training_run("with-mlflow", namespace=NS, url=collector.url),
    ):
        mlflow.log_metric("auc", 0.9)
    with training_run("without-mlflow", namespace=NS, url=collector.url):
        pass

    [stored] = collector.runs(NS, "with-mlflow")
    facet = {k: v for k, v in stored["facets"]["ml_mlflow"].items() if not k.startswith("_")}
    assert facet == {
        "runId": active.info.run_id,
        "experimentId": experiment_id,
        "experimentName": "churn-experiments",
        "trackingUri": tracking_uri,
    }
    assert "ml_mlflow" not in collector.runs(NS, "without-mlflow")[0]["facets"]

    with training_run("mlflow-inside", namespace=NS, url=collector.url) as run:
        with mlflow.start_run(experiment_id=experiment_id) as inner:
            run.log_metric("loss", 0.3)
        assert mlflow.active_run() is None
    [stored] = collector.runs(NS, "mlflow-inside")
    assert stored["facets"]["ml_mlflow"]["runId"] == inner.info.run_id


def test_sklearn_pipeline_fit_is_reported(collector: Collector, tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(80, 3))
    y = (x[:, 0] + x[:, 1] > 0).astype(int)
    pipeline = Pipeline([("scale", StandardScaler()), ("clf", LogisticRegression(C=0.5))])
    model_path = tmp_path / "models" / "clf.joblib"
    with training_run("sk-train", namespace=NS, url=collector.url):
        tracked_fit(
            pipeline,
            x[:60],
            y[:60],
            eval_set=(x[60:], y[60:]),
            metrics={"accuracy": make_scorer(accuracy_score), "baseline": 0.5},
            model_path=model_path,
            registered_name="sk-clf",
            version=7,
        )
    [stored] = collector.runs(NS, "sk-train")
    params = stored["facets"]["ml_hyperparameters"]["parameters"]
    assert params["estimator"] == "Pipeline"
    assert params["clf.C"] == 0.5
    assert params["scale.with_mean"] is True
    assert "steps" not in params and "clf" not in params
    metrics = stored["facets"]["ml_metrics"]["metrics"]
    assert metrics == {
        "accuracy": accuracy_score(y[60:], pipeline.predict(x[60:])),
        "baseline": 0.5,
    }
    assert "scikit-learn" in stored["facets"]["ml_environment"]["frameworks"]
    node = collector.dataset("file", str(model_path))
    assert node["kind"] == "model"
    data = model_path.read_bytes()
    assert node["facets"]["ml_model"]["sha256"] == hashlib.sha256(data).hexdigest()
    assert node["facets"]["ml_model"]["sizeBytes"] == len(data)
    assert node["facets"]["ml_model"]["flavor"] == "joblib"
    assert node["facets"]["ml_model"]["registeredName"] == "sk-clf"
    assert node["facets"]["ml_model"]["version"] == "7"


def test_sklearn_default_score_without_metrics(collector: Collector) -> None:
    x = np.array([[0.0], [1.0], [2.0], [3.0]])
    y = np.array([0, 0, 1, 1])
    with training_run("sk-score", namespace=NS, url=collector.url):
        model = tracked_fit(LogisticRegression(), x, y, eval_set=(x, y))
    [stored] = collector.runs(NS, "sk-score")
    assert stored["facets"]["ml_metrics"]["metrics"] == {"score": model.score(x, y)}


def test_torch_loop_logs_epoch_series(collector: Collector, tmp_path: Path) -> None:
    torch.manual_seed(0)
    x = torch.rand(64, 2)
    y = x.sum(dim=1, keepdim=True)
    loader = DataLoader(TensorDataset(x, y), batch_size=16)
    model = nn.Linear(2, 1)
    with training_run("torch-train", namespace=NS, url=collector.url) as run:
        losses = train_loop(
            model,
            loader,
            val_loader=loader,
            optimizer=torch.optim.SGD(model.parameters(), lr=0.1),
            loss_fn=nn.MSELoss(),
            epochs=3,
        )
        save_model(model, tmp_path / "linear.pt", registered_name="linear")
    assert run.state == "COMPLETED"
    [stored] = collector.runs(NS, "torch-train")
    series = stored["facets"]["ml_metrics"]["series"]
    assert series["train_loss"] == {
        "count": 3,
        "min": min(losses),
        "max": max(losses),
        "first": losses[0],
        "last": losses[-1],
        "lastStep": 2,
        "points": [[step, loss] for step, loss in enumerate(losses)],
    }
    assert series["val_loss"]["count"] == 3
    params = stored["facets"]["ml_hyperparameters"]["parameters"]
    assert params["epochs"] == 3
    assert params["optimizer.class"] == "SGD"
    assert params["optimizer.lr"] == 0.1
    assert params["model.class"] == "Linear"
    assert params["model.parameters"] == 3
    assert params["loss"] == "MSELoss"
    assert stored["facets"]["ml_environment"]["frameworks"]["torch"] == torch.__version__
    node = collector.dataset("file", str(tmp_path / "linear.pt"))
    assert node["kind"] == "model"
    assert node["facets"]["ml_model"]["framework"] == "pytorch"


def run_example(script: str, collector: Collector, data_dir: Path) -> str:
    env = {
        **os.environ,
        "OPENLINEAGE_URL": collector.url,
        "LINEAGE_DEMO_DATA_DIR": str(data_dir),
        "EPOCHS": "2",
    }
    done = subprocess.run(
        [sys.executable, str(REPO_ROOT / "integrations/training/examples" / script)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_churn_example_connects_features_model_and_scores(
    collector: Collector, tmp_path: Path
) -> None:
    data_dir = tmp_path / "demo"
    data_dir.mkdir()
    features = data_dir / "customer_features.csv"
    features.write_text(
        "customer_id,country,order_count,total_amount,last_order_at\n"
        "1,GB,2,155.50,2025-05-09\n2,FI,0,0,\n3,US,2,262.25,2025-06-15\n4,NL,1,60.00,2025-06-20\n"
    )
    run_example("sklearn_churn.py", collector, data_dir)
    [stored] = collector.runs("ml", "churn_model.train")
    assert stored["state"] == "COMPLETED"
    assert stored["inputs"] == [{"namespace": "file", "name": str(features)}]
    assert sorted(o["name"] for o in stored["outputs"]) == [
        str(data_dir / "churn_model.joblib"),
        str(data_dir / "churn_scores.csv"),
    ]
    assert collector.dataset("file", str(data_dir / "churn_model.joblib"))["kind"] == "model"
    assert collector.dataset("file", str(data_dir / "churn_scores.csv"))["kind"] == "dataset"
    scores = (data_dir / "churn_scores.csv").read_text().splitlines()
    assert scores[0] == "customer_id,churn_probability"
    assert len(scores) == 5


def test_torch_example_runs(collector: Collector, tmp_path: Path) -> None:
    run_example("torch_small.py", collector, tmp_path)
    [stored] = collector.runs("ml", "regression.torch_small")
    assert stored["state"] == "COMPLETED"
    assert stored["facets"]["ml_metrics"]["series"]["train_loss"]["count"] == 2
    assert stored["inputs"] == [{"namespace": "file", "name": str(tmp_path / "regression.csv")}]


def test_file_input_uses_absolute_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    dataset = file_input("rel.csv", role="test")
    assert (dataset.namespace, dataset.name) == ("file", str(tmp_path / "rel.csv"))
