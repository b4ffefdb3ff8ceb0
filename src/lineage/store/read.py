"""Read queries: entity lists and details, run history, the event log, the graph snapshot.

Functions return plain dicts shaped like the API's response models (camelCase keys), so the
API layer only validates and serializes them.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Connection, Row, and_, func, or_, select

from lineage.facets import explicit_flows
from lineage.store import schema as s
from lineage.store.changes import Flow, NodeKey, NodeState, Snapshot, dataset_key, job_key

ds, jb, rn = s.datasets.c, s.jobs.c, s.runs.c
ce, le = s.column_edges.c, s.lineage_edges.c

# The rows a snapshot is made of, column by column (`add_datasets` and its siblings take
# rows in this order, from the whole store or from part of it).
DATASET_NODE = (
    ds.id,
    ds.namespace,
    ds.name,
    ds.kind,
    ds.is_dropped,
    ds.canonical_id,
    ds.deleted_at,
)
JOB_NODE = (jb.id, jb.namespace, jb.name, jb.parent_job_id, jb.lineage_incomplete, jb.deleted_at)
LINEAGE_EDGE = (le.job_id, le.dataset_id, le.direction)
COLUMN_EDGE = (
    ce.job_id,
    ce.out_dataset_id,
    ce.out_field,
    ce.in_dataset_id,
    ce.in_field,
    ce.type,
    ce.subtype,
)

_PLAIN_DATASET, _PLAIN_JOB = NodeState(kind="dataset"), NodeState(kind="job")
CHUNK = 1000  # values per IN (...) list


def raw_rows(conn: Connection, sql: str) -> list[tuple[Any, ...]]:
    """Plain tuples straight from the driver: at a million rows, SQLAlchemy's Row objects
    cost more than the query (start-up rebuild, benchmarks/graph.py)."""
    cursor = conn.connection.cursor()
    try:
        cursor.execute(sql)
        return list(cursor.fetchall())
    finally:
        cursor.close()


def _select_all(columns: tuple[Any, ...], where: str = "") -> str:
    names = ", ".join(c.name for c in columns)
    return f"SELECT {names} FROM {columns[0].table.name}{where}"


def load_snapshot(conn: Connection) -> Snapshot:
    """Everything the in-memory graph needs, read in a few queries.

    Plain datasets and jobs share one NodeState each (a snapshot is read-only).
    """
    snap = Snapshot()
    dataset_keys = add_datasets(snap, raw_rows(conn, _select_all(DATASET_NODE)))
    job_keys = add_jobs(snap, raw_rows(conn, _select_all(JOB_NODE)))
    current = raw_rows(conn, _select_all(LINEAGE_EDGE, " WHERE valid_to IS NULL"))
    add_edges(snap, current, job_keys, dataset_keys)
    add_columns(
        snap,
        conn.execute(select(*COLUMN_EDGE).where(ce.valid_to.is_(None))),
        job_keys,
        dataset_keys,
    )
    fc = s.facets.c
    facets = conn.execute(
        select(fc.owner_key, fc.payload).where(fc.owner_type == "job", fc.name == "lineage")
    )
    for job_id, flows in job_flows(facets):
        snap.flows[job_keys[job_id]] = flows
    return snap


def add_datasets(snap: Snapshot, rows: Iterable[Sequence[Any]]) -> dict[int, NodeKey]:
    """Dataset rows (`DATASET_NODE`) as nodes, hidden marks and aliases; returns id -> key.

    An alias row's canonical row must be among `rows`.
    """
    dataset_keys: dict[int, NodeKey] = {}
    canonical_of: dict[int, int] = {}
    for id_, namespace, name, kind, dropped, canonical_id, deleted_at in rows:
        key = dataset_key(namespace, name)
        dataset_keys[id_] = key
        if canonical_id is not None:
            canonical_of[id_] = canonical_id
            continue
        plain = kind == "dataset" and not dropped
        snap.nodes[key] = _PLAIN_DATASET if plain else NodeState(kind=kind, dropped=bool(dropped))
        if deleted_at is not None:
            snap.hidden.add(key)
    for alias_id, target in canonical_of.items():
        snap.aliases[dataset_keys[alias_id]] = dataset_keys[target]
    return dataset_keys


def add_jobs(snap: Snapshot, rows: Iterable[Sequence[Any]]) -> dict[int, NodeKey]:
    """Job rows (`JOB_NODE`) as nodes and hidden marks; returns id -> key.

    A job's parent row must be among `rows`.
    """
    job_rows = list(rows)
    job_keys: dict[int, NodeKey] = {row[0]: job_key(row[1], row[2]) for row in job_rows}
    for id_, _, _, parent_id, incomplete, deleted_at in job_rows:
        key = job_keys[id_]
        if parent_id is None and not incomplete:
            snap.nodes[key] = _PLAIN_JOB
        else:
            parent = job_keys[parent_id] if parent_id is not None else None
            snap.nodes[key] = NodeState(kind="job", incomplete=bool(incomplete), parent=parent)
        if deleted_at is not None:
            snap.hidden.add(key)
    return job_keys


def add_edges(
    snap: Snapshot,
    rows: Iterable[Sequence[Any]],
    job_keys: dict[int, NodeKey],
    dataset_keys: dict[int, NodeKey],
) -> None:
    """Current (job_id, dataset_id, direction) lineage_edges rows as graph edges."""
    for job_id, dataset_id, direction in rows:
        job, dataset = job_keys[job_id], dataset_keys[dataset_id]
        snap.edges.add((dataset, job) if direction == "in" else (job, dataset))


def add_columns(
    snap: Snapshot,
    rows: Iterable[Sequence[Any]],
    job_keys: dict[int, NodeKey],
    dataset_keys: dict[int, NodeKey],
) -> None:
    """Current column_edges rows (`COLUMN_EDGE`) as column lineage."""
    for job_id, out_dataset_id, out_field, in_dataset_id, in_field, type_, subtype in rows:
        snap.columns.add(
            (
                (dataset_keys[in_dataset_id], in_field),
                (dataset_keys[out_dataset_id], out_field),
                job_keys[job_id],
                type_,
                subtype,
            )
        )


def job_flows(rows: Iterable[Sequence[Any]]) -> Iterator[tuple[int, frozenset[Flow]]]:
    """(job id, explicit input -> output pairs) from (owner_key, payload) `lineage` job facets."""
    for owner_key, payload in rows:
        flows = explicit_flows({"lineage": orjson.loads(payload)})
        if flows is not None:
            yield int(owner_key), frozenset((dataset_key(*a), dataset_key(*b)) for a, b in flows[2])


# --- helpers -----------------------------------------------------------------------------------


def iso(value: datetime | None) -> str | None:
    """RFC 3339 with a Z suffix, as every API time is written."""
    if value is None:
        return None
    return value.isoformat().replace("+00:00", "Z")


def node_id(kind: str, namespace: str, name: str) -> str:
    """Marquez-style node id."""
    return f"{kind}:{namespace}:{name}"


def facets_of(conn: Connection, owner: str, keys: list[str]) -> dict[str, dict[str, Any]]:
    """Current facets of several owners of one type: owner key -> {facet name: json}."""
    out: dict[str, dict[str, Any]] = {k: {} for k in keys}
    if not keys:
        return out
    fc = s.facets.c
    for row in conn.execute(
        select(fc.owner_key, fc.name, fc.payload).where(
            fc.owner_type == owner, fc.owner_key.in_(keys)
        )
    ):
        out[row.owner_key][row.name] = orjson.loads(row.payload)
    return out


def _page(conn: Connection, query: Any, limit: int, offset: int) -> tuple[list[Row[Any]], int]:
    total = conn.execute(select(func.count()).select_from(query.order_by(None).subquery())).scalar()
    rows = list(conn.execute(query.limit(limit).offset(offset)))
    return rows, int(total or 0)


# --- namespaces --------------------------------------------------------------------------------


def list_namespaces(
    conn: Connection, *, limit: int, offset: int
) -> tuple[list[dict[str, Any]], int]:
    """Namespaces by name."""
    ns = s.namespaces.c
    rows, total = _page(conn, select(s.namespaces).order_by(ns.name), limit, offset)
    return [
        {"name": r.name, "createdAt": iso(r.created_at), "updatedAt": iso(r.updated_at)}
        for r in rows
    ], total


# --- datasets ----------------------------------------------------------------------------------


def find_dataset(conn: Connection, namespace: str, name: str) -> Row[Any] | None:
    """The canonical dataset row for an identity or any of its aliases."""
    row = conn.execute(select(s.datasets).where(ds.ident == s.ident(namespace, name))).first()
    if row is not None and row.canonical_id is not None:
        row = conn.execute(select(s.datasets).where(ds.id == row.canonical_id)).first()
    return row


def list_datasets(
    conn: Connection, namespace: str, *, limit: int, offset: int, kind: str | None = None
) -> tuple[list[dict[str, Any]], int]:
    """Canonical, non-deleted datasets of a namespace."""
    query = select(s.datasets).where(
        ds.namespace == namespace, ds.canonical_id.is_(None), ds.deleted_at.is_(None)
    )
    if kind:
        query = query.where(ds.kind == kind)
    rows, total = _page(conn, query.order_by(ds.name), limit, offset)
    return dataset_details(conn, rows), total


def identity_ids(conn: Connection, dataset_id: int) -> list[int]:
    """The dataset's id and the ids of all identities aliased to it."""
    query = select(ds.id).where(ds.canonical_id == dataset_id)
    aliases: list[int] = list(conn.execute(query).scalars())
    return [dataset_id, *aliases]


