"""Incidents: the blast radius of a bad run (or of a bad dataset in a time window), and the
provenance of a run or of a data version.

A *data version* is what a COMPLETED run wrote to a dataset (`lineage.store.version_reads`).
A run *read* version V of an input when the input carries V in its `version` facet, or else
V is the newest version of that dataset written (COMPLETE eventTime) at or before the run
started (START eventTime): event times, never arrival order, so the same events give the same
answer whatever order they arrived in.

Blast radius: the versions the bad run wrote are tainted; a run that read a tainted version is
tainted, and so are the versions it wrote, hop by hop. A clean version written later ends a
dataset's taint for the runs that started after it, because they read that one. Each hop is
one set of bulk reads (every reader and writer of the datasets reached), resolved in memory.
"""

from __future__ import annotations

import bisect
import heapq
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any

import msgspec
from msgspec import Meta
from sqlalchemy import Connection, select

from lineage import ids
from lineage.errors import BadRequest, NodeNotFound
from lineage.query import params
from lineage.query.types import Answer, NodeIdStr, TimeStr
from lineage.store import codec, marquez_read, ml_read, quality, read
from lineage.store import ml_schema as m
from lineage.store import schema as s
from lineage.store.use_index import UseIndex
from lineage.store.version_reads import (
    RunRow,
    SqlUses,
    Use,
    Uses,
    datasets_by_id,
    iso,
    micros,
    run_events,
    run_uses,
    runs_by_id,
)

DEFAULT_LIMIT = 1000
MAX_LIMIT = 100_000
DEFAULT_DEPTH = 100
MAX_DEPTH = 10_000

# --- answers -------------------------------------------------------------------------------

RunIdStr = Annotated[str, Meta(description="Run id (UUID)")]


class VersionRef(Answer):
    """A data version: what one COMPLETED run wrote to a dataset."""

    run: Annotated[RunIdStr, Meta(description="The run that wrote it")]
    version: Annotated[str | None, Meta(description="Its `version` facet, if sent")]
    written_at: Annotated[TimeStr, Meta(description="The writing run's COMPLETE eventTime")]


class Via(Answer):
    """A tainted version a run read."""

    dataset: NodeIdStr
    run: Annotated[RunIdStr, Meta(description="The tainted run that wrote what was read")]


class TaintedRun(Answer):
    """A run that read tainted data (or the run the question starts from, at depth 0)."""

    id: RunIdStr
    job: NodeIdStr
    job_namespace: str
    job_name: str
    state: Annotated[str, Meta(description="NEW, RUNNING, COMPLETED, FAILED or ABORTED")]
    started_at: TimeStr | None
    ended_at: TimeStr | None
    depth: Annotated[int, Meta(ge=0, description="Hops of tainted reads from the origin")]
    via: Annotated[list[Via], Meta(description="The tainted versions it read")]


class TaintedDataset(Answer):
    """A dataset a tainted run wrote a version of."""

    id: NodeIdStr
    namespace: str
    name: str
    first_tainted: Annotated[VersionRef, Meta(description="Its first tainted version")]
    tainted_versions: Annotated[int, Meta(ge=1, description="Tainted versions written")]
    replaced_by: Annotated[
        VersionRef | None,
        Meta(description="A clean version written after the last tainted one (its newest)"),
    ]


class TaintedModel(Answer):
    """A model version trained (written) by a tainted run."""

    id: NodeIdStr
    namespace: str
    name: str
    version: Annotated[str | None, Meta(description="The model version, if reported")]
    training_run: RunIdStr
    training_job: NodeIdStr
    trained_at: TimeStr


class PlanStep(Answer):
    """A job to re-run: every job of the tainted runs once, upstream jobs first."""

    job: NodeIdStr
    namespace: str
    name: str
    runs: Annotated[list[RunIdStr], Meta(description="Its tainted runs, oldest first")]
    after: Annotated[list[NodeIdStr], Meta(description="Plan jobs whose output it read")]


class UntaintedRead(Answer):
    """Context, not tainted: a run that read a tainted dataset, but a clean version of it."""

    run: RunIdStr
    job: NodeIdStr
    dataset: NodeIdStr
    started_at: TimeStr
    read: Annotated[
        VersionRef | None, Meta(description="The version it read; null: none the store knows")
    ]


