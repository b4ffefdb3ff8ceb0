"""Tables for the ML facets of training runs, on the same MetaData as `store.schema`.

Every row is derived from the event log (`lineage db replay` rebuilds them). Each ML facet of a
run has its own clock column in `ml_training_runs`: a facet from an older event never
overwrites one from a newer event, whatever the arrival order. Parameter values are stored as
JSON text so that `0.5`, `"0.5"` and `true` stay distinct.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
)

from lineage.store.schema import Id, UtcDateTime, metadata

ml_training_runs = Table(
    "ml_training_runs",
    metadata,
    Column("run_id", String(36), ForeignKey("runs.id"), primary_key=True),
    Column("config_hash", Text),
    Column("git_commit", Text),
    Column("git_branch", Text),
    Column("git_dirty", Boolean),
    Column("repo_url", Text),
    Column("entry_point", Text),
    Column("environment", Text),
    Column("mlflow_run_id", Text),
    Column("mlflow_experiment_id", Text),
    Column("mlflow_experiment_name", Text),
    Column("mlflow_tracking_uri", Text),
    Column("params_time", UtcDateTime),
    Column("metrics_time", UtcDateTime),
    Column("code_time", UtcDateTime),
    Column("environment_time", UtcDateTime),
    Column("mlflow_time", UtcDateTime),
    Column("created_at", UtcDateTime, nullable=False),
)

ml_params = Table(
    "ml_params",
    metadata,
    Column("run_id", String(36), ForeignKey("runs.id"), primary_key=True),
    Column("key", Text, primary_key=True),
    Column("value", Text, nullable=False),
)

ml_metrics = Table(
    "ml_metrics",
    metadata,
    Column("run_id", String(36), ForeignKey("runs.id"), primary_key=True),
    Column("name", Text, primary_key=True),
    Column("value", Float),
    Column("series_count", BigInteger),
    Column("series_min", Float),
    Column("series_max", Float),
    Column("series_first", Float),
    Column("series_last", Float),
    Column("series_last_step", BigInteger),
)

ml_metric_points = Table(
    "ml_metric_points",
    metadata,
    Column("run_id", String(36), ForeignKey("runs.id"), primary_key=True),
    Column("name", Text, primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("step", BigInteger, nullable=False),
    Column("value", Float),
)
"""The points of each metric series as the run sent them (`seq` = position); a non-finite
value is NULL."""

ml_model_versions = Table(
    "ml_model_versions",
    metadata,
    Column("dataset_id", Id, ForeignKey("datasets.id"), primary_key=True),
    Column("run_id", String(36), ForeignKey("runs.id"), primary_key=True),
    Column("version", Text),
    Column("uri", Text),
    Column("sha256", Text),
    Column("size_bytes", BigInteger),
    Column("framework", Text),
    Column("flavor", Text),
    Column("registered_name", Text),
    Column("event_time", UtcDateTime, nullable=False),
    Index("ix_ml_model_versions_run", "run_id"),
)

ml_inputs = Table(
    "ml_inputs",
    metadata,
    Column("run_id", String(36), ForeignKey("runs.id"), primary_key=True),
    Column("dataset_id", Id, ForeignKey("datasets.id"), primary_key=True),
    Column("role", Text),
    Column("dataset_version", Text),
    Column("row_count", BigInteger),
    Column("event_time", UtcDateTime, nullable=False),
    Index("ix_ml_inputs_dataset", "dataset_id"),
)

ML_TABLES = (
    ml_inputs,
    ml_model_versions,
    ml_metric_points,
    ml_metrics,
    ml_params,
    ml_training_runs,
)
"""The ML tables in a safe deletion order (children of runs and datasets, deleted first)."""
