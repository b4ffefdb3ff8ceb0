"""Schema-change impact: what breaks downstream if a column is dropped, renamed or retyped.

One implementation for the server route and the offline CLI. Propagation goes dataset by
dataset along current lineage; each hop through a job is judged by the best evidence there is:
column lineage (DIRECT = breaking, INDIRECT = possibly), else the job's SQL parsed with sqlglot,
else the downstream dataset's recorded schema, else "possibly affected, unknown coverage".
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import Connection

from lineage import ids
from lineage.ddl import Change
from lineage.graph import INCOMPLETE, JOB, LineageGraph
from lineage.impact_context import StoreFacts, describe_context
from lineage.impact_targets import UNBOUNDED, ImpactLimits, Target, resolve_targets
from lineage.query import types as t
from lineage.store.changes import NodeKey

BREAKING, POSSIBLY = 2, 1
CLASS_NAMES: dict[int, t.ImpactClassName] = {BREAKING: "breaking", POSSIBLY: "possibly"}


@dataclass
class Hit:
    """How one downstream dataset is affected (merged over every path and change)."""

    node: int
    cls: int
    coverage: t.Coverage
    reason: str
    path: list[int]
    columns: frozenset[str] | None
    fields: dict[str, FieldHit] = field(default_factory=dict)
    causes: set[str] = field(default_factory=set)


@dataclass(slots=True)
class FieldHit:
    """A downstream field fed by affected columns through one job (column lineage)."""

    name: str
    cls: int
    sources: list[str] = field(default_factory=list)  # field ids feeding it
    via: list[str] = field(default_factory=list)  # TYPE/SUBTYPE of each use
    id: str = ""


@dataclass(frozen=True, slots=True)
class Hop:
    """What one job does to the affected columns of one of its inputs."""

    cls: int
    coverage: t.Coverage
    reason: str
    columns: frozenset[str] | None
    fields: dict[str, FieldHit]


def analyze_request(
    graph: LineageGraph,
    conn: Connection,
    request: dict[str, Any],
    limits: ImpactLimits = UNBOUNDED,
) -> t.ImpactReport:
    """Resolve the request (dataset + changes, DDL or proposed schema) and analyze it."""
    targets = resolve_targets(graph, conn, request, limits)
    return analyze(graph, conn, targets, max_sql_chars=limits.max_sql_chars)


def analyze(
    graph: LineageGraph,
    conn: Connection,
    targets: list[Target],
    *,
    max_sql_chars: int | None = None,
) -> t.ImpactReport:
    """The impact report of every change on every target dataset."""
    facts = StoreFacts(conn)
    job_sql = JobSql(facts, max_sql_chars)
    hits: dict[int, Hit] = {}
    incomplete: set[int] = set()
    for target in targets:
        walk = graph.walk(target.node, downstream=True)  # takes the graph's lock in spells
        facts.prefetch(graph.key(n) for n in walk.depths)
        incomplete.update(n for n in walk.depths if graph.flags(n) & INCOMPLETE)
        successors: dict[int, list[int]] = {}
        for a, b in walk.edges:
            successors.setdefault(a, []).append(b)
        # the graph's edge order follows the process's hash seed: sorted, a store always
        # gives the same report (the same path for a dataset reached two ways)
        for children in successors.values():
            children.sort(key=graph.key)
        for change in target.changes:
            _propagate(graph, facts, job_sql, target.node, change, successors, hits)
    items = sorted(hits.values(), key=lambda h: (-h.cls, len(h.path), graph.key(h.node)))
    context = describe_context(graph, facts, [h.path for h in items], incomplete)
    return t.ImpactReport(
        [
            t.ImpactTarget(_id(graph, target.node), [_change(c) for c in target.changes])
            for target in targets
        ],
        t.ImpactSummary(
            sum(1 for h in items if h.cls == BREAKING), sum(1 for h in items if h.cls == POSSIBLY)
        ),
        [_item(graph, h) for h in items],
        context.jobs,
        context.dags,
        context.models,
        context.owners,
        context.warnings,
    )


def _propagate(
    graph: LineageGraph,
    facts: StoreFacts,
    job_sql: JobSql,
    root: int,
    change: Change,
    successors: dict[int, list[int]],
    hits: dict[int, Hit],
) -> None:
    """Spread one change downstream; a dataset is revisited only when its state grows."""
    columns = None if change.column is None else frozenset([change.column])
    state: dict[int, tuple[frozenset[str] | None, int, list[int]]] = {
        root: (columns, BREAKING, [root])
    }
    queue = deque([root])
    while queue:
        node = queue.popleft()
        cols, cls, path = state[node]
        for job in successors.get(node, ()):
            for out in successors.get(job, ()):
                if graph.flags(out) & JOB:
                    continue  # a job-to-job edge carries no columns: not a schema dependency
                hop = _hop(graph, facts, job_sql, node, cols, job, out)
                if hop is None or out == root:
                    continue
                new_cls = min(cls, hop.cls)
                if _record(hits, state, out, hop, new_cls, [*path, job, out], change):
                    queue.append(out)


def _record(
    hits: dict[int, Hit],
    state: dict[int, tuple[frozenset[str] | None, int, list[int]]],
    node: int,
    hop: Hop,
    cls: int,
    path: list[int],
    change: Change,
) -> bool:
    """Merge a hop's result into the hits; True when the dataset must be visited again."""
    for info in hop.fields.values():
        info.cls = min(cls, info.cls)
    hit = hits.get(node)
    if hit is None or cls > hit.cls:
        merged_fields = {**(hit.fields if hit else {}), **hop.fields}
        causes = hit.causes if hit else set()
        hit = hits[node] = Hit(
            node, cls, hop.coverage, hop.reason, path, hop.columns, merged_fields
        )
        hit.causes = causes
    else:
        for name, info in hop.fields.items():
            hit.fields.setdefault(name, info)
    if hit.columns is not None and hop.columns is not None:
        hit.columns = hit.columns | hop.columns
    hit.causes.add(change.describe())
    old = state.get(node)
    columns = hop.columns
    if old is not None:
        columns = None if old[0] is None or columns is None else old[0] | columns
        if columns == old[0] and cls <= old[1]:
            return False
        cls = max(cls, old[1])
    state[node] = (columns, cls, path if old is None or cls > old[1] else old[2])
    return True


