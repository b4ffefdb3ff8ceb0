"""Namespaces, datasets and jobs by (namespace, name): get-or-create, aliases, merges.

An identity's `created_at` is the earliest eventTime that named it, whatever order events
arrive in. The id cache spares a SELECT per dataset per event. Entries made inside a
transaction stay `pending` until it commits, so a rolled-back insert never leaves a stale id
behind.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, bindparam, case, or_, select, update

from lineage.store import schema as s
from lineage.store.changes import Changes, NodeKey, NodeState, dataset_key, job_key
from lineage.store.sql import insert_ignore, upsert_when


@dataclass
class Identity:
    """A stored dataset or job: its canonical row id, graph key and `created_at`."""

    id: int
    key: NodeKey
    since: datetime


@dataclass
class IdCache:
    """(kind, namespace, name) -> canonical Identity, shared by one writer across requests."""

    committed: dict[tuple[str, str, str], Identity] = field(default_factory=dict)
    pending: dict[tuple[str, str, str], Identity] = field(default_factory=dict)
    namespaces: dict[str, datetime] = field(default_factory=dict)  # name -> created_at
    pending_namespaces: dict[str, datetime] = field(default_factory=dict)

    def get(self, key: tuple[str, str, str]) -> Identity | None:
        """A cached identity, committed or made in the open transaction."""
        return self.pending.get(key) or self.committed.get(key)

    def commit(self) -> None:
        """The open transaction committed: its identities are now safe to reuse."""
        self.committed.update(self.pending)
        self.namespaces.update(self.pending_namespaces)
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
    """Create the namespace row once; an earlier eventTime moves its `created_at` back."""
    since = cache.pending_namespaces.get(name) or cache.namespaces.get(name)
    if since is not None and since <= at:
        return
    conn.execute(
        upsert_when(conn, s.namespaces, ["ident"], ["created_at", "updated_at"], _created_later),
        {"name": name, "ident": s.ident("", name), "created_at": at, "updated_at": at},
    )
    cache.pending_namespaces[name] = at if since is None else min(since, at)


def _created_later(table: Table, incoming: Any) -> Any:
    return table.c.created_at > incoming.created_at


def dataset(
    conn: Connection, cache: IdCache, changes: Changes, namespace: str, name: str, at: datetime
) -> Identity:
    """The canonical dataset for (namespace, name), created if new."""
    ensure_namespace(conn, cache, namespace, at)  # also an alias' namespace: its earliest time
    found = _lookup(conn, cache, s.datasets, "dataset", namespace, name)
    if found is not None:
        return _seen(conn, cache, s.datasets, ("dataset", namespace, name), found, at)
    row = {"namespace": namespace, "name": name, "kind": "dataset", "is_dropped": False}
    identity = _create(conn, cache, s.datasets, "dataset", row, at)
    changes.nodes.setdefault(identity.key, NodeState(kind="dataset"))
    return identity


def job(
    conn: Connection, cache: IdCache, changes: Changes, namespace: str, name: str, at: datetime
) -> Identity:
    """The job for (namespace, name), created if new."""
    ensure_namespace(conn, cache, namespace, at)  # also an alias' namespace: its earliest time
    found = _lookup(conn, cache, s.jobs, "job", namespace, name)
    if found is not None:
        return _seen(conn, cache, s.jobs, ("job", namespace, name), found, at)
    row = {"namespace": namespace, "name": name, "lineage_incomplete": False}
    identity = _create(conn, cache, s.jobs, "job", row, at)
    changes.nodes.setdefault(identity.key, NodeState(kind="job"))
    return identity


def _seen(
    conn: Connection,
    cache: IdCache,
    table: Table,
    cache_key: tuple[str, str, str],
    found: Identity,
    at: datetime,
) -> Identity:
    """`found`, named at `at`: an earlier time than its `created_at` becomes it."""
    if found.since <= at:
        return found
    c = table.c
    values: dict[str, Any] = {"created_at": at}
    if table is s.datasets:
        # a dataset's updated_at is its newest change of attributes, else its creation: a
        # row never updated since it was made was made at `at` (a job's is its newest event)
        values["updated_at"] = case((c.updated_at == c.created_at, at), else_=c.updated_at)
    conn.execute(update(table).where(c.id == found.id, c.created_at > at).values(values))
    identity = Identity(found.id, found.key, at)
    cache.pending[cache_key] = identity
    return identity


# built once: a lookup runs for every name an event brings that the cache does not hold
_BY_IDENT = {
    "datasets": select(s.datasets.c.id, s.datasets.c.created_at, s.datasets.c.canonical_id).where(
        s.datasets.c.ident == bindparam("ident")
    ),
    "jobs": select(s.jobs.c.id, s.jobs.c.created_at).where(s.jobs.c.ident == bindparam("ident")),
}
_CANONICAL = select(s.datasets.c.namespace, s.datasets.c.name, s.datasets.c.created_at).where(
    s.datasets.c.id == bindparam("id")
)


def _lookup(
    conn: Connection, cache: IdCache, table: Table, kind: str, namespace: str, name: str
) -> Identity | None:
    cached = cache.get((kind, namespace, name))
    if cached is not None:
        return cached
    row = conn.execute(_BY_IDENT[table.name], {"ident": s.ident(namespace, name)}).first()
    if row is None:
        return None
    identity = Identity(row.id, _key(kind, namespace, name), row.created_at)
    if kind == "dataset" and row.canonical_id is not None:
        canonical = conn.execute(_CANONICAL, {"id": row.canonical_id}).one()
        identity = Identity(
            row.canonical_id,
            dataset_key(canonical.namespace, canonical.name),
            canonical.created_at,
        )
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
    identity = Identity(new_id, _key(kind, namespace, name), at)
    cache.pending[(kind, namespace, name)] = identity
    return identity


def _key(kind: str, namespace: str, name: str) -> NodeKey:
    return dataset_key(namespace, name) if kind == "dataset" else job_key(namespace, name)


def merge_datasets(
    conn: Connection, cache: IdCache, changes: Changes, loser: Identity, winner: Identity
) -> bool:
    """Make `loser` (and its aliases) an alias of `winner`; move its current lineage over.
    False when they are one dataset already (nothing changed).

    Run history (`run_io`, versions, facets) keeps the identity as it was seen; reads
    resolve aliases. Only the tables that feed the graph are re-pointed. A soft-deleted
    loser makes the merged dataset deleted: its name keeps answering 404 (and can be
    restored) rather than coming back through the alias.
    """
    if loser.id == winner.id:
        return False
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
    return True