def latest_fields(conn: Connection, dataset_ids: list[int]) -> list[dict[str, Any]]:
    """The most recent recorded schema of a dataset (any of its identities)."""
    return _latest_fields(conn, dict.fromkeys(dataset_ids, dataset_ids[0])).get(dataset_ids[0], [])


def _latest_fields(conn: Connection, canonical: dict[int, int]) -> dict[int, list[dict[str, Any]]]:
    """Newest recorded schema per canonical dataset; `canonical` maps identity -> canonical."""
    dv = s.dataset_versions.c
    rank = func.row_number().over(
        partition_by=dv.dataset_id, order_by=(dv.created_at.desc(), dv.id.desc())
    )
    ranked = (
        select(dv.dataset_id, dv.fields, dv.created_at, dv.id, rank.label("rank"))
        .where(dv.dataset_id.in_(list(canonical)), dv.fields.is_not(None))
        .subquery()
    )
    best: dict[int, tuple[Any, int, str]] = {}
    for r in conn.execute(select(ranked).where(ranked.c.rank == 1)):
        owner = canonical[r.dataset_id]
        if owner not in best or (r.created_at, r.id) > best[owner][:2]:
            best[owner] = (r.created_at, r.id, r.fields)
    return {owner: _fields_out(orjson.loads(v[2])) for owner, v in best.items()}


