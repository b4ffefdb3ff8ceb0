"""Data-quality checks on the warehouse; one check fails on purpose.

``count_customers`` passes; ``check_order_amounts`` raises because the sample data has an order
amount below the (deliberately strict) minimum, so its task run is FAILED with an error message
and the DAG run is FAILED too, while ``warehouse_build`` and the report stay green.
"""

from __future__ import annotations

from datetime import datetime

from airflow.sdk import DAG, task
from warehouse_common import sql_task

MIN_ORDER_AMOUNT = 20

with DAG(
    dag_id="warehouse_quality",
    description="Quality checks on the customer orders",
    start_date=datetime(2026, 1, 1),
    schedule=None,
    catchup=False,
    tags=["lineage-demo"],
) as dag:
    count_customers = sql_task(
        "count_customers", "SELECT COUNT(*) AS customer_count FROM raw_customers"
    )

    @task(retries=0)
    def check_order_amounts() -> None:
        """Fail when any completed order is below MIN_ORDER_AMOUNT."""
        from warehouse_common import warehouse_hook

        (too_small,) = warehouse_hook().get_first(
            f"SELECT COUNT(*) AS n FROM customer_orders WHERE amount < {MIN_ORDER_AMOUNT}"
        )
        if too_small:
            raise ValueError(f"{too_small} order(s) with an amount below {MIN_ORDER_AMOUNT}")

    count_customers >> check_order_amounts()
