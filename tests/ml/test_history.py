"""Run history: every run and model version that used a dataset, directly or through one or
two intermediate datasets, checked exactly against a history computed independently.

The shape of the issue's 1,000-run case, smaller: cleaning jobs read a new raw snapshot each
run, feature jobs read the cleaned tables, training run i of job `train_{i % 10}` reads
`feat_{i % 5}` and a validation set and writes a new model URI. Runs overlap in time and some
never end, so "an earlier run wrote it" has to be decided from run times.
"""

from __future__ import annotations

import functools
import json
import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from lineage.emit.facets import PRODUCER, schema_url
from tests.events import ds, run_event

NS = "hist"
T0 = datetime(2026, 3, 1, tzinfo=UTC)


@dataclass(frozen=True)
class RunSpec:
    run_id: str
    job: str
    start: datetime
    end: datetime | None
    reads: tuple[str, ...]
    writes: tuple[str, ...]
    model_uri: str | None = None


@dataclass
class History:
    runs: list[RunSpec] = field(default_factory=list)

    def writers(self, dataset: str) -> list[RunSpec]:
        return [r for r in self.runs if dataset in r.writes]

    def sources(self, run: RunSpec) -> dict[str, int]:
        """Backward from one run: dataset -> fewest intermediate datasets (the truth)."""
        return dict(self._sources(run.run_id))

    @functools.cache  # noqa: B019  one History per test
    def _sources(self, run_id: str) -> tuple[tuple[str, int], ...]:
        run = next(r for r in self.runs if r.run_id == run_id)
        out = dict.fromkeys(run.reads, 0)
        for dataset in run.reads:
            for writer in self.writers(dataset):
                if writer.end is None or writer.end > run.start:
                    continue
                for source, hops in self._sources(writer.run_id):
                    out[source] = min(out.get(source, hops + 1), hops + 1)
        return tuple(sorted(out.items()))

    def derived(self, dataset: str) -> dict[str, int]:
        """Run id -> hops for every run derived from `dataset`."""
        return {r.run_id: h for r in self.runs if (h := self.sources(r).get(dataset)) is not None}

    def __hash__(self) -> int:
        return id(self)


def _build(size: int, seed: int = 24) -> History:
    rng = random.Random(seed)
    history = History()
    clock = T0
    for i in range(size):
        clock += timedelta(seconds=10)
        duration = timedelta(seconds=rng.choice([1, 5, 25, 45]))
        end: datetime | None = clock + duration
        kind = i % 3
        if kind == 0:  # clean: a new raw snapshot every run
            spec = RunSpec(
                str(uuid.UUID(int=i)), f"clean_{i % 2}", clock, end,
                (f"raw/snap_{i}",), (f"clean_{i % 4}",),
            )  # fmt: skip
            if i % 27 == 0:
                spec = RunSpec(spec.run_id, spec.job, clock, None, spec.reads, spec.writes)
        elif kind == 1:  # features from the cleaned tables
            spec = RunSpec(
                str(uuid.UUID(int=i)), f"prep_{i % 3}", clock, end,
                (f"clean_{i % 4}", f"clean_{(i + 1) % 4}"), (f"feat_{i % 5}",),
            )  # fmt: skip
        else:  # training: a new model URI every run
            j = i // 3
            spec = RunSpec(
                str(uuid.UUID(int=i)), f"train_{j % 10}", clock, end,
                (f"feat_{j % 5}", "validation"), (f"models/train_{j % 10}",),
                model_uri=f"s3://models/train_{j % 10}/run-{j}",
            )  # fmt: skip
        history.runs.append(spec)
    return history


def _events(history: History) -> list[dict[str, Any]]:
    out = []
    for run in history.runs:
        outputs = []
        for name in run.writes:
            if run.model_uri is None:
                outputs.append(ds(NS, name))
                continue
            model = {
                "_producer": PRODUCER,
                "_schemaURL": schema_url("MLModelDatasetFacet"),
                "uri": run.model_uri,
                "framework": "sklearn",
            }
            outputs.append(ds(NS, name, ml_model=model))
        params = {
            "ml_hyperparameters": {
                "_producer": PRODUCER,
                "_schemaURL": schema_url("MLHyperparametersRunFacet"),
                "parameters": {"seed": int(run.run_id[-4:], 16)},
                "configHash": run.run_id,
            }
        }
        common = {
            "run_id": run.run_id,
            "namespace": NS,
            "inputs": [ds(NS, name) for name in run.reads],
            "outputs": outputs,
        }
        out.append(run_event(run.job, event_type="START", time=_iso(run.start), **common))
        if run.end is not None:
            out.append(
                run_event(
                    run.job, event_type="COMPLETE", time=_iso(run.end), run_facets=params, **common
                )
            )
    return out


