"""Tags on datasets, dataset fields and jobs, and the tag names users created.

Users' tags are not derived from events: they live in their own tables (`tags`, `node_tags`),
which `lineage db replay` leaves alone. A node is named by (namespace, name) and a field by
its name, never by a row id, so a tag outlives a replay that renumbers the derived tables. A
tag is a `key` (a Marquez tag's name), an optional `value` and the `source` that set it;
`API` marks the tags set through Marquez's tag routes.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from sqlalchemy import Connection, delete, select, update

from lineage.store import schema as s
from lineage.store.sql import insert_ignore

API = "API"
"""The source of a tag set through Marquez's tag routes."""

Owner = Literal["dataset", "field", "job"]
tg, nt = s.tags.c, s.node_tags.c


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
    """Tag names by name."""
    rows = conn.execute(
        select(tg.name, tg.description).order_by(tg.name).limit(limit).offset(offset)
    )
    return [TagName(r.name, r.description) for r in rows]


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


def names_of(tags: Iterable[NodeTag], field: str = "") -> list[str]:
    """Marquez's view of a node's (or of one field's) tags: the keys, sorted, once each."""
    return sorted({t.key for t in tags if t.field == field})
