"""ML metadata of training runs: parameters, metrics, model versions, input roles

Revision ID: 0003_ml
Revises: 0002_changes
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_ml"
down_revision = "0002_changes"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_TIME = sa.DateTime(timezone=True)


def _run_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["run_id"], ["runs.id"], name=f"fk_{table}_run_id_runs")


def _dataset_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["dataset_id"], ["datasets.id"], name=f"fk_{table}_dataset_id_datasets"
    )


def upgrade() -> None:
    op.create_table(
        "ml_training_runs",
        sa.Column("run_id", sa.String(length=36), nullable=False),
        *(
            sa.Column(name, sa.Text(), nullable=True)
            for name in ("config_hash", "git_commit", "git_branch")
        ),
        sa.Column("git_dirty", sa.Boolean(), nullable=True),
        *(
            sa.Column(name, sa.Text(), nullable=True)
            for name in (
                "repo_url",
                "entry_point",
                "environment",
                "mlflow_run_id",
                "mlflow_experiment_id",
                "mlflow_experiment_name",
                "mlflow_tracking_uri",
            )
        ),
        *(
            sa.Column(name, _TIME, nullable=True)
            for name in (
                "params_time",
                "metrics_time",
                "code_time",
                "environment_time",
                "mlflow_time",
            )
        ),
        sa.Column("created_at", _TIME, nullable=False),
        _run_fk("ml_training_runs"),
        sa.PrimaryKeyConstraint("run_id", name="pk_ml_training_runs"),
    )
    op.create_table(
        "ml_params",
        sa.Column("run_id", sa.String(length=36), nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        _run_fk("ml_params"),
        sa.PrimaryKeyConstraint("run_id", "key", name="pk_ml_params"),
    )
    op.create_table(
        "ml_metrics",
        sa.Column("run_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("series_count", sa.BigInteger(), nullable=True),
        sa.Column("series_min", sa.Float(), nullable=True),
        sa.Column("series_max", sa.Float(), nullable=True),
        sa.Column("series_first", sa.Float(), nullable=True),
        sa.Column("series_last", sa.Float(), nullable=True),
        sa.Column("series_last_step", sa.BigInteger(), nullable=True),
        _run_fk("ml_metrics"),
        sa.PrimaryKeyConstraint("run_id", "name", name="pk_ml_metrics"),
    )
    op.create_table(
        "ml_model_versions",
        sa.Column("dataset_id", _ID, nullable=False),
        sa.Column("run_id", sa.String(length=36), nullable=False),
        *(sa.Column(name, sa.Text(), nullable=True) for name in ("version", "uri", "sha256")),
        sa.Column("size_bytes", sa.BigInteger(), nullable=True),
        *(
            sa.Column(name, sa.Text(), nullable=True)
            for name in ("framework", "flavor", "registered_name")
        ),
        sa.Column("event_time", _TIME, nullable=False),
        _dataset_fk("ml_model_versions"),
        _run_fk("ml_model_versions"),
        sa.PrimaryKeyConstraint("dataset_id", "run_id", name="pk_ml_model_versions"),
    )
    op.create_index("ix_ml_model_versions_run", "ml_model_versions", ["run_id"])
    op.create_table(
        "ml_inputs",
        sa.Column("run_id", sa.String(length=36), nullable=False),
        sa.Column("dataset_id", _ID, nullable=False),
        sa.Column("role", sa.Text(), nullable=True),
        sa.Column("dataset_version", sa.Text(), nullable=True),
        sa.Column("row_count", sa.BigInteger(), nullable=True),
        sa.Column("event_time", _TIME, nullable=False),
        _dataset_fk("ml_inputs"),
        _run_fk("ml_inputs"),
        sa.PrimaryKeyConstraint("run_id", "dataset_id", name="pk_ml_inputs"),
    )
    op.create_index("ix_ml_inputs_dataset", "ml_inputs", ["dataset_id"])


def downgrade() -> None:
    op.drop_index("ix_ml_inputs_dataset", table_name="ml_inputs")
    op.drop_table("ml_inputs")
    op.drop_index("ix_ml_model_versions_run", table_name="ml_model_versions")
    op.drop_table("ml_model_versions")
    op.drop_table("ml_metrics")
    op.drop_table("ml_params")
    op.drop_table("ml_training_runs")
