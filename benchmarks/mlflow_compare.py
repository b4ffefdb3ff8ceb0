"""Our emitter and collector next to MLflow's client and tracking server, doing what an ML
engineer does: record a training run (30 hyperparameters, 200 per-step `loss` values, two input
datasets, a model reference), import the client, train with the server down, and ask "which
runs were trained on X" after N runs. Each system's answer is checked against the truth.

MLflow is an optional dependency of this benchmark only: the tracking server needs the full
`mlflow` package (`mlflow-skinny` has no server), so it runs from its own virtualenv:

    python -m venv ~/.cache/lineage/mlflow-bench-venv
    ~/.cache/lineage/mlflow-bench-venv/bin/pip install mlflow==3.17.2
    .venv/bin/python benchmarks/mlflow_compare.py --runs 1000

The MLflow *client* is the `mlflow-skinny` of our test extra, in this process.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import requests
from benchmarks.common import free_port, server

DEFAULT_MLFLOW = Path.home() / ".cache/lineage/mlflow-bench-venv/bin/mlflow"
PARAMS = {f"p{i:02d}": i * 0.5 for i in range(30)}
FLOOR_RUN_ID = "00000000-0000-4000-8000-00000000f100"
STEPS = 200

_requests = {"count": 0}
_send = requests.Session.send


def _counting_send(self: requests.Session, request: Any, **kwargs: Any) -> Any:
    _requests["count"] += 1
    return _send(self, request, **kwargs)


requests.Session.send = _counting_send  # type: ignore[method-assign]  # counts both clients


def ours_run(url: str, i: int, workdir: Path) -> str:
    """One training run through our emitter; returns its run id."""
    from lineage.emit import training_run

    model = workdir / f"model-{i}.bin"
    model.write_bytes(b"m")
    inputs = [("bench", f"feat_{i % 50:02d}"), ("bench", "validation")]
    with training_run(f"train_{i % 10}", namespace="bench", url=url, inputs=inputs) as run:
        run.log_params(PARAMS)
        for step in range(STEPS):
            run.log_metric("loss", 1.0 / (step + 1), step=step)
        run.log_model(model, framework="sklearn", namespace="bench-models", name=f"m{i % 10}")
    return run.run_id


def floor_run(url: str, events: tuple[str, str], i: int) -> str:
    """The transport floor: a run's START and COMPLETE, serialized beforehand, POSTed on one
    new `requests` session (what the emitter's HTTP transport does), with a fresh run id."""
    run_id = str(uuid.uuid4())
    with requests.Session() as session:
        for body in events:
            session.post(
                f"{url}/api/v1/lineage",
                data=body.replace(FLOOR_RUN_ID, run_id),
                headers={"Content-Type": "application/json"},
                timeout=10,
            ).raise_for_status()
    return run_id


def floor_events(workdir: Path) -> tuple[str, str]:
    """START and COMPLETE of `ours_run`'s run as its emitter would send them, not sent."""
    from openlineage.client.event_v2 import RunState
    from openlineage.client.serde import Serde

    from lineage.emit.run import TrainingRun

    model = workdir / "model-floor.bin"
    model.write_bytes(b"m")
    inputs = [("bench", "feat_99"), ("bench", "validation")]
    run = TrainingRun("floor", namespace="bench", inputs=inputs)
    run.run_id = FLOOR_RUN_ID
    start = Serde.to_json(run.build_event(RunState.START))
    run.log_params(PARAMS)
    for step in range(STEPS):
        run.log_metric("loss", 1.0 / (step + 1), step=step)
    run.log_model(model, framework="sklearn", namespace="bench-models", name="floor")
    return start, Serde.to_json(run.build_event(RunState.COMPLETE))


def mlflow_run(i: int, *, batched: bool) -> str:
    """One training run through MLflow's client; returns its run id."""
    import mlflow
    from mlflow.data.http_dataset_source import HTTPDatasetSource
    from mlflow.data.meta_dataset import MetaDataset
    from mlflow.entities import Metric

    mlflow.set_experiment(f"train_{i % 10}")
    with mlflow.start_run() as run:
        mlflow.log_params(PARAMS)
        for name in (f"feat_{i % 50:02d}", "validation"):
            source = HTTPDatasetSource(url=f"https://data.example.com/{name}")
            mlflow.log_input(MetaDataset(source=source, name=name), context="training")
        if batched:
            now = int(time.time() * 1000)
            metrics = [Metric("loss", 1.0 / (s + 1), now, s) for s in range(STEPS)]
            mlflow.MlflowClient().log_batch(run.info.run_id, metrics=metrics)
        else:
            for step in range(STEPS):
                mlflow.log_metric("loss", 1.0 / (step + 1), step=step)
        mlflow.set_tag("model_uri", f"s3://models/m{i % 10}/run-{i}")
    return str(run.info.run_id)


def per_run(label: str, fn: Callable[[int], str], count: int) -> dict[str, str]:
    """Time `fn(i)` for `count` runs: wall and this process's CPU (every thread) per run."""
    times, cpu, requests_per_run, ids = [], [], [], {}
    for i in range(count):
        before = _requests["count"]
        started, cpu_started = time.perf_counter(), time.process_time()
        ids[i] = fn(i)
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - cpu_started)
        requests_per_run.append(_requests["count"] - before)
    print(
        f"{label:<28} median {statistics.median(times) * 1000:8.1f} ms/run  "
        f"max {max(times) * 1000:8.1f} ms  cpu {statistics.median(cpu) * 1000:6.1f} ms/run  "
        f"requests/run {statistics.median(requests_per_run):.0f}"
    )
    return ids