class BlastOrigin(Answer):
    """What the blast radius starts from."""

    run: Annotated[RunIdStr | None, Meta(description="The bad run, when asked for one")]
    dataset: Annotated[NodeIdStr | None, Meta(description="The bad dataset, when asked")]
    since: TimeStr | None
    until: TimeStr | None
    versions: Annotated[list[VersionRef], Meta(description="The versions tainted first")]


class BlastRadius(Answer):
    """Everything built on bad data since, and the order to re-run it in."""

    origin: BlastOrigin
    runs: Annotated[list[TaintedRun], Meta(description="Tainted runs by depth, then start")]
    datasets: Annotated[list[TaintedDataset], Meta(description="Tainted datasets (not models)")]
    models: Annotated[list[TaintedModel], Meta(description="Models trained on tainted data")]
    plan: Annotated[list[PlanStep], Meta(description="Jobs to re-run, in dependency order")]
    untainted_reads: Annotated[
        list[UntaintedRead],
        Meta(
            description="Not tainted: runs that read a tainted dataset while it was tainted "
            "(from the origin until a clean version replaced it), but a clean version"
        ),
    ]
    truncated: Annotated[bool, Meta(description="depth or limit cut the walk short")]


class CodeVersion(Answer):
    """The sourceCodeLocation and sourceCode job facets as the run sent them."""

    type: str | None
    url: str | None
    repo_url: str | None
    path: str | None
    version: str | None
    tag: str | None
    branch: str | None
    language: str | None


class InputVersion(Answer):
    """The exact version of an input a run read."""

    dataset: NodeIdStr
    version: Annotated[str | None, Meta(description="The `version` facet read, if known")]
    run: Annotated[RunIdStr | None, Meta(description="Its writer; null: none recorded")]
    written_at: TimeStr | None


class FailedCheck(Answer):
    """A failed data-quality result of a run: an assertion (dataQualityAssertions) on one of
    its datasets, or a test of its `test` facet."""

    dataset: Annotated[NodeIdStr | None, Meta(description="The dataset; null for a test")]
    assertion: Annotated[str | None, Meta(description="The assertion, or the test's name")]
    column: str | None


class ProvenanceRun(Answer):
    """A run upstream of (or at) the thing asked about."""

    id: RunIdStr
    job: NodeIdStr
    job_namespace: str
    job_name: str
    state: str
    started_at: TimeStr | None
    ended_at: TimeStr | None
    depth: Annotated[int, Meta(ge=0, description="Hops upstream of the root run")]
    code: Annotated[CodeVersion | None, Meta(description="Code version, if the run sent one")]
    parameters: Annotated[dict[str, Any], Meta(description="The run's hyperparameters")]
    inputs: list[InputVersion]
    outputs: Annotated[list[NodeIdStr], Meta(description="Datasets the run wrote (reported)")]
    failed_checks: list[FailedCheck]


class Provenance(Answer):
    """The runs, and the exact input versions, that produced a run's output or a version."""

    run: Annotated[RunIdStr, Meta(description="The root run")]
    dataset: Annotated[NodeIdStr | None, Meta(description="The dataset, for a version")]
    version: Annotated[VersionRef | None, Meta(description="The version asked about")]
    runs: Annotated[list[ProvenanceRun], Meta(description="Root first, then by depth")]
    truncated: Annotated[bool, Meta(description="depth or limit cut the walk short")]


# --- what the walks read -------------------------------------------------------------------


@dataclass(slots=True)
class _Versions:
    """The versions of a canonical dataset a walk has read, oldest first."""

    versions: list[Use]
    ends: list[int]

    def read_by(self, reader: Use) -> Use | None:
        """The version `reader` read: its `version` facet's, else the newest written at or
        before it started (never its own output)."""
        if reader.version is not None:
            named = [v for v in self.versions if v.version == reader.version]
            return named[-1] if named else None
        i = bisect.bisect_right(self.ends, reader.start)
        while i > 0 and self.versions[i - 1].run_id == reader.run_id:
            i -= 1
        return self.versions[i - 1] if i else None

    def after(self, version: Use) -> Use | None:
        """The version written next after `version`, if any."""
        i = bisect.bisect_right(self.ends, _by_end(version)[0])
        while i < len(self.versions) and self.versions[i].run_id == version.run_id:
            i += 1
        return self.versions[i] if i < len(self.versions) else None


