"""ML tables: latest eventTime wins whatever the arrival order, and replay rebuilds them."""

from __future__ import annotations

import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from openlineage.client.event_v2 import InputDataset, Job, OutputDataset, Run, RunEvent, RunState
from openlineage.client.facet_v2 import dataset_type_dataset

from lineage.emit import (
    MLCodeVersionRunFacet,
    MLflowRunFacet,
    MLHyperparametersRunFacet,
    MLInputRoleInputDatasetFacet,
    MLMetricsRunFacet,
    MLModelDatasetFacet,
    config_hash,
)
from tests.conftest import Server
from tests.ml.ml_helpers import client_for, dump_ml_tables, get, model_path, run_job
from tests.ml.test_models_api import MODELS, _feature_chain, _train

T0 = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)


def _event(run_id: str, state: RunState, at: datetime, lr: float, auc: float, tag: str) -> RunEvent:
    params = {"lr": lr}
    model = MLModelDatasetFacet(uri=f"s3://bucket/m/{tag}", framework="torch", version=tag)
    kind = dataset_type_dataset.DatasetTypeDatasetFacet(datasetType="MODEL")
    role = MLInputRoleInputDatasetFacet(
        role="train" if tag == "2" else "test", rowCount=int(lr * 1000)
    )
    return RunEvent(
        eventType=state,
        eventTime=at.isoformat(),
        run=Run(
            runId=run_id,
            facets={
                "ml_hyperparameters": MLHyperparametersRunFacet(
                    parameters=params, configHash=config_hash(params)
                ),
                "ml_metrics": MLMetricsRunFacet(metrics={"auc": auc}),
                "ml_mlflow": MLflowRunFacet(runId=f"mlflow-{tag}", experimentName="churn"),
            },
        ),
        job=Job(namespace="ml", name="ooo-train"),
        inputs=[
            InputDataset(
                namespace="s3://bucket", name="train.parquet", inputFacets={"ml_inputRole": role}
            )
        ],
        outputs=[
            OutputDataset(
                namespace=MODELS, name="ooo", facets={"ml_model": model, "datasetType": kind}
            )
        ],
        producer="https://example.com/ml-tests",
    )


def test_latest_event_time_wins_whatever_the_arrival_order(server: Server) -> None:
    client = client_for(server.url)
    run_id = str(uuid.uuid4())
    client.emit(_event(run_id, RunState.COMPLETE, T0 + timedelta(minutes=10), 0.1, 0.9, "2"))
    client.emit(_event(run_id, RunState.RUNNING, T0 + timedelta(minutes=5), 0.5, 0.1, "1"))
    code = MLCodeVersionRunFacet(entryPoint="train.py", gitCommit="abc123", dirty=True)
    client.emit(
        RunEvent(
            eventType=RunState.START,
            eventTime=T0.isoformat(),
            run=Run(runId=run_id, facets={"ml_codeVersion": code}),
            job=Job(namespace="ml", name="ooo-train"),
            producer="https://example.com/ml-tests",
        )
    )
    detail = get(server.url, model_path(MODELS, "ooo"))
    assert [(v["version"], v["runState"], v["createdAt"]) for v in detail["versions"]] == [
        ("2", "COMPLETED", "2026-01-05T12:10:00Z")
    ]
    training = detail["trainingRun"]
    assert training["hyperparameters"] == {"lr": 0.1}
    assert training["configHash"] == config_hash({"lr": 0.1})
    assert training["metrics"] == {"auc": {"value": 0.9, "series": None}}
    assert training["mlflow"] == {
        "runId": "mlflow-2",
        "experimentId": None,
        "experimentName": "churn",
        "trackingUri": None,
    }
    assert training["codeVersion"] == {
        "gitCommit": "abc123",
        "gitBranch": None,
        "dirty": True,
        "repoUrl": None,
        "entryPoint": "train.py",
    }
    assert training["environment"] is None
    assert training["inputs"] == [
        {
            "namespace": "s3://bucket",
            "name": "train.parquet",
            "nodeId": "dataset:s3://bucket:train.parquet",
            "role": "train",
            "datasetVersion": None,
            "rowCount": 100,
        }
    ]


def _replay(database_url: str) -> str:
    lineage_bin = Path(sys.executable).parent / "lineage"
    done = subprocess.run(
        [str(lineage_bin), "db", "replay", "--database-url", database_url],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stderr.strip()


def _api_state(url: str) -> dict[str, Any]:
    return {
        "list": get(url, "/api/v1/models"),
        "churn": get(url, model_path(MODELS, "churn")),
        "ooo": get(url, model_path(MODELS, "ooo")),
    }


def test_replay_rebuilds_the_ml_tables(server: Server, db_url: str, tmp_path: Path) -> None:
    _feature_chain(server, tmp_path)
    _train(server, tmp_path, params={"a": {"b": 1}}, metrics=[("loss", 1.0, 0)], version=1)
    with pytest.raises(ValueError, match="diverged"):
        _train(server, tmp_path, params={"a": 2}, metrics=[("loss", 3.0, 0)], version=2, fail=True)
    client = client_for(server.url)
    run_id = str(uuid.uuid4())
    client.emit(_event(run_id, RunState.COMPLETE, T0 + timedelta(minutes=10), 0.1, 0.9, "2"))
    client.emit(_event(run_id, RunState.RUNNING, T0 + timedelta(minutes=5), 0.5, 0.1, "1"))
    run_job(client, "ml", "score", [(MODELS, "churn")], [("file", str(tmp_path / "s.csv"))])
    before_tables, before_api = dump_ml_tables(db_url), _api_state(server.url)
    assert {name: len(rows) for name, rows in before_tables.items()} == {
        "ml_inputs": 5,
        "ml_model_versions": 3,
        "ml_metric_points": 2,
        "ml_metrics": 3,
        "ml_params": 3,
        "ml_training_runs": 3,
    }
    server.stop()

    assert _replay(db_url) == "replayed 10 events"
    assert dump_ml_tables(db_url) == before_tables
    again = Server(db_url).start()
    try:
        assert _api_state(again.url) == before_api
    finally:
        again.stop()