def _fields_out(fields: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "name": f.get("name"),
            "type": f.get("type"),
            "description": f.get("description"),
            "fields": _fields_out(f.get("fields") or []),
        }
        for f in fields
        if isinstance(f, dict)
    ]


def dataset_detail(conn: Connection, row: Row[Any]) -> dict[str, Any]:
    """A dataset as the API shows it, with aliases, producers and consumers."""
    out = dataset_details(conn, [row])[0]
    aliases = conn.execute(
        select(ds.namespace, ds.name)
        .where(ds.canonical_id == row.id)
        .order_by(ds.namespace, ds.name)
    )
    out["aliases"] = [{"namespace": a.namespace, "name": a.name} for a in aliases]
    out["producers"], out["consumers"] = _dataset_jobs(conn, row.id)
    return out


def dataset_details(conn: Connection, rows: list[Row[Any]]) -> list[dict[str, Any]]:
    """Several datasets at once (list pages), in a fixed number of queries."""
    ids = [r.id for r in rows]
    canonical = {i: i for i in ids}
    for alias in conn.execute(select(ds.id, ds.canonical_id).where(ds.canonical_id.in_(ids))):
        canonical[alias.id] = alias.canonical_id
    fields = _latest_fields(conn, canonical) if ids else {}
    facets = facets_of(conn, "dataset", [str(i) for i in ids])
    return [
        {
            "id": {"namespace": row.namespace, "name": row.name},
            "nodeId": node_id("dataset", row.namespace, row.name),
            "type": "DATASET",
            "namespace": row.namespace,
            "name": row.name,
            "kind": row.kind,
            "description": row.description,
            "isDropped": row.is_dropped,
            "isDeleted": row.deleted_at is not None,
            "lifecycleState": row.lifecycle_state,
            "createdAt": iso(row.created_at),
            "updatedAt": iso(row.updated_at),
            "fields": fields.get(row.id, []),
            "facets": facets[str(row.id)],
        }
        for row in rows
    ]


