"""Marquez's answers where they differ from ours: a namespace, sources, job versions, tags,
and the full dataset or job in each node of Marquez's `/lineage` graph.

The Structs are the wire models of Marquez's routes (`lineage.api.marquez`); they carry
Marquez's keys (`id` as {namespace, name}, `type` DB_TABLE / BATCH / STREAM, `sourceName`,
`physicalName`...) and, in lineage nodes, ours too (`kind`, `nodeId`, `dropped`, ...).
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Annotated, Any

from msgspec import Meta
from sqlalchemy import Connection, Row

from lineage import ids
from lineage.errors import NodeNotFound
from lineage.graph import DROPPED, INCOMPLETE, JOB, LineageGraph
from lineage.query import entities
from lineage.query import tags as tagging
from lineage.query import types as t
from lineage.query.types import (
    Answer,
    DatasetData,
    JobData,
    MarquezField,
    MarquezRun,
    ModelData,
    Name,
    NodeData,
    TimeStr,
)
from lineage.store import marquez_read as mr
from lineage.store import read
from lineage.store import tags as tag_store
from lineage.store.changes import NodeKey


class NamespaceAnswer(Answer):
    """A namespace, as Marquez answers it (owner and description are not stored: null)."""

    name: str
    created_at: TimeStr
    updated_at: TimeStr
    owner_name: Annotated[str | None, Meta(description="Always null: events carry no owner")]
    description: str | None
    is_hidden: bool


class SourceAnswer(Answer):
    """A data source named by `dataSource` dataset facets."""

    type: Annotated[str, Meta(description="The URI's scheme in capitals, or UNKNOWN")]
    name: str
    created_at: Annotated[TimeStr, Meta(description="First facet naming it")]
    updated_at: Annotated[TimeStr, Meta(description="Newest facet naming it")]
    connection_url: Annotated[str | None, Meta(description="The newest facet's uri")]
    description: None


class SourceList(Answer):
    """Every source, by name."""

    sources: list[SourceAnswer]


class TagAnswer(Answer):
    """A tag name and its description."""

    name: str
    description: str | None


class TagList(Answer):
    """Tag names, by name."""

    tags: list[TagAnswer]


class JobVersionId(Answer):
    """A job version's id."""

    namespace: str
    name: str
    version: str


class RunRef(Answer):
    """A run by id and state."""

    id: str
    state: str


class JobVersionAnswer(Answer):
    """The inputs and outputs of a job as some of its runs saw them."""

    id: JobVersionId
    name: str
    namespace: str
    version: Annotated[str, Meta(description="UUID of the job and its inputs and outputs")]
    created_at: Annotated[TimeStr, Meta(description="When the first run with them was seen")]
    inputs: list[Name]
    outputs: list[Name]
    latest_run: RunRef
    run_count: Annotated[int, Meta(description="Runs that saw these inputs and outputs")]


class JobVersionList(Answer):
    """A job's versions, newest first."""

    versions: list[JobVersionAnswer]
    total_count: int


def namespace(conn: Connection, name: str) -> NamespaceAnswer:
    """A namespace by name; 404 with the closest known namespaces."""
    entities.namespace_or_404(conn, name)
    row = read.find_namespace(conn, name)
    assert row is not None
    return NamespaceAnswer(row.name, _iso(row.created_at), _iso(row.updated_at), None, None, False)


def dataset_version(conn: Connection, dataset: Row[Any], version: str) -> t.DatasetVersion:
    """One version of a dataset (any of its identities) by its `version`; else a 404."""
    row = mr.dataset_version(conn, read.identity_ids(conn, dataset.id), version)
    if row is None:
        raise NodeNotFound(
            f"version {version!r} of dataset {dataset.name!r} not found",
            field="version",
            suggestions=[
                v.version
                for v in entities.dataset_versions(conn, dataset.id, limit=5, offset=0).versions
            ],
        )
    return entities.dataset_version(row)


def _iso(value: datetime) -> str:
    out = read.iso(value)
    assert out is not None
    return out


def sources(conn: Connection) -> SourceList:
    """Every source, by name."""
    return SourceList(
        [
            SourceAnswer(
                mr.source_type(src.uri),
                src.name,
                _iso(src.created_at),
                _iso(src.updated_at),
                src.uri,
                None,
            )
            for src in mr.sources(conn)
        ]
    )


def tag_list(conn: Connection, *, limit: int | None, offset: int) -> TagList:
    """Tag names, by name."""
    names = tag_store.list_names(conn, limit=limit, offset=offset)
    return TagList([TagAnswer(t.name, t.description) for t in names])


def job_versions(conn: Connection, job: Row[Any], *, limit: int, offset: int) -> JobVersionList:
    """A page of a job's versions, newest first."""
    versions = mr.job_versions(conn, job)
    page = versions[offset : offset + limit]
    return JobVersionList([_version(job, v) for v in page], len(versions))


def job_version(conn: Connection, job: Row[Any], version: str) -> JobVersionAnswer:
    """One of a job's versions by its id; else a 404 naming the newest ones."""
    versions = mr.job_versions(conn, job)
    for v in versions:
        if v.version == version:
            return _version(job, v)
    raise NodeNotFound(
        f"version {version!r} of job {job.name!r} not found",
        field="version",
        suggestions=[v.version for v in versions[:5]],
    )


def _version(job: Row[Any], v: mr.JobVersion) -> JobVersionAnswer:
    ns, name = job.namespace, job.name
    return JobVersionAnswer(
        JobVersionId(ns, name, v.version),
        name,
        ns,
        v.version,
        _iso(v.created_at),
        [Name(*d) for d in v.inputs],
        [Name(*d) for d in v.outputs],
        RunRef(v.latest_run_id, v.latest_run_state),
        v.run_count,
    )


