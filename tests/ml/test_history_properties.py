"""Property test of the run-history walk: on random histories (jobs rerun on new snapshots,
runs that overlap, never end, end at the instant another starts, read what they write, train
models that later runs read), `GET /api/v1/models?dataset=` and
`GET /api/v1/namespaces/{ns}/datasets/{name}/runs` equal an answer computed by brute force,
on SQLite and PostgreSQL.

The brute force follows the definition in the README, not the store's breadth-first walk: a
run is derived from X at 0 hops when it read X, and at h + 1 hops when it read a dataset that
a run derived from X at h hops wrote and had ended (COMPLETE, FAIL or ABORT) at or before the
reader's START; hops is the least such h, found by relaxing every run until nothing changes.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lineage.api.app import create_app
from lineage.emit.facets import PRODUCER, schema_url
from lineage.settings import Settings
from tests.events import ds, run_event
from tests.test_graph_consistency import _emptied

NS = "hp"
T0 = datetime(2026, 4, 1, tzinfo=UTC)
DATASETS = ["d0", "d1", "d2", "snap_0", "snap_1"]
MODELS = ["m0", "m1"]


@dataclass(frozen=True)
class Spec:
    run_id: str
    job: str
    start: int  # minutes after T0
    end: int | None  # None: never ended
    end_state: str
    reads: tuple[str, ...]
    writes: tuple[str, ...]  # datasets and models
    io_in: str  # which events list the datasets: "both", "start" or "end"


@st.composite
def histories(draw: st.DrawFn) -> list[Spec]:
    """A few jobs, each rerun on other snapshots, over a small set of datasets and models."""
    count = draw(st.integers(1, 12))
    specs = []
    for i in range(count):
        # few distinct minutes, so a run often starts the minute another one ends
        start = draw(st.integers(0, 6))
        duration = draw(st.one_of(st.none(), st.integers(0, 3)))
        reads = draw(st.lists(st.sampled_from(DATASETS + MODELS), max_size=3, unique=True))
        writes = draw(st.lists(st.sampled_from(DATASETS + MODELS), max_size=2, unique=True))
        specs.append(
            Spec(
                run_id=str(uuid.UUID(int=i + 1)),
                job=f"j{draw(st.integers(0, 3))}",
                start=start,
                end=None if duration is None else start + duration,
                end_state=draw(st.sampled_from(["COMPLETE", "FAIL", "ABORT"])),
                reads=tuple(reads),
                writes=tuple(writes),
                io_in=draw(st.sampled_from(["both", "start", "end"])),
            )
        )
    return specs


def _at(minutes: int) -> str:
    return (T0 + timedelta(minutes=minutes)).isoformat().replace("+00:00", "Z")


def _refs(spec: Spec) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    model = {"_producer": PRODUCER, "_schemaURL": schema_url("MLModelDatasetFacet")}
    outputs = [
        ds(NS, name, ml_model={**model, "uri": f"s3://m/{name}/{spec.run_id}"})
        if name in MODELS
        else ds(NS, name)
        for name in spec.writes
    ]
    return [ds(NS, name) for name in spec.reads], outputs


def _events(specs: list[Spec], order: list[int]) -> list[dict[str, Any]]:
    """Every run's START and final event, runs interleaved in `order` (START first per run)."""
    per_run: list[list[dict[str, Any]]] = []
    for spec in specs:
        inputs, outputs = _refs(spec)
        start_io = (inputs, outputs) if spec.io_in in ("both", "start") else ([], [])
        end_io = (inputs, outputs) if spec.io_in in ("both", "end") else ([], [])
        if spec.end is None:  # a run that never ends reports its datasets when it starts
            start_io = (inputs, outputs)
        common = {"run_id": spec.run_id, "namespace": NS}
        events = [
            run_event(
                spec.job,
                event_type="START",
                time=_at(spec.start),
                inputs=start_io[0],
                outputs=start_io[1],
                **common,
            )
        ]
        if spec.end is not None:
            events.append(
                run_event(
                    spec.job,
                    event_type=spec.end_state,
                    time=_at(spec.end),
                    inputs=end_io[0],
                    outputs=end_io[1],
                    **common,
                )
            )
        per_run.append(events)
    out = []
    for index in order:
        if per_run[index]:
            out.append(per_run[index].pop(0))
    return out + [e for events in per_run for e in events]


def derived(specs: list[Spec], dataset: str) -> dict[str, int]:
    """Run id -> fewest intermediate datasets from `dataset`, by relaxation to a fixpoint."""
    hops: dict[str, int] = {s.run_id: 0 for s in specs if dataset in s.reads}
    changed = True
    while changed:
        changed = False
        for reader in specs:
            for writer in specs:
                if (
                    writer.run_id in hops
                    and writer.end is not None
                    and writer.end <= reader.start
                    and set(writer.writes) & set(reader.reads)
                    and hops[writer.run_id] + 1 < hops.get(reader.run_id, len(specs) + 1)
                ):
                    hops[reader.run_id] = hops[writer.run_id] + 1
                    changed = True
    return hops


def _state(spec: Spec) -> str:
    if spec.end is None:
        return "RUNNING"
    return {"COMPLETE": "COMPLETED", "FAIL": "FAILED", "ABORT": "ABORTED"}[spec.end_state]


async def _check(url: str, specs: list[Spec], order: list[int]) -> None:
    app = create_app(Settings(database_url=url))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client,
    ):
        events = _events(specs, order)
        response = await client.post("/api/v1/lineage/batch", content=orjson.dumps(events))
        assert response.status_code == 204, response.text
        named = sorted({n for s in specs for n in (*s.reads, *s.writes)})
        for name in named:
            runs = (await client.get(f"/api/v1/namespaces/{NS}/datasets/{name}/runs")).json()
            expected_runs = [
                (
                    s.run_id,
                    s.job,
                    _state(s),
                    [r for r, used in (("input", s.reads), ("output", s.writes)) if name in used],
                )
                for s in sorted(specs, key=lambda s: (-s.start, s.run_id))
                if name in s.reads or name in s.writes
            ]
            assert [
                (r["id"], r["jobName"], r["state"], r["roles"]) for r in runs["runs"]
            ] == expected_runs
            assert runs["totalCount"] == len(expected_runs)

            found = (
                await client.get(
                    "/api/v1/models", params={"dataset": f"dataset:{NS}:{name}", "limit": 1000}
                )
            ).json()
            hops = derived(specs, name)
            expected_models = sorted(
                (f"dataset:{NS}:{model}", s.run_id, hops[s.run_id])
                for s in specs
                if s.run_id in hops
                for model in s.writes
                if model in MODELS
            )
            assert (
                sorted(
                    (m["nodeId"], m["trainingRun"]["id"], m["hops"]) for m in found["modelVersions"]
                )
                == expected_models
            )
            assert found["totalCount"] == len(expected_models)


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(specs=histories(), data=st.data())
def test_history_routes_equal_the_brute_force_answer(
    specs: list[Spec], data: st.DataObject, db_url: str
) -> None:
    order = data.draw(st.lists(st.integers(0, len(specs) - 1), max_size=2 * len(specs)))
    asyncio.run(_check(_emptied(db_url), specs, order))