def _dataset_jobs(
    conn: Connection, dataset_id: int
) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    le = s.lineage_edges.c
    rows = conn.execute(
        select(jb.namespace, jb.name, le.direction)
        .join(s.jobs, jb.id == le.job_id)
        .where(le.dataset_id == dataset_id, le.valid_to.is_(None), jb.deleted_at.is_(None))
        .order_by(jb.namespace, jb.name)
        .distinct()
    )
    producers: list[dict[str, str]] = []
    consumers: list[dict[str, str]] = []
    for r in rows:
        (producers if r.direction == "out" else consumers).append(
            {"namespace": r.namespace, "name": r.name}
        )
    return producers, consumers


def dataset_versions(
    conn: Connection, dataset_id: int, *, limit: int, offset: int
) -> tuple[list[dict[str, Any]], int]:
    """Schema/data versions of a dataset, newest first."""
    dv = s.dataset_versions.c
    query = (
        select(s.dataset_versions)
        .where(dv.dataset_id.in_(identity_ids(conn, dataset_id)))
        .order_by(dv.created_at.desc(), dv.id.desc())
    )
    rows, total = _page(conn, query, limit, offset)
    return [
        {
            "version": r.version,
            "schemaHash": r.schema_hash,
            "fields": _fields_out(orjson.loads(r.fields)) if r.fields else [],
            "runId": r.run_id,
            "createdAt": iso(r.created_at),
        }
        for r in rows
    ], total


# --- jobs and runs -----------------------------------------------------------------------------


def find_job(conn: Connection, namespace: str, name: str) -> Row[Any] | None:
    """The job row for (namespace, name)."""
    return conn.execute(select(s.jobs).where(jb.ident == s.ident(namespace, name))).first()


def jobs_by_key(conn: Connection, keys: Iterable[NodeKey]) -> dict[NodeKey, Row[Any]]:
    """The job rows of many job keys, one statement per `CHUNK` keys."""
    by_ident = {s.ident(k[1], k[2]): k for k in keys}
    idents = list(by_ident)
    out = {}
    for start in range(0, len(idents), CHUNK):
        query = select(s.jobs).where(jb.ident.in_(idents[start : start + CHUNK]))
        out.update({by_ident[r.ident]: r for r in conn.execute(query)})
    return out


def list_jobs(
    conn: Connection, namespace: str, *, limit: int, offset: int
) -> tuple[list[dict[str, Any]], int]:
    """Non-deleted jobs of a namespace."""
    query = (
        select(s.jobs).where(jb.namespace == namespace, jb.deleted_at.is_(None)).order_by(jb.name)
    )
    rows, total = _page(conn, query, limit, offset)
    return job_details(conn, rows), total


def job_detail(conn: Connection, row: Row[Any]) -> dict[str, Any]:
    """A job as the API shows it, with its current inputs/outputs and latest run."""
    return job_details(conn, [row])[0]


def job_details(conn: Connection, rows: list[Row[Any]]) -> list[dict[str, Any]]:
    """Several jobs at once: a fixed number of queries however many jobs (no N+1)."""
    ids = [r.id for r in rows]
    parent_ids = {r.parent_job_id for r in rows if r.parent_job_id is not None}
    parents = {
        p.id: p
        for p in conn.execute(select(jb.id, jb.namespace, jb.name).where(jb.id.in_(parent_ids)))
    }
    le = s.lineage_edges.c
    io = conn.execute(
        select(le.job_id, ds.namespace, ds.name, le.direction)
        .join(s.datasets, ds.id == le.dataset_id)
        .where(le.job_id.in_(ids), le.valid_to.is_(None))
        .order_by(ds.namespace, ds.name)
        .distinct()
    )
    edges = _split_io(io, "job_id")
    latest = latest_runs(conn, ids)
    runs = dict(
        zip(latest, run_details(conn, list(latest.values()), with_facets=False), strict=True)
    )
    facets = facets_of(conn, "job", [str(i) for i in ids])
    return [
        _job_out(
            row,
            parents.get(row.parent_job_id),
            edges.get(row.id, ([], [])),
            runs.get(row.id),
            facets[str(row.id)],
        )
        for row in rows
    ]