def import_time(module: str) -> float:
    code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    runs = [float(subprocess.check_output([sys.executable, "-c", code])) for _ in range(3)]
    return min(runs)


def fail_soft(code: str, env: dict[str, str], limit_s: float = 60.0) -> str:
    started = time.perf_counter()
    try:
        subprocess.run([sys.executable, "-c", code], env=env, timeout=limit_s, check=False,
                       capture_output=True)  # fmt: skip
    except subprocess.TimeoutExpired:
        return f"> {limit_s:.0f} s (killed)"
    return f"{time.perf_counter() - started:.2f} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1000, help="runs for the trained-on query")
    parser.add_argument("--cost-runs", type=int, default=20, help="runs timed per mode (<= 40)")
    parser.add_argument("--mlflow", type=Path, default=DEFAULT_MLFLOW, help="mlflow executable")
    args = parser.parse_args()
    args.cost_runs = min(args.cost_runs, 40)  # their indexes never read feat_03
    work = Path(tempfile.mkdtemp(prefix="mlflow-compare-"))
    ours_port, mlflow_port = free_port(), free_port()
    lineage_bin = str(Path(sys.executable).parent / "lineage")
    ours_cmd = [lineage_bin, "serve", "--port", str(ours_port),
                "--database-url", f"sqlite:///{work / 'lineage.db'}"]  # fmt: skip
    mlflow_cmd = [str(args.mlflow), "server", "--host", "127.0.0.1", "--port", str(mlflow_port),
                  "--workers", "1", "--backend-store-uri", f"sqlite:///{work / 'mlflow.db'}",
                  "--default-artifact-root", str(work / "artifacts")]  # fmt: skip
    baseline = import_time("json")
    print(f"import (baseline: json)      {baseline * 1000:8.1f} ms")
    print(f"import lineage.emit          {import_time('lineage.emit') * 1000:8.1f} ms")
    print(f"import mlflow                {import_time('mlflow') * 1000:8.1f} ms")
    dead = f"http://127.0.0.1:{free_port()}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENLINEAGE", "MLFLOW"))}
    ours_dead = (
        "from lineage.emit import training_run\n"
        "with training_run('x') as r:\n r.log_metric('l', 1.0)"
    )
    mlflow_dead = "import mlflow\nwith mlflow.start_run():\n mlflow.log_metric('l', 1.0)"
    ours_fail = fail_soft(ours_dead, {**env, "OPENLINEAGE_URL": dead})
    mlflow_fail = fail_soft(mlflow_dead, {**env, "MLFLOW_TRACKING_URI": dead})
    print(f"fail-soft, ours (OPENLINEAGE_URL, closed port)     {ours_fail}")
    print(f"fail-soft, MLflow (MLFLOW_TRACKING_URI, closed)    {mlflow_fail}")
    with (
        server(ours_cmd, ours_port, ready_path="/readyz") as ours,
        server(mlflow_cmd, mlflow_port, ready_path="/health") as ml,
    ):
        import mlflow

        mlflow.set_tracking_uri(ml["url"])
        print(f"start-up: ours {ours['startup_s']:.1f} s, MLflow {ml['startup_s']:.1f} s")
        events = floor_events(work)
        per_run("floor (2 bare POSTs)", lambda i: floor_run(ours["url"], events, i), args.cost_runs)
        per_run("ours (emitter)", lambda i: ours_run(ours["url"], 10_010 + i, work), args.cost_runs)
        per_run("MLflow per-step", lambda i: mlflow_run(10_010 + i, batched=False), args.cost_runs)
        per_run("MLflow batched", lambda i: mlflow_run(10_010 + i, batched=True), args.cost_runs)
        ours_ids = {i: ours_run(ours["url"], i, work) for i in range(args.runs)}
        mlflow_ids = {i: mlflow_run(i, batched=True) for i in range(args.runs)}
        truth = {i for i in range(args.runs) if i % 50 == 3}
        started = time.perf_counter()
        query = {"dataset": "dataset:bench:feat_03", "limit": 1000}
        answer = httpx.get(f"{ours['url']}/api/v1/models", params=query).json()
        ours_s = time.perf_counter() - started
        found = {m["trainingRun"]["id"] for m in answer["modelVersions"]}
        ours_ok = found == {ours_ids[i] for i in truth}
        started = time.perf_counter()
        hits = mlflow.search_runs(search_all_experiments=True, output_format="list",
                                  filter_string="dataset.name = 'feat_03'")  # fmt: skip
        mlflow_s = time.perf_counter() - started
        mlflow_ok = {r.info.run_id for r in hits} == {mlflow_ids[i] for i in truth}
        print(f"trained on feat_03 after {args.runs} runs (truth {len(truth)} runs):")
        for label, took, count, exact in (
            ("ours   /models?dataset=", ours_s, len(found), ours_ok),
            ("MLflow search_runs", mlflow_s, len(hits), mlflow_ok),
        ):
            print(f"  {label:<24} {took * 1000:7.1f} ms  found {count}  exact {exact}")


if __name__ == "__main__":
    main()
