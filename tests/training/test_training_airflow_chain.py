"""The whole chain: Airflow builds the features CSV, the churn example trains on it.

Runs the real ``warehouse_build`` DAG (Airflow venv from ``integrations/airflow/bootstrap.sh``)
against a collector, then ``sklearn_churn.py`` on the CSV it wrote, launched as a child of the
export task via ``OPENLINEAGE_PARENT_ID`` / ``OPENLINEAGE_ROOT_PARENT_ID``. The collector must
then answer "which models depend on table X" with the churn model.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
from training_harness import REPO_ROOT, Collector

AIRFLOW_NS = "warehouse"  # AIRFLOW__OPENLINEAGE__NAMESPACE in integrations/airflow/airflow.env
EXPORT_TASK = "warehouse_build.export_customer_features"

pytestmark = pytest.mark.slow


def load_airflow_runner() -> ModuleType:
    """``integrations/airflow/run_examples.py`` as a module."""
    path = REPO_ROOT / "integrations" / "airflow" / "run_examples.py"
    spec = importlib.util.spec_from_file_location("training_chain_run_examples", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_table_to_features_to_model_is_one_graph(collector: Collector, tmp_path: Path) -> None:
    runner = load_airflow_runner()
    data_dir = tmp_path / "data"
    [result] = runner.run_examples(
        tmp_path / "airflow", collector.url, "sqlite", dags=("warehouse_build",), data_dir=data_dir
    )
    assert result.returncode == 0, result.log.read_text()[-4000:]
    features = data_dir / "customer_features.csv"
    assert features.exists()

    [export_run] = collector.runs(AIRFLOW_NS, EXPORT_TASK)
    [dag_run] = collector.runs(AIRFLOW_NS, "warehouse_build")
    env = {
        **os.environ,
        "OPENLINEAGE_URL": collector.url,
        "LINEAGE_DEMO_DATA_DIR": str(data_dir),
        "OPENLINEAGE_PARENT_ID": f"{AIRFLOW_NS}/{EXPORT_TASK}/{export_run['id']}",
        "OPENLINEAGE_ROOT_PARENT_ID": f"{AIRFLOW_NS}/warehouse_build/{dag_run['id']}",
    }
    done = subprocess.run(
        [sys.executable, str(REPO_ROOT / "integrations/training/examples/sklearn_churn.py")],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr

    [training] = collector.runs("ml", "churn_model.train")
    assert training["state"] == "COMPLETED"
    assert training["inputs"] == [{"namespace": "file", "name": str(features)}]
    parent = training["facets"]["parent"]
    assert (parent["job"]["name"], parent["run"]["runId"]) == (EXPORT_TASK, export_run["id"])
    assert parent["root"]["run"]["runId"] == dag_run["id"]

    model = f"dataset:file:{data_dir / 'churn_model.joblib'}"
    warehouse = f"sqlite://{tmp_path / 'airflow' / 'warehouse.db'}"
    for table in ("main.raw_orders", "main.raw_customers", "main.customer_features"):
        downstream = collector.get(
            "/api/v1/lineage/downstream", namespace=warehouse, name=table, kinds="model"
        )
        assert model in {node["id"] for node in downstream["nodes"]}, table

    upstream = collector.get(
        "/api/v1/lineage/upstream", namespace="file", name=str(data_dir / "churn_model.joblib")
    )
    ids = {node["id"] for node in upstream["nodes"]}
    assert {
        "job:ml:churn_model.train",
        f"dataset:file:{features}",
        f"job:{AIRFLOW_NS}:{EXPORT_TASK}",
        f"dataset:{warehouse}:main.customer_features",
        f"dataset:{warehouse}:main.raw_orders",
    } <= ids