def _iso(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


async def _post_all(client: httpx.AsyncClient, events: list[dict[str, Any]]) -> None:
    for start in range(0, len(events), 200):
        response = await client.post("/api/v1/lineage/batch", json=events[start : start + 200])
        assert response.status_code == 204, response.text


async def _pages(client: httpx.AsyncClient, path: str, key: str, **params: Any) -> list[Any]:
    """Every item of a paged route, 7 at a time; the total count is checked on each page."""
    items: list[Any] = []
    total = None
    while True:
        response = await client.get(path, params={**params, "limit": 7, "offset": len(items)})
        assert response.status_code == 200, response.text
        body = response.json()
        total = body["totalCount"] if total is None else total
        assert body["totalCount"] == total
        items.extend(body[key])
        if not body[key]:
            assert len(items) == total
            return items


SIZE = 150


@pytest.fixture
async def history(client: httpx.AsyncClient) -> History:
    built = _build(SIZE)
    await _post_all(client, _events(built))
    return built


@pytest.mark.parametrize(
    ("dataset", "most_hops"),
    [("feat_3", 0), ("validation", 0), ("clean_1", 1), ("raw/snap_9", 2), ("raw/snap_81", None)],
)
async def test_models_trained_on_a_dataset_directly_or_through_intermediates(
    client: httpx.AsyncClient, history: History, dataset: str, most_hops: int | None
) -> None:
    """`raw/snap_81` was read by a cleaning run that never ended: no model comes from it."""
    derived = history.derived(dataset)
    expected = sorted(
        (f"dataset:{NS}:{r.writes[0]}", r.run_id, r.model_uri, derived[r.run_id])
        for r in history.runs
        if r.model_uri is not None and r.run_id in derived
    )
    items = await _pages(
        client, "/api/v1/models", "modelVersions", dataset=f"dataset:{NS}:{dataset}"
    )
    found = sorted((m["nodeId"], m["trainingRun"]["id"], m["uri"], m["hops"]) for m in items)
    assert found == expected
    if most_hops is None:
        assert not expected and len(history.derived(dataset)) == 1
        return
    assert max(hops for *_, hops in expected) == most_hops
    times = [m["createdAt"] for m in items]
    assert times == sorted(times, reverse=True)
    run = history.runs[int(items[0]["trainingRun"]["id"].replace("-", ""), 16)]
    assert items[0]["trainingRun"]["hyperparameters"] == {"seed": int(run.run_id[-4:], 16)}
    assert items[0]["trainingRun"]["jobName"] == run.job


async def test_a_run_that_read_before_the_write_ended_is_not_derived(history: History) -> None:
    """The scenario holds the cases that make time matter (checked on the truth itself)."""
    late = [
        (reader, writer)
        for reader in history.runs
        for dataset in reader.reads
        for writer in history.writers(dataset)
        if writer.start < reader.start and (writer.end is None or writer.end > reader.start)
    ]
    assert len(late) > 10
    assert any(writer.end is None for _, writer in late)


async def test_every_run_that_read_or_wrote_a_dataset(
    client: httpx.AsyncClient, history: History
) -> None:
    path = f"/api/v1/namespaces/{NS}/datasets/feat_3/runs"
    readers = {r.run_id for r in history.runs if "feat_3" in r.reads}
    writers = {r.run_id for r in history.runs if "feat_3" in r.writes}
    assert len(readers) == SIZE // 3 // 5 and writers
    inputs = await _pages(client, path, "runs", role="input")
    assert {r["id"] for r in inputs} == readers
    assert all(r["roles"] == ["input"] for r in inputs)
    outputs = await _pages(client, path, "runs", role="output")
    assert {r["id"] for r in outputs} == writers
    every = await _pages(client, path, "runs")
    assert [r["id"] for r in every] == [
        r.run_id for r in sorted(history.runs, key=lambda r: r.start, reverse=True)
        if r.run_id in readers | writers
    ]  # fmt: skip
    run = next(r for r in every if r["roles"] == ["input"])
    spec = next(r for r in history.runs if r.run_id == run["id"])
    assert run["jobName"] == spec.job
    assert run["state"] == "COMPLETED"
    assert run["startedAt"] == _iso(spec.start)
    assert [o["name"] for o in run["outputs"]] == list(spec.writes)
    since, until = history.runs[40].start, history.runs[100].start
    window = await _pages(client, path, "runs", since=_iso(since), until=_iso(until))
    assert {r["id"] for r in window} == {
        r.run_id for r in history.runs if r.run_id in readers | writers and since <= r.start < until
    }


async def test_history_routes_name_what_is_wrong(
    client: httpx.AsyncClient, history: History
) -> None:
    bad = await client.get(f"/api/v1/namespaces/{NS}/datasets/feat_3/runs", params={"role": "x"})
    assert bad.status_code in (400, 422) and bad.json()["error"]["field"] == "role"
    bad = await client.get(f"/api/v1/namespaces/{NS}/datasets/feat_3/runs", params={"since": "x"})
    assert bad.status_code == 400 and bad.json()["error"]["field"] == "since"
    missing = await client.get(f"/api/v1/namespaces/{NS}/datasets/feat_99/runs")
    assert missing.status_code == 404
    job = await client.get("/api/v1/models", params={"dataset": f"job:{NS}:train_1"})
    assert job.status_code == 400 and job.json()["error"]["field"] == "dataset"
    unknown = await client.get("/api/v1/models", params={"dataset": f"dataset:{NS}:nope"})
    assert unknown.status_code == 404


async def test_cli_answers_the_same_offline(db_url: str, history: History) -> None:
    from typer.testing import CliRunner

    from lineage.cli import app

    runner = CliRunner()
    args = ["--format", "json", "--database-url", db_url]
    done = runner.invoke(app, ["runs", f"dataset:{NS}:feat_3", "--role", "input", *args])
    assert done.exit_code == 0, done.output
    readers = {r.run_id for r in history.runs if "feat_3" in r.reads}
    assert {r["id"] for r in json.loads(done.stdout)["runs"]} == readers
    done = runner.invoke(
        app, ["models", "--dataset", f"dataset:{NS}:clean_1", "--limit", "1000", *args]
    )
    assert done.exit_code == 0, done.output
    derived = history.derived("clean_1")
    expected = {r.run_id for r in history.runs if r.model_uri and r.run_id in derived}
    found = json.loads(done.stdout)["modelVersions"]
    assert {m["trainingRun"]["id"] for m in found} == expected