def _hop(
    graph: LineageGraph,
    facts: StoreFacts,
    job_sql: JobSql,
    source: int,
    cols: frozenset[str] | None,
    job: int,
    out: int,
) -> Hop | None:
    """Judge the hop source -> job -> out; None when the job does not use the columns."""
    if cols is None:
        return Hop(BREAKING, "dataset", "downstream of a dataset affected as a whole", None, {})
    if facts.has_column_lineage(graph.key(job)):
        return _column_hop(graph, source, cols, job, out)
    reading = job_sql.reading(graph.key(job))
    if isinstance(reading, SqlReading):
        used = reading.uses(cols)
        if not used:
            return None
        names = ", ".join(sorted(used))
        return Hop(BREAKING, "sql", f"job SQL uses {names}", frozenset(used), {})
    return _unknown_hop(graph, facts, cols, out, note=reading)


def _column_hop(
    graph: LineageGraph, source: int, cols: frozenset[str], job: int, out: int
) -> Hop | None:
    roots = [f for c in sorted(cols) if (f := graph.find_field(source, c)) is not None]
    _, edges = graph.column_walk(roots, downstream=True, depth=1)
    fields: dict[str, FieldHit] = {}
    for a, b, transformations in edges:
        dataset, name = graph.field_key(b)
        used = sorted((kind, sub or "") for j, kind, sub in transformations if j == job)
        if dataset != out or not used:
            continue
        direct = any(kind == "DIRECT" for kind, _ in used)
        info = fields.setdefault(name, FieldHit(name, POSSIBLY))
        info.cls = max(info.cls, BREAKING if direct else POSSIBLY)
        info.sources.append(_field_id(graph, a))
        info.via.extend(f"{kind}/{sub}" if sub else kind for kind, sub in used)
    if not fields:
        return None
    whole = fields.pop("", None)
    if whole is not None and not fields:
        # a dataset-wide dependency (columnLineage's `dataset`: a filter, join, sort) changes
        # which rows the output has, never a column's values: possibly, whatever its type
        uses = ", ".join(sorted(set(whole.via)))
        reason = f"column lineage: dataset-wide dependency ({uses})"
        return Hop(POSSIBLY, "column", reason, None, {})
    for info in fields.values():
        info.id = _field_id(graph, graph.find_field(out, info.name) or 0)
    cls = max(info.cls for info in fields.values())
    reason = "column lineage: " + ("DIRECT derivation" if cls == BREAKING else "INDIRECT use")
    return Hop(cls, "column", reason, frozenset(fields), fields)


