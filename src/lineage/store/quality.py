"""Data quality derived from facets: the assertions of `dataQualityAssertions` (a dataset
facet or an input facet), the tests of the `test` run facet (dbt sends one per test) and
the measures of `dataQualityMetrics`, each attached to the run and the dataset version it
came from.

`rows` is a pure function of the events; `derive` writes its rows from the group commit
(and from replay), after the events' runs exist. A result sent again by a later event of
the same run replaces the earlier one. The version is the one the event's dataset names
(its `version` facet, else its schema's hash, as `dataset_versions` records it); without
either it is resolved when asked: the newest version recorded by then.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, func, select

from lineage import facets as f
from lineage import jsonio
from lineage.events import Event
from lineage.store import schema as s
from lineage.store.sql import upsert_newer

ASSERTION, TEST = "assertion", "test"


@dataclass(slots=True)
class QualityRows:
    """The quality_results and quality_metrics rows of some events, by ident."""

    results: dict[str, dict[str, Any]] = field(default_factory=dict)
    metrics: dict[str, dict[str, Any]] = field(default_factory=dict)


def _hash(*parts: str | None) -> str:
    return hashlib.sha1("\x00".join(p or "" for p in parts).encode()).hexdigest()


def _version(facets: dict[str, Any]) -> str | None:
    version = f.dataset_version(facets)
    if version is not None:
        return version
    fields = f.schema_fields(facets)
    return f.schema_hash(fields) if fields is not None else None


def rows(events: Iterable[Event]) -> QualityRows:
    """The quality rows of `events`; of two rows with one ident, the newer eventTime's."""
    out = QualityRows()

    def keep(table: dict[str, dict[str, Any]], row: dict[str, Any]) -> None:
        held = table.get(row["ident"])
        if held is None or held["event_time"] <= row["event_time"]:
            table[row["ident"]] = row

    for event in events:
        at, run_id = event.event_time, event.run_id
        owner = run_id or event.hash  # a dataset event has no run: each event is its own
        refs = [*event.inputs, *event.outputs, *([event.dataset] if event.dataset else [])]
        for ref in refs:
            ident = s.ident(ref.namespace, ref.name)
            where = {
                "dataset_ident": ident,
                "namespace": ref.namespace,
                "name": ref.name,
                "version": _version(ref.facets),
                "run_id": run_id,
                "event_time": at,
            }
            for check in f.quality_assertions(ref.facets, ref.io_facets):
                key = _hash(owner, ident, ASSERTION, check.test, check.assertion, check.column)
                keep(out.results, {"ident": key, "origin": ASSERTION, **where, **_check(check)})
            measure = f.quality_metrics(ref.io_facets, ref.facets)
            if measure is not None:
                keep(
                    out.metrics,
                    {
                        "ident": _hash(owner, ident),
                        **where,
                        "row_count": measure.row_count,
                        "bytes": measure.bytes,
                        "file_count": measure.file_count,
                        "column_metrics": jsonio.dumps(measure.column_metrics).decode(),
                    },
                )
        if run_id is not None:
            for check in f.test_results(event.run_facets):
                key = _hash(owner, None, TEST, check.test, check.assertion, check.column)
                row = {
                    "ident": key,
                    "origin": TEST,
                    "dataset_ident": None,
                    "namespace": None,
                    "name": None,
                    "version": None,
                    "run_id": run_id,
                    "event_time": at,
                    **_check(check),
                }
                keep(out.results, row)
    return out


def _check(check: f.QualityCheck) -> dict[str, Any]:
    return {
        "test": check.test,
        "assertion": check.assertion,
        "column": check.column,
        "success": check.success,
        "severity": check.severity,
        "expected": check.expected,
        "actual": check.actual,
        "description": check.description,
    }


_RESULT_COLUMNS = (
    "version",
    "event_time",
    "success",
    "severity",
    "expected",
    "actual",
    "description",
)
_METRIC_COLUMNS = ("version", "event_time", "row_count", "bytes", "file_count", "column_metrics")


