"""Store facts the impact analysis needs (job SQL, schemas, coverage, owners, latest runs)
and the context section of a report: jobs, DAGs, models and owners on the way, warnings."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Connection

from lineage import ids
from lineage.facets import flatten_fields
from lineage.graph import LineageGraph
from lineage.query import types as t
from lineage.store import read
from lineage.store.changes import NodeKey

CHUNK = 500  # keys per IN (...) list


class StoreFacts:
    """Cached per-node reads from the store, done only for nodes the analysis reaches.

    `prefetch` reads many nodes' rows, coverage and owners in a few IN (...) queries; the
    per-node methods fall back to one query each for nodes it did not cover.
    """

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self._jobs: dict[NodeKey, Any] = {}
        self._datasets: dict[NodeKey, Any] = {}
        self._coverage: dict[NodeKey, bool] = {}
        self._owners: dict[NodeKey, list[tuple[str, str]]] = {}
        self._schemas: dict[NodeKey, set[str]] = {}

    def prefetch(self, keys: Iterable[NodeKey], *, owners: bool = False) -> None:
        """Read the rows (and column-lineage coverage of jobs, owners if asked) of many nodes."""
        todo = [k for k in keys if k not in (self._owners if owners else self._coverage)]
        for start in range(0, len(todo), CHUNK):
            chunk = todo[start : start + CHUNK]
            self._prefetch_jobs([k for k in chunk if k[0] == "job"])
            self._prefetch_datasets([k for k in chunk if k[0] == "dataset"])
            self._prefetch_coverage([k for k in chunk if k[0] == "job"])
            if owners:
                self._prefetch_owners(chunk)

    def _prefetch_jobs(self, keys: list[NodeKey]) -> None:
        todo = [k for k in keys if k not in self._jobs]
        if todo:
            found = read.jobs_by_key(self.conn, todo)
            self._jobs.update({key: found.get(key) for key in todo})

    def _prefetch_datasets(self, keys: list[NodeKey]) -> None:
        todo = [k for k in keys if k not in self._datasets]
        if not todo:
            return
        for key, row in read.datasets_by_key(self.conn, todo).items():
            if row.canonical_id is None:  # an alias identity resolves one by one, in row()
                self._datasets[key] = row

    def _prefetch_coverage(self, keys: list[NodeKey]) -> None:
        keys = [k for k in keys if k not in self._coverage]
        rows = {self._jobs[k].id: k for k in keys if self._jobs.get(k) is not None}
        covered = read.jobs_with_column_lineage(self.conn, rows)
        for key in keys:
            row = self._jobs.get(key)
            self._coverage[key] = row is not None and row.id in covered

    def _prefetch_owners(self, keys: list[NodeKey]) -> None:
        for kind in ("job", "dataset"):
            rows = {str(r.id): k for k in keys if k[0] == kind and (r := self.row(k)) is not None}
            payloads = read.owner_facets(self.conn, kind, rows)
            for owner_key, key in rows.items():
                self._owners[key] = _owners_of(payloads.get(owner_key))
        for key in keys:
            self._owners.setdefault(key, [])

    def row(self, key: NodeKey) -> Any:
        """The jobs or (canonical) datasets row of a key, None if the store lost it."""
        if key[0] == "job":
            if key not in self._jobs:
                self._jobs[key] = read.find_job(self.conn, key[1], key[2])
            return self._jobs[key]
        if key not in self._datasets:
            self._datasets[key] = read.find_dataset(self.conn, key[1], key[2])
        return self._datasets[key]

    def has_column_lineage(self, key: NodeKey) -> bool:
        """Whether the job reports any current column lineage."""
        if key not in self._coverage:
            self.row(key)
            self._prefetch_coverage([key])
        return self._coverage[key]

    def job_sql(self, key: NodeKey) -> str | None:
        """The job's SQL (`sql` job facet, kept in jobs.sql)."""
        row = self.row(key)
        return row.sql if row is not None else None

    def schema_names(self, key: NodeKey) -> set[str]:
        """Lower-cased field names (nested as a.b) of the dataset's latest recorded schema."""
        if key not in self._schemas:
            self._schemas[key] = {f.lower() for f in self.schema_fields(key)}
        return self._schemas[key]

    def schema_fields(self, key: NodeKey) -> dict[str, str | None]:
        """Field name -> type of the dataset's latest recorded schema."""
        row = self.row(key)
        if row is None:
            return {}
        fields = read.latest_fields(self.conn, read.identity_ids(self.conn, row.id))
        return {f.name: f.type for f in flatten_fields(fields)}

    def owners(self, key: NodeKey) -> list[tuple[str, str]]:
        """(name, type) of the owners in the `ownership` facet of a job or dataset."""
        if key not in self._owners:
            self._prefetch_owners([key])
        return self._owners[key]

    def latest_runs(self, keys: list[NodeKey]) -> dict[NodeKey, Any]:
        """The newest run row of each job that has run."""
        rows = {k: r for k in keys if (r := self.row(k)) is not None}
        runs = read.latest_runs(self.conn, [r.id for r in rows.values()])
        return {key: runs[row.id] for key, row in rows.items() if row.id in runs}


@dataclass(frozen=True, slots=True)
class Context:
    """The context section of an impact report."""

    jobs: list[t.ImpactJob]
    dags: list[t.ImpactJob]
    models: list[str]
    owners: list[t.Owner]
    warnings: list[str]


def describe_context(
    graph: LineageGraph, facts: StoreFacts, paths: list[list[int]], incomplete: set[int]
) -> Context:
    """Jobs, DAGs (parent jobs), models and owners on the impact paths, plus warnings."""
    on_way = {n for path in paths for n in path}
    jobs = sorted((n for n in on_way if graph.kind(n) == "job"), key=graph.key)
    dags: set[int] = set()
    for job in jobs:
        parent = graph.parent(job)
        while parent is not None and parent not in dags:
            dags.add(parent)
            parent = graph.parent(parent)
    dag_list = sorted(dags, key=graph.key)
    runs = facts.latest_runs([graph.key(n) for n in (*jobs, *dag_list)])
    facts.prefetch((graph.key(n) for n in on_way | dags), owners=True)
    owners = [
        t.Owner(name, kind, _id(graph, node))
        for node in sorted(on_way | dags, key=graph.key)
        for name, kind in facts.owners(graph.key(node))
    ]

    def job_out(node: int) -> t.ImpactJob:
        parent = graph.parent(node)
        run = runs.get(graph.key(node))
        latest = None
        if run is not None:
            latest = t.LatestRun(
                run.id, run.state, read.iso(run.started_at), read.iso(run.ended_at)
            )
        return t.ImpactJob(
            _id(graph, node), _id(graph, parent) if parent is not None else None, latest
        )

    models = sorted(n for n in on_way if graph.kind(n) == "model")
    return Context(
        [job_out(n) for n in jobs],
        [job_out(n) for n in dag_list],
        sorted(_id(graph, n) for n in models),
        owners,
        [
            f"{_id(graph, n)} reported incomplete lineage: nodes downstream of it may be missing"
            for n in sorted(incomplete, key=graph.key)
        ],
    )


def _id(graph: LineageGraph, node: int) -> str:
    return ids.format_id(*graph.key(node))


def _owners_of(payload: str | None) -> list[tuple[str, str]]:
    owners = orjson.loads(payload).get("owners", []) if payload else []
    return [
        (str(o["name"]), str(o.get("type") or ""))
        for o in owners
        if isinstance(o, dict) and o.get("name")
    ]
