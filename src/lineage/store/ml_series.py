"""Writing and reading metric series (`ml_metric_points`), derived from the `ml_metrics` facet.

The points follow the metrics facet they came with: the writer calls `replace_points` exactly
when that facet wins (newest eventTime), so `lineage db replay` rebuilds the same rows.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Row, delete, select

from lineage import ml_facets as mf
from lineage.store import ml_schema as m

mp = m.ml_metric_points.c


def replace_points(conn: Connection, run_id: str, run_facets: dict[str, Any]) -> None:
    """Replace the run's points with those of its `ml_metrics` facet (one set-based insert)."""
    conn.execute(delete(m.ml_metric_points).where(mp.run_id == run_id))
    rows = mf.metric_points(run_facets) or []
    if rows:
        conn.execute(m.ml_metric_points.insert(), [{"run_id": run_id, **row} for row in rows])


def runs_series(conn: Connection, run_ids: list[str]) -> dict[str, dict[str, list[Row[Any]]]]:
    """Run id -> metric name -> its (step, value) rows in the order the run logged them."""
    out: dict[str, dict[str, list[Row[Any]]]] = {run_id: {} for run_id in run_ids}
    query = (
        select(mp.run_id, mp.name, mp.step, mp.value)
        .where(mp.run_id.in_(run_ids))
        .order_by(mp.run_id, mp.name, mp.seq)
    )
    for r in conn.execute(query):
        out[r.run_id].setdefault(r.name, []).append(r)
    return out
