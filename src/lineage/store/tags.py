"""Tags on datasets, dataset fields, jobs and runs, and the tag names users created.

Two kinds of rows share `node_tags`. Users' tags, set through Marquez's tag routes (source
`API`), are not derived from events: `lineage db replay` leaves them alone. The tags of
OpenLineage `tags` facets (on datasets and their fields, jobs and runs; the client's
configured tags arrive the same way) are derived from the events (`derive`, from the
writer's group commit and from replay) and carry the eventTime of the facet that set them:
a node's newest tags facet replaces what an older one set, whatever order they arrive in. Of
two facets at the same eventTime the greater tag set wins (`content`: its entries sorted and
compared as lists, so any tag beats none), never the later to arrive.
A node is named by (namespace, name) and a field by its name, never by a row id, so a tag
outlives a replay that renumbers the derived tables. A tag is a `key` (a Marquez tag's
name), an optional `value` and the `source` that set it.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import Connection, delete, func, select, union, update

from lineage import facets as f
from lineage.events import Event
from lineage.store import schema as s
from lineage.store.sql import insert_ignore, upsert_when

API = "API"
"""The source of a tag set through Marquez's tag routes."""

Owner = Literal["dataset", "field", "job"]
SetOwner = Literal["dataset", "job", "run"]
_OWNER_TYPES: dict[str, tuple[str, ...]] = {
    "dataset": ("dataset", "field"),
    "job": ("job",),
    "run": ("run",),
}
tg, nt, tc = s.tags.c, s.node_tags.c, s.tag_clocks.c


@dataclass(frozen=True, slots=True)
class TagName:
    """A tag name in the catalog."""

    name: str
    description: str | None


@dataclass(frozen=True, slots=True)
class NodeTag:
    """A tag on one node (or on one field of a dataset: `field` is '' otherwise)."""

    namespace: str
    name: str
    field: str
    key: str
    value: str | None
    source: str


def _hash(*parts: str) -> str:
    return hashlib.sha1("\x00".join(parts).encode()).hexdigest()


def _now() -> datetime:
    return datetime.now(UTC)


def put_name(conn: Connection, name: str, description: str | None) -> TagName:
    """Create the tag name, or set its description when it exists (Marquez's PUT)."""
    now = _now()
    conn.execute(
        insert_ignore(conn, s.tags, ("ident",)),
        {
            "ident": _hash(name),
            "name": name,
            "description": description,
            "created_at": now,
            "updated_at": now,
        },
    )
    conn.execute(
        update(s.tags)
        .where(tg.ident == _hash(name))
        .values(description=description, updated_at=now)
    )
    return TagName(name, description)


def list_names(conn: Connection, *, limit: int | None, offset: int) -> list[TagName]:
    """Tag names by name: those users created and every key a node is tagged with."""
    keys = select(nt.key.label("name")).where(nt.owner_type != "run")
    names = union(select(tg.name), keys).subquery()
    described = (
        select(names.c.name, tg.description)
        .outerjoin(s.tags, tg.name == names.c.name)
        .order_by(names.c.name)
        .limit(limit)
        .offset(offset)
    )
    return [TagName(r.name, r.description) for r in conn.execute(described)]


def add(
    conn: Connection, owner: Owner, namespace: str, name: str, key: str, *, field: str = ""
) -> None:
    """Tag a node (or a dataset's field) with `key` through the API; the key joins the
    catalog if it is new. Tagging twice is tagging once."""
    now = _now()
    conn.execute(
        insert_ignore(conn, s.tags, ("ident",)),
        {
            "ident": _hash(key),
            "name": key,
            "description": None,
            "created_at": now,
            "updated_at": now,
        },
    )
    owner_ident = s.ident(namespace, name)
    conn.execute(
        insert_ignore(conn, s.node_tags, ("ident",)),
        {
            "ident": _hash(owner, owner_ident, field, key, API),
            "owner_type": owner,
            "owner_ident": owner_ident,
            "namespace": namespace,
            "name": name,
            "field": field,
            "key": key,
            "value": None,
            "source": API,
            "created_at": now,
        },
    )