class _Estate:
    """The versions of the datasets a walk has reached, each dataset read in bulk once:
    those written from `since` (with the one before) up to `until`."""

    def __init__(self, uses: Uses, *, since: int | None = None, until: int | None = None) -> None:
        self.uses, self.since, self.until = uses, since, until
        self.datasets: dict[int, _Versions] = {}

    def load(self, dataset_ids: Iterable[int]) -> None:
        todo = {d for d in dataset_ids if d not in self.datasets}
        if not todo:
            return
        found: dict[int, list[Use]] = defaultdict(list)
        for use in self.uses.versions(todo, since=self.since, until=self.until):
            found[use.dataset].append(use)
        for d in todo:
            written = sorted(found[d], key=_by_end)
            self.datasets[d] = _Versions(written, [v.end for v in written])  # type: ignore[misc]

    def read_by(self, reader: Use) -> Use | None:
        self.load([reader.dataset])
        return self.datasets[reader.dataset].read_by(reader)


# --- blast radius --------------------------------------------------------------------------


def dataset_node(conn: Connection, node_id: str, field: str = "dataset") -> Any:
    """The canonical dataset row a `dataset:<namespace>:<name>` node id names; 404 if none."""
    kind, rest = ids.split(node_id)
    if kind != "dataset":
        raise BadRequest(f"{field} must be a dataset node id, got {node_id!r}", field=field)
    known: set[str] = set(conn.execute(select(s.datasets.c.namespace).distinct()).scalars())
    for namespace, name in ids.candidates(rest, known):
        row = read.find_dataset(conn, namespace, name)
        if row is not None and row.deleted_at is None:
            return row
    raise NodeNotFound(f"dataset {node_id!r} not found", field=field)


def _run_row(uses: Uses, run_id: str, field: str) -> RunRow:
    """The run's row; a 404 naming `field` if there is none."""
    row = uses.runs([run_id]).get(run_id)
    if row is None:
        raise NodeNotFound(f"run {run_id!r} not found", field=field)
    return row


def blast_radius(
    conn: Connection,
    *,
    run: str | None,
    dataset: str | None,
    since: str | None,
    until: str | None,
    limit: int = DEFAULT_LIMIT,
    depth: int = DEFAULT_DEPTH,
    index: UseIndex | None = None,
) -> BlastRadius:
    """The blast radius of `run`, or of the versions of `dataset` written in [since, until)
    (RFC 3339 times); a 400 naming the field for a request that is neither. The walk reads
    `index` (kept current from `conn`) when given, else SQL: the same answer."""
    if (run is None) == (dataset is None):
        raise BadRequest("give either run or dataset (with since)", field="run")
    if run is not None:
        if since is not None or until is not None:
            raise BadRequest("since and until go with dataset, not run", field="since")
        return run_blast_radius(conn, run, limit=limit, depth=depth, index=index)
    assert dataset is not None
    start = params.time(since, "since")
    if start is None:
        raise BadRequest("a dataset's blast radius needs since", field="since")
    end = params.time(until, "until")
    if end is not None and end <= start:
        raise BadRequest("until must be after since", field="until")
    return dataset_blast_radius(
        conn, dataset, since=start, until=end, limit=limit, depth=depth, index=index
    )


@contextmanager
def _reading(conn: Connection, index: UseIndex | None) -> Iterator[Uses]:
    if index is None:
        yield SqlUses(conn)
    else:
        with index.current(conn) as uses:
            yield uses


def run_blast_radius(
    conn: Connection,
    run_id: str,
    *,
    limit: int = DEFAULT_LIMIT,
    depth: int = DEFAULT_DEPTH,
    index: UseIndex | None = None,
) -> BlastRadius:
    """Everything tainted by what run `run_id` wrote (404 naming `run` if it is unknown)."""
    with _reading(conn, index) as uses:
        origin = _run_row(uses, run_id, "run")
        written = [u for u in uses.outputs([origin.id]) if u.wrote]
        estate = _Estate(uses, since=_started(origin))
        walk = _blast(uses, estate, [origin.id], written, limit=limit, depth=depth)
    answer = _blast_answer(conn, estate, walk, written, limit)
    answer.origin.run = origin.id
    return answer