def derive(conn: Connection, events: Sequence[Event]) -> None:
    """Write the quality rows of newly stored events (one executemany per table)."""
    found = rows(events)
    if found.results:
        conn.execute(
            upsert_newer(conn, s.quality_results, ["ident"], _RESULT_COLUMNS, "event_time"),
            list(found.results.values()),
        )
    if found.metrics:
        conn.execute(
            upsert_newer(conn, s.quality_metrics, ["ident"], _METRIC_COLUMNS, "event_time"),
            list(found.metrics.values()),
        )


# --- reads ------------------------------------------------------------------------------------

qr, qm = s.quality_results.c, s.quality_metrics.c


def latest_results(conn: Connection, idents: Sequence[str]) -> list[Any]:
    """The newest result of each assertion (test, assertion, column) of each dataset ident,
    in one statement per 1,000 idents."""
    key = (
        qr.dataset_ident,
        func.coalesce(qr.test, ""),
        func.coalesce(qr.assertion, ""),
        func.coalesce(qr.column, ""),
    )
    rank = func.row_number().over(partition_by=key, order_by=(qr.event_time.desc(), qr.id.desc()))
    out: list[Any] = []
    todo = sorted(set(idents))
    for start in range(0, len(todo), 1000):
        ranked = (
            select(s.quality_results, rank.label("rank"))
            .where(qr.dataset_ident.in_(todo[start : start + 1000]))
            .subquery()
        )
        out += conn.execute(select(ranked).where(ranked.c.rank == 1))
    return out


def latest_metrics(conn: Connection, idents: Sequence[str]) -> list[Any]:
    """The newest metrics row of each dataset ident."""
    rank = func.row_number().over(
        partition_by=qm.dataset_ident, order_by=(qm.event_time.desc(), qm.id.desc())
    )
    out: list[Any] = []
    todo = sorted(set(idents))
    for start in range(0, len(todo), 1000):
        ranked = (
            select(s.quality_metrics, rank.label("rank"))
            .where(qm.dataset_ident.in_(todo[start : start + 1000]))
            .subquery()
        )
        out += conn.execute(select(ranked).where(ranked.c.rank == 1))
    return out


def history(
    conn: Connection, idents: Sequence[str], *, limit: int, offset: int
) -> tuple[list[Any], int, list[Any]]:
    """A page of a dataset's results, newest first (those of one event by test, assertion
    and column), their count, and the same page of its metrics rows."""
    results = (
        select(s.quality_results)
        .where(qr.dataset_ident.in_(list(idents)))
        .order_by(
            qr.event_time.desc(),
            *(func.coalesce(c, "") for c in (qr.test, qr.assertion, qr.column)),
            qr.id,
        )
    )
    total = conn.execute(select(func.count()).select_from(results.order_by(None).subquery()))
    metrics = (
        select(s.quality_metrics)
        .where(qm.dataset_ident.in_(list(idents)))
        .order_by(qm.event_time.desc(), qm.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return (
        list(conn.execute(results.limit(limit).offset(offset))),
        int(total.scalar() or 0),
        list(conn.execute(metrics)),
    )


def of_runs(conn: Connection, run_ids: Sequence[str]) -> list[Any]:
    """Every result of the runs, by run, then origin, dataset, test, assertion and column
    (nulls first on both databases)."""
    out: list[Any] = []
    todo = sorted(set(run_ids))
    for start in range(0, len(todo), 1000):
        out += conn.execute(
            select(s.quality_results)
            .where(qr.run_id.in_(todo[start : start + 1000]))
            .order_by(
                qr.run_id,
                qr.origin,
                *(func.coalesce(c, "") for c in (qr.namespace, qr.name, qr.test)),
                *(func.coalesce(c, "") for c in (qr.assertion, qr.column)),
            )
        )
    return out