# --- /lineage node data ------------------------------------------------------------------------


def node_data(
    graph: LineageGraph,
    conn: Connection,
    nodes: Collection[int],
    adjacent: dict[int, tuple[list[int], list[int]]],
) -> dict[int, NodeData]:
    """The full Marquez dataset or job of each node, in one statement per kind of row
    (dataset rows, aliases, schemas, version times, last writes, tags and facets of datasets;
    job rows, newest runs, tags and facets of jobs), however many nodes."""
    dataset_nodes = [n for n in nodes if not graph.flags(n) & JOB]
    job_nodes = [n for n in nodes if graph.flags(n) & JOB]
    out: dict[int, NodeData] = {}
    out.update(_datasets(graph, conn, dataset_nodes))
    out.update(_jobs(graph, conn, job_nodes, adjacent))
    return out


def _datasets(graph: LineageGraph, conn: Connection, nodes: list[int]) -> dict[int, NodeData]:
    keys = {n: graph.key(n) for n in nodes}
    rows = read.datasets_by_key(conn, keys.values())
    ids_ = [r.id for r in rows.values()]
    canonical = {i: i for i in ids_}
    aliases = read.aliases_of(conn, ids_)
    canonical.update({a.id: a.canonical_id for rows_ in aliases.values() for a in rows_})
    schemas = read.newest_schemas(conn, canonical) if ids_ else {}
    versioned = read.newest_version_times(conn, canonical)
    written = mr.last_written(conn, canonical)
    alias_of = {
        (a.namespace, a.name): (row.namespace, row.name)
        for row in rows.values()
        for a in aliases[row.id]
    }
    tags = tag_store.of_nodes(conn, "dataset", [(k[1], k[2]) for k in keys.values()], alias_of)
    facets = read.facets_of(conn, "dataset", [str(i) for i in ids_])
    out: dict[int, NodeData] = {}
    for node, key in keys.items():
        row = rows.get(key)
        if row is None:
            continue
        node_tags = tags.get((key[1], key[2]), [])
        cls = ModelData if graph.kind(node) == "model" else DatasetData
        out[node] = cls(
            Name(row.namespace, row.name),
            ids.format_id(*key),
            row.name,
            row.namespace,
            _iso(row.created_at),
            _iso(max(t for t in (row.updated_at, versioned.get(row.id)) if t is not None)),
            row.description,
            tag_store.names_of(node_tags),
            tagging.own(node_tags),
            facets[str(row.id)],
            bool(graph.flags(node) & DROPPED),
            False,
            None,
            None,
            "DB_TABLE",
            row.name,
            mr.source_name(facets[str(row.id)]),
            [
                MarquezField(
                    f.name, f.type, tag_store.names_of(node_tags, f.name or ""), f.description
                )
                for f in entities.schema_fields(schemas.get(row.id))
            ],
            read.iso(written.get(row.id)),
            row.lifecycle_state,
        )
    return out


def _jobs(
    graph: LineageGraph,
    conn: Connection,
    nodes: list[int],
    adjacent: dict[int, tuple[list[int], list[int]]],
) -> dict[int, NodeData]:
    keys: dict[int, NodeKey] = {n: graph.key(n) for n in nodes}
    rows = read.jobs_by_key(conn, keys.values())
    runs = read.latest_runs(conn, [r.id for r in rows.values()])
    tags = tag_store.of_nodes(conn, "job", [(k[1], k[2]) for k in keys.values()])
    facets = read.facets_of(conn, "job", [str(r.id) for r in rows.values()])
    out: dict[int, NodeData] = {}
    for node, key in keys.items():
        row = rows.get(key)
        if row is None:
            continue
        parent = graph.parent(node)
        parent_key = graph.key(parent) if parent is not None else None
        simple = row.name
        if parent_key is not None and row.name.startswith(parent_key[2] + "."):
            simple = row.name[len(parent_key[2]) + 1 :]
        preds, succs = adjacent[node]
        newest = runs.get(row.id)
        out[node] = JobData(
            Name(row.namespace, row.name),
            ids.format_id(*key),
            row.name,
            row.namespace,
            _iso(row.created_at),
            _iso(max(t for t in (row.updated_at, newest and newest.updated_at) if t)),
            row.description,
            tag_store.names_of(tags.get((key[1], key[2]), [])),
            tagging.own(tags.get((key[1], key[2]), [])),
            facets[str(row.id)],
            False,
            bool(graph.flags(node) & INCOMPLETE),
            ids.format_id(*parent_key) if parent_key else None,
            newest.state if newest is not None else None,
            "STREAM" if (row.processing_type or "").upper() == "STREAMING" else "BATCH",
            simple,
            parent_key[2] if parent_key else None,
            _refs(graph, preds),
            _refs(graph, succs),
            row.location,
            _run(newest),
        )
    return out


def _refs(graph: LineageGraph, nodes: list[int]) -> list[Name]:
    return sorted(
        (Name(graph.key(n)[1], graph.key(n)[2]) for n in nodes),
        key=lambda d: (d.namespace, d.name),
    )


def _run(row: Row[Any] | None) -> MarquezRun | None:
    if row is None:
        return None
    started, ended = row.started_at, row.ended_at
    duration = (
        int((ended - started).total_seconds() * 1000)
        if started is not None and ended is not None
        else None
    )
    return MarquezRun(
        row.id,
        _iso(row.created_at),
        _iso(row.updated_at),
        read.iso(row.nominal_start),
        read.iso(row.nominal_end),
        row.state,
        read.iso(started),
        read.iso(ended),
        duration,
    )
