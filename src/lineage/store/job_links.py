"""Job-to-job lineage: edges between two job nodes of the lineage graph.

`job:A -> job:B` says B comes after A without a dataset the graph would show between them:

- a run's `jobDependencies` facet names the jobs (and runs) it waits for (`upstream`) and
  the ones it starts (`downstream`), with the dependency type and trigger rules. The job whose
  run sent the facet owns the edges it declares; its newest such facet (by eventTime) is its
  current declaration, and the edges a newer one no longer names are retired.
- a dataset whose `datasetType` is JOB_OUTPUT or TEMPORARY, written by exactly one job and
  read by exactly one other, links those two jobs: the dataset owns that edge for as long as
  it stays so (a second reader or writer, or another type, retires it).

The rows keep their `valid_from` / `valid_to` like the dataset edges, so `as_of` walks them;
a graph edge exists while any owner has it current. `dependencies` is the pure part (one
event's facet as rows); `derive` writes them and the links of temporary datasets, in the
writer's transaction and in `lineage db replay`, and records the graph changes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, func, select, tuple_, update

from lineage import jsonio
from lineage.events import RUN_EVENT, Event, parse_run_id
from lineage.store import identities as ids
from lineage.store import schema as s
from lineage.store.changes import Changes, NodeKey, job_key

TEMPORARY_TYPES = frozenset({"JOB_OUTPUT", "TEMPORARY"})
_je, _jb, _ds, _le, _fc = (
    s.job_edges.c,
    s.jobs.c,
    s.datasets.c,
    s.lineage_edges.c,
    s.facets.c,
)
JobName = tuple[str, str]


@dataclass(frozen=True, slots=True)
class Dependency:
    """One edge a `jobDependencies` facet declares: `upstream` runs before `downstream`."""

    upstream: JobName
    downstream: JobName
    upstream_run_id: str | None
    downstream_run_id: str | None
    dependency_type: str | None
    sequence_trigger_rule: str | None
    status_trigger_rule: str | None
    trigger_rule: str | None


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _run_id(value: Any) -> str | None:
    run_id = _str(value.get("runId")) if isinstance(value, dict) else None
    return parse_run_id(run_id, "runId")[1] if run_id is not None else None


def dependencies(event: Event) -> list[Dependency] | None:
    """The edges the event's `jobDependencies` run facet declares; None without the facet.

    The event's own job is the downstream end of each `upstream` entry and the upstream end
    of each `downstream` entry; this run is the matching run. Entries without a job
    namespace and name are skipped, as is a job depending on itself.
    """
    facet = event.run_facets.get("jobDependencies")
    if event.kind != RUN_EVENT or not isinstance(facet, dict) or facet.get("_deleted") is True:
        return None
    assert event.job_namespace is not None and event.job_name is not None
    own: JobName = (event.job_namespace, event.job_name)
    trigger_rule = _str(facet.get("trigger_rule"))
    out: dict[Dependency, None] = {}
    for side in ("upstream", "downstream"):
        entries = facet.get(side)
        for entry in entries if isinstance(entries, list) else ():
            job = entry.get("job") if isinstance(entry, dict) else None
            job = job if isinstance(job, dict) else {}
            namespace, name = _str(job.get("namespace")), _str(job.get("name"))
            if namespace is None or name is None or (namespace, name) == own:
                continue
            other_job: JobName = (namespace, name)
            other_run = _run_id(entry.get("run"))
            upstream = side == "upstream"
            out[
                Dependency(
                    upstream=other_job if upstream else own,
                    downstream=own if upstream else other_job,
                    upstream_run_id=other_run if upstream else event.run_id,
                    downstream_run_id=event.run_id if upstream else other_run,
                    dependency_type=_str(entry.get("dependency_type")),
                    sequence_trigger_rule=_str(entry.get("sequence_trigger_rule")),
                    status_trigger_rule=_str(entry.get("status_trigger_rule")),
                    trigger_rule=trigger_rule if upstream else None,
                )
            ] = None
    return list(out)


def derive(conn: Connection, cache: ids.IdCache, derived: Iterable[tuple[Event, Changes]]) -> None:
    """Write the job-to-job edges of newly stored events (after their own rows) and add the
    graph edges they start or end to each event's `Changes`."""
    touched: dict[NodeKey, tuple[datetime, Changes]] = {}
    for event, changes in derived:
        declared = dependencies(event)
        if declared is not None:
            _declare(conn, cache, changes, event, declared)
        for a, b in changes.edges_added | changes.edges_removed:
            for key in (a, b):
                if key[0] == "dataset":
                    touched[key] = (event.event_time, changes)
        for ref in (*event.inputs, *event.outputs):
            if "datasetType" in ref.facets:
                at = event.event_time
                identity = ids.dataset(conn, cache, changes, ref.namespace, ref.name, at)
                touched[identity.key] = (at, changes)
    if touched:
        _relink_temporary(conn, touched)


