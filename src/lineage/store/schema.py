"""SQLAlchemy Core tables: the event log and the normalized model derived from it.

Portable types only, so the same code runs on SQLite and PostgreSQL. Times are stored in UTC.
Identities are looked up by `ident`, a hash of (namespace, name): names can be longer than
an index entry may be, and hashing keeps the unique index small.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
)

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)

Id = BigInteger().with_variant(Integer(), "sqlite")


class UtcDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always returned timezone-aware."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> Any:
        if value is None:
            return None
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Any) -> Any:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def ident(namespace: str, name: str) -> str:
    """The lookup key of a (namespace, name) identity."""
    return hashlib.sha1(f"{namespace}\x00{name}".encode()).hexdigest()


events = Table(
    "events",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("hash", String(64), nullable=False, unique=True),
    Column("kind", String(16), nullable=False),
    Column("event_type", String(16)),
    Column("event_time", UtcDateTime, nullable=False),
    Column("received_at", UtcDateTime, nullable=False),
    Column("run_id", String(36)),
    Column("job_namespace", Text),
    Column("job_name", Text),
    Column("producer", Text),
    Column("payload", LargeBinary, nullable=False),
    Index("ix_events_event_time", "event_time"),
    Index("ix_events_run_id", "run_id"),
)

namespaces = Table(
    "namespaces",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("name", Text, nullable=False),
    Column("ident", String(40), nullable=False, unique=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

datasets = Table(
    "datasets",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("ident", String(40), nullable=False, unique=True),
    Column("namespace", Text, nullable=False),
    Column("name", Text, nullable=False),
    Column("kind", String(16), nullable=False, default="dataset"),
    Column("canonical_id", Id, ForeignKey("datasets.id"), index=True),
    Column("is_dropped", Boolean, nullable=False, default=False),
    Column("lifecycle_state", String(16)),
    Column("lifecycle_time", UtcDateTime),
    Column("description", Text),
    Column("deleted_at", UtcDateTime),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Index("ix_datasets_namespace", "namespace"),
)

dataset_versions = Table(
    "dataset_versions",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("dataset_id", Id, ForeignKey("datasets.id"), nullable=False),
    Column("version", String(128), nullable=False),
    Column("schema_hash", String(32)),
    Column("fields", Text),
    Column("run_id", String(36)),
    Column("created_at", UtcDateTime, nullable=False),
    UniqueConstraint("dataset_id", "version"),
    Index("ix_dataset_versions_dataset_created", "dataset_id", "created_at"),
)

jobs = Table(
    "jobs",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("ident", String(40), nullable=False, unique=True),
    Column("namespace", Text, nullable=False),
    Column("name", Text, nullable=False),
    Column("parent_job_id", Id, ForeignKey("jobs.id"), index=True),
    Column("integration", String(64)),
    Column("job_type", String(64)),
    Column("processing_type", String(32)),
    Column("sql", Text),
    Column("description", Text),
    Column("location", Text),
    Column("io_time", UtcDateTime),
    Column("lineage_incomplete", Boolean, nullable=False, default=False),
    Column("deleted_at", UtcDateTime),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Index("ix_jobs_namespace", "namespace"),
)

runs = Table(
    "runs",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("external_id", Text, nullable=False),
    Column("job_id", Id, ForeignKey("jobs.id"), nullable=False),
    Column("state", String(16), nullable=False),
    Column("state_time", UtcDateTime, nullable=False),
    Column("started_at", UtcDateTime),
    Column("ended_at", UtcDateTime),
    Column("nominal_start", UtcDateTime),
    Column("nominal_end", UtcDateTime),
    Column("error_message", Text),
    Column("parent_run_id", String(36), index=True),
    Column("root_run_id", String(36)),
    Column("lineage_incomplete", Boolean, nullable=False, default=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Index("ix_runs_job_created", "job_id", "created_at"),
)

run_io = Table(
    "run_io",
    metadata,
    Column("run_id", String(36), primary_key=True),
    Column("dataset_id", Id, ForeignKey("datasets.id"), primary_key=True),
    Column("direction", String(3), primary_key=True),
    Column("first_seen", UtcDateTime, nullable=False),
    Index("ix_run_io_dataset", "dataset_id"),
)

run_versions = Table(
    "run_versions",
    metadata,
    Column("run_id", String(36), ForeignKey("runs.id"), primary_key=True),
    Column("dataset_ident", String(40), primary_key=True),
    Column("direction", String(3), primary_key=True),
    Column("version", String(128), nullable=False),
    Column("event_time", UtcDateTime, nullable=False),
)
"""The `version` dataset facet each run sent for an input (`in`) or output (`out`), the
newest eventTime winning: which data version a run read or wrote when the producer says so.
Datasets are named by `ident` (the hash of namespace and name), as the event names them; a
reader resolves aliases through `datasets.ident`."""

facets = Table(
    "facets",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("owner_type", String(8), nullable=False),
    Column("owner_key", String(80), nullable=False),
    Column("name", String(255), nullable=False),
    Column("payload", Text, nullable=False),
    Column("event_time", UtcDateTime, nullable=False),
    UniqueConstraint("owner_type", "owner_key", "name"),
)

lineage_edges = Table(
    "lineage_edges",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("job_id", Id, ForeignKey("jobs.id"), nullable=False),
    Column("dataset_id", Id, ForeignKey("datasets.id"), nullable=False),
    Column("direction", String(3), nullable=False),
    Column("origin", String(8), nullable=False),
    Column("valid_from", UtcDateTime, nullable=False),
    Column("valid_to", UtcDateTime),
    Index("ix_lineage_edges_job", "job_id", "direction"),
    Index("ix_lineage_edges_dataset", "dataset_id", "direction"),
)

column_edges = Table(
    "column_edges",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("job_id", Id, ForeignKey("jobs.id"), nullable=False),
    Column("out_dataset_id", Id, ForeignKey("datasets.id"), nullable=False),
    Column("out_field", Text, nullable=False),
    Column("in_dataset_id", Id, ForeignKey("datasets.id"), nullable=False),
    Column("in_field", Text, nullable=False),
    Column("type", String(16), nullable=False),
    Column("subtype", String(64)),
    Column("description", Text),
    Column("masking", Boolean, nullable=False, default=False),
    Column("valid_from", UtcDateTime, nullable=False),
    Column("valid_to", UtcDateTime),
    Index("ix_column_edges_out", "out_dataset_id", "job_id"),
    Index("ix_column_edges_in", "in_dataset_id"),
    Index("ix_column_edges_job", "job_id"),
)

job_edges = Table(
    "job_edges",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("upstream_job_id", Id, ForeignKey("jobs.id"), nullable=False),
    Column("downstream_job_id", Id, ForeignKey("jobs.id"), nullable=False),
    Column("owner_type", String(8), nullable=False),
    Column("owner_id", Id, nullable=False),
    Column("upstream_run_id", String(36)),
    Column("downstream_run_id", String(36)),
    Column("dependency_type", Text),
    Column("sequence_trigger_rule", Text),
    Column("status_trigger_rule", Text),
    Column("trigger_rule", Text),
    Column("valid_from", UtcDateTime, nullable=False),
    Column("valid_to", UtcDateTime),
    Index("ix_job_edges_owner", "owner_type", "owner_id"),
    Index("ix_job_edges_upstream", "upstream_job_id"),
    Index("ix_job_edges_downstream", "downstream_job_id"),
)
"""Job-to-job lineage (`lineage.store.job_links`): upstream job -> downstream job, owned by
the job whose run's `jobDependencies` facet declared it (`owner_type` 'job') or by the
temporary dataset that is the only link between the two jobs ('dataset'). Retired rows keep
their `valid_to` for `as_of`."""

graph_changes = Table(
    "graph_changes",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("event_id", Id, ForeignKey("events.id")),  # NULL: a soft delete or restore
    Column("origin", String(36), nullable=False),
    Column("payload", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    sqlite_autoincrement=True,  # ids never reused, even after `lineage db replay` clears it
)
"""The change log replicas follow: one row per stored event that changed the graph, and one
per soft delete or restore."""

tags = Table(
    "tags",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("ident", String(40), nullable=False, unique=True),
    Column("name", Text, nullable=False),
    Column("description", Text),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)
"""Tag names users created (Marquez's `PUT /tags/{tag}`, or by tagging a node): not derived
from events, so `lineage db replay` keeps them."""

node_tags = Table(
    "node_tags",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("ident", String(40), nullable=False, unique=True),
    Column("owner_type", String(8), nullable=False),
    Column("owner_ident", String(40), nullable=False),
    Column("namespace", Text, nullable=False),
    Column("name", Text, nullable=False),
    Column("field", Text, nullable=False),
    Column("key", Text, nullable=False),
    Column("value", Text),
    Column("source", String(64), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("event_time", UtcDateTime),
    Index("ix_node_tags_owner", "owner_type", "owner_ident"),
    Index("ix_node_tags_key", "key"),
)
"""A tag on a dataset, a dataset field or a job: `key` (a Marquez tag's name), an optional
`value` and the `source` that set it (`api` for Marquez's tag routes; OpenLineage tags facets
name theirs). Nodes are named by (namespace, name[, field]), not by row id, so a user's tags
outlive `lineage db replay`, which renumbers the derived tables; `ident` hashes the owner, the
field, the key and the source (one row each). A row with an `event_time` was derived from
an OpenLineage `tags` facet sent at that time (owner `dataset`, `field`, `job` or `run`, a
run named by its id in `owner_ident`): replay rebuilds those; a row without one was set
through the API and outlives replay."""

tag_clocks = Table(
    "tag_clocks",
    metadata,
    Column("owner_type", String(8), primary_key=True),
    Column("owner_ident", String(40), primary_key=True),
    Column("event_time", UtcDateTime, nullable=False),
)
"""The eventTime of the newest `tags` facet of each dataset, job and run (an empty facet
included, which leaves no `node_tags` row): an older facet arriving later changes nothing.
Derived, like the facet tags: replay rebuilds it."""

quality_results = Table(
    "quality_results",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("ident", String(40), nullable=False, unique=True),
    Column("origin", String(16), nullable=False),
    Column("dataset_ident", String(40)),
    Column("namespace", Text),
    Column("name", Text),
    Column("version", Text),
    Column("run_id", String(36), ForeignKey("runs.id")),
    Column("event_time", UtcDateTime, nullable=False),
    Column("test", Text),
    Column("assertion", Text),
    Column("column", Text),
    Column("success", Boolean),
    Column("severity", Text),
    Column("expected", Text),
    Column("actual", Text),
    Column("description", Text),
    Index("ix_quality_results_dataset", "dataset_ident", "event_time"),
    Index("ix_quality_results_run", "run_id"),
)
"""One data-quality result: an assertion of a `dataQualityAssertions` facet on a dataset
(`origin` assertion) or a test of a `test` run facet (`origin` test, no dataset), with the
dataset version the event named (null: resolved when asked) and the run it came from.
Datasets are named by `dataset_ident` (s.ident of the name the event used), as
`run_versions` does; `success` is null for a skipped test. `ident` hashes the run (or the
event, without one), the dataset, the origin, the test, the assertion and the column."""

quality_metrics = Table(
    "quality_metrics",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("ident", String(40), nullable=False, unique=True),
    Column("dataset_ident", String(40), nullable=False),
    Column("namespace", Text, nullable=False),
    Column("name", Text, nullable=False),
    Column("version", Text),
    Column("run_id", String(36), ForeignKey("runs.id")),
    Column("event_time", UtcDateTime, nullable=False),
    Column("row_count", BigInteger),
    Column("bytes", BigInteger),
    Column("file_count", BigInteger),
    Column("column_metrics", Text, nullable=False),
    Index("ix_quality_metrics_dataset", "dataset_ident", "event_time"),
    Index("ix_quality_metrics_run", "run_id"),
)
"""The `dataQualityMetrics` of a dataset as one run (or one dataset event) measured it;
`column_metrics` holds the facet's per-column metrics as JSON."""

NORMALIZED_TABLES = (
    job_edges,
    quality_results,
    quality_metrics,
    column_edges,
    lineage_edges,
    facets,
    run_io,
    run_versions,
    runs,
    dataset_versions,
    jobs,
    datasets,
    namespaces,
)
