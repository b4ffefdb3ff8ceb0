"""Tags in answers: a node's own tags as typed `Tag`s, the `tag=KEY[:VALUE]` filter, and the
tags of the nodes of a lineage walk (read in one statement per 1,000 nodes)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, select

from lineage.errors import BadRequest
from lineage.query import types as t
from lineage.store import schema as s
from lineage.store import tags as tag_store

TagFilter = tuple[str, str | None]


def parse(text: str | None) -> TagFilter | None:
    """The `tag` parameter as (key, value or None); a 400 naming it for an empty key."""
    if text is None:
        return None
    key, value = tag_store.parse_filter(text)
    if not key:
        raise BadRequest("tag: give KEY or KEY:VALUE, with a non-empty KEY", field="tag")
    return key, value


def own(tags: Iterable[tag_store.NodeTag]) -> list[t.Tag]:
    """A node's own tags (not its fields'), by key, each (key, value, source) once."""
    seen = sorted({(x.key, x.value, x.source) for x in tags if not x.field}, key=_order)
    return [t.Tag(key, value, source or None) for key, value, source in seen]


def _order(tag: tuple[str, str | None, str]) -> tuple[str, str, str]:
    return tag[0], tag[2], tag[1] or ""


def matches(tags: Iterable[t.Tag], wanted: TagFilter) -> bool:
    """Does a node carrying `tags` pass the filter?"""
    key, value = wanted
    return any(x.key == key and (value is None or x.value == value) for x in tags)


def dataset_filter(wanted: TagFilter) -> Any:
    """WHERE clause on `datasets`: the dataset, or one of its aliases, carries the tag."""
    ds = s.datasets.c
    idents = tag_store.tagged("dataset", *wanted)
    alias = s.datasets.alias("tagged_alias")
    aliased = select(alias.c.canonical_id).where(alias.c.ident.in_(idents))
    return ds.ident.in_(idents) | ds.id.in_(aliased)


def job_filter(wanted: TagFilter) -> Any:
    """WHERE clause on `jobs`: the job carries the tag."""
    return s.jobs.c.ident.in_(tag_store.tagged("job", *wanted))


def walk(conn: Connection, answer: t.DirectedLineage, wanted: TagFilter | None) -> None:
    """Set the tags of a walk's nodes; with a filter, keep only the root and the nodes that
    carry the tag, and the edges between the nodes kept."""
    idents = [s.ident(n.namespace, n.name) for n in answer.nodes]
    found = tag_store.own_by_ident(conn, idents)
    if found:
        for node, ident in zip(answer.nodes, idents, strict=True):
            tags = found.get(("job" if node.kind == "job" else "dataset", ident))
            if tags:
                node.tags = [t.Tag(key, value, source or None) for key, value, source in tags]
    if wanted is None:
        return
    answer.nodes = [n for n in answer.nodes if n.id == answer.root or matches(n.tags, wanted)]
    kept = {n.id for n in answer.nodes}
    answer.edges = [e for e in answer.edges if e.from_ in kept and e.to in kept]