def _unknown_hop(
    graph: LineageGraph, facts: StoreFacts, cols: frozenset[str], out: int, *, note: str | None
) -> Hop:
    """No column lineage, and no SQL that could be read (`note` says why, if there was SQL)."""
    recorded = facts.schema_names(graph.key(out))
    shared = {c for c in cols if c.lower() in recorded}
    if shared:
        names = ", ".join(sorted(shared))
        reason = f"recorded schema has {names}" + (f" ({note})" if note else "")
        return Hop(BREAKING, "schema", reason, frozenset(shared), {})
    return Hop(POSSIBLY, "unknown", note or "no column lineage or SQL recorded", None, {})


@dataclass(frozen=True, slots=True)
class SqlReading:
    """What a job's SQL mentions: its lower-cased column names, and whether it selects `*`."""

    columns: frozenset[str]
    star: bool

    def uses(self, cols: frozenset[str]) -> set[str]:
        """The columns of `cols` that the SQL mentions (all of them for `*`)."""
        return set(cols) if self.star else {c for c in cols if c.lower() in self.columns}


class JobSql:
    """Each job's SQL, parsed at most once per analysis and only when a hop needs it.

    Stored SQL comes from events, so it may be anything: SQL longer than `max_chars`, SQL
    sqlglot cannot parse and SQL nested too deep for its parser are skipped, and the hop says
    so in its reason, instead of failing every impact through that job.
    """

    def __init__(self, facts: StoreFacts, max_chars: int | None) -> None:
        self._facts = facts
        self._max_chars = max_chars
        self._readings: dict[NodeKey, SqlReading | str | None] = {}

    def reading(self, key: NodeKey) -> SqlReading | str | None:
        """The job's SQL read; a note saying why it could not be; None if it has none."""
        if key not in self._readings:
            sql = self._facts.job_sql(key)
            self._readings[key] = None if sql is None else read_sql(sql, self._max_chars)
        return self._readings[key]


def read_sql(sql: str, max_chars: int | None = None) -> SqlReading | str:
    """What `sql` mentions, or a note saying why it was not parsed."""
    import sqlglot
    from sqlglot import exp
    from sqlglot.errors import SqlglotError

    if max_chars is not None and len(sql) > max_chars:
        return f"job SQL not parsed: {len(sql)} characters, over impact_max_sql_chars"
    try:
        statements = sqlglot.parse(sql)
    except (SqlglotError, ValueError):
        return "job SQL not parsed: sqlglot cannot read it"
    except RecursionError:
        return "job SQL not parsed: nested too deeply"
    mentioned: set[str] = set()
    for statement in statements:
        if statement is None:
            continue
        if any(True for _ in statement.find_all(exp.Star)):
            return SqlReading(frozenset(), star=True)
        mentioned.update(c.name.lower() for c in statement.find_all(exp.Column))
    return SqlReading(frozenset(mentioned), star=False)


def _id(graph: LineageGraph, node: int) -> str:
    return ids.format_id(*graph.key(node))


def _field_id(graph: LineageGraph, field_node: int) -> str:
    dataset, name = graph.field_key(field_node)
    _, namespace, dataset_name = graph.key(dataset)
    return ids.format_id("datasetField", namespace, dataset_name, name)


def _change(change: Change) -> t.ImpactChange:
    kind = cast(t.ChangeKind, change.kind)  # ddl.CHANGE_KINDS, checked on the way in
    return t.ImpactChange(kind, change.column, change.new_name, change.new_type)


def _item(graph: LineageGraph, hit: Hit) -> t.ImpactItem:
    fields = [hit.fields[name] for name in sorted(hit.fields)]
    return t.ImpactItem(
        _id(graph, hit.node),
        cast(t.KindName, graph.kind(hit.node)),
        CLASS_NAMES[hit.cls],
        hit.coverage,
        hit.reason,
        sorted(hit.causes),
        sorted(hit.columns) if hit.columns is not None else None,
        [t.ImpactField(f.name, f.sources, f.via, f.id, CLASS_NAMES[f.cls]) for f in fields],
        [_id(graph, n) for n in hit.path],
    )
