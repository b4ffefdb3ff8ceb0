"""Reads behind Marquez's routes that our own answers do not need: sources (from the
`dataSource` dataset facet), job versions (from the inputs and outputs of each run) and the
rows of a Marquez lineage graph. Functions return rows and dataclasses, never wire JSON."""

from __future__ import annotations

import hashlib
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Connection, Row, func, select

from lineage.store import schema as s

ds, jb, rn, fc = s.datasets.c, s.jobs.c, s.runs.c, s.facets.c
CHUNK = 1000


@dataclass(frozen=True, slots=True)
class Source:
    """A data source named by datasets' `dataSource` facets."""

    name: str
    uri: str | None
    created_at: datetime
    updated_at: datetime


def source_type(uri: str | None) -> str:
    """The type of a source: its URI's scheme in capitals (`postgres://...` -> POSTGRES),
    UNKNOWN without a scheme."""
    scheme, sep, _ = (uri or "").partition("://")
    return scheme.upper() if sep and scheme else "UNKNOWN"


def _data_sources(conn: Connection) -> list[tuple[str, Any]]:
    query = select(fc.owner_key, fc.payload, fc.event_time).where(
        fc.owner_type == "dataset", fc.name == "dataSource"
    )
    return [(r.owner_key, (orjson.loads(r.payload), r.event_time)) for r in conn.execute(query)]


def sources(conn: Connection) -> list[Source]:
    """Every source a dataset's `dataSource` facet names, by name: created when the first
    of those datasets was, updated with the newest facet, whose URI it has."""
    named: dict[str, list[tuple[int, datetime, str | None]]] = defaultdict(list)
    for owner, (facet, at) in _data_sources(conn):
        name = facet.get("name") if isinstance(facet, dict) else None
        if isinstance(name, str) and name:
            uri = facet.get("uri")
            named[name].append((int(owner), at, uri if isinstance(uri, str) else None))
    owners = [o for entries in named.values() for o, _, _ in entries]
    created: dict[int, datetime] = {}
    for start in range(0, len(owners), CHUNK):
        rows = conn.execute(
            select(ds.id, ds.created_at).where(ds.id.in_(owners[start : start + CHUNK]))
        )
        created.update({r.id: r.created_at for r in rows})
    out = []
    for name, entries in sorted(named.items()):
        newest = max(entries, key=lambda e: e[1])
        first = min((created[o] for o, _, _ in entries if o in created), default=newest[1])
        out.append(Source(name, newest[2], first, newest[1]))
    return out


def source_name(facets: dict[str, Any]) -> str | None:
    """The source a dataset's current facets name (its `dataSource` facet's name)."""
    facet = facets.get("dataSource")
    name = facet.get("name") if isinstance(facet, dict) else None
    return name if isinstance(name, str) and name else None


@dataclass(frozen=True, slots=True)
class JobVersion:
    """A job's inputs and outputs as some of its runs saw them."""

    version: str
    inputs: tuple[tuple[str, str], ...]
    outputs: tuple[tuple[str, str], ...]
    created_at: datetime
    latest_run_id: str
    latest_run_state: str
    run_count: int


def job_versions(conn: Connection, job: Row[Any]) -> list[JobVersion]:
    """A job's versions, newest first: one per distinct (inputs, outputs) of its runs (the
    datasets each run read and wrote), created by the first run that had them. The version
    id is a UUID derived from the job's name and that input/output set, as Marquez's is."""
    runs = list(
        conn.execute(
            select(rn.id, rn.state, rn.created_at)
            .where(rn.job_id == job.id)
            .order_by(rn.created_at, rn.id)
        )
    )
    io: dict[str, tuple[set[tuple[str, str]], set[tuple[str, str]]]] = defaultdict(
        lambda: (set(), set())
    )
    rio = s.run_io.c
    ids = [r.id for r in runs]
    for start in range(0, len(ids), CHUNK):
        rows = conn.execute(
            select(rio.run_id, rio.direction, ds.namespace, ds.name)
            .join(s.datasets, ds.id == rio.dataset_id)
            .where(rio.run_id.in_(ids[start : start + CHUNK]))
        )
        for r in rows:
            io[r.run_id][0 if r.direction == "in" else 1].add((r.namespace, r.name))
    versions: dict[tuple[Any, Any], list[Any]] = {}
    for run in runs:
        inputs, outputs = io[run.id]
        key = (tuple(sorted(inputs)), tuple(sorted(outputs)))
        entry = versions.setdefault(key, [run.created_at, run, 0])
        entry[1], entry[2] = run, entry[2] + 1
    out = [
        JobVersion(
            _version_id(job.namespace, job.name, key),
            key[0],
            key[1],
            created,
            last.id,
            last.state,
            count,
        )
        for key, (created, last, count) in versions.items()
    ]
    return sorted(out, key=lambda v: v.created_at, reverse=True)


def _version_id(namespace: str, name: str, io: tuple[Any, Any]) -> str:
    digest = hashlib.sha1(orjson.dumps([namespace, name, io[0], io[1]])).digest()
    return str(uuid.UUID(bytes=digest[:16], version=5))


def last_written(conn: Connection, canonical: dict[int, int]) -> dict[int, datetime]:
    """When a run last wrote each canonical dataset (any of its identities); `canonical`
    maps identity id -> canonical id."""
    rio = s.run_io.c
    ids = list(canonical)
    out: dict[int, datetime] = {}
    for start in range(0, len(ids), CHUNK):
        rows = conn.execute(
            select(rio.dataset_id, func.max(rio.first_seen).label("at"))
            .where(rio.dataset_id.in_(ids[start : start + CHUNK]), rio.direction == "out")
            .group_by(rio.dataset_id)
        )
        for r in rows:
            owner = canonical[r.dataset_id]
            if owner not in out or r.at > out[owner]:
                out[owner] = r.at
    return out


def dataset_version(conn: Connection, dataset_ids: list[int], version: str) -> Row[Any] | None:
    """The newest `dataset_versions` row of these identities with that `version`."""
    dv = s.dataset_versions.c
    return conn.execute(
        select(s.dataset_versions)
        .where(dv.dataset_id.in_(dataset_ids), dv.version == version)
        .order_by(dv.created_at.desc(), dv.id.desc())
        .limit(1)
    ).first()
