"""Distributed training emits once: only global rank 0, checked with real processes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from training_harness import Collector

from lineage.emit.probes import is_emitting_rank

WORKER = """
import os, sys
from lineage.emit import training_run
rank = int(os.environ.get("RANK", os.environ.get("LOCAL_RANK", "-1")))
with training_run(sys.argv[1], namespace="ddp", url=sys.argv[2]) as run:
    run.log_params(world_size=int(os.environ["WORLD_SIZE"]), rank=rank)
    run.log_metric("loss", 1.0 / (rank + 2))
print(run.state)
"""


def spawn_ranks(
    job: str, url: str, ranks: dict[str, str], tmp_path: Path
) -> list[subprocess.Popen[str]]:
    """Start one worker per (variable, value) pair, all at once."""
    processes = []
    for name, value in ranks.items():
        env = {k: v for k, v in os.environ.items() if k not in ("RANK", "LOCAL_RANK")}
        env.update({name.split(":")[0]: value, "WORLD_SIZE": str(len(ranks))})
        processes.append(
            subprocess.Popen(
                [sys.executable, "-c", WORKER, job, url],
                env=env,
                cwd=tmp_path,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        )
    return processes


def wait_all(processes: list[subprocess.Popen[str]]) -> list[str]:
    outputs = []
    try:
        for process in processes:
            out, err = process.communicate(timeout=60)
            assert process.returncode == 0, err
            outputs.append(out.strip())
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait()
    return outputs


def test_four_ranks_emit_exactly_one_start_and_one_complete(
    collector: Collector, tmp_path: Path
) -> None:
    ranks = {f"RANK:{i}": str(i) for i in range(4)}
    outputs = wait_all(spawn_ranks("ddp-train", collector.url, ranks, tmp_path))
    assert outputs == ["COMPLETED"] * 4

    events = collector.events("ddp-train")
    assert sorted(e["eventType"] for e in events) == ["COMPLETE", "START"]
    assert len({e["run"]["runId"] for e in events}) == 1
    [stored] = collector.runs("ddp", "ddp-train")
    assert stored["state"] == "COMPLETED"
    assert stored["facets"]["ml_hyperparameters"]["parameters"] == {"world_size": 4, "rank": 0}
    assert stored["facets"]["ml_metrics"]["metrics"] == {"loss": 0.5}


def test_local_rank_is_the_fallback_without_rank(collector: Collector, tmp_path: Path) -> None:
    ranks = {f"LOCAL_RANK:{i}": str(i) for i in range(2)}
    wait_all(spawn_ranks("local-rank-train", collector.url, ranks, tmp_path))
    events = collector.events("local-rank-train")
    assert sorted(e["eventType"] for e in events) == ["COMPLETE", "START"]
    [stored] = collector.runs("ddp", "local-rank-train")
    assert stored["facets"]["ml_hyperparameters"]["parameters"]["rank"] == 0


@pytest.mark.parametrize(
    ("env", "emits"),
    [
        ({}, True),
        ({"RANK": "0"}, True),
        ({"RANK": "2"}, False),
        ({"RANK": "0", "LOCAL_RANK": "3"}, True),
        ({"RANK": "4", "LOCAL_RANK": "0"}, False),
        ({"LOCAL_RANK": "1"}, False),
        ({"LOCAL_RANK": "0"}, True),
    ],
)
def test_rank_rule(env: dict[str, str], emits: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    assert is_emitting_rank() is emits