def _split_io(
    rows: Any, owner: str
) -> dict[Any, tuple[list[dict[str, str]], list[dict[str, str]]]]:
    """Group (owner, namespace, name, direction) rows into inputs and outputs per owner."""
    out: dict[Any, tuple[list[dict[str, str]], list[dict[str, str]]]] = {}
    for r in rows:
        inputs, outputs = out.setdefault(getattr(r, owner), ([], []))
        (inputs if r.direction == "in" else outputs).append(
            {"namespace": r.namespace, "name": r.name}
        )
    return out


def _job_out(
    row: Row[Any],
    parent: Row[Any] | None,
    io: tuple[list[dict[str, str]], list[dict[str, str]]],
    latest: dict[str, Any] | None,
    facets: dict[str, Any],
) -> dict[str, Any]:
    simple = row.name
    if parent is not None and row.name.startswith(parent.name + "."):
        simple = row.name[len(parent.name) + 1 :]
    return {
        "id": {"namespace": row.namespace, "name": row.name},
        "nodeId": node_id("job", row.namespace, row.name),
        "type": "JOB",
        "namespace": row.namespace,
        "name": row.name,
        "simpleName": simple,
        "parentJobName": parent.name if parent else None,
        "parentJobNamespace": parent.namespace if parent else None,
        "jobType": (
            {
                "integration": row.integration,
                "jobType": row.job_type,
                "processingType": row.processing_type,
            }
            if row.integration or row.job_type or row.processing_type
            else None
        ),
        "description": row.description,
        "location": row.location,
        "sql": row.sql,
        "inputs": io[0],
        "outputs": io[1],
        "lineageIncomplete": row.lineage_incomplete,
        "isDeleted": row.deleted_at is not None,
        "createdAt": iso(row.created_at),
        "updatedAt": iso(row.updated_at),
        "latestRun": latest,
        "facets": facets,
    }


def job_runs(
    conn: Connection, job_id: int, *, limit: int, offset: int
) -> tuple[list[dict[str, Any]], int]:
    """A job's runs, newest first."""
    query = select(s.runs).where(rn.job_id == job_id).order_by(rn.created_at.desc(), rn.id.desc())
    rows, total = _page(conn, query, limit, offset)
    return run_details(conn, rows), total


def find_run(conn: Connection, run_id: str) -> Row[Any] | None:
    """A run by its UUID or by the raw id a producer sent."""
    row = conn.execute(select(s.runs).where(rn.id == run_id)).first()
    if row is None:
        row = conn.execute(select(s.runs).where(rn.external_id == run_id).limit(1)).first()
    return row


def run_detail(conn: Connection, row: Row[Any], *, with_facets: bool = True) -> dict[str, Any]:
    """A run as the API shows it."""
    return run_details(conn, [row], with_facets=with_facets)[0]


def run_details(
    conn: Connection, rows: list[Row[Any]], *, with_facets: bool = True
) -> list[dict[str, Any]]:
    """Several runs at once, in a fixed number of queries."""
    if not rows:
        return []
    run_ids = [r.id for r in rows]
    jobs = {
        j.id: j
        for j in conn.execute(
            select(jb.id, jb.namespace, jb.name).where(jb.id.in_({r.job_id for r in rows}))
        )
    }
    io = _split_io(
        conn.execute(
            select(s.run_io.c.run_id, ds.namespace, ds.name, s.run_io.c.direction)
            .join(s.datasets, ds.id == s.run_io.c.dataset_id)
            .where(s.run_io.c.run_id.in_(run_ids))
            .order_by(ds.namespace, ds.name)
        ),
        "run_id",
    )
    facets = facets_of(conn, "run", run_ids) if with_facets else {}
    out = []
    for row in rows:
        detail = _run_out(row, jobs[row.job_id], io.get(row.id, ([], [])))
        if with_facets:
            detail["facets"] = facets[row.id]
        out.append(detail)
    return out