def remove(
    conn: Connection,
    owner: Owner,
    identities: Iterable[tuple[str, str]],
    key: str,
    *,
    field: str = "",
) -> None:
    """Remove the tag the API set on a node under any of its identities, (namespace, name)
    pairs: its own and its aliases' (a tag set before a merge stays on the merged-away name).
    A no-op when there is none."""
    idents = [_hash(owner, s.ident(ns, name), field, key, API) for ns, name in identities]
    conn.execute(delete(s.node_tags).where(nt.ident.in_(idents)))


Identity = tuple[str, str]


def of_nodes(
    conn: Connection,
    owner: Literal["dataset", "job"],
    nodes: Iterable[Identity],
    aliases: Mapping[Identity, Identity] | None = None,
) -> dict[Identity, list[NodeTag]]:
    """The tags of many nodes, and for datasets those of their fields, in one statement per
    1,000 identities: (namespace, name) -> tags ordered by field, then key. Tags set on an
    alias (`aliases` maps it to its node) count as the node's."""
    aliases = aliases or {}
    idents = sorted({s.ident(ns, name) for ns, name in (*nodes, *aliases)})
    types = ("dataset", "field") if owner == "dataset" else ("job",)
    found: dict[Identity, set[NodeTag]] = defaultdict(set)
    for start in range(0, len(idents), 1000):
        rows = conn.execute(
            select(nt.namespace, nt.name, nt.field, nt.key, nt.value, nt.source).where(
                nt.owner_type.in_(types), nt.owner_ident.in_(idents[start : start + 1000])
            )
        )
        for r in rows:
            node = aliases.get((r.namespace, r.name), (r.namespace, r.name))
            found[node].add(NodeTag(node[0], node[1], r.field, r.key, r.value, r.source))
    return {
        node: sorted(tags, key=lambda t: (t.field, t.key, t.source, t.value or ""))
        for node, tags in found.items()
    }


def own_by_ident(
    conn: Connection, idents: Sequence[str]
) -> dict[tuple[str, str], list[tuple[str, str | None, str]]]:
    """The own tags (not fields') of many datasets and jobs by (`dataset` or `job`,
    `s.ident`), as (key, value, source) sorted by key, source and value: the lean read of a
    lineage walk's tags, one statement per 1,000 idents, none when no dataset or job is
    tagged at all."""
    owners = ("dataset", "job")
    if conn.execute(select(nt.id).where(nt.owner_type.in_(owners)).limit(1)).first() is None:
        return {}
    found: dict[tuple[str, str], list[tuple[str, str | None, str]]] = defaultdict(list)
    todo = sorted(set(idents))
    for start in range(0, len(todo), 1000):
        rows = conn.execute(
            select(nt.owner_type, nt.owner_ident, nt.key, nt.value, nt.source)
            .where(nt.owner_type.in_(owners), nt.owner_ident.in_(todo[start : start + 1000]))
            .order_by(nt.key, nt.source, func.coalesce(nt.value, ""))
        )
        for r in rows:
            tags = found[(r.owner_type, r.owner_ident)]
            tag = (r.key, r.value, r.source)
            if tag not in tags:  # the API and a facet may set the same tag
                tags.append(tag)
    return dict(found)


def names_of(tags: Iterable[NodeTag], field: str = "") -> list[str]:
    """Marquez's view of a node's (or of one field's) tags: the keys, sorted, once each."""
    return sorted({t.key for t in tags if t.field == field})