def _declare(
    conn: Connection, cache: ids.IdCache, changes: Changes, event: Event, declared: list[Dependency]
) -> None:
    """Make `declared` the current declaration of the event's job, unless a newer one is."""
    assert event.job_namespace is not None and event.job_name is not None
    at = event.event_time
    owner = ids.job(conn, cache, changes, event.job_namespace, event.job_name, at)
    newest = conn.execute(
        select(func.max(func.coalesce(_je.valid_to, _je.valid_from))).where(
            _je.owner_type == "job", _je.owner_id == owner.id
        )
    ).scalar()
    if newest is not None and at < newest:
        return  # an older declaration is history only
    jobs: dict[JobName, ids.Identity] = {}
    for dep in declared:
        for name in (dep.upstream, dep.downstream):
            if name not in jobs:
                jobs[name] = ids.job(conn, cache, changes, *name, at)
    wanted = {
        (
            jobs[d.upstream].id,
            jobs[d.downstream].id,
            d.upstream_run_id,
            d.downstream_run_id,
            d.dependency_type,
            d.sequence_trigger_rule,
            d.status_trigger_rule,
            d.trigger_rule,
        )
        for d in declared
    }
    current = {
        tuple(row[1:]): row[0]
        for row in conn.execute(
            select(_je.id, *_ATTRIBUTES).where(
                _je.owner_type == "job", _je.owner_id == owner.id, _je.valid_to.is_(None)
            )
        )
    }
    if not _replace(conn, changes, "job", owner.id, at, wanted, current):
        _mark(conn, owner.id, at)


def _mark(conn: Connection, owner_id: int, at: datetime) -> None:
    """Note the time of a declaration that changed no row (empty, or the same edges as
    before), so that an older one arriving later is still seen as older: the owner's one
    mark row is a self-loop valid for no time at all (valid_from = valid_to), never an edge."""
    mark = conn.execute(
        select(_je.id).where(
            _je.owner_type == "job",
            _je.owner_id == owner_id,
            _je.upstream_job_id == _je.downstream_job_id,
        )
    ).scalar()
    if mark is None:
        conn.execute(
            s.job_edges.insert(),
            {
                "upstream_job_id": owner_id,
                "downstream_job_id": owner_id,
                "owner_type": "job",
                "owner_id": owner_id,
                "valid_from": at,
                "valid_to": at,
            },
        )
    else:
        conn.execute(update(s.job_edges).where(_je.id == mark).values(valid_from=at, valid_to=at))


_ATTRIBUTES = (
    _je.upstream_job_id,
    _je.downstream_job_id,
    _je.upstream_run_id,
    _je.downstream_run_id,
    _je.dependency_type,
    _je.sequence_trigger_rule,
    _je.status_trigger_rule,
    _je.trigger_rule,
)


def _replace(
    conn: Connection,
    changes: Changes,
    owner_type: str,
    owner_id: int,
    at: datetime,
    wanted: set[tuple[Any, ...]],
    current: dict[tuple[Any, ...], int],
) -> bool:
    """Retire the owner's current rows not wanted, insert the wanted ones not current, and
    record the job pairs that became linked or unlinked (by any owner) in `changes`; False
    when there was nothing to change."""
    retired = [row_id for attrs, row_id in current.items() if attrs not in wanted]
    added = [attrs for attrs in wanted if attrs not in current]
    if not retired and not added:
        return False
    pairs = {(a[0], a[1]) for a in added} | {(a[0], a[1]) for a in current if a not in wanted}
    before = _linked(conn, pairs)
    if retired:
        conn.execute(update(s.job_edges).where(_je.id.in_(retired)).values(valid_to=at))
    if added:
        conn.execute(
            s.job_edges.insert(),
            [
                {
                    **{c.name: v for c, v in zip(_ATTRIBUTES, attrs, strict=True)},
                    "owner_type": owner_type,
                    "owner_id": owner_id,
                    "valid_from": at,
                }
                for attrs in sorted(added, key=repr)
            ],
        )
    after = _linked(conn, pairs)
    keys = _job_keys(conn, {j for pair in pairs for j in pair})
    changes.remove_edges({(keys[a], keys[b]) for a, b in before - after})
    changes.add_edges({(keys[a], keys[b]) for a, b in after - before})
    return True


def _linked(conn: Connection, pairs: set[tuple[int, int]]) -> set[tuple[int, int]]:
    """Which of `pairs` (upstream, downstream job ids) some owner has current."""
    if not pairs:
        return set()
    rows = conn.execute(
        select(_je.upstream_job_id, _je.downstream_job_id)
        .where(
            tuple_(_je.upstream_job_id, _je.downstream_job_id).in_(sorted(pairs)),
            _je.valid_to.is_(None),
        )
        .distinct()
    )
    return {(row[0], row[1]) for row in rows}


