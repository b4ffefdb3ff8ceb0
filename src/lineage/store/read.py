"""Read queries: the graph snapshot, entity rows, run history, the event log, search.

Functions return rows (or plain data decoded from the store's JSON columns), never the API's
wire shapes: `lineage.query.entities` builds those. Every function that reads for many
owners does it in one statement per kind of row (IN lists of at most `CHUNK` values).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Connection,
    Row,
    Table,
    and_,
    any_,
    bindparam,
    case,
    func,
    literal,
    literal_column,
    or_,
    select,
    union_all,
)

from lineage import jsonio
from lineage.facets import explicit_flows, redacted
from lineage.store import codec, job_links
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
    snap.edges.update((job_keys[a], job_keys[b]) for a, b in job_links.current_edges(conn))
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
        flows = explicit_flows({"lineage": jsonio.loads(payload)})
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


def _in_chunks(conn: Connection, query: Any, column: Any, values: Iterable[Any]) -> list[Row[Any]]:
    """Rows of `query` with `column IN values`, at most `CHUNK` values a statement."""
    todo = list(dict.fromkeys(values))
    rows: list[Row[Any]] = []
    for start in range(0, len(todo), CHUNK):
        rows += conn.execute(query.where(column.in_(todo[start : start + CHUNK])))
    return rows


def one_of(conn: Connection, column: Any, values: Iterable[Any]) -> ColumnElement[bool]:
    """`column IN values` with the values in one bound parameter (an array on PostgreSQL, a
    JSON array on SQLite): the statement compiles once, whatever their number, and needs no
    `CHUNK`s."""
    items = sorted(set(values))
    if conn.dialect.name == "postgresql":
        return column == any_(bindparam(None, items, type_=ARRAY(column.type)))
    listed = func.json_each(bindparam(None, orjson.dumps(items).decode()))
    return column.in_(select(literal_column("value")).select_from(listed))


def facets_of(conn: Connection, owner: str, keys: list[str]) -> dict[str, dict[str, Any]]:
    """Current facets of several owners of one type: owner key -> {facet name: json}, with
    the values of environment variables redacted (`lineage.facets.redacted`)."""
    out: dict[str, dict[str, Any]] = {k: {} for k in keys}
    fc = s.facets.c
    query = select(fc.owner_key, fc.name, fc.payload).where(fc.owner_type == owner)
    for row in _in_chunks(conn, query, fc.owner_key, keys):
        out[row.owner_key][row.name] = redacted(row.name, jsonio.loads(row.payload))
    return out


def page(conn: Connection, query: Any, limit: int, offset: int) -> tuple[list[Row[Any]], int]:
    """One page of `query`'s rows and the count of all of them."""
    total = conn.execute(select(func.count()).select_from(query.order_by(None).subquery())).scalar()
    rows = list(conn.execute(query.limit(limit).offset(offset)))
    return rows, int(total or 0)


# --- namespaces --------------------------------------------------------------------------------


def list_namespaces(conn: Connection, *, limit: int, offset: int) -> tuple[list[Row[Any]], int]:
    """Namespace rows by name."""
    return page(conn, select(s.namespaces).order_by(s.namespaces.c.name), limit, offset)


def find_namespace(conn: Connection, name: str) -> Row[Any] | None:
    """A namespace row."""
    return conn.execute(select(s.namespaces).where(s.namespaces.c.name == name)).first()


def namespace_names(conn: Connection) -> list[str]:
    """Every namespace name (for suggestions: there are few)."""
    return list(conn.execute(select(s.namespaces.c.name)).scalars())


# --- datasets ----------------------------------------------------------------------------------


def find_dataset(conn: Connection, namespace: str, name: str) -> Row[Any] | None:
    """The canonical dataset row for an identity or any of its aliases."""
    row = conn.execute(select(s.datasets).where(ds.ident == s.ident(namespace, name))).first()
    if row is not None and row.canonical_id is not None:
        row = conn.execute(select(s.datasets).where(ds.id == row.canonical_id)).first()
    return row


def _visible(table: Table) -> ColumnElement[bool]:
    """The rows of `table` (datasets or jobs) that listings show: not soft-deleted, and for
    datasets not an alias identity (it answers under its canonical dataset)."""
    live = table.c.deleted_at.is_(None)
    return and_(table.c.canonical_id.is_(None), live) if table is s.datasets else live


