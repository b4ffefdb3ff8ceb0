"""Writing the ML facets of one run event into the ML tables, in the ingest transaction.

Latest eventTime wins, as for facets: each run facet has a clock column in
`ml_training_runs` and is applied only when the event is not older than it (a tie goes to the
later arrival); a newer hyperparameters or metrics facet replaces the run's whole set. Model
versions and input roles are upserted per (dataset, run) with their own event time.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, or_, update

from lineage import ml_facets as mf
from lineage.events import DatasetRef, Event
from lineage.store import ml_schema as m
from lineage.store import ml_series
from lineage.store.identities import Identity
from lineage.store.sql import insert_ignore, upsert_newer

_SECTIONS: tuple[tuple[str, Callable[[dict[str, Any]], dict[str, Any] | None]], ...] = (
    ("code_time", mf.code_version),
    ("environment_time", mf.environment),
    ("mlflow_time", mf.mlflow),
)


def record_run_event(
    conn: Connection,
    event: Event,
    *,
    inputs: Sequence[Identity],
    outputs: Sequence[Identity],
) -> None:
    """Apply the event's ML facets; `inputs`/`outputs` are the stored identities of its refs."""
    assert event.run_id is not None
    models = _pairs(event.outputs, outputs, lambda ref: mf.model(ref.facets))
    roles = _pairs(event.inputs, inputs, lambda ref: mf.input_role(ref.io_facets))
    has_run_facets = any(key in event.run_facets for key in mf.RUN_FACETS)
    if not (has_run_facets or models or roles):
        return
    run_id, at = event.run_id, event.event_time
    conn.execute(
        insert_ignore(conn, m.ml_training_runs, ["run_id"]), {"run_id": run_id, "created_at": at}
    )
    for clock, reader in _SECTIONS:
        values = reader(event.run_facets)
        if values is not None:
            _claim(conn, run_id, clock, at, values)
    _hyperparameters(conn, run_id, at, event.run_facets)
    _metrics(conn, run_id, at, event.run_facets)
    _upsert_per_dataset(conn, m.ml_model_versions, run_id, at, models)
    _upsert_per_dataset(conn, m.ml_inputs, run_id, at, roles)


def _pairs(
    refs: Sequence[DatasetRef],
    identities: Sequence[Identity],
    reader: Callable[[DatasetRef], dict[str, Any] | None],
) -> list[tuple[int, dict[str, Any]]]:
    """(dataset id, columns) for each ref whose facet the reader finds; one per dataset."""
    out: dict[int, dict[str, Any]] = {}
    for ref, identity in zip(refs, identities, strict=True):
        values = reader(ref)
        if values is not None:
            out[identity.id] = values
    return list(out.items())


def _claim(conn: Connection, run_id: str, clock: str, at: datetime, values: dict[str, Any]) -> bool:
    """Set `values` and the section's clock unless a newer event already set them."""
    table = m.ml_training_runs
    column = table.c[clock]
    result = conn.execute(
        update(table)
        .where(table.c.run_id == run_id, or_(column.is_(None), column <= at))
        .values({clock: at, **values})
    )
    return result.rowcount == 1


def _hyperparameters(
    conn: Connection, run_id: str, at: datetime, run_facets: dict[str, Any]
) -> None:
    found = mf.hyperparameters(run_facets)
    if found is None:
        return
    config_hash, params = found
    if _claim(conn, run_id, "params_time", at, {"config_hash": config_hash}):
        rows = [{"run_id": run_id, "key": k, "value": v} for k, v in params.items()]
        _replace(conn, m.ml_params, run_id, rows)


def _metrics(conn: Connection, run_id: str, at: datetime, run_facets: dict[str, Any]) -> None:
    found = mf.metrics(run_facets)
    if found is not None and _claim(conn, run_id, "metrics_time", at, {}):
        _replace(conn, m.ml_metrics, run_id, [{"run_id": run_id, **row} for row in found])
        ml_series.replace_points(conn, run_id, run_facets)


def _replace(conn: Connection, table: Any, run_id: str, rows: list[dict[str, Any]]) -> None:
    conn.execute(delete(table).where(table.c.run_id == run_id))
    if rows:
        conn.execute(table.insert(), rows)


def _upsert_per_dataset(
    conn: Connection,
    table: Any,
    run_id: str,
    at: datetime,
    found: list[tuple[int, dict[str, Any]]],
) -> None:
    if not found:
        return
    rows = [{"dataset_id": d, "run_id": run_id, "event_time": at, **values} for d, values in found]
    columns = [c for c in rows[0] if c not in ("dataset_id", "run_id")]
    conn.execute(upsert_newer(conn, table, ["dataset_id", "run_id"], columns, "event_time"), rows)