def dataset_blast_radius(
    conn: Connection,
    node_id: str,
    *,
    since: datetime,
    until: datetime | None,
    limit: int = DEFAULT_LIMIT,
    depth: int = DEFAULT_DEPTH,
    index: UseIndex | None = None,
) -> BlastRadius:
    """Everything tainted by the versions of a dataset written in [since, until)."""
    row = dataset_node(conn, node_id)
    start, end = micros(since), micros(until)
    assert start is not None
    with _reading(conn, index) as uses:
        estate = _Estate(uses, since=start)
        estate.load([row.id])
        written = [
            v
            for v in estate.datasets[row.id].versions
            if v.end >= start and (end is None or v.end < end)  # type: ignore[operator]
        ]
        origins = sorted({v.run_id for v in written})
        walk = _blast(uses, estate, origins, written, limit=limit, depth=depth)
    answer = _blast_answer(conn, estate, walk, written, limit)
    answer.origin.dataset = read.node_id("dataset", row.namespace, row.name)
    answer.origin.since, answer.origin.until = read.iso(since), read.iso(until)
    return answer


@dataclass(slots=True)
class _Walk:
    """What the blast radius walk has found so far."""

    tainted: dict[str, int]  # run -> hops from the origin
    versions: dict[tuple[int, str], Use] = field(default_factory=dict)  # (dataset, writer)
    via: dict[str, set[tuple[int, str]]] = field(default_factory=lambda: defaultdict(set))
    reads: dict[tuple[str, int], tuple[Use, Use | None]] = field(default_factory=dict)
    truncated: bool = False
    runs: dict[str, RunRow] = field(default_factory=dict)  # the tainted runs' rows


def _blast(
    uses: Uses,
    estate: _Estate,
    origins: list[str],
    written: list[Use],
    *,
    limit: int,
    depth: int,
) -> _Walk:
    """The walk: hop by hop, the runs that read a tainted version, and what they wrote.

    Only what a run started since the origin could have read is read: versions from the
    estate's `since` (and the one before), and per hop the reads of the datasets reached that
    started from `since` until the newest of those datasets' next versions was written."""
    since = estate.since
    assert since is not None
    walk = _Walk(dict.fromkeys(origins, 0))
    frontier, hop = written, 0
    while frontier:
        estate.load(v.dataset for v in frontier)
        walk.versions.update(((v.dataset, v.run_id), v) for v in frontier)
        writers: dict[int, set[str]] = defaultdict(set)
        for v in frontier:
            writers[v.dataset].add(v.run_id)
        nexts = [estate.datasets[v.dataset].after(v) for v in frontier]
        until = None if None in nexts else max(_by_end(n)[0] for n in nexts if n is not None)
        found: dict[str, Use] = {}
        pinned = {v.version for v in frontier if v.version is not None}
        for reader in uses.readers(writers, since=since, until=until, pinned=pinned):
            read_v = estate.datasets[reader.dataset].read_by(reader)
            walk.reads[(reader.run_id, reader.dataset)] = (reader, read_v)
            if read_v is None or read_v.run_id not in writers[reader.dataset]:
                continue
            walk.via[reader.run_id].add((reader.dataset, read_v.run_id))
            if reader.run_id not in walk.tainted:
                found.setdefault(reader.run_id, reader)
        if not found:
            break
        if hop == depth:
            walk.truncated = True
            break
        if len(walk.tainted) + len(found) > limit:
            room = max(limit - len(walk.tainted), 0)
            found = dict(sorted(found.items(), key=lambda kv: (kv[1].start, kv[0]))[:room])
            walk.truncated = True
        hop += 1
        walk.tainted.update(dict.fromkeys(found, hop))
        frontier = [u for u in uses.outputs(found) if u.wrote]
        if walk.truncated:
            estate.load(v.dataset for v in frontier)
            walk.versions.update(((v.dataset, v.run_id), v) for v in frontier)
            break
    walk.runs = uses.runs(walk.tainted)
    return walk