def list_datasets(
    conn: Connection,
    namespace: str,
    *,
    limit: int,
    offset: int,
    kind: str | None = None,
    where: Any = None,
) -> tuple[list[Row[Any]], int]:
    """Canonical, non-deleted dataset rows of a namespace (those matching `where`), by name."""
    query = select(s.datasets).where(ds.namespace == namespace, _visible(s.datasets))
    if kind:
        query = query.where(ds.kind == kind)
    if where is not None:
        query = query.where(where)
    return page(conn, query.order_by(ds.name), limit, offset)


def identity_ids(conn: Connection, dataset_id: int) -> list[int]:
    """The dataset's id and the ids of all identities aliased to it."""
    query = select(ds.id).where(ds.canonical_id == dataset_id)
    aliases: list[int] = list(conn.execute(query).scalars())
    return [dataset_id, *aliases]


def aliases_of(conn: Connection, dataset_ids: list[int]) -> dict[int, list[Row[Any]]]:
    """Alias identity rows (id, canonical_id, namespace, name) of each canonical dataset."""
    query = select(ds.id, ds.canonical_id, ds.namespace, ds.name).order_by(ds.namespace, ds.name)
    out: dict[int, list[Row[Any]]] = {i: [] for i in dataset_ids}
    for row in _in_chunks(conn, query, ds.canonical_id, dataset_ids):
        out[row.canonical_id].append(row)
    return out


def latest_fields(conn: Connection, dataset_ids: list[int]) -> list[dict[str, Any]]:
    """The most recent recorded schema (raw `fields` JSON) of one dataset, any identity."""
    return newest_schemas(conn, dict.fromkeys(dataset_ids, dataset_ids[0])).get(dataset_ids[0], [])


def newest_schemas(conn: Connection, canonical: dict[int, int]) -> dict[int, list[Any]]:
    """Newest recorded schema (raw `fields` JSON) per canonical dataset; `canonical` maps
    every identity id to its canonical id."""
    dv = s.dataset_versions.c
    rank = func.row_number().over(
        partition_by=dv.dataset_id, order_by=(dv.created_at.desc(), dv.version.desc())
    )
    # a tie on time goes to the greater version string, never to the row id (arrival order)
    best: dict[int, tuple[Any, str, str]] = {}
    todo = list(canonical)
    for start in range(0, len(todo), CHUNK):
        ranked = (
            select(dv.dataset_id, dv.fields, dv.created_at, dv.version, rank.label("rank"))
            .where(dv.dataset_id.in_(todo[start : start + CHUNK]), dv.fields.is_not(None))
            .subquery()
        )
        for r in conn.execute(select(ranked).where(ranked.c.rank == 1)):
            owner = canonical[r.dataset_id]
            if owner not in best or (r.created_at, r.version) > best[owner][:2]:
                best[owner] = (r.created_at, r.version, r.fields)
    return {owner: jsonio.loads(v[2]) for owner, v in best.items()}


def newest_version_times(conn: Connection, canonical: dict[int, int]) -> dict[int, datetime]:
    """When each canonical dataset (any identity) last got a version."""
    dv = s.dataset_versions.c
    query = select(dv.dataset_id, func.max(dv.created_at).label("newest")).group_by(dv.dataset_id)
    out: dict[int, datetime] = {}
    for r in _in_chunks(conn, query, dv.dataset_id, canonical):
        owner = canonical[r.dataset_id]
        if owner not in out or r.newest > out[owner]:
            out[owner] = r.newest
    return out


def dataset_jobs(conn: Connection, dataset_ids: list[int]) -> list[Row[Any]]:
    """(dataset_id, namespace, name, direction) of the jobs currently writing ('out') or
    reading ('in') each dataset, by job name."""
    query = (
        select(le.dataset_id, jb.namespace, jb.name, le.direction)
        .join(s.jobs, jb.id == le.job_id)
        .where(le.valid_to.is_(None), _visible(s.jobs))
        .order_by(jb.namespace, jb.name)
        .distinct()
    )
    return _in_chunks(conn, query, le.dataset_id, dataset_ids)


def dataset_versions(
    conn: Connection, dataset_id: int, *, limit: int, offset: int
) -> tuple[list[Row[Any]], int]:
    """Version rows of a dataset (all its identities), newest first."""
    dv = s.dataset_versions.c
    query = (
        select(s.dataset_versions)
        .where(dv.dataset_id.in_(identity_ids(conn, dataset_id)))
        .order_by(dv.created_at.desc(), dv.version.desc())
    )
    return page(conn, query, limit, offset)


