"""Per-step metric values: a running summary and a bounded buffer of the points themselves.

A run sends at most :data:`MAX_POINTS` points per metric with its final event. Past that, the
buffer is downsampled (:func:`downsample`): the step range is cut into equal buckets and each
bucket keeps its lowest and highest finite value, so the first point, the last point and the
minimum and maximum of the whole series always survive, whatever the number of values logged.
While logging, the buffer is downsampled each time it reaches twice the bound, so memory stays
bounded too. The summary (count, min, max, first, last, last step) is exact over every value.
"""

from __future__ import annotations

from typing import Any

import attr

from lineage.emit.params import Scalar, json_scalar

MAX_POINTS = 1000
Point = tuple[int, Scalar]


def _finite(point: Point) -> bool:
    return isinstance(point[1], float)


def downsample(points: list[Point], limit: int = MAX_POINTS) -> list[Point]:
    """At most `limit` (>= 4) of `points`, in their original order: the first, the last, and
    the lowest and highest finite value of each of `(limit - 2) // 2` equal step ranges."""
    if len(points) <= limit:
        return list(points)
    if limit < 4:
        msg = f"limit must be at least 4, not {limit}"
        raise ValueError(msg)
    inner = range(1, len(points) - 1)
    buckets = (limit - 2) // 2
    low = min(points[i][0] for i in inner)
    span = max(points[i][0] for i in inner) - low + 1
    lowest: dict[int, int] = {}
    highest: dict[int, int] = {}
    for i in inner:
        if not _finite(points[i]):
            continue
        bucket = (points[i][0] - low) * buckets // span
        value = points[i][1]
        if bucket not in lowest or value < points[lowest[bucket]][1]:  # type: ignore[operator]
            lowest[bucket] = i
        if bucket not in highest or value > points[highest[bucket]][1]:  # type: ignore[operator]
            highest[bucket] = i
    kept = {0, len(points) - 1, *lowest.values(), *highest.values()}
    return [points[i] for i in sorted(kept)]


@attr.define
class MetricSeries:
    """One metric's values: an exact summary and at most about 2 x `limit` buffered points."""

    limit: int = MAX_POINTS
    count: int = 0
    first: Scalar | None = None
    last: Scalar | None = None
    last_step: int | None = None
    minimum: float | None = None
    maximum: float | None = None
    points: list[Point] = attr.field(factory=list)

    def add(self, value: float, step: int | None) -> None:
        """Record one value; ``step`` defaults to the 0-based position in the series."""
        scalar = json_scalar(float(value))
        assert scalar is not None  # a float is always a JSON scalar (non-finite as a string)
        self.count += 1
        if self.first is None:
            self.first = scalar
        self.last = scalar
        self.last_step = step if step is not None else self.count - 1
        if isinstance(scalar, float):
            self.minimum = scalar if self.minimum is None else min(self.minimum, scalar)
            self.maximum = scalar if self.maximum is None else max(self.maximum, scalar)
        self.points.append((self.last_step, scalar))
        if len(self.points) >= 2 * self.limit:
            self.points = downsample(self.points, self.limit)

    def summary(self) -> dict[str, Any]:
        """The wire form ``{"count","min","max","first","last","lastStep","points"}``, no nulls;
        ``points`` is ``[[step, value], ...]``, at most `limit` of them."""
        out: dict[str, Any] = {
            "count": self.count,
            "min": self.minimum,
            "max": self.maximum,
            "first": self.first,
            "last": self.last,
            "lastStep": self.last_step,
            "points": [list(p) for p in downsample(self.points, self.limit)],
        }
        return {key: value for key, value in out.items() if value is not None}
