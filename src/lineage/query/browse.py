"""Reads for browsing the store: the explorer's home page and its lists of datasets and jobs.

Each read is a fixed number of set-based statements that answer a typed Struct (the route
encodes it as it is). Counts and lists leave out soft-deleted nodes and dataset aliases, as
every other answer does.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import orjson
from msgspec import Meta
from sqlalchemy import Connection, and_, case, func, literal, or_, select, union_all

from lineage.query import tags as tagging
from lineage.query.types import Answer, NodeIdStr, Tags, TimeStr
from lineage.store import schema as s
from lineage.store import tags as tag_store
from lineage.store.read import iso, node_id

ds, jb, rn, dv, fc = s.datasets.c, s.jobs.c, s.runs.c, s.dataset_versions.c, s.facets.c

FAILED_STATES = ("FAILED", "ABORTED")
RECENT_RUNS = 20
RECENT_SCHEMAS = 10
TOP_NAMESPACES = 100

DatasetSort = Literal["name", "-name", "namespace", "-updated", "updated"]
JobSort = Literal["name", "-name", "namespace", "-updated", "updated", "-lastRun", "state"]
RunState = Literal["NEW", "RUNNING", "COMPLETED", "FAILED", "ABORTED", "OTHER", "none"]


class Counts(Answer):
    """How much the store holds (soft-deleted nodes and aliases left out)."""

    namespaces: int
    datasets: Annotated[int, Meta(description="Datasets that are not models")]
    jobs: int
    runs: int
    models: int


class NamespaceSummary(Answer):
    """A namespace and how many datasets and jobs it holds."""

    name: str
    datasets: int
    jobs: int


class RunSummary(Answer):
    """One run of a job, as a list shows it."""

    id: str
    job_id: NodeIdStr
    job_namespace: str
    job_name: str
    state: str
    started_at: TimeStr | None
    ended_at: TimeStr | None
    duration_ms: Annotated[int | None, Meta(description="ended - started, when both are known")]
    error: Annotated[str | None, Meta(description="The errorMessage facet's message")]


class SchemaChange(Answer):
    """A dataset version whose schema differs from the version before it."""

    dataset_id: NodeIdStr
    namespace: str
    name: str
    changed_at: TimeStr
    added: list[str]
    removed: list[str]
    retyped: list[str]


class Overview(Answer):
    """The home page: counts, namespaces, recent runs (failed first), schema changes."""

    counts: Counts
    namespaces: Annotated[list[NamespaceSummary], Meta(description="By name, at most 100")]
    recent_runs: Annotated[
        list[RunSummary],
        Meta(description="The 20 most recent runs, failed and aborted ones first"),
    ]
    schema_changes: Annotated[list[SchemaChange], Meta(description="The 10 most recent")]


class DatasetItem(Answer):
    """A dataset in a list."""

    id: NodeIdStr
    namespace: str
    name: str
    kind: str
    fields: Annotated[int, Meta(description="Fields in the latest recorded schema")]
    tags: Tags
    updated_at: TimeStr


class DatasetPage(Answer):
    """A page of datasets and how many match in all."""

    datasets: list[DatasetItem]
    total_count: int


class JobItem(Answer):
    """A job in a list, with its latest run."""

    id: NodeIdStr
    namespace: str
    name: str
    updated_at: TimeStr
    latest_run: RunSummary | None
    tags: Tags


class JobPage(Answer):
    """A page of jobs and how many match in all."""

    jobs: list[JobItem]
    total_count: int


def _count(conn: Connection, query: Any) -> int:
    return int(conn.execute(select(func.count()).select_from(query.subquery())).scalar() or 0)


def _live_datasets() -> Any:
    return and_(ds.canonical_id.is_(None), ds.deleted_at.is_(None))


def counts(conn: Connection) -> Counts:
    """Row counts of what a user can browse."""
    kinds = dict(
        conn.execute(
            select(ds.kind == "model", func.count()).where(_live_datasets()).group_by(ds.kind)
        ).all()
    )
    models = sum(n for is_model, n in kinds.items() if is_model)
    return Counts(
        namespaces=_count(conn, select(s.namespaces.c.id)),
        datasets=sum(kinds.values()) - models,
        jobs=_count(conn, select(jb.id).where(jb.deleted_at.is_(None))),
        runs=_count(conn, select(rn.id)),
        models=models,
    )


def namespaces(conn: Connection) -> list[NamespaceSummary]:
    """Namespaces with their dataset and job counts, by name."""
    members = union_all(
        select(ds.namespace.label("ns"), literal(1).label("d"), literal(0).label("j")).where(
            _live_datasets()
        ),
        select(jb.namespace.label("ns"), literal(0), literal(1)).where(jb.deleted_at.is_(None)),
    ).subquery()
    rows = conn.execute(
        select(members.c.ns, func.sum(members.c.d), func.sum(members.c.j))
        .group_by(members.c.ns)
        .order_by(members.c.ns)
        .limit(TOP_NAMESPACES)
    )
    return [NamespaceSummary(name=r[0], datasets=int(r[1]), jobs=int(r[2])) for r in rows]


def _error_text(raw: str | None) -> str | None:
    if not raw:
        return None
    error = orjson.loads(raw)
    message = error.get("message") if isinstance(error, dict) else None
    return str(message) if message is not None else None


def _run(row: Any) -> RunSummary:
    duration = None
    if row.started_at is not None and row.ended_at is not None:
        duration = int((row.ended_at - row.started_at).total_seconds() * 1000)
    return RunSummary(
        id=row.id,
        job_id=node_id("job", row.job_namespace, row.job_name),
        job_namespace=row.job_namespace,
        job_name=row.job_name,
        state=row.state,
        started_at=iso(row.started_at),
        ended_at=iso(row.ended_at),
        duration_ms=duration,
        error=_error_text(row.error_message),
    )


_RUN_COLUMNS = (
    rn.id,
    rn.state,
    rn.started_at,
    rn.ended_at,
    rn.error_message,
    jb.namespace.label("job_namespace"),
    jb.name.label("job_name"),
)


def recent_runs(conn: Connection, limit: int = RECENT_RUNS) -> list[RunSummary]:
    """The `limit` most recent runs of live jobs, failed and aborted ones first."""
    recent = (
        select(*_RUN_COLUMNS, rn.state_time)
        .join(s.jobs, jb.id == rn.job_id)
        .where(jb.deleted_at.is_(None))
        .order_by(rn.state_time.desc(), rn.id)
        .limit(limit)
        .subquery()
    )
    failed_first = case((recent.c.state.in_(FAILED_STATES), 0), else_=1)
    rows = conn.execute(
        select(recent).order_by(failed_first, recent.c.state_time.desc(), recent.c.id)
    )
    return [_run(r) for r in rows]


def field_changes(
    older: list[dict[str, Any]], newer: list[dict[str, Any]]
) -> tuple[list[str], list[str], list[str]]:
    """(added, removed, retyped) top-level field names between two recorded schemas."""
    before = {f.get("name"): f.get("type") for f in older if isinstance(f, dict)}
    after = {f.get("name"): f.get("type") for f in newer if isinstance(f, dict)}
    added = [str(n) for n in after if n not in before]
    removed = [str(n) for n in before if n not in after]
    retyped = [str(n) for n, t in after.items() if n in before and before[n] != t]
    return added, removed, retyped


def schema_changes(conn: Connection, limit: int = RECENT_SCHEMAS) -> list[SchemaChange]:
    """The most recent versions whose schema differs from their dataset's version before."""
    previous = func.lag(dv.schema_hash).over(
        partition_by=dv.dataset_id, order_by=(dv.created_at, dv.version)
    )
    previous_fields = func.lag(dv.fields).over(
        partition_by=dv.dataset_id, order_by=(dv.created_at, dv.version)
    )
    versions = (
        select(
            dv.version,
            dv.dataset_id,
            dv.schema_hash,
            dv.fields,
            dv.created_at,
            previous.label("previous_hash"),
            previous_fields.label("previous_fields"),
        )
        .where(dv.schema_hash.is_not(None))
        .subquery()
    )
    v = versions.c
    # an alias's versions are listed under the canonical dataset
    owner = s.datasets.alias("owner")
    rows = conn.execute(
        select(v.created_at, v.fields, v.previous_fields, owner.c.namespace, owner.c.name)
        .join(s.datasets, ds.id == v.dataset_id)
        .join(owner, owner.c.id == func.coalesce(ds.canonical_id, ds.id))
        .where(
            v.previous_hash.is_not(None),
            v.previous_hash != v.schema_hash,
            owner.c.deleted_at.is_(None),
        )
        # ties on time by dataset, then version: never by arrival (versions with the same
        # schema share their version string across datasets)
        .order_by(
            v.created_at.desc(),
            owner.c.namespace,
            owner.c.name,
            v.version.desc(),
            ds.namespace,
            ds.name,
        )
        .limit(limit)
    )
    out = []
    for r in rows:
        added, removed, retyped = field_changes(
            orjson.loads(r.previous_fields or "[]"), orjson.loads(r.fields or "[]")
        )
        out.append(
            SchemaChange(
                dataset_id=node_id("dataset", r.namespace, r.name),
                namespace=r.namespace,
                name=r.name,
                changed_at=iso(r.created_at) or "",
                added=added,
                removed=removed,
                retyped=retyped,
            )
        )
    return out


