"""Shared settings of the example warehouse DAGs.

Environment:

* ``LINEAGE_DEMO_WAREHOUSE``: ``sqlite`` (default, zero infrastructure) or ``postgres``; the
  Airflow connection ``warehouse`` must point at a database of that kind.
* ``LINEAGE_DEMO_DATA_DIR``: where the exported customer-features CSV is written
  (default ``/tmp/lineage-demo``). Its Asset URI is ``file://<dir>/customer_features.csv``,
  i.e. OpenLineage dataset namespace ``file``, name ``<dir>/customer_features.csv``.
"""

from __future__ import annotations

import os
from pathlib import Path

from airflow.providers.common.sql.operators.sql import SQLExecuteQueryOperator
from airflow.sdk import Asset
from lineage_sqlite import LineageSqliteHook, LineageSqliteOperator

CONN_ID = "warehouse"
BACKEND = os.environ.get("LINEAGE_DEMO_WAREHOUSE", "sqlite")
DATA_DIR = Path(os.environ.get("LINEAGE_DEMO_DATA_DIR", "/tmp/lineage-demo")).absolute()
FEATURES_CSV = DATA_DIR / "customer_features.csv"
FEATURES_ASSET = Asset(f"file://{FEATURES_CSV}")
REPORT_CSV = DATA_DIR / "country_report.csv"
REPORT_ASSET = Asset(f"file://{REPORT_CSV}")

if BACKEND not in ("sqlite", "postgres"):
    raise ValueError(f"LINEAGE_DEMO_WAREHOUSE must be sqlite or postgres, not {BACKEND!r}")


def sql_task(task_id: str, sql: str | list[str], **kwargs) -> SQLExecuteQueryOperator:
    """A SQL task on the ``warehouse`` connection with lineage on either backend."""
    operator = LineageSqliteOperator if BACKEND == "sqlite" else SQLExecuteQueryOperator
    return operator(task_id=task_id, conn_id=CONN_ID, sql=sql, **kwargs)


def warehouse_table(table: str):
    """Declare a warehouse table as a task inlet/outlet, in the provider's naming.

    On PostgreSQL this is an Asset ``postgres://host:port/db/public/<table>``, which the postgres
    provider translates to OpenLineage. SQLite has no Asset-to-OpenLineage converter, so there we
    declare the OpenLineage dataset itself (``sqlite://<file>``, ``main.<table>``), which the
    provider also accepts. Returns ``None`` when the ``warehouse`` connection is not defined.
    """
    from airflow.sdk import BaseHook

    try:
        conn = BaseHook.get_connection(CONN_ID)
    except Exception:
        return None
    if BACKEND == "postgres":
        return Asset(f"postgres://{conn.host}:{conn.port or 5432}/{conn.schema}/public/{table}")
    from openlineage.client.event_v2 import Dataset

    return Dataset(namespace=f"sqlite://{os.path.abspath(conn.host)}", name=f"main.{table}")


def warehouse_hook():
    """A lineage-aware hook on the ``warehouse`` connection (for Python tasks)."""
    if BACKEND == "sqlite":
        return LineageSqliteHook(sqlite_conn_id=CONN_ID)
    from airflow.providers.postgres.hooks.postgres import PostgresHook

    return PostgresHook(postgres_conn_id=CONN_ID)
