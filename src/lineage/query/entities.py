"""Entity queries: namespaces, datasets, jobs, runs, versions, the event log and search, as
typed answers built from the store's rows in a fixed number of statements per answer."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from datetime import datetime
from typing import Any, TypeVar

import msgspec
import orjson
from sqlalchemy import Connection, Row

from lineage import facets as f
from lineage import ids
from lineage.errors import NodeNotFound
from lineage.query import quality
from lineage.query import tags as tagging
from lineage.query import types as t
from lineage.store import job_links, marquez_read, read
from lineage.store import tags as node_tags

R = TypeVar("R", bound=t.Run)
MAX_RUN_TREE_DEPTH = 100  # levels of a run hierarchy an answer nests

_iso = read.iso


def _time(value: datetime) -> str:
    return str(_iso(value))


def _newest(*times: datetime | None) -> datetime:
    return max(x for x in times if x is not None)


# --- namespaces --------------------------------------------------------------------------------


def namespace_or_404(conn: Connection, namespace: str) -> None:
    """Nothing when the namespace is known; else a 404 with the closest namespaces."""
    if read.find_namespace(conn, namespace) is None:
        known = read.namespace_names(conn)
        raise NodeNotFound(
            f"namespace {namespace!r} not found",
            field="namespace",
            suggestions=difflib.get_close_matches(namespace, known, n=5, cutoff=0.5),
        )


def namespaces(conn: Connection, *, limit: int, offset: int) -> t.Namespaces:
    """Namespaces by name."""
    rows, total = read.list_namespaces(conn, limit=limit, offset=offset)
    items = [t.Namespace(r.name, _time(r.created_at), _time(r.updated_at)) for r in rows]
    return t.Namespaces(total, items)


# --- datasets ----------------------------------------------------------------------------------


def schema_fields(fields: Any) -> list[t.SchemaField]:
    """A stored `fields` JSON list as typed fields (nested ones too); non-objects skipped."""
    if not isinstance(fields, list):
        return []
    return [
        t.SchemaField(
            _text(f.get("name")),
            _text(f.get("type")),
            _text(f.get("description")),
            schema_fields(f.get("fields")),
            ordinal_position=_position(f.get("ordinal_position")),
        )
        for f in fields
        if isinstance(f, dict)
    ]


def _position(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def datasets(conn: Connection, rows: list[Row[Any]]) -> list[t.Dataset]:
    """Canonical dataset rows as answers, in seven statements however many rows."""
    dataset_ids = [r.id for r in rows]
    aliases = read.aliases_of(conn, dataset_ids)
    canonical = {i: i for i in dataset_ids}
    canonical.update({a.id: a.canonical_id for rows_ in aliases.values() for a in rows_})
    schemas = read.newest_schemas(conn, canonical)
    versioned = read.newest_version_times(conn, canonical)
    facets = read.facets_of(conn, "dataset", [str(i) for i in dataset_ids])
    producers: dict[int, list[t.Name]] = {i: [] for i in dataset_ids}
    consumers: dict[int, list[t.Name]] = {i: [] for i in dataset_ids}
    for r in read.dataset_jobs(conn, dataset_ids):
        (producers if r.direction == "out" else consumers)[r.dataset_id].append(
            t.Name(r.namespace, r.name)
        )
    alias_of = {
        (a.namespace, a.name): (row.namespace, row.name) for row in rows for a in aliases[row.id]
    }
    tags = node_tags.of_nodes(conn, "dataset", [(r.namespace, r.name) for r in rows], alias_of)
    checks = quality.summaries(
        conn,
        {(r.namespace, r.name): [(a.namespace, a.name) for a in aliases[r.id]] for r in rows},
    )
    return [
        t.Dataset(
            t.Name(row.namespace, row.name),
            ids.format_id("dataset", row.namespace, row.name),
            "DATASET",
            row.namespace,
            row.name,
            row.kind,
            row.description,
            bool(row.is_dropped),
            row.deleted_at is not None,
            row.lifecycle_state,
            _time(row.created_at),
            _time(_newest(row.updated_at, versioned.get(row.id))),
            _tagged(schema_fields(schemas.get(row.id)), tags.get((row.namespace, row.name), [])),
            facets[str(row.id)],
            [t.Name(a.namespace, a.name) for a in aliases[row.id]],
            producers[row.id],
            consumers[row.id],
            node_tags.names_of(tags.get((row.namespace, row.name), [])),
            tagging.own(tags.get((row.namespace, row.name), [])),
            marquez_read.source_name(facets[str(row.id)]),
            checks.get((row.namespace, row.name)),
            _catalog(facets[str(row.id)]),
            _dataset_type(facets[str(row.id)]),
        )
        for row in rows
    ]


def _catalog(facets: dict[str, Any]) -> t.Catalog | None:
    found = f.catalog(facets)
    return t.Catalog(*found.values()) if found is not None else None


def _dataset_type(facets: dict[str, Any]) -> t.DatasetType | None:
    found = f.dataset_type(facets)
    return t.DatasetType(*found.values()) if found is not None else None


def _tagged(fields: list[t.SchemaField], tags: list[node_tags.NodeTag]) -> list[t.SchemaField]:
    """Top-level fields with the names of their tags (Marquez's field `tags`)."""
    for field in fields:
        field.tags = node_tags.names_of(tags, field.name or "")
    return fields


def dataset(conn: Connection, row: Row[Any]) -> t.Dataset:
    """One dataset."""
    return datasets(conn, [row])[0]


def list_datasets(
    conn: Connection,
    namespace: str,
    *,
    limit: int,
    offset: int,
    tag: tagging.TagFilter | None = None,
) -> t.Datasets:
    """Datasets of a known namespace (404 with suggestions for an unknown one), those
    carrying `tag` when given."""
    namespace_or_404(conn, namespace)
    where = tagging.dataset_filter(tag) if tag else None
    rows, total = read.list_datasets(conn, namespace, limit=limit, offset=offset, where=where)
    return t.Datasets(total, datasets(conn, rows))


def dataset_versions(
    conn: Connection, dataset_id: int, *, limit: int, offset: int
) -> t.DatasetVersions:
    """A dataset's versions, newest first."""
    rows, total = read.dataset_versions(conn, dataset_id, limit=limit, offset=offset)
    return t.DatasetVersions(total, [dataset_version(r) for r in rows])


def dataset_version(row: Row[Any]) -> t.DatasetVersion:
    """A `dataset_versions` row as an answer."""
    return t.DatasetVersion(
        row.version,
        row.schema_hash,
        schema_fields(orjson.loads(row.fields)) if row.fields else [],
        row.run_id,
        _time(row.created_at),
    )


# --- runs --------------------------------------------------------------------------------------


def _names_by_owner(
    rows: Iterable[Row[Any]], owner: str
) -> dict[Any, tuple[list[t.Name], list[t.Name]]]:
    """(owner, namespace, name, direction) rows as inputs and outputs per owner."""
    out: dict[Any, tuple[list[t.Name], list[t.Name]]] = {}
    for r in rows:
        inputs, outputs = out.setdefault(getattr(r, owner), ([], []))
        (inputs if r.direction == "in" else outputs).append(t.Name(r.namespace, r.name))
    return out


def runs(conn: Connection, rows: list[Row[Any]], cls: type[R] = t.Run) -> list[R]:  # type: ignore[assignment]
    """Run rows as answers (`Run`, or `RunTree` without children), in three statements
    however many rows."""
    if not rows:
        return []
    run_ids = [r.id for r in rows]
    jobs = read.jobs_by_id(conn, {r.job_id for r in rows})
    io = _names_by_owner(read.run_io(conn, run_ids), "run_id")
    facets = read.facets_of(conn, "run", run_ids)
    tags = node_tags.of_runs(conn, run_ids)
    checks = quality.of_runs(conn, run_ids)
    answers = []
    for row in rows:
        answer = _run(cls, row, jobs[row.job_id], io.get(row.id, ([], [])), facets[row.id])
        answer.tags = tagging.own(tags.get(row.id, []))
        answer.quality = checks.get(row.id, [])
        run_facets = facets[row.id]
        engine = f.processing_engine(run_facets)
        answer.processing_engine = t.ProcessingEngine(*engine.values()) if engine else None
        answer.environment_variables = f.environment_variable_names(run_facets)
        answer.parameters = f.execution_parameters(run_facets)
        answers.append(answer)
    return answers


def _run(
    cls: type[R],
    row: Row[Any],
    job: Row[Any],
    io: tuple[list[t.Name], list[t.Name]],
    facets: dict[str, Any],
) -> R:
    duration = None
    if row.started_at is not None and row.ended_at is not None:
        duration = int((row.ended_at - row.started_at).total_seconds() * 1000)
    return cls(
        row.id,
        row.external_id,
        row.state,
        job.namespace,
        job.name,
        _time(row.created_at),
        _time(row.updated_at),
        _iso(row.started_at),
        _iso(row.ended_at),
        duration,
        _iso(row.nominal_start),
        _iso(row.nominal_end),
        row.parent_run_id,
        row.root_run_id,
        bool(row.lineage_incomplete),
        orjson.loads(row.error_message) if row.error_message else None,
        io[0],
        io[1],
        facets,
    )


def run(conn: Connection, row: Row[Any]) -> t.Run:
    """One run."""
    return runs(conn, [row])[0]


def job_runs(conn: Connection, job_id: int, *, limit: int, offset: int) -> t.Runs:
    """A job's runs, newest first."""
    rows, total = read.job_runs(conn, job_id, limit=limit, offset=offset)
    return t.Runs(total, runs(conn, rows))


def run_tree(conn: Connection, row: Row[Any]) -> t.RunTree:
    """A run with its child runs, recursively: one level of runs per round of statements,
    never recursion, so a chain of any length is answered (nested up to 100 levels)."""
    levels = [[row]]
    seen = {row.id}
    while levels[-1] and len(levels) <= MAX_RUN_TREE_DEPTH:
        below = [c for c in read.child_runs(conn, [r.id for r in levels[-1]]) if c.id not in seen]
        seen.update(c.id for c in below)
        levels.append(below)
    deeper = set()
    if levels[-1]:  # the last level shown may have children of its own
        deeper = {c.parent_run_id for c in read.child_runs(conn, [r.id for r in levels[-1]])}
    answers = {}
    for level in levels:
        for answer in runs(conn, level, t.RunTree):
            answer.children_truncated = answer.id in deeper
            answers[answer.id] = answer
    for level in levels[1:]:
        for r in level:
            answers[r.parent_run_id].children.append(answers[r.id])
    return answers[row.id]


# --- jobs --------------------------------------------------------------------------------------


def jobs(conn: Connection, rows: list[Row[Any]]) -> list[t.Job]:
    """Job rows as answers, in a fixed number of statements however many rows."""
    job_ids = [r.id for r in rows]
    parents = read.jobs_by_id(conn, {r.parent_job_id for r in rows if r.parent_job_id is not None})
    io = _names_by_owner(read.job_io(conn, job_ids), "job_id")
    latest = read.latest_runs(conn, job_ids)
    latest_rows = list(latest.values())
    answers: list[t.Run] = runs(conn, latest_rows)
    latest_runs = {r.job_id: a for r, a in zip(latest_rows, answers, strict=True)}
    facets = read.facets_of(conn, "job", [str(i) for i in job_ids])
    tags = node_tags.of_nodes(conn, "job", [(r.namespace, r.name) for r in rows])
    dependencies = job_links.of_jobs(conn, job_ids)
    out = []
    for row in rows:
        parent = parents.get(row.parent_job_id)
        simple = row.name
        if parent is not None and row.name.startswith(parent.name + "."):
            simple = row.name[len(parent.name) + 1 :]
        newest_run = latest.get(row.id)
        inputs, outputs = io.get(row.id, ([], []))
        out.append(
            t.Job(
                t.Name(row.namespace, row.name),
                ids.format_id("job", row.namespace, row.name),
                "JOB",
                row.namespace,
                row.name,
                simple,
                parent.name if parent else None,
                parent.namespace if parent else None,
                (
                    t.JobType(row.integration, row.job_type, row.processing_type)
                    if row.integration or row.job_type or row.processing_type
                    else None
                ),
                row.description,
                row.location,
                row.sql,
                inputs,
                outputs,
                bool(row.lineage_incomplete),
                row.deleted_at is not None,
                _time(row.created_at),
                _time(_newest(row.updated_at, newest_run.updated_at if newest_run else None)),
                latest_runs.get(row.id),
                facets[str(row.id)],
                node_tags.names_of(tags.get((row.namespace, row.name), [])),
                tagging.own(tags.get((row.namespace, row.name), [])),
                [_dependency(d) for d in dependencies.get(row.id, [])],
                _source_code(facets[str(row.id)]),
            )
        )
    return out


def _dependency(row: Row[Any]) -> t.JobDependency:
    via = row.via_name is not None
    return t.JobDependency(
        ids.format_id("job", row.up_namespace, row.up_name),
        ids.format_id("job", row.down_namespace, row.down_name),
        row.upstream_run_id,
        row.downstream_run_id,
        row.dependency_type,
        row.sequence_trigger_rule,
        row.status_trigger_rule,
        row.trigger_rule,
        ids.format_id("dataset", row.via_namespace, row.via_name) if via else None,
    )


def _source_code(facets: dict[str, Any]) -> t.SourceCodeLocation | None:
    found = f.source_code_location(facets)
    return t.SourceCodeLocation(*found.values()) if found is not None else None


def job(conn: Connection, row: Row[Any]) -> t.Job:
    """One job."""
    return jobs(conn, [row])[0]


def list_jobs(
    conn: Connection,
    namespace: str,
    *,
    limit: int,
    offset: int,
    tag: tagging.TagFilter | None = None,
) -> t.Jobs:
    """Jobs of a known namespace (404 with suggestions for an unknown one), those carrying
    `tag` when given."""
    namespace_or_404(conn, namespace)
    where = tagging.job_filter(tag) if tag else None
    rows, total = read.list_jobs(conn, namespace, limit=limit, offset=offset, where=where)
    return t.Jobs(total, jobs(conn, rows))


# --- the event log and search ------------------------------------------------------------------


def events(
    conn: Connection,
    *,
    before: datetime | None,
    after: datetime | None,
    limit: int,
    offset: int,
    ascending: bool,
) -> t.Events:
    """Raw events by eventTime, byte for byte as received (large integers stay exact) but
    for the values of environment variables, which are secrets."""
    payloads, total = read.list_events(
        conn, before=before, after=after, limit=limit, offset=offset, ascending=ascending
    )
    return t.Events(total, [msgspec.Raw(f.redacted_event(p)) for p in payloads])


def search(
    conn: Connection,
    q: str,
    *,
    kind: str | None,
    limit: int,
    sort: str | None = None,
    tag: tagging.TagFilter | None = None,
) -> t.SearchResults:
    """Names containing `q` (wildcards literal): exact matches, then prefixes, then the rest
    (or by name for `sort` NAME, newest first for UPDATE_AT); only nodes carrying `tag`
    when given. Each hit carries its tags."""
    where = (tagging.dataset_filter(tag), tagging.job_filter(tag)) if tag else None
    rows = read.search(conn, q, kind=kind, limit=limit, sort=sort, where=where)
    dataset_tags = node_tags.of_nodes(
        conn, "dataset", [(r.namespace, r.name) for r in rows if r.kind == "dataset"]
    )
    job_tags = node_tags.of_nodes(
        conn, "job", [(r.namespace, r.name) for r in rows if r.kind == "job"]
    )
    hits = [
        t.SearchHit(
            "JOB" if r.kind == "job" else ("MODEL" if r.dataset_kind == "model" else "DATASET"),
            r.name,
            r.namespace,
            ids.format_id(r.kind, r.namespace, r.name),
            _iso(r.updated_at),
            tagging.own(
                (job_tags if r.kind == "job" else dataset_tags).get((r.namespace, r.name), [])
            ),
        )
        for r in rows
    ]
    return t.SearchResults(hits, len(hits))


def suggest_by_search(conn: Connection, name: str, *, kind: str) -> list[str]:
    """Node ids whose names contain the last dotted part of `name` (404 suggestions)."""
    return [h.node_id for h in search(conn, name.rsplit(".", 1)[-1], kind=kind, limit=5).results]
