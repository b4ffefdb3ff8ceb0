"""End to end: training_run -> openlineage-python HttpTransport -> a real collector."""

from __future__ import annotations

import hashlib
import logging
import socket
import threading
import time
import uuid
from pathlib import Path

import pytest
from tests.conftest import free_port
from training_harness import Collector

from lineage.emit import (
    config_hash,
    current_run,
    file_input,
    output_dataset,
    track_training,
    training_input,
    training_run,
)
from lineage.emit.facets import PRODUCER, schema_url

NS = "ml"


def _model_file(tmp_path: Path) -> Path:
    path = tmp_path / "model.bin"
    path.write_bytes(b"model-bytes")
    return path


def test_successful_run_reports_start_and_complete_with_all_facets(
    collector: Collector, tmp_path: Path
) -> None:
    features = tmp_path / "features.csv"
    features.write_text("a,b\n1,2\n")
    model = _model_file(tmp_path)
    with training_run(
        "churn-model",
        namespace=NS,
        url=collector.url,
        inputs=[file_input(features, role="train", row_count=1, dataset_version="v1")],
        outputs=[output_dataset(tmp_path / "scores.csv")],
        params={"model": {"C": 0.5, "layers": [8, 4]}, "seed": 1},
    ) as run:
        run.log_metric("loss", 0.9, step=0)
        run.log_metric("loss", 0.4, step=1)
        run.log_metric("auc", 0.91, step=3)
        run.log_model(model, framework="sklearn", registered_name="churn", version=2)

    assert run.state == "COMPLETED"
    events = collector.events("churn-model")
    assert [e["eventType"] for e in events] == ["START", "COMPLETE"]
    assert {e["run"]["runId"] for e in events} == {run.run_id}
    assert all(e["producer"] == PRODUCER for e in events)
    assert events[0]["job"]["facets"]["jobType"] == {
        "_producer": PRODUCER,
        "_schemaURL": "https://openlineage.io/spec/facets/2-0-4/JobTypeJobFacet.json"
        "#/$defs/JobTypeJobFacet",
        "processingType": "BATCH",
        "integration": "LINEAGE_ML",
        "jobType": "TRAINING",
    }

    [stored] = collector.runs(NS, "churn-model")
    assert stored["id"] == run.run_id
    assert stored["state"] == "COMPLETED"
    assert stored["errorMessage"] is None
    facets = stored["facets"]
    params = {"model.C": 0.5, "model.layers.0": 8, "model.layers.1": 4, "seed": 1}
    assert facets["ml_hyperparameters"] == {
        "_producer": PRODUCER,
        "_schemaURL": schema_url("MLHyperparametersRunFacet"),
        "parameters": params,
        "configHash": config_hash(params),
    }
    assert facets["ml_metrics"]["metrics"] == {"loss": 0.4, "auc": 0.91}
    # the facet comes back as the emitter sent it (its schema: points as [step, value] pairs);
    # the metrics route answers the same points as [{step, value}]
    assert facets["ml_metrics"]["series"] == {
        "loss": {
            "count": 2,
            "min": 0.4,
            "max": 0.9,
            "first": 0.9,
            "last": 0.4,
            "lastStep": 1,
            "points": [[0, 0.9], [1, 0.4]],
        },
        "auc": {
            "count": 1,
            "min": 0.91,
            "max": 0.91,
            "first": 0.91,
            "last": 0.91,
            "lastStep": 3,
            "points": [[3, 0.91]],
        },
    }
    assert collector.get(f"/api/v1/jobs/runs/{run.run_id}/metrics")["series"] == {
        "auc": [{"step": 3, "value": 0.91}],
        "loss": [{"step": 0, "value": 0.9}, {"step": 1, "value": 0.4}],
    }
    assert facets["ml_environment"]["python"].count(".") == 2
    assert facets["ml_environment"]["device"] == "cpu"
    assert facets["ml_codeVersion"]["entryPoint"]
    assert "ml_mlflow" not in facets
    assert "parent" not in facets
    assert stored["inputs"] == [{"namespace": "file", "name": str(features)}]
    assert sorted(o["name"] for o in stored["outputs"]) == sorted(
        [str(tmp_path / "scores.csv"), str(model)]
    )

    start_input = events[0]["inputs"][0]
    assert start_input["inputFacets"]["ml_inputRole"] == {
        "_producer": PRODUCER,
        "_schemaURL": schema_url("MLInputRoleInputDatasetFacet"),
        "role": "train",
        "datasetVersion": "v1",
        "rowCount": 1,
    }

    node = collector.dataset("file", str(model))
    assert node["kind"] == "model"
    assert node["facets"]["datasetType"]["datasetType"] == "MODEL"
    ml_model = {k: v for k, v in node["facets"]["ml_model"].items() if not k.startswith("_")}
    assert ml_model == {
        "uri": str(model),
        "sha256": hashlib.sha256(b"model-bytes").hexdigest(),
        "sizeBytes": len(b"model-bytes"),
        "framework": "sklearn",
        "registeredName": "churn",
        "version": "2",
    }
    assert collector.dataset("file", str(features))["kind"] == "dataset"