def _blast_answer(
    conn: Connection, estate: _Estate, walk: _Walk, written: list[Use], limit: int
) -> BlastRadius:
    tainted, versions, via, runs = walk.tainted, walk.versions, walk.via, walk.runs
    by_dataset: dict[int, list[Use]] = defaultdict(list)
    for v in versions.values():
        by_dataset[v.dataset].append(v)
    replaced = {d: _replacement(estate.datasets[d], versions) for d in by_dataset}
    context = _untainted_reads(walk, replaced, limit)
    dataset_rows = datasets_by_id(conn, {*by_dataset, *(u.dataset for u, _ in context)})
    jobs = read.jobs_by_id(conn, {r.job_id for r in runs.values()} | {u.job_id for u, _ in context})
    # every node id once: the lists below name the same few thousand nodes again and again
    node = {d: read.node_id("dataset", r.namespace, r.name) for d, r in dataset_rows.items()}
    job_node = {j: read.node_id("job", r.namespace, r.name) for j, r in jobs.items()}
    texts = _Texts()

    def tainted_run(r: str) -> TaintedRun:
        row, job = runs[r], jobs[runs[r].job_id]
        read_from = sorted((node[d], w) for d, w in via[r]) if tainted[r] else []
        return TaintedRun(
            r,
            job_node[row.job_id],
            job.namespace,
            job.name,
            row.state,
            texts[row.started_at],
            texts[row.ended_at],
            tainted[r],
            [Via(d, w) for d, w in read_from],
        )

    order = sorted(
        tainted, key=lambda r: (tainted[r], runs[r].created_at, jobs[runs[r].job_id].name, r)
    )
    datasets, models = [], []
    models_written = {k: v for k, v in versions.items() if dataset_rows[k[0]].kind == "model"}
    model_versions = _model_versions(conn, models_written) if models_written else {}
    for d in sorted(by_dataset, key=node.__getitem__):
        row, mine = dataset_rows[d], sorted(by_dataset[d], key=_by_end)
        if row.kind == "model":
            models += [
                TaintedModel(
                    node[d],
                    row.namespace,
                    row.name,
                    model_versions.get((d, v.run_id), v.version),
                    v.run_id,
                    job_node[runs[v.run_id].job_id],
                    texts[v.end],  # type: ignore[arg-type]
                )
                for v in mine
            ]
            continue
        clean = replaced[d]
        datasets.append(
            TaintedDataset(
                node[d],
                row.namespace,
                row.name,
                _ref(mine[0], texts),
                len(mine),
                _ref(clean, texts) if clean is not None else None,
            )
        )
    return BlastRadius(
        BlastOrigin(None, None, None, None, [_ref(v, texts) for v in sorted(written, key=_by_end)]),
        [tainted_run(r) for r in order],
        datasets,
        models,
        _plan(tainted, via, runs, jobs, job_node),
        [
            UntaintedRead(
                u.run_id,
                job_node[u.job_id],
                node[u.dataset],
                texts[u.start],  # type: ignore[arg-type]
                _ref(read_v, texts) if read_v is not None else None,
            )
            for u, read_v in context
        ],
        walk.truncated,
    )


def _started(run: RunRow) -> int:
    """When the run started: its START eventTime, else its first event's."""
    return run.created_at if run.started_at is None else run.started_at


def _by_end(v: Use) -> tuple[int, str]:
    return v.end, v.run_id  # type: ignore[return-value]


class _Texts(dict[int | None, str | None]):
    """The RFC 3339 text of each time an answer writes, formatted once: a run's end is also
    when each version it wrote was written, and runs on one schedule share their times."""

    def __missing__(self, us: int | None) -> str | None:
        text = self[us] = iso(us)
        return text


def _ref(v: Use, texts: _Texts) -> VersionRef:
    return VersionRef(v.run_id, v.version, texts[v.end])  # type: ignore[arg-type]


def _replacement(written: _Versions, tainted: dict[tuple[int, str], Use]) -> Use | None:
    """The dataset's newest version when it is clean and newer than every tainted one."""
    newest = written.versions[-1]
    return None if (newest.dataset, newest.run_id) in tainted else newest


def _untainted_reads(
    walk: _Walk, replaced: dict[int, Use | None], limit: int
) -> list[tuple[Use, Use | None]]:
    """Reads of tainted datasets, while they were tainted, by runs that read a clean version
    (or one the store has no writer for): context, oldest first."""
    found = []
    for reader, read_v in walk.reads.values():
        if reader.run_id in walk.tainted or reader.dataset not in replaced:
            continue
        if read_v is not None and (reader.dataset, read_v.run_id) in walk.versions:
            continue  # read a tainted version, past the limit
        clean = replaced[reader.dataset]
        if clean is None or reader.start < clean.end:  # type: ignore[operator]
            found.append((reader, read_v))
    found.sort(key=lambda p: (p[0].start, p[0].run_id, p[0].dataset))
    return found[:limit]


