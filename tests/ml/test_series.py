"""Metric series: bounded downsampling in the emitter, and round trips through a real collector
(run route, model route, compare) on SQLite and PostgreSQL."""

from __future__ import annotations

import math
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from lineage.emit import training_run
from lineage.emit.params import json_scalar
from lineage.emit.series import MetricSeries, Point, downsample
from tests.conftest import Server
from tests.ml.ml_helpers import get, model_path

values = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.sampled_from([math.nan, math.inf, -math.inf]),
)


def _as_point(step: int, value: float) -> Point:
    scalar = json_scalar(value)
    assert scalar is not None
    return (step, scalar)


def _finite(points: list[Point]) -> list[float]:
    return [v for _, v in points if isinstance(v, float)]


@given(
    st.lists(st.tuples(st.integers(-(10**6), 10**6), values), min_size=1, max_size=400),
    st.integers(4, 60),
)
def test_downsample_keeps_first_last_min_max_in_order(
    raw: list[tuple[int, float]], limit: int
) -> None:
    points = [_as_point(step, float(value)) for step, value in raw]
    kept = downsample(points, limit)
    assert len(kept) <= limit
    if len(points) <= limit:
        assert kept == points
        return
    assert kept[0] == points[0] and kept[-1] == points[-1]
    iterator = iter(points)  # a subsequence: original order, nothing invented
    assert all(any(p == q for q in iterator) for p in kept)
    finite = _finite(points)
    if finite:
        assert min(finite) in _finite(kept) and max(finite) in _finite(kept)


@given(st.lists(values, min_size=1, max_size=3000), st.integers(4, 40))
def test_streaming_buffer_is_bounded_and_summary_exact(logged: list[float], limit: int) -> None:
    series = MetricSeries(limit)
    for value in logged:
        series.add(value, None)
        assert len(series.points) < 2 * limit
    summary = series.summary()
    points = [tuple(p) for p in summary["points"]]
    assert len(points) <= limit and summary["count"] == len(logged)
    everything = [_as_point(i, v) for i, v in enumerate(logged)]
    assert points[0] == everything[0] and points[-1] == everything[-1]
    finite = _finite(everything)
    if finite:
        assert (summary["min"], summary["max"]) == (min(finite), max(finite))
        assert {summary["min"], summary["max"]} <= set(_finite(points))  # type: ignore[arg-type]


def _train(server: Server, tmp_path: Path, name: str, losses: list[float]) -> str:
    model = tmp_path / f"{name}.bin"
    model.write_bytes(name.encode())
    with training_run("curves", namespace="ml", url=server.url, series_points=50) as run:
        for step, loss in enumerate(losses):
            run.log_metric("loss", loss, step=step * 10)
        for epoch in range(3):
            run.log_metric("accuracy", 0.5 + epoch / 10, step=epoch)
        run.log_metric("grad_norm", math.nan, step=0)
        run.log_model(model, framework="torch", namespace="ml-models", name="curves")
    return run.run_id


def test_series_round_trip_with_downsampling(server: Server, tmp_path: Path) -> None:
    losses_a = [1.0 / (1 + i) + (0.3 if i == 77 else 0.0) for i in range(200)]
    losses_b = [2.0 / (1 + i) for i in range(20)]
    run_a = _train(server, tmp_path, "a", losses_a)
    run_b = _train(server, tmp_path, "b", losses_b)

    local = MetricSeries(50)  # what the emitter buffered and sent, replayed here
    for i, value in enumerate(losses_a):
        local.add(value, i * 10)
    sent = local.summary()["points"]
    expected_a = {
        "accuracy": [{"step": e, "value": 0.5 + e / 10} for e in range(3)],
        "grad_norm": [{"step": 0, "value": None}],
        "loss": [{"step": s, "value": v} for s, v in sent],
    }
    answer = get(server.url, f"/api/v1/jobs/runs/{run_a}/metrics")
    assert answer["series"] == expected_a
    assert len(answer["series"]["loss"]) <= 50
    assert {"step": 770, "value": losses_a[77]} in answer["series"]["loss"]  # the spike
    assert answer["metrics"]["loss"]["series"]["count"] == 200
    assert answer["metrics"]["loss"]["value"] == losses_a[-1]

    model = get(server.url, model_path("ml-models", "curves"))
    assert model["trainingRun"]["id"] == run_b
    assert model["trainingRun"]["series"]["loss"] == [
        {"step": i * 10, "value": v} for i, v in enumerate(losses_b)
    ]

    compared = get(server.url, "/api/v1/models/compare", a=run_a, b=run_b)
    assert sorted(compared["series"]) == ["accuracy", "grad_norm", "loss"]
    assert compared["series"]["loss"]["a"] == expected_a["loss"]
    assert compared["series"]["loss"]["b"] == model["trainingRun"]["series"]["loss"]
    missing = get(server.url, "/api/v1/jobs/runs/nope/metrics", status=404)
    assert missing["error"]["code"] == "not_found"