def test_failing_run_reports_fail_with_error_message_and_reraises(collector: Collector) -> None:
    with (
        pytest.raises(ZeroDivisionError, match="division by zero"),
        training_run("diverging", namespace=NS, url=collector.url) as run,
    ):
        run.log_metric("loss", float("nan"), step=0)
        _ = 1 / 0

    assert run.state == "FAILED"
    assert [e["eventType"] for e in collector.events("diverging")] == ["START", "FAIL"]
    [stored] = collector.runs(NS, "diverging")
    assert stored["state"] == "FAILED"
    assert stored["errorMessage"]["message"] == "ZeroDivisionError: division by zero"
    assert stored["errorMessage"]["programmingLanguage"] == "python"
    assert stored["errorMessage"]["stackTrace"].startswith("Traceback (most recent call last):")
    assert "_ = 1 / 0" in stored["errorMessage"]["stackTrace"]
    assert stored["facets"]["ml_metrics"]["metrics"] == {"loss": "NaN"}
    assert stored["facets"]["ml_metrics"]["series"] == {
        "loss": {"count": 1, "first": "NaN", "last": "NaN", "lastStep": 0, "points": [[0, "NaN"]]}
    }
    # on the metrics route a non-finite value is null
    assert collector.get(f"/api/v1/jobs/runs/{run.run_id}/metrics")["series"] == {
        "loss": [{"step": 0, "value": None}]
    }


def test_decorator_names_job_and_exposes_current_run(collector: Collector) -> None:
    @track_training(namespace=NS, url=collector.url, inputs=[("postgres://db:5432", "d.s.t")])
    def train_model(epochs: int) -> str:
        run = current_run()
        assert run is not None
        run.log_params(epochs=epochs)
        return run.run_id

    run_id = train_model(3)
    assert current_run() is None
    job = "test_decorator_names_job_and_exposes_current_run.<locals>.train_model"
    [stored] = collector.runs(NS, job)
    assert stored["id"] == run_id
    assert stored["state"] == "COMPLETED"
    assert stored["facets"]["ml_hyperparameters"]["parameters"] == {"epochs": 3}
    assert stored["inputs"] == [{"namespace": "postgres://db:5432", "name": "d.s.t"}]