def _model_versions(
    conn: Connection, versions: dict[tuple[int, str], Use]
) -> dict[tuple[int, str], str | None]:
    """The ML model version of each tainted (model, run), as its ml_model facet gave it."""
    mv = m.ml_model_versions.c
    rows_by_id = {(v.dataset_row, v.run_id): key for key, v in versions.items()}
    out: dict[tuple[int, str], str | None] = {}
    runs = {run for _, run in versions}
    query = select(mv.dataset_id, mv.run_id, mv.version).where(read.one_of(conn, mv.run_id, runs))
    for r in conn.execute(query):
        key = rows_by_id.get((r.dataset_id, r.run_id))
        if key is not None and r.version is not None:
            out[key] = r.version
    return out


def _plan(
    tainted: dict[str, int],
    via: dict[str, set[tuple[int, str]]],
    runs: dict[str, RunRow],
    jobs: dict[int, Any],
    job_node: dict[int, str],
) -> list[PlanStep]:
    """Each job of the tainted runs once, every job after the jobs whose tainted output it
    read; jobs in a cycle (a job reading its own output, directly or not) go together, the
    one nearest the origin first (then the first to start, then by name and node id)."""
    first: dict[int, tuple[int, int, str, str]] = {}
    members: dict[int, list[str]] = defaultdict(list)
    for r, hop in tainted.items():
        job = runs[r].job_id
        members[job].append(r)
        key = (hop, runs[r].created_at, jobs[job].name, job_node[job])
        first[job] = min(first.get(job, key), key)
    after: dict[int, set[int]] = {job: set() for job in first}
    for r in tainted:
        for _, writer in via.get(r, ()):
            if writer in tainted and runs[writer].job_id != runs[r].job_id:
                after[runs[r].job_id].add(runs[writer].job_id)
    order = [
        job
        for group in _groups_in_order(after, first.__getitem__)
        for job in sorted(group, key=first.__getitem__)
    ]
    position = {job: i for i, job in enumerate(order)}
    return [
        PlanStep(
            job_node[job],
            jobs[job].namespace,
            jobs[job].name,
            sorted(members[job], key=lambda r: (runs[r].created_at, r)),
            [job_node[j] for j in sorted(after[job], key=position.__getitem__)],
        )
        for job in order
    ]


def _groups_in_order(after: dict[int, set[int]], key: Callable[[int], Any]) -> list[list[int]]:
    """The strongly connected groups of the graph whose edges go from each of `after[n]` to
    n, upstream groups first; of the groups ready, the one whose smallest `key` is smallest.
    (Tarjan's algorithm, then Kahn's with a heap: networkx's condensation and lexicographic
    sort gave the same order at several times the cost.)

    When ordering every node by `key` already puts each source before the nodes after it,
    that order is the answer (each group one node: a cycle would have an edge going back),
    and the usual acyclic radius needs neither algorithm."""
    by_key = sorted(after, key=key)
    rank_of = {n: i for i, n in enumerate(by_key)}
    if all(rank_of[source] < rank_of[n] for n, sources in after.items() for source in sources):
        return [[n] for n in by_key]
    below: dict[int, list[int]] = {n: [] for n in after}
    for n, sources in after.items():
        for source in sources:
            below[source].append(n)
    index: dict[int, int] = {}
    low: dict[int, int] = {}
    stack: list[int] = []
    group_of: dict[int, int] = {}
    groups: list[list[int]] = []
    for root in after:
        if root in index:
            continue
        index[root] = low[root] = len(index)
        stack.append(root)
        work = [(root, iter(below[root]))]
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    work.append((child, iter(below[child])))
                    break
                if child not in group_of:  # on the stack
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    group: list[int] = []
                    while not group or group[-1] != node:
                        group.append(stack.pop())
                        group_of[group[-1]] = len(groups)
                    groups.append(group)
    waiting = [0] * len(groups)
    next_groups: list[set[int]] = [set() for _ in groups]
    for n, sources in after.items():
        for source in sources:
            a, b = group_of[source], group_of[n]
            if a != b and b not in next_groups[a]:
                next_groups[a].add(b)
                waiting[b] += 1
    rank = [min(map(key, g)) for g in groups]
    ready = [(rank[i], i) for i, w in enumerate(waiting) if w == 0]
    heapq.heapify(ready)
    order = []
    while ready:
        _, i = heapq.heappop(ready)
        order.append(groups[i])
        for j in next_groups[i]:
            waiting[j] -= 1
            if waiting[j] == 0:
                heapq.heappush(ready, (rank[j], j))
    return order


