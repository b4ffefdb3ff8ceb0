"""Orders/customers warehouse: raw tables -> joined orders -> customer features -> CSV.

Lineage the OpenLineage provider extracts from it, with no lineage code in the DAG:

* ``staging.load_customers`` / ``staging.load_orders`` (task group): CREATE + INSERT of raw tables;
* ``build_customer_orders``: CREATE TABLE ... AS SELECT with a join (table + column lineage);
* ``build_customer_features``: INSERT ... SELECT with a join and GROUP BY (aggregates aliased so
  output columns have real names);
* ``export_customer_features``: a Python task with declared inlets/outlets (Assets) writing the
  features CSV that ``customer_features_report`` is scheduled on.
"""

from __future__ import annotations

import csv
from datetime import datetime

from airflow.sdk import DAG, TaskGroup, task
from warehouse_common import (
    BACKEND,
    DATA_DIR,
    FEATURES_ASSET,
    FEATURES_CSV,
    sql_task,
    warehouse_table,
)

FEATURE_COLUMNS = ["customer_id", "country", "order_count", "total_amount", "last_order_at"]

LOAD_CUSTOMERS = [
    "DROP TABLE IF EXISTS raw_customers",
    "CREATE TABLE raw_customers (customer_id INTEGER PRIMARY KEY, name VARCHAR(64),"
    " country VARCHAR(2), signup_date DATE)",
    "INSERT INTO raw_customers (customer_id, name, country, signup_date) VALUES"
    " (1, 'Ada', 'GB', '2025-01-05'), (2, 'Linus', 'FI', '2025-02-11'),"
    " (3, 'Grace', 'US', '2025-03-20'), (4, 'Edsger', 'NL', '2025-04-02')",
]

LOAD_ORDERS = [
    "DROP TABLE IF EXISTS raw_orders",
    "CREATE TABLE raw_orders (order_id INTEGER PRIMARY KEY, customer_id INTEGER,"
    " amount NUMERIC(10, 2), status VARCHAR(16), ordered_at DATE)",
    "INSERT INTO raw_orders (order_id, customer_id, amount, status, ordered_at) VALUES"
    " (10, 1, 120.50, 'completed', '2025-05-01'), (11, 1, 35.00, 'completed', '2025-05-09'),"
    " (12, 2, 99.90, 'cancelled', '2025-05-10'), (13, 3, 250.00, 'completed', '2025-06-01'),"
    " (14, 3, 12.25, 'completed', '2025-06-15'), (15, 4, 60.00, 'completed', '2025-06-20')",
]

BUILD_CUSTOMER_ORDERS = [
    "DROP TABLE IF EXISTS customer_orders",
    "CREATE TABLE customer_orders AS"
    " SELECT o.order_id AS order_id, o.customer_id AS customer_id, c.country AS country,"
    " o.amount AS amount, o.ordered_at AS ordered_at"
    " FROM raw_orders AS o JOIN raw_customers AS c ON c.customer_id = o.customer_id"
    " WHERE o.status = 'completed'",
]

BUILD_CUSTOMER_FEATURES = [
    "DROP TABLE IF EXISTS customer_features",
    "CREATE TABLE customer_features (customer_id INTEGER, country VARCHAR(2),"
    " order_count INTEGER, total_amount NUMERIC(12, 2), last_order_at DATE)",
    "INSERT INTO customer_features"
    " (customer_id, country, order_count, total_amount, last_order_at)"
    " SELECT c.customer_id AS customer_id, c.country AS country,"
    " COUNT(co.order_id) AS order_count, COALESCE(SUM(co.amount), 0) AS total_amount,"
    " MAX(co.ordered_at) AS last_order_at"
    " FROM raw_customers AS c LEFT JOIN customer_orders AS co"
    " ON co.customer_id = c.customer_id"
    " GROUP BY c.customer_id, c.country",
]

with DAG(
    dag_id="warehouse_build",
    description="Build customer features from raw orders and customers",
    start_date=datetime(2026, 1, 1),
    schedule=None,
    catchup=False,
    tags=["lineage-demo", BACKEND],
) as dag:
    with TaskGroup("staging") as staging:
        load_customers = sql_task("load_customers", LOAD_CUSTOMERS)
        load_orders = sql_task("load_orders", LOAD_ORDERS)

    build_orders = sql_task("build_customer_orders", BUILD_CUSTOMER_ORDERS)
    build_features = sql_task("build_customer_features", BUILD_CUSTOMER_FEATURES)

    @task(inlets=[warehouse_table("customer_features")], outlets=[FEATURES_ASSET])
    def export_customer_features() -> int:
        """Write the feature table to CSV for the training job; returns the row count."""
        from warehouse_common import warehouse_hook

        rows = warehouse_hook().get_records(
            f"SELECT {', '.join(FEATURE_COLUMNS)} FROM customer_features ORDER BY customer_id"
        )
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        with FEATURES_CSV.open("w", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(FEATURE_COLUMNS)
            writer.writerows(rows)
        return len(rows)

    staging >> build_orders >> build_features >> export_customer_features()