def of_runs(conn: Connection, run_ids: Iterable[str]) -> dict[str, list[NodeTag]]:
    """The tags of many runs by run id (one statement per 1,000 ids), ordered by key."""
    ids = sorted(set(run_ids))
    found: dict[str, list[NodeTag]] = defaultdict(list)
    for start in range(0, len(ids), 1000):
        rows = conn.execute(
            select(nt.owner_ident, nt.namespace, nt.name, nt.key, nt.value, nt.source)
            .where(nt.owner_type == "run", nt.owner_ident.in_(ids[start : start + 1000]))
            .order_by(nt.key, nt.source, nt.value)
        )
        for r in rows:
            found[r.owner_ident].append(NodeTag(r.namespace, r.name, "", r.key, r.value, r.source))
    return dict(found)


# --- tags facets ------------------------------------------------------------------------------


Entry = tuple[str, str, str, bool, str]
Content = tuple[Entry, ...]


def _entry(field: str, key: str, source: str, value: str | None) -> Entry:
    # a NULL value sorts before every string, the empty one included
    return (field, key, source, value is not None, value or "")


def content(tags: Iterable[f.FacetTag]) -> Content:
    """A tag set's canonical form, what breaks a tie on eventTime (the greater wins): its
    entries as (field, key, source, value), one per (field, key, source) as stored (the
    last in the facet), sorted; a missing value sorts first."""
    stored = {(t.field, t.key, t.source or ""): t.value for t in tags}
    return tuple(sorted(_entry(*at, value) for at, value in stored.items()))


@dataclass(frozen=True, slots=True)
class TagSet:
    """What one `tags` facet says about one node: its tags replace those an older facet set,
    and those of a facet at the same eventTime whose `content` is less."""

    owner: SetOwner
    owner_ident: str  # s.ident(namespace, name), or the run's id
    namespace: str
    name: str
    at: datetime
    tags: tuple[f.FacetTag, ...]

    def beats(self, at: datetime, held: Content) -> bool:
        """Whether this set replaces one of eventTime `at` and content `held`."""
        return at < self.at or (at == self.at and held < content(self.tags))


def tag_sets(events: Sequence[Event]) -> list[TagSet]:
    """The newest tags facet of each node the events tag (of two at the same eventTime, the
    one of greater `content`): datasets (inputs, outputs, a DatasetEvent's), jobs and runs."""
    newest: dict[tuple[str, str], TagSet] = {}

    def offer(owner: SetOwner, ident: str, namespace: str, name: str, at: datetime, facets: Any):
        found = f.tags(facets) if isinstance(facets, dict) else None
        if found is None:
            return
        held = newest.get((owner, ident))
        offered = TagSet(owner, ident, namespace, name, at, found)
        if held is None or offered.beats(held.at, content(held.tags)):
            newest[(owner, ident)] = offered

    for event in events:
        at = event.event_time
        refs = [*event.inputs, *event.outputs, *([event.dataset] if event.dataset else [])]
        for ref in refs:
            offer(
                "dataset", s.ident(ref.namespace, ref.name), ref.namespace, ref.name, at, ref.facets
            )
        if event.job_namespace is not None and event.job_name is not None:
            job = (event.job_namespace, event.job_name)
            offer("job", s.ident(*job), *job, at, event.job_facets)
            if event.run_id is not None:
                offer("run", event.run_id, *job, at, event.run_facets)
    return list(newest.values())


def tag_rows(sets: Iterable[TagSet]) -> list[dict[str, Any]]:
    """The node_tags rows of tag sets (a dataset's tag naming a field tags that field)."""
    rows: dict[str, dict[str, Any]] = {}
    for tag_set in sets:
        for tag in tag_set.tags:
            owner_type = "field" if tag_set.owner == "dataset" and tag.field else tag_set.owner
            source = tag.source or ""
            ident = _hash(owner_type, tag_set.owner_ident, tag.field, tag.key, source, "event")
            rows[ident] = {
                "ident": ident,
                "owner_type": owner_type,
                "owner_ident": tag_set.owner_ident,
                "namespace": tag_set.namespace,
                "name": tag_set.name,
                "field": tag.field,
                "key": tag.key,
                "value": tag.value,
                "source": source,
                "created_at": tag_set.at,
                "event_time": tag_set.at,
            }
    return list(rows.values())