# --- provenance ----------------------------------------------------------------------------


class _SourceCodeLocation(msgspec.Struct):
    type: str | None = None
    url: str | None = None
    repoUrl: str | None = None
    path: str | None = None
    version: str | None = None
    tag: str | None = None
    branch: str | None = None


class _SourceCode(msgspec.Struct):
    language: str | None = None


class _JobFacets(msgspec.Struct):
    sourceCodeLocation: _SourceCodeLocation | None = None
    sourceCode: _SourceCode | None = None


class _Job(msgspec.Struct):
    facets: _JobFacets | None = None


class _CodeOfEvent(msgspec.Struct):
    job: _Job | None = None


_CODE: msgspec.json.Decoder[_CodeOfEvent] = msgspec.json.Decoder(_CodeOfEvent)


def run_provenance(
    conn: Connection, run_id: str, *, limit: int = DEFAULT_LIMIT, depth: int = DEFAULT_DEPTH
) -> Provenance:
    """The runs and exact input versions upstream of run `run_id` (404 naming `runId`)."""
    root = _run_row(SqlUses(conn), run_id, "runId")
    return _provenance(conn, root.id, None, None, limit=limit, depth=depth)


def version_provenance(
    conn: Connection,
    dataset_id: int,
    version: str,
    *,
    limit: int = DEFAULT_LIMIT,
    depth: int = DEFAULT_DEPTH,
) -> Provenance:
    """Provenance of a version of canonical dataset `dataset_id`: named by its `version`
    facet, by the id of the run that wrote it, or as the dataset's versions list names it
    (a schema hash: the version its recording run wrote, or read); 404 naming `version` if
    no data version matches."""
    estate = _Estate(SqlUses(conn))
    estate.load([dataset_id])
    written = estate.datasets[dataset_id]
    matching = [v for v in written.versions if version in (v.version, v.run_id)]
    chosen = matching[-1] if matching else _listed_version(conn, written, dataset_id, version)
    row = datasets_by_id(conn, [dataset_id])[dataset_id]
    node = read.node_id("dataset", row.namespace, row.name)
    return _provenance(conn, chosen.run_id, node, _ref(chosen, _Texts()), limit=limit, depth=depth)


def _listed_version(conn: Connection, written: _Versions, dataset_id: int, version: str) -> Use:
    """The data version behind an entry of the dataset's versions list (`dataset_versions`,
    whose run is the first to report it): what that run wrote, else what it read."""
    listed = marquez_read.dataset_version(conn, read.identity_ids(conn, dataset_id), version)
    if listed is None or listed.run_id is None:
        raise NodeNotFound(f"no version {version!r} of this dataset was written", field="version")
    for v in written.versions:
        if v.run_id == listed.run_id:
            return v
    for use in run_uses(conn, [listed.run_id], "in"):
        read_v = written.read_by(use) if use.dataset == dataset_id else None
        if read_v is not None:
            return read_v
    raise NodeNotFound(
        f"version {version!r} was reported by run {listed.run_id!r}, which wrote no data "
        "version of this dataset (it did not complete) and read none",
        field="version",
    )


