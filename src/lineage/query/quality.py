"""Data-quality answers: a dataset's summary (status, newest result of each assertion,
newest metrics), its history, and a run's results. A result whose event named no dataset
version is shown with the newest version the dataset had by then."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Connection, func, select

from lineage.query import types as t
from lineage.store import quality
from lineage.store import schema as s
from lineage.store.read import iso

Identity = tuple[str, str]


def status(results: Iterable[t.QualityResult]) -> t.QualityStatus:
    """failing when an assertion of severity error (or of none: dbt's default) failed,
    warning when only lower-severity ones did, else passing."""
    failed = [r for r in results if r.success is False]
    if any(r.severity in (None, "error") for r in failed):
        return "failing"
    return "warning" if failed else "passing"


class _Versions:
    """The recorded versions of some datasets, to name the version a result checked."""

    def __init__(self, conn: Connection, idents: Iterable[str]) -> None:
        ds, dv = s.datasets.c, s.dataset_versions.c
        canonical = s.datasets.alias("canonical")
        rows = conn.execute(
            select(ds.ident, dv.version, dv.created_at)
            .select_from(s.datasets)
            .outerjoin(canonical, canonical.c.id == ds.canonical_id)
            .join(
                s.dataset_versions,
                dv.dataset_id == func.coalesce(canonical.c.id, ds.id),
            )
            .where(ds.ident.in_(sorted(set(idents))))
            .order_by(dv.created_at, dv.id)
        )
        self._by_ident: dict[str, tuple[list[datetime], list[str]]] = {}
        for r in rows:
            times, versions = self._by_ident.setdefault(r.ident, ([], []))
            times.append(r.created_at)
            versions.append(r.version)

    def at(self, ident: str | None, when: datetime) -> str | None:
        """The newest version of the dataset recorded at or before `when`."""
        found = self._by_ident.get(ident or "")
        if found is None:
            return None
        i = bisect_right(found[0], when)
        return found[1][i - 1] if i else None


def result(row: Any, versions: _Versions | None = None) -> t.QualityResult:
    """A quality_results row as an answer."""
    version = row.version
    if version is None and versions is not None and row.dataset_ident is not None:
        version = versions.at(row.dataset_ident, row.event_time)
    return t.QualityResult(
        row.origin,
        row.test,
        row.assertion,
        row.column,
        row.success,
        row.severity,
        row.expected,
        row.actual,
        row.description,
        t.Name(row.namespace, row.name) if row.namespace is not None else None,
        version,
        row.run_id,
        str(iso(row.event_time)),
    )


def metrics(row: Any, versions: _Versions) -> t.QualityMetrics:
    """A quality_metrics row as an answer."""
    return t.QualityMetrics(
        row.version or versions.at(row.dataset_ident, row.event_time),
        row.run_id,
        str(iso(row.event_time)),
        row.row_count,
        row.bytes,
        row.file_count,
        orjson.loads(row.column_metrics),
    )


def summaries(
    conn: Connection, identities: Mapping[Identity, Sequence[Identity]]
) -> dict[Identity, t.QualitySummary]:
    """The quality summary of each dataset that has results or metrics; `identities` maps
    a dataset to all its names (its own and its aliases'), whose results all count."""
    owner = {s.ident(*name): node for node, names in identities.items() for name in (node, *names)}
    results = quality.latest_results(conn, list(owner))
    measures = quality.latest_metrics(conn, list(owner))
    versions = _Versions(conn, owner)
    newest: dict[Identity, dict[tuple[Any, ...], Any]] = {}
    for row in results:  # an assertion reported under two names: the newer result counts
        per_node = newest.setdefault(owner[row.dataset_ident], {})
        key = (row.test, row.assertion, row.column)
        if key not in per_node or per_node[key].event_time < row.event_time:
            per_node[key] = row
    newest_measure: dict[Identity, Any] = {}
    for row in measures:
        node = owner[row.dataset_ident]
        if node not in newest_measure or newest_measure[node].event_time < row.event_time:
            newest_measure[node] = row
    out = {}
    for node in identities:
        rows = sorted(
            newest.get(node, {}).values(),
            key=lambda r: (r.test or "", r.assertion or "", r.column or ""),
        )
        measure = newest_measure.get(node)
        if not rows and measure is None:
            continue
        answers = [result(r, versions) for r in rows]
        times = [r.event_time for r in rows] + ([measure.event_time] if measure else [])
        out[node] = t.QualitySummary(
            status(answers),
            str(iso(max(times))),
            answers,
            metrics(measure, versions) if measure is not None else None,
        )
    return out


def dataset_history(
    conn: Connection,
    node: Identity,
    aliases: Sequence[Identity],
    *,
    limit: int,
    offset: int,
) -> t.QualityHistory:
    """A dataset's quality summary and a page of its results and metrics, newest first."""
    idents = [s.ident(*name) for name in (node, *aliases)]
    rows, total, measures = quality.history(conn, idents, limit=limit, offset=offset)
    versions = _Versions(conn, idents)
    summary = summaries(conn, {node: aliases}).get(node)
    return t.QualityHistory(
        total,
        t.Name(*node),
        summary,
        [result(r, versions) for r in rows],
        [metrics(m, versions) for m in measures],
    )


def of_runs(conn: Connection, run_ids: Sequence[str]) -> dict[str, list[t.QualityResult]]:
    """The results each run reported (versions as the events named them, else the newest
    recorded by then)."""
    rows = quality.of_runs(conn, run_ids)
    versions = _Versions(conn, {r.dataset_ident for r in rows if r.dataset_ident})
    out: dict[str, list[t.QualityResult]] = {}
    for row in rows:
        out.setdefault(row.run_id, []).append(result(row, versions))
    return out