def _run_out(
    row: Row[Any], job: Row[Any], io: tuple[list[dict[str, str]], list[dict[str, str]]]
) -> dict[str, Any]:
    duration = None
    if row.started_at is not None and row.ended_at is not None:
        duration = int((row.ended_at - row.started_at).total_seconds() * 1000)
    return {
        "id": row.id,
        "externalId": row.external_id,
        "state": row.state,
        "jobNamespace": job.namespace,
        "jobName": job.name,
        "createdAt": iso(row.created_at),
        "updatedAt": iso(row.updated_at),
        "startedAt": iso(row.started_at),
        "endedAt": iso(row.ended_at),
        "durationMs": duration,
        "nominalStartTime": iso(row.nominal_start),
        "nominalEndTime": iso(row.nominal_end),
        "parentRunId": row.parent_run_id,
        "rootRunId": row.root_run_id,
        "lineageIncomplete": row.lineage_incomplete,
        "errorMessage": orjson.loads(row.error_message) if row.error_message else None,
        "inputs": io[0],
        "outputs": io[1],
    }


def child_runs(conn: Connection, run_id: str) -> list[Row[Any]]:
    """Runs whose parent is `run_id`, oldest first."""
    return list(
        conn.execute(
            select(s.runs).where(rn.parent_run_id == run_id).order_by(rn.created_at, rn.id)
        )
    )


def latest_runs(conn: Connection, job_ids: list[int]) -> dict[int, Row[Any]]:
    """The newest run of each job."""
    if not job_ids:
        return {}
    newest = (
        select(rn.job_id, func.max(rn.created_at).label("created"))
        .where(rn.job_id.in_(job_ids))
        .group_by(rn.job_id)
        .subquery()
    )
    rows = conn.execute(
        select(s.runs)
        .join(newest, and_(rn.job_id == newest.c.job_id, rn.created_at == newest.c.created))
        .order_by(rn.id)  # on a created_at tie the highest id wins, as in job_runs' order
    )
    return {r.job_id: r for r in rows}


# --- event log and search ----------------------------------------------------------------------


def list_events(
    conn: Connection,
    *,
    before: datetime | None,
    after: datetime | None,
    limit: int,
    offset: int,
    ascending: bool = False,
) -> tuple[list[Any], int]:
    """Raw events by eventTime, decompressed."""
    ev = s.events.c
    query = select(ev.payload)
    if before is not None:
        query = query.where(ev.event_time <= before)
    if after is not None:
        query = query.where(ev.event_time >= after)
    order = (
        (ev.event_time.asc(), ev.id.asc()) if ascending else (ev.event_time.desc(), ev.id.desc())
    )
    rows, total = _page(conn, query.order_by(*order), limit, offset)
    return [orjson.loads(zlib.decompress(r.payload)) for r in rows], total


def search(conn: Connection, q: str, *, kind: str | None, limit: int) -> list[dict[str, Any]]:
    """Datasets and jobs whose name (or namespace) contains `q`, best matches first."""
    pattern = f"%{q.lower()}%"
    results: list[dict[str, Any]] = []
    if kind in (None, "DATASET", "MODEL"):
        query = select(ds.namespace, ds.name, ds.kind, ds.updated_at).where(
            ds.canonical_id.is_(None),
            ds.deleted_at.is_(None),
            or_(func.lower(ds.name).like(pattern), func.lower(ds.namespace).like(pattern)),
        )
        if kind == "MODEL":
            query = query.where(ds.kind == "model")
        for r in conn.execute(query.limit(limit * 4)):
            results.append(_hit("dataset", r, "MODEL" if r.kind == "model" else "DATASET"))
    if kind in (None, "JOB"):
        query = select(jb.namespace, jb.name, jb.updated_at).where(
            jb.deleted_at.is_(None),
            or_(func.lower(jb.name).like(pattern), func.lower(jb.namespace).like(pattern)),
        )
        for r in conn.execute(query.limit(limit * 4)):
            results.append(_hit("job", r, "JOB"))
    needle = q.lower()
    results.sort(
        key=lambda h: (not h["name"].lower().startswith(needle), len(h["name"]), h["name"])
    )
    return results[:limit]


def _hit(kind: str, row: Row[Any], type_: str) -> dict[str, Any]:
    return {
        "type": type_,
        "name": row.name,
        "namespace": row.namespace,
        "nodeId": node_id(kind, row.namespace, row.name),
        "updatedAt": iso(row.updated_at),
    }


def counts(conn: Connection) -> dict[str, int]:
    """Row counts for status pages."""
    tables = {"events": s.events, "datasets": s.datasets, "jobs": s.jobs, "runs": s.runs}
    return {
        name: int(conn.execute(select(func.count()).select_from(t)).scalar() or 0)
        for name, t in tables.items()
    }