def _job_keys(conn: Connection, job_ids: set[int]) -> dict[int, NodeKey]:
    rows = conn.execute(select(_jb.id, _jb.namespace, _jb.name).where(_jb.id.in_(job_ids)))
    return {row.id: job_key(row.namespace, row.name) for row in rows}


def _relink_temporary(conn: Connection, touched: dict[NodeKey, tuple[datetime, Changes]]) -> None:
    """For each touched dataset: the link it owns is writer -> reader while it is temporary
    with exactly one writer job and one other reader job, else none."""
    idents = {s.ident(key[1], key[2]): key for key in touched}
    dataset_ids = {
        row.id: idents[row.ident]
        for row in conn.execute(
            select(_ds.id, _ds.ident).where(
                _ds.ident.in_(sorted(idents)), _ds.canonical_id.is_(None)
            )
        )
    }
    if not dataset_ids:
        return
    temporary = {
        int(row.owner_key)
        for row in conn.execute(
            select(_fc.owner_key, _fc.payload).where(
                _fc.owner_type == "dataset",
                _fc.name == "datasetType",
                _fc.owner_key.in_(sorted(str(i) for i in dataset_ids)),
            )
        )
        if str(jsonio.loads(row.payload).get("datasetType", "")).upper() in TEMPORARY_TYPES
    }
    owned: dict[int, dict[tuple[Any, ...], int]] = {}
    for row in conn.execute(
        select(_je.owner_id, _je.id, *_ATTRIBUTES).where(
            _je.owner_type == "dataset",
            _je.owner_id.in_(sorted(dataset_ids)),
            _je.valid_to.is_(None),
        )
    ):
        owned.setdefault(row[0], {})[tuple(row[2:])] = row[1]
    ends: dict[int, dict[str, set[int]]] = {}
    if temporary:
        for row in conn.execute(
            select(_le.dataset_id, _le.direction, _le.job_id)
            .where(_le.dataset_id.in_(sorted(temporary)), _le.valid_to.is_(None))
            .distinct()
        ):
            ends.setdefault(row.dataset_id, {"in": set(), "out": set()})[row.direction].add(
                row.job_id
            )
    for dataset_id in sorted(dataset_ids):
        if dataset_id not in temporary and dataset_id not in owned:
            continue
        wanted: set[tuple[Any, ...]] = set()
        jobs = ends.get(dataset_id)
        if jobs is not None and len(jobs["out"]) == 1 and len(jobs["in"]) == 1:
            (writer,), (reader,) = jobs["out"], jobs["in"]
            if writer != reader:
                wanted.add((writer, reader, None, None, None, None, None, None))
        at, changes = touched[dataset_ids[dataset_id]]
        _replace(conn, changes, "dataset", dataset_id, at, wanted, owned.get(dataset_id, {}))


def current_edges(conn: Connection) -> list[tuple[int, int]]:
    """(upstream job id, downstream job id) of every current job-to-job edge."""
    rows = conn.execute(
        select(_je.upstream_job_id, _je.downstream_job_id).where(_je.valid_to.is_(None)).distinct()
    )
    return [(row[0], row[1]) for row in rows]


def valid_at(at: datetime) -> Any:
    """The job-to-job rows current at `at`."""
    return and_(_je.valid_from <= at, (_je.valid_to.is_(None)) | (_je.valid_to > at))


_UP, _DOWN = s.jobs.alias("up"), s.jobs.alias("down")
_DEPENDENCY_ROWS = (
    select(
        _je.id,
        _UP.c.namespace.label("up_namespace"),
        _UP.c.name.label("up_name"),
        _DOWN.c.namespace.label("down_namespace"),
        _DOWN.c.name.label("down_name"),
        *_ATTRIBUTES,
        _ds.namespace.label("via_namespace"),
        _ds.name.label("via_name"),
    )
    .join(_UP, _UP.c.id == _je.upstream_job_id)
    .join(_DOWN, _DOWN.c.id == _je.downstream_job_id)
    .outerjoin(s.datasets, and_(_je.owner_type == "dataset", _ds.id == _je.owner_id))
    .where(_je.valid_to.is_(None))
)


def of_jobs(conn: Connection, job_ids: list[int]) -> dict[int, list[Any]]:
    """The current job-to-job rows at each of `job_ids` (as either end), in a fixed order."""
    found: dict[int, Any] = {}  # by row id: a row between two chunks is read twice
    for start in range(0, len(job_ids), 500):
        chunk = job_ids[start : start + 500]
        where = _je.upstream_job_id.in_(chunk) | _je.downstream_job_id.in_(chunk)
        found.update((row.id, row) for row in conn.execute(_DEPENDENCY_ROWS.where(where)))
    out: dict[int, list[Any]] = {}
    wanted = set(job_ids)
    for row in found.values():
        for end in {row.upstream_job_id, row.downstream_job_id} & wanted:
            out.setdefault(end, []).append(row)
    for rows in out.values():
        rows.sort(key=lambda r: tuple("" if v is None else str(v) for v in r[1:]))
    return out