def derive(conn: Connection, events: Sequence[Event]) -> None:
    """Write the tags of the events' tags facets where they are the nodes' newest (one read,
    one delete and one insert per 1,000 nodes, and one more read where a facet ties with the
    stored one on eventTime)."""
    sets = tag_sets(events)
    for start in range(0, len(sets), 1000):
        _replace(conn, sets[start : start + 1000])


def _replace(conn: Connection, sets: list[TagSet]) -> None:
    idents = sorted({t.owner_ident for t in sets})
    stored = {
        (r.owner_type, r.owner_ident): r.event_time
        for r in conn.execute(
            select(tc.owner_type, tc.owner_ident, tc.event_time).where(tc.owner_ident.in_(idents))
        )
    }
    tied = [t for t in sets if stored.get((t.owner, t.owner_ident)) == t.at]
    held = _stored_content(conn, tied)
    newer = [
        t
        for t in sets
        if (at := stored.get((t.owner, t.owner_ident))) is None
        or t.beats(at, held.get((t.owner, t.owner_ident), ()))
    ]
    if newer:
        conn.execute(
            upsert_when(
                conn, s.tag_clocks, ["owner_type", "owner_ident"], ["event_time"], _older_clock
            ),
            [
                {"owner_type": t.owner, "owner_ident": t.owner_ident, "event_time": t.at}
                for t in newer
            ],
        )
    for owner, types in _OWNER_TYPES.items():
        replaced = [t.owner_ident for t in newer if t.owner == owner]
        if replaced:
            conn.execute(
                delete(s.node_tags).where(
                    nt.owner_type.in_(types),
                    nt.owner_ident.in_(replaced),
                    nt.event_time.is_not(None),
                )
            )
    rows_out = tag_rows(newer)
    if rows_out:
        conn.execute(insert_ignore(conn, s.node_tags, ("ident",)), rows_out)


def _stored_content(conn: Connection, sets: list[TagSet]) -> dict[tuple[str, str], Content]:
    """The `content` of the facet tags stored for the nodes of `sets`, by (owner, ident)."""
    if not sets:
        return {}
    owner_of = {t: owner for owner, types in _OWNER_TYPES.items() for t in types}
    entries: dict[tuple[str, str], list[Entry]] = defaultdict(list)
    rows = conn.execute(
        select(nt.owner_type, nt.owner_ident, nt.field, nt.key, nt.source, nt.value).where(
            nt.owner_ident.in_(sorted({t.owner_ident for t in sets})), nt.event_time.is_not(None)
        )
    )
    for r in rows:
        entries[(owner_of[r.owner_type], r.owner_ident)].append(
            _entry(r.field, r.key, r.source, r.value)
        )
    return {node: tuple(sorted(found)) for node, found in entries.items()}


def _older_clock(table: Any, incoming: Any) -> Any:
    return table.c.event_time < incoming.event_time


def clear_derived(conn: Connection) -> None:
    """Delete the tags derived from events (replay derives them again); users' tags stay."""
    conn.execute(delete(s.node_tags).where(nt.event_time.is_not(None)))
    conn.execute(delete(s.tag_clocks))


def parse_filter(text: str) -> tuple[str, str | None]:
    """`KEY` or `KEY:VALUE` (split at the first colon) as (key, value or None)."""
    key, sep, value = text.partition(":")
    return key, value if sep else None


def tagged(owner: Owner | Literal["run"], key: str, value: str | None) -> Any:
    """SELECT of the owner_ident of every node of `owner` tagged `key` (with `value`)."""
    query = select(nt.owner_ident).where(nt.owner_type == owner, nt.key == key)
    return query.where(nt.value == value) if value is not None else query