def _provenance(
    conn: Connection,
    root: str,
    dataset: str | None,
    version: VersionRef | None,
    *,
    limit: int,
    depth: int,
) -> Provenance:
    """Upstream hop by hop: each run's inputs, the version of each it read, that version's
    writer; one set of bulk reads per hop (of versions written before the root started:
    nothing upstream read a later one)."""
    start = _run_row(SqlUses(conn), root, "runId")
    estate = _Estate(SqlUses(conn), until=_started(start))
    found: dict[str, int] = {root: 0}
    reads: dict[str, list[tuple[Use, Use | None]]] = {}
    frontier, hop, truncated = [root], 0, False
    while frontier:
        inputs = run_uses(conn, frontier, "in")
        estate.load(u.dataset for u in inputs)
        upstream: dict[str, None] = {}
        for u in sorted(inputs, key=lambda u: (u.run_id, u.dataset)):
            read_v = estate.read_by(u)
            reads.setdefault(u.run_id, []).append((u, read_v))
            if read_v is not None and read_v.run_id not in found:
                upstream[read_v.run_id] = None
        if not upstream:
            break
        if hop == depth or len(found) >= limit:
            truncated = True
            break
        picked = list(upstream)[: limit - len(found)]
        truncated = len(picked) < len(upstream)
        hop += 1
        found.update(dict.fromkeys(picked, hop))
        frontier = picked
        if truncated:
            break
    return _provenance_answer(conn, found, reads, dataset, version, truncated)


def _provenance_answer(
    conn: Connection,
    found: dict[str, int],
    reads: dict[str, list[tuple[Use, Use | None]]],
    dataset: str | None,
    version: VersionRef | None,
    truncated: bool,
) -> Provenance:
    run_ids = list(found)
    runs = runs_by_id(conn, run_ids)
    outputs = run_uses(conn, run_ids, "out")
    uses = [u for pairs in reads.values() for u, _ in pairs] + outputs
    dataset_rows = datasets_by_id(conn, {u.dataset for u in uses})
    jobs = read.jobs_by_id(conn, {r.job_id for r in runs.values()})
    params = ml_read.runs_params(conn, run_ids)
    code = _code_versions(conn, run_ids)
    checks = _failed_checks(conn, run_ids)

    def node(dataset_id: int) -> str:
        row = dataset_rows[dataset_id]
        return read.node_id("dataset", row.namespace, row.name)

    wrote: dict[str, list[str]] = defaultdict(list)
    for u in outputs:
        wrote[u.run_id].append(node(u.dataset))
    answers = []
    for r in sorted(run_ids, key=lambda r: (found[r], runs[r].created_at, r)):
        row, job = runs[r], jobs[runs[r].job_id]
        answers.append(
            ProvenanceRun(
                r,
                read.node_id("job", job.namespace, job.name),
                job.namespace,
                job.name,
                row.state,
                iso(row.started_at),
                iso(row.ended_at),
                found[r],
                code.get(r),
                params[r],
                [
                    InputVersion(
                        node(u.dataset),
                        u.version if v is None else (u.version or v.version),
                        None if v is None else v.run_id,
                        None if v is None else iso(v.end),
                    )
                    for u, v in sorted(reads.get(r, []), key=lambda p: node(p[0].dataset))
                ],
                sorted(set(wrote[r])),
                checks.get(r, []),
            )
        )
    return Provenance(next(iter(found)), dataset, version, answers, truncated)


def _code_versions(conn: Connection, run_ids: list[str]) -> dict[str, CodeVersion]:
    """Each run's code version: the newest sourceCodeLocation / sourceCode its events sent."""
    out: dict[str, CodeVersion] = {}
    for row in run_events(conn, run_ids):
        try:
            facets = _CODE.decode(codec.decode(row.payload)).job
        except msgspec.ValidationError:  # a producer's facet of another shape: not code
            continue
        if facets is None or facets.facets is None:
            continue
        location, source = facets.facets.sourceCodeLocation, facets.facets.sourceCode
        if location is None and source is None:
            continue
        location = location or _SourceCodeLocation()
        out[row.run_id] = CodeVersion(
            location.type,
            location.url,
            location.repoUrl,
            location.path,
            location.version,
            location.tag,
            location.branch,
            source.language if source is not None else None,
        )
    return out


def _failed_checks(conn: Connection, run_ids: list[str]) -> dict[str, list[FailedCheck]]:
    """The runs' failed data-quality results (assertions and tests), as `quality` keeps them."""
    out: dict[str, list[FailedCheck]] = defaultdict(list)
    for r in quality.of_runs(conn, run_ids):
        if r.success is False:
            dataset = None if r.name is None else read.node_id("dataset", r.namespace, r.name)
            out[r.run_id].append(FailedCheck(dataset, r.assertion or r.test, r.column))
    return out
