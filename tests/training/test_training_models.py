"""Two training runs of one model, read back through the collector's model endpoints."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

import numpy as np
from sklearn.linear_model import LogisticRegression
from training_harness import Collector

from lineage.emit import file_input, training_run
from lineage.emit.sklearn_adapter import tracked_fit

NS = "ml"


def train_version(
    collector: Collector, features: Path, model_path: Path, c: float, version: int
) -> str:
    rng = np.random.default_rng(version)
    x = rng.normal(size=(40, 2))
    y = (x[:, 0] > 0).astype(int)
    with training_run(
        "model-endpoints.train",
        namespace=NS,
        url=collector.url,
        inputs=[file_input(features, role="train", row_count=40, dataset_version=f"v{version}")],
    ) as run:
        tracked_fit(
            LogisticRegression(C=c),
            x,
            y,
            eval_set=(x, y),
            model_path=model_path,
            registered_name="endpoint-model",
            version=version,
        )
    return run.run_id


def test_model_versions_training_run_compare_and_downstream(
    collector: Collector, tmp_path: Path
) -> None:
    features = tmp_path / "features.csv"
    features.write_text("x1,x2\n")
    model_path = tmp_path / "endpoint.joblib"
    first = train_version(collector, features, model_path, c=0.5, version=1)
    second = train_version(collector, features, model_path, c=2.0, version=2)

    listed = collector.get("/api/v1/models", namespace="file")
    [summary] = [m for m in listed["models"] if m["name"] == str(model_path)]
    assert summary["versionCount"] == 2
    assert summary["latestVersion"]["version"] == "2"
    assert summary["latestVersion"]["runId"] == second

    detail: dict[str, Any] = collector.get(f"/api/v1/models/file/{quote(str(model_path), safe='')}")
    assert sorted(v["version"] for v in detail["versions"]) == ["1", "2"]
    assert {v["runId"] for v in detail["versions"]} == {first, second}
    trained = detail["trainingRun"]
    assert trained["id"] == second
    assert trained["state"] == "COMPLETED"
    assert trained["hyperparameters"]["C"] == 2.0
    assert trained["hyperparameters"]["estimator"] == "LogisticRegression"
    assert [(i["name"], i["role"], i["rowCount"]) for i in trained["inputs"]] == [
        (str(features), "train", 40)
    ]
    upstream_ids = {node["id"] for node in detail["upstream"]["nodes"]}
    assert f"dataset:file:{features}" in upstream_ids
    assert f"job:{NS}:model-endpoints.train" in upstream_ids

    diff = collector.get("/api/v1/models/compare", a=first, b=second)
    assert diff["sameConfig"] is False
    assert diff["hyperparameters"]["changed"] == {"C": {"a": 0.5, "b": 2.0}}
    assert set(diff["metrics"]["common"]) == {"score"}

    downstream = collector.get(
        "/api/v1/lineage/downstream", namespace="file", name=str(features), kinds="model"
    )
    assert [(n["id"], n["kind"], n["depth"]) for n in downstream["nodes"]] == [
        (f"dataset:file:{features}", "dataset", 0),
        (f"dataset:file:{model_path}", "model", 2),
    ]