# --- jobs and runs -----------------------------------------------------------------------------


def find_job(conn: Connection, namespace: str, name: str) -> Row[Any] | None:
    """The job row for (namespace, name)."""
    return conn.execute(select(s.jobs).where(jb.ident == s.ident(namespace, name))).first()


def jobs_by_key(conn: Connection, keys: Iterable[NodeKey]) -> dict[NodeKey, Row[Any]]:
    """The job rows of many job keys."""
    by_ident = {s.ident(k[1], k[2]): k for k in keys}
    return {by_ident[r.ident]: r for r in _in_chunks(conn, select(s.jobs), jb.ident, by_ident)}


def datasets_by_key(conn: Connection, keys: Iterable[NodeKey]) -> dict[NodeKey, Row[Any]]:
    """The dataset rows of many keys; an alias identity gives its own row (canonical_id set)."""
    by_ident = {s.ident(k[1], k[2]): k for k in keys}
    rows = _in_chunks(conn, select(s.datasets), ds.ident, by_ident)
    return {by_ident[r.ident]: r for r in rows}


def jobs_by_id(conn: Connection, job_ids: Iterable[int]) -> dict[int, Row[Any]]:
    """(id, namespace, name) of jobs by id."""
    query = select(jb.id, jb.namespace, jb.name).where(one_of(conn, jb.id, job_ids))
    return {r.id: r for r in conn.execute(query)}


def list_jobs(
    conn: Connection, namespace: str, *, limit: int, offset: int, where: Any = None
) -> tuple[list[Row[Any]], int]:
    """Non-deleted job rows of a namespace (those matching `where`), by name."""
    query = select(s.jobs).where(jb.namespace == namespace, _visible(s.jobs))
    if where is not None:
        query = query.where(where)
    return page(conn, query.order_by(jb.name), limit, offset)


def job_io(conn: Connection, job_ids: list[int]) -> list[Row[Any]]:
    """(job_id, namespace, name, direction) of each job's current inputs and outputs."""
    query = (
        select(le.job_id, ds.namespace, ds.name, le.direction)
        .join(s.datasets, ds.id == le.dataset_id)
        .where(le.valid_to.is_(None))
        .order_by(ds.namespace, ds.name)
        .distinct()
    )
    return _in_chunks(conn, query, le.job_id, job_ids)


def jobs_with_column_lineage(conn: Connection, job_ids: Iterable[int]) -> set[int]:
    """The jobs among `job_ids` that report any current column lineage."""
    query = select(ce.job_id).where(ce.valid_to.is_(None)).distinct()
    return {r.job_id for r in _in_chunks(conn, query, ce.job_id, job_ids)}


def owner_facets(conn: Connection, owner: str, keys: Iterable[str]) -> dict[str, str]:
    """Raw `ownership` facet payloads of jobs or datasets, by owner key."""
    fc = s.facets.c
    query = select(fc.owner_key, fc.payload).where(fc.owner_type == owner, fc.name == "ownership")
    return {r.owner_key: r.payload for r in _in_chunks(conn, query, fc.owner_key, keys)}


def job_runs(
    conn: Connection, job_id: int, *, limit: int, offset: int
) -> tuple[list[Row[Any]], int]:
    """A job's run rows, newest first."""
    query = select(s.runs).where(rn.job_id == job_id).order_by(rn.created_at.desc(), rn.id.desc())
    return page(conn, query, limit, offset)


def find_run(conn: Connection, run_id: str) -> Row[Any] | None:
    """A run by its UUID or by the raw id a producer sent."""
    row = conn.execute(select(s.runs).where(rn.id == run_id)).first()
    if row is None:
        row = conn.execute(select(s.runs).where(rn.external_id == run_id).limit(1)).first()
    return row


def run_io(conn: Connection, run_ids: list[str]) -> list[Row[Any]]:
    """(run_id, namespace, name, direction) of each run's inputs and outputs."""
    ri = s.run_io.c
    query = (
        select(ri.run_id, ds.namespace, ds.name, ri.direction)
        .join(s.datasets, ds.id == ri.dataset_id)
        .order_by(ds.namespace, ds.name)
    )
    return _in_chunks(conn, query, ri.run_id, run_ids)


def child_runs(conn: Connection, run_ids: list[str]) -> list[Row[Any]]:
    """Runs whose parent is one of `run_ids`, oldest first."""
    query = select(s.runs).order_by(rn.created_at, rn.id)
    return _in_chunks(conn, query, rn.parent_run_id, run_ids)