def overview(conn: Connection) -> Overview:
    """Everything the home page shows."""
    return Overview(
        counts=counts(conn),
        namespaces=namespaces(conn),
        recent_runs=recent_runs(conn),
        schema_changes=schema_changes(conn),
    )


def _like_literal(text: str) -> str:
    """`text` for a LIKE pattern with its wildcards taken literally (escape character `\\`)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _latest_field_counts(conn: Connection, ids: list[int]) -> dict[int, int]:
    """Fields in the newest recorded schema of each dataset (its own versions)."""
    if not ids:
        return {}
    rank = func.row_number().over(
        partition_by=dv.dataset_id, order_by=(dv.created_at.desc(), dv.version.desc())
    )
    ranked = (
        select(dv.dataset_id, dv.fields, rank.label("rank"))
        .where(dv.dataset_id.in_(ids), dv.fields.is_not(None))
        .subquery()
    )
    rows = conn.execute(select(ranked.c.dataset_id, ranked.c.fields).where(ranked.c.rank == 1))
    return {r.dataset_id: len(orjson.loads(r.fields)) for r in rows}


def list_datasets(
    conn: Connection,
    *,
    namespace: str | None,
    kind: str | None,
    tag: tagging.TagFilter | None,
    q: str | None,
    sort: DatasetSort,
    limit: int,
    offset: int,
) -> DatasetPage:
    """A page of live datasets matching every filter given, in `sort` order."""
    query = select(s.datasets).where(_live_datasets())
    if namespace:
        query = query.where(ds.namespace == namespace)
    if kind:
        query = query.where(ds.kind == kind)
    if q:
        pattern = f"%{_like_literal(q.lower())}%"
        query = query.where(
            or_(
                func.lower(ds.name).like(pattern, escape="\\"),
                func.lower(ds.namespace).like(pattern, escape="\\"),
            )
        )
    if tag:
        query = query.where(tagging.dataset_filter(tag))
    order = {
        "name": (ds.name, ds.namespace),
        "-name": (ds.name.desc(), ds.namespace.desc()),
        "namespace": (ds.namespace, ds.name),
        "updated": (ds.updated_at, ds.id),
        "-updated": (ds.updated_at.desc(), ds.id.desc()),
    }[sort]
    total = _count(conn, query)
    rows = list(conn.execute(query.order_by(*order).limit(limit).offset(offset)))
    fields = _latest_field_counts(conn, [r.id for r in rows])
    tags = tag_store.of_nodes(conn, "dataset", [(r.namespace, r.name) for r in rows])
    return DatasetPage(
        datasets=[
            DatasetItem(
                id=node_id("dataset", r.namespace, r.name),
                namespace=r.namespace,
                name=r.name,
                kind=r.kind,
                fields=fields.get(r.id, 0),
                tags=tagging.own(tags.get((r.namespace, r.name), [])),
                updated_at=iso(r.updated_at) or "",
            )
            for r in rows
        ],
        total_count=total,
    )


def list_jobs(
    conn: Connection,
    *,
    namespace: str | None,
    state: RunState | None,
    q: str | None,
    sort: JobSort,
    limit: int,
    offset: int,
    tag: tagging.TagFilter | None = None,
) -> JobPage:
    """A page of live jobs matching every filter given (`state`: of the latest run, `none`
    for jobs that never ran), in `sort` order."""
    rank = func.row_number().over(
        partition_by=rn.job_id, order_by=(rn.created_at.desc(), rn.id.desc())
    )
    latest = select(
        rn.job_id,
        rn.id,
        rn.state,
        rn.state_time,
        rn.started_at,
        rn.ended_at,
        rn.error_message,
        rank.label("rank"),
    ).subquery()
    last = select(latest).where(latest.c.rank == 1).subquery()
    query = (
        select(
            jb.id.label("job_pk"),
            jb.namespace.label("job_namespace"),
            jb.name.label("job_name"),
            jb.updated_at,
            last.c.id,
            last.c.state,
            last.c.state_time,
            last.c.started_at,
            last.c.ended_at,
            last.c.error_message,
        )
        .outerjoin(last, last.c.job_id == jb.id)
        .where(jb.deleted_at.is_(None))
    )
    if namespace:
        query = query.where(jb.namespace == namespace)
    if tag:
        query = query.where(tagging.job_filter(tag))
    if state == "none":
        query = query.where(last.c.id.is_(None))
    elif state:
        query = query.where(last.c.state == state)
    if q:
        pattern = f"%{_like_literal(q.lower())}%"
        query = query.where(
            or_(
                func.lower(jb.name).like(pattern, escape="\\"),
                func.lower(jb.namespace).like(pattern, escape="\\"),
            )
        )
    failed_first = case((last.c.state.in_(FAILED_STATES), 0), (last.c.id.is_(None), 2), else_=1)
    order = {
        "name": (jb.name, jb.namespace),
        "-name": (jb.name.desc(), jb.namespace.desc()),
        "namespace": (jb.namespace, jb.name),
        "updated": (jb.updated_at, jb.id),
        "-updated": (jb.updated_at.desc(), jb.id.desc()),
        "-lastRun": (last.c.state_time.is_(None), last.c.state_time.desc(), jb.id),
        "state": (failed_first, last.c.state_time.desc(), jb.id),
    }[sort]
    total = _count(conn, query)
    rows = list(conn.execute(query.order_by(*order).limit(limit).offset(offset)))
    tags = tag_store.of_nodes(conn, "job", [(r.job_namespace, r.job_name) for r in rows])
    return JobPage(
        jobs=[
            JobItem(
                id=node_id("job", r.job_namespace, r.job_name),
                namespace=r.job_namespace,
                name=r.job_name,
                updated_at=iso(r.updated_at) or "",
                latest_run=_run(r) if r.id is not None else None,
                tags=tagging.own(tags.get((r.job_namespace, r.job_name), [])),
            )
            for r in rows
        ],
        total_count=total,
    )
