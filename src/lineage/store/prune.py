"""`lineage db prune`: retention for run history and the raw event log.

Removes runs whose state time is older than the cutoff, with their run_io rows, their
run / input / output facets, their tags (node_tags names a run by its id, without a foreign
key) and their rows in any table with a foreign key to runs (ML metrics, quality results),
and raw events older than the cutoff (with rows that reference them, such as the
replicas' graph change log, long since applied). The current graph is never touched: datasets, jobs,
lineage_edges and column_edges stay, every job keeps its latest run, and the raw events of
kept runs are kept too. `lineage db replay` rebuilds derived tables from the event log, so
after a prune it can only rebuild what the remaining events describe.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnClause,
    ColumnElement,
    Connection,
    Engine,
    Select,
    Table,
    TableClause,
    and_,
    column,
    delete,
    func,
    inspect,
    or_,
    select,
    table,
)

from lineage.store import schema as s
from lineage.store.db import write_transaction

_CHUNK_ROWS = 500
_RUN_ID_CHARS = 36


@dataclass(frozen=True, slots=True)
class PruneCounts:
    """Rows removed (or, in a dry run, that would be removed), per table."""

    runs: int
    run_io: int
    facets: int
    dependent_rows: int
    events: int


def prune(engine: Engine, *, older_than: datetime, dry_run: bool) -> PruneCounts:
    """Remove run history and raw events older than `older_than`, in one transaction."""
    with write_transaction(engine) as conn:
        run_ids = _prunable_runs(conn, older_than)
        counts = PruneCounts(
            runs=len(run_ids),
            run_io=_count_run_io(conn, run_ids),
            facets=_count_facets(conn, run_ids),
            dependent_rows=_count_dependents(conn, run_ids, older_than),
            events=_count(conn, _prunable_events(older_than)),
        )
        if not dry_run:
            _delete_runs(conn, run_ids)
            old_events = select(s.events.c.id).where(_prunable_events(older_than))
            for source, col in _references(conn, "events"):
                conn.execute(delete(source).where(col.in_(old_events)))
            conn.execute(delete(s.events).where(_prunable_events(older_than)))
    return counts


def _latest_run_ids() -> Select[Any]:
    rn = s.runs.c
    newest = (
        select(rn.job_id, func.max(rn.created_at).label("created")).group_by(rn.job_id).subquery()
    )
    return select(rn.id).join(
        newest, and_(rn.job_id == newest.c.job_id, rn.created_at == newest.c.created)
    )


def _prunable_runs(conn: Connection, older_than: datetime) -> list[str]:
    rn = s.runs.c
    query = select(rn.id).where(rn.state_time < older_than, rn.id.not_in(_latest_run_ids()))
    return list(conn.execute(query).scalars())


def _prunable_events(older_than: datetime) -> ColumnElement[bool]:
    """Old events, except those of runs that stay (recent runs and every job's latest)."""
    ev, rn = s.events.c, s.runs.c
    kept_runs = select(rn.id).where(or_(rn.state_time >= older_than, rn.id.in_(_latest_run_ids())))
    return and_(ev.event_time < older_than, or_(ev.run_id.is_(None), ev.run_id.not_in(kept_runs)))


def _chunks(run_ids: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(run_ids), _CHUNK_ROWS):
        yield run_ids[start : start + _CHUNK_ROWS]


def _facets_of_runs(chunk: list[str]) -> ColumnElement[bool]:
    fc = s.facets.c
    io_owner = and_(
        fc.owner_type.in_(("input", "output")),
        func.substr(fc.owner_key, 1, _RUN_ID_CHARS).in_(chunk),
    )
    return or_(and_(fc.owner_type == "run", fc.owner_key.in_(chunk)), io_owner)


def _count(
    conn: Connection, where: ColumnElement[bool], source: Table | TableClause = s.events
) -> int:
    query = select(func.count()).select_from(source).where(where)
    return int(conn.execute(query).scalar() or 0)


def _count_run_io(conn: Connection, run_ids: list[str]) -> int:
    return sum(_count(conn, s.run_io.c.run_id.in_(chunk), s.run_io) for chunk in _chunks(run_ids))


def _count_facets(conn: Connection, run_ids: list[str]) -> int:
    return sum(_count(conn, _facets_of_runs(chunk), s.facets) for chunk in _chunks(run_ids))


def _count_dependents(conn: Connection, run_ids: list[str], older_than: datetime) -> int:
    old_events = select(s.events.c.id).where(_prunable_events(older_than))
    of_events = sum(
        _count(conn, col.in_(old_events), source) for source, col in _references(conn, "events")
    )
    of_runs = sum(
        _count(conn, col.in_(chunk), source)
        for source, col in _references(conn, "runs")
        for chunk in _chunks(run_ids)
    )
    tags = sum(_count(conn, _tags_of_runs(chunk), s.node_tags) for chunk in _chunks(run_ids))
    return of_events + of_runs + tags


def _tags_of_runs(chunk: list[str]) -> ColumnElement[bool]:
    nt = s.node_tags.c
    return and_(nt.owner_type == "run", nt.owner_ident.in_(chunk))


def _references(conn: Connection, target: str) -> list[tuple[TableClause, ColumnClause[Any]]]:
    """(table, column) pairs with a foreign key to `target`, found in the live schema."""
    inspector = inspect(conn)
    found = []
    for name in inspector.get_table_names():
        for fk in inspector.get_foreign_keys(name):
            if fk["referred_table"] == target and name not in ("runs", "run_io"):
                for col_name in fk["constrained_columns"]:
                    col: ColumnClause[Any] = column(col_name)
                    found.append((table(name, col), col))
    return found


def _delete_runs(conn: Connection, run_ids: list[str]) -> None:
    references = _references(conn, "runs")
    for chunk in _chunks(run_ids):
        for source, col in references:
            conn.execute(delete(source).where(col.in_(chunk)))
        conn.execute(delete(s.facets).where(_facets_of_runs(chunk)))
        conn.execute(delete(s.node_tags).where(_tags_of_runs(chunk)))
        clocks = s.tag_clocks.c
        conn.execute(
            delete(s.tag_clocks).where(clocks.owner_type == "run", clocks.owner_ident.in_(chunk))
        )
        conn.execute(delete(s.run_io).where(s.run_io.c.run_id.in_(chunk)))
        conn.execute(delete(s.runs).where(s.runs.c.id.in_(chunk)))