def latest_runs(conn: Connection, job_ids: list[int]) -> dict[int, Row[Any]]:
    """The newest run of each job."""
    out: dict[int, Row[Any]] = {}
    for start in range(0, len(job_ids), CHUNK):
        chunk = job_ids[start : start + CHUNK]
        newest = (
            select(rn.job_id, func.max(rn.created_at).label("created"))
            .where(rn.job_id.in_(chunk))
            .group_by(rn.job_id)
            .subquery()
        )
        rows = conn.execute(
            select(s.runs)
            .join(newest, and_(rn.job_id == newest.c.job_id, rn.created_at == newest.c.created))
            .order_by(rn.id)  # on a created_at tie the highest id wins, as in job_runs' order
        )
        out.update({r.job_id: r for r in rows})
    return out


# --- event log and search ----------------------------------------------------------------------


def list_events(
    conn: Connection,
    *,
    before: datetime | None,
    after: datetime | None,
    limit: int,
    offset: int,
    ascending: bool = False,
) -> tuple[list[bytes], int]:
    """Raw events by eventTime: the bytes each producer sent (decompressed)."""
    ev = s.events.c
    query = select(ev.payload)
    if before is not None:
        query = query.where(ev.event_time <= before)
    if after is not None:
        query = query.where(ev.event_time >= after)
    order = (
        # a tie on time by hash: log ids follow arrival order, the answer must not
        (ev.event_time.asc(), ev.hash.asc())
        if ascending
        else (ev.event_time.desc(), ev.hash.desc())
    )
    rows, total = page(conn, query.order_by(*order), limit, offset)
    return [codec.decode(r.payload) for r in rows], total


def _like_literal(text: str) -> str:
    """`text` for a LIKE pattern with its own % and _ (and the escape) matched literally."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search(
    conn: Connection,
    q: str,
    *,
    kind: str | None,
    limit: int,
    sort: str | None = None,
    where: tuple[Any, Any] | None = None,
) -> list[Row[Any]]:
    """Datasets and jobs whose name (or namespace) contains `q`, case-insensitively.

    Rows (kind, namespace, name, dataset_kind, updated_at), best first: exact name matches,
    then names starting with `q`, then the rest; shorter names first within each. The order
    is computed in SQL, so the best matches are found however many names contain `q`.
    Marquez's `sort`: NAME orders by name, UPDATE_AT newest first. `where`: extra WHERE
    clauses on datasets and on jobs.
    """
    needle = q.lower()
    contains = f"%{_like_literal(needle)}%"
    prefix = f"{_like_literal(needle)}%"
    parts = []

    def ranked(table: Any, kind_name: str, dataset_kind: Any) -> Any:
        c = table.c
        name = func.lower(c.name)
        rank = case((name == needle, 0), (name.like(prefix, escape="\\"), 1), else_=2)
        return select(
            literal(kind_name).label("kind"),
            c.namespace,
            c.name,
            dataset_kind.label("dataset_kind"),
            c.updated_at,
            rank.label("rank"),
            func.length(c.name).label("length"),
        ).where(
            _visible(table),
            or_(
                name.like(contains, escape="\\"),
                func.lower(c.namespace).like(contains, escape="\\"),
            ),
        )

    if kind in (None, "DATASET", "MODEL"):
        query = ranked(s.datasets, "dataset", ds.kind)
        if where is not None:
            query = query.where(where[0])
        parts.append(query.where(ds.kind == "model") if kind == "MODEL" else query)
    if kind in (None, "JOB"):
        query = ranked(s.jobs, "job", literal("job"))
        parts.append(query.where(where[1]) if where is not None else query)
    union = parts[0] if len(parts) == 1 else union_all(*parts)
    hits = union.subquery()
    c = hits.c
    order = {
        None: (c.rank, c.length, c.name, c.namespace, c.kind),
        "NAME": (c.name, c.namespace, c.kind),
        "UPDATE_AT": (c.updated_at.desc(), c.name, c.namespace, c.kind),
    }[sort]
    return list(conn.execute(select(hits).order_by(*order).limit(limit)))


def counts(conn: Connection) -> dict[str, int]:
    """Row counts for status pages."""
    tables = {"events": s.events, "datasets": s.datasets, "jobs": s.jobs, "runs": s.runs}
    return {
        name: int(conn.execute(select(func.count()).select_from(t)).scalar() or 0)
        for name, t in tables.items()
    }
