"""Namespaces, datasets and jobs by (namespace, name): get-or-create, aliases, merges.

The id cache spares a SELECT per dataset per event. Entries made inside a transaction stay
`pending` until it commits, so a rolled-back insert never leaves a stale id behind.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, or_, select, update

from lineage.store import schema as s
from lineage.store.changes import Changes, NodeKey, NodeState, dataset_key, job_key
from lineage.store.sql import insert_ignore


@dataclass
class Identity:
    """A stored dataset or job: its canonical row id and graph key."""

    id: int
    key: NodeKey


@dataclass
class IdCache:
    """(kind, namespace, name) -> canonical Identity, shared by one writer across requests."""

    committed: dict[tuple[str, str, str], Identity] = field(default_factory=dict)
    pending: dict[tuple[str, str, str], Identity] = field(default_factory=dict)
    namespaces: set[str] = field(default_factory=set)
    pending_namespaces: set[str] = field(default_factory=set)

    def get(self, key: tuple[str, str, str]) -> Identity | None:
        """A cached identity, committed or made in the open transaction."""
        return self.pending.get(key) or self.committed.get(key)

    def commit(self) -> None:
        """The open transaction committed: its identities are now safe to reuse."""
        self.committed.update(self.pending)
        self.namespaces |= self.pending_namespaces
        self.rollback()

    def rollback(self) -> None:
        """Forget what the open transaction (or savepoint) made."""
        self.pending.clear()
        self.pending_namespaces.clear()

    def clear(self) -> None:
        """Forget everything (after a merge re-points aliases)."""
        self.committed.clear()
        self.rollback()


def ensure_namespace(conn: Connection, cache: IdCache, name: str, at: datetime) -> None:
    """Create the namespace row once."""
    if name in cache.namespaces or name in cache.pending_namespaces:
        return
    conn.execute(
        insert_ignore(conn, s.namespaces, ["ident"]),
        {"name": name, "ident": s.ident("", name), "created_at": at, "updated_at": at},
    )
    cache.pending_namespaces.add(name)


def dataset(
    conn: Connection, cache: IdCache, changes: Changes, namespace: str, name: str, at: datetime
) -> Identity:
    """The canonical dataset for (namespace, name), created if new."""
    found = _lookup(conn, cache, s.datasets, "dataset", namespace, name)
    if found is not None:
        return found
    ensure_namespace(conn, cache, namespace, at)
    row = {"namespace": namespace, "name": name, "kind": "dataset", "is_dropped": False}
    identity = _create(conn, cache, s.datasets, "dataset", row, at)
    changes.nodes.setdefault(identity.key, NodeState(kind="dataset"))
    return identity


def job(
    conn: Connection, cache: IdCache, changes: Changes, namespace: str, name: str, at: datetime
) -> Identity:
    """The job for (namespace, name), created if new."""
    found = _lookup(conn, cache, s.jobs, "job", namespace, name)
    if found is not None:
        return found
    ensure_namespace(conn, cache, namespace, at)
    row = {"namespace": namespace, "name": name, "lineage_incomplete": False}
    identity = _create(conn, cache, s.jobs, "job", row, at)
    changes.nodes.setdefault(identity.key, NodeState(kind="job"))
    return identity


def _lookup(
    conn: Connection, cache: IdCache, table: Table, kind: str, namespace: str, name: str
) -> Identity | None:
    cached = cache.get((kind, namespace, name))
    if cached is not None:
        return cached
    row = conn.execute(
        select(table.c.id, *_canonical_col(table)).where(table.c.ident == s.ident(namespace, name))
    ).first()
    if row is None:
        return None
    identity = Identity(row.id, _key(kind, namespace, name))
    if kind == "dataset" and row.canonical_id is not None:
        canonical = conn.execute(
            select(s.datasets.c.namespace, s.datasets.c.name).where(
                s.datasets.c.id == row.canonical_id
            )
        ).one()
        identity = Identity(row.canonical_id, dataset_key(canonical.namespace, canonical.name))
    cache.pending[(kind, namespace, name)] = identity
    return identity


def _create(
    conn: Connection, cache: IdCache, table: Table, kind: str, row: dict[str, Any], at: datetime
) -> Identity:
    namespace, name = row["namespace"], row["name"]
    values = {**row, "ident": s.ident(namespace, name), "created_at": at, "updated_at": at}
    new_id = conn.execute(
        insert_ignore(conn, table, ["ident"]).returning(table.c.id), values
    ).scalar()
    if new_id is None:  # another replica created it between our SELECT and INSERT
        found = _lookup(conn, cache, table, kind, namespace, name)
        assert found is not None
        return found
    identity = Identity(new_id, _key(kind, namespace, name))
    cache.pending[(kind, namespace, name)] = identity
    return identity


def _canonical_col(table: Table) -> list[Any]:
    return [table.c.canonical_id] if table is s.datasets else []


def _key(kind: str, namespace: str, name: str) -> NodeKey:
    return dataset_key(namespace, name) if kind == "dataset" else job_key(namespace, name)


def merge_datasets(
    conn: Connection, cache: IdCache, changes: Changes, loser: Identity, winner: Identity
) -> None:
    """Make `loser` (and its aliases) an alias of `winner`; move its current lineage over.

    Run history (`run_io`, versions, facets) keeps the identity as it was seen; reads
    resolve aliases. Only the tables that feed the graph are re-pointed. A soft-deleted
    loser makes the merged dataset deleted: its name keeps answering 404 (and can be
    restored) rather than coming back through the alias.
    """
    if loser.id == winner.id:
        return
    ds = s.datasets.c
    loser_deleted = select(ds.deleted_at).where(ds.id == loser.id).scalar_subquery()
    hidden = conn.execute(
        update(s.datasets)
        .where(ds.id == winner.id, ds.deleted_at.is_(None), loser_deleted.is_not(None))
        .values(deleted_at=loser_deleted)
    ).rowcount
    if hidden:
        changes.removed_nodes.add(winner.key)
    conn.execute(
        update(s.datasets)
        .where(or_(ds.id == loser.id, ds.canonical_id == loser.id))
        .values(canonical_id=winner.id)
    )
    conn.execute(
        update(s.lineage_edges)
        .where(s.lineage_edges.c.dataset_id == loser.id)
        .values(dataset_id=winner.id)
    )
    for column in ("out_dataset_id", "in_dataset_id"):
        conn.execute(
            update(s.column_edges)
            .where(s.column_edges.c[column] == loser.id)
            .values({column: winner.id})
        )
    cache.clear()
    changes.merges.append((loser.key, winner.key))