def test_client_configuration_from_openlineage_url(
    collector: Collector, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENLINEAGE_URL", collector.url)
    with training_run("env-configured", namespace=NS) as run:
        run.log_metric("acc", 1.0)
    [stored] = collector.runs(NS, "env-configured")
    assert (stored["id"], stored["state"]) == (run.run_id, "COMPLETED")


def test_parent_from_airflow_environment(
    collector: Collector, monkeypatch: pytest.MonkeyPatch
) -> None:
    task_run, dag_run = str(uuid.uuid4()), str(uuid.uuid4())
    monkeypatch.setenv("OPENLINEAGE_PARENT_ID", f"airflow/warehouse_build.train/{task_run}")
    monkeypatch.setenv("OPENLINEAGE_ROOT_PARENT_ID", f"airflow/warehouse_build/{dag_run}")
    with training_run("child-of-airflow", namespace=NS, url=collector.url):
        pass
    [stored] = collector.runs(NS, "child-of-airflow")
    parent = stored["facets"]["parent"]
    assert parent["run"]["runId"] == task_run
    assert (parent["job"]["namespace"], parent["job"]["name"]) == (
        "airflow",
        "warehouse_build.train",
    )
    assert parent["root"]["run"]["runId"] == dag_run
    assert (parent["root"]["job"]["namespace"], parent["root"]["job"]["name"]) == (
        "airflow",
        "warehouse_build",
    )


def test_explicit_parent_wins_and_malformed_env_is_ignored(
    collector: Collector, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENLINEAGE_PARENT_ID", "not-a-parent")
    with training_run("bad-parent-env", namespace=NS, url=collector.url):
        pass
    parent_run = str(uuid.uuid4())
    with training_run(
        "explicit-parent", namespace=NS, url=collector.url, parent=f"s3://x/y/dag.task/{parent_run}"
    ):
        pass
    assert "parent" not in collector.runs(NS, "bad-parent-env")[0]["facets"]
    parent = collector.runs(NS, "explicit-parent")[0]["facets"]["parent"]
    assert (parent["job"]["namespace"], parent["job"]["name"]) == ("s3://x/y", "dag.task")
    assert parent["run"]["runId"] == parent_run
    assert "root" not in parent


def test_collector_down_does_not_break_training(caplog: pytest.LogCaptureFixture) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    started = time.monotonic()
    with (
        caplog.at_level(logging.WARNING, logger="lineage.emit"),
        training_run("offline", namespace=NS, url=dead, timeout_s=1.0) as run,
    ):
        run.log_metric("loss", 0.1)
        result = "trained"
    elapsed = time.monotonic() - started
    assert result == "trained"
    assert run.state == "COMPLETED"
    assert elapsed < 10.0
    warnings = [
        r.getMessage()
        for r in caplog.records
        if r.levelno == logging.WARNING and r.name.startswith("lineage.emit")
    ]
    assert len(warnings) == 2
    assert warnings[0].startswith("lineage: could not emit START event for offline:")
    assert warnings[1].startswith("lineage: could not emit COMPLETE event for offline:")


def test_collector_down_still_reraises_user_error() -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(KeyError), training_run("offline-fail", url=dead, timeout_s=1.0):
        raise KeyError("x")


def test_lineage_emit_disabled_sends_nothing(
    collector: Collector, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LINEAGE_EMIT_DISABLED", "1")
    with training_run("disabled", namespace=NS, url=collector.url) as run:
        run.log_metric("loss", 0.1)
    assert run.state == "COMPLETED"
    assert collector.events("disabled") == []


def test_openlineage_disabled_is_respected(
    collector: Collector, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENLINEAGE_DISABLED", "true")
    with training_run("ol-disabled", namespace=NS, url=collector.url):
        pass
    assert collector.events("ol-disabled") == []


def test_input_role_validation() -> None:
    with pytest.raises(ValueError, match="role must be one of"):
        training_input("file", "/x.csv", role="training")


def test_keyboard_interrupt_aborts_and_clean_exit_completes(collector: Collector) -> None:
    with pytest.raises(KeyboardInterrupt), training_run("interrupted", url=collector.url) as run:
        raise KeyboardInterrupt
    assert run.state == "ABORTED"
    with pytest.raises(SystemExit), training_run("exits-cleanly", url=collector.url) as clean:
        raise SystemExit(0)
    assert clean.state == "COMPLETED"
    assert [e["eventType"] for e in collector.events("interrupted")] == ["START", "ABORT"]
    assert [e["eventType"] for e in collector.events("exits-cleanly")] == ["START", "COMPLETE"]
    [stored] = collector.runs("default", "interrupted")
    assert stored["state"] == "ABORTED"
    assert stored["errorMessage"]["message"] == "KeyboardInterrupt"


def test_client_configuration_from_openlineage_yml(collector: Collector, tmp_path: Path) -> None:
    (tmp_path / "openlineage.yml").write_text(
        f"transport:\n  type: http\n  url: {collector.url}\n  timeout: 5\n"
    )  # the autouse fixture made tmp_path the working directory
    with training_run("yml-configured", namespace=NS) as run:
        pass
    [stored] = collector.runs(NS, "yml-configured")
    assert (stored["id"], stored["state"]) == (run.run_id, "COMPLETED")


def test_bad_recording_calls_are_logged_not_raised(
    collector: Collector, caplog: pytest.LogCaptureFixture
) -> None:
    with (
        caplog.at_level(logging.WARNING, logger="lineage.emit"),
        training_run("sloppy", namespace=NS, url=collector.url) as run,
    ):
        run.log_params(object())
        run.log_metric("loss", "not a number")  # type: ignore[arg-type]
        run.log_metric("loss", 0.25)
    [stored] = collector.runs(NS, "sloppy")
    assert stored["state"] == "COMPLETED"
    assert stored["facets"]["ml_metrics"]["metrics"] == {"loss": 0.25}
    messages = [r.getMessage() for r in caplog.records if r.name.startswith("lineage.emit")]
    assert (
        messages[0]
        == "lineage: log_params failed and was skipped: cannot read parameters from object"
    )
    assert messages[1].startswith("lineage: log_metric failed and was skipped:")


def test_bare_decorator_uses_the_function_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LINEAGE_EMIT_DISABLED", "1")

    @track_training
    def fit_everything() -> tuple[str, str | None]:
        run = current_run()
        assert run is not None
        return run.name, run.state

    assert fit_everything() == (
        "test_bare_decorator_uses_the_function_name.<locals>.fit_everything",
        "RUNNING",
    )


def test_hanging_collector_costs_at_most_the_emit_deadline(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # A socket that listens but never answers, with a caller's 5 s timeout: START goes out
    # while training runs, and the emit deadline lets the run end after 1 s while both sends
    # finish in the background, START first.
    black_hole = socket.socket()
    black_hole.bind(("127.0.0.1", 0))
    black_hole.listen(16)
    monkeypatch.setenv("OPENLINEAGE_URL", f"http://127.0.0.1:{black_hole.getsockname()[1]}")
    started = time.monotonic()
    try:
        with (
            caplog.at_level(logging.WARNING, logger="lineage.emit"),
            training_run("hanging", emit_deadline_s=1.0, timeout_s=5.0) as run,
        ):
            run.log_metric("loss", 0.1)
        elapsed = time.monotonic() - started
    finally:
        black_hole.close()  # pending connections are reset, so the background sends end
        for thread in threading.enumerate():
            if thread.name == "lineage-emit":
                thread.join(timeout=30)
    assert run.state == "COMPLETED"
    assert 1.0 <= elapsed < 5.0
    messages = [r.getMessage() for r in caplog.records if r.name.startswith("lineage.emit")]
    assert len(messages) == 3
    assert messages[0] == (
        "lineage: COMPLETE event for hanging still being sent after 1.0s; training continues"
    )
    assert messages[1].startswith("lineage: could not emit START event for hanging: ")
    assert messages[2].startswith("lineage: could not emit COMPLETE event for hanging: ")
