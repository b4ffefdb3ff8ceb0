"""Downstream DAG, scheduled on the customer-features CSV Asset of ``warehouse_build``.

``summarize_by_country`` reads the features CSV and writes a per-country report; both files are
declared as Assets, so the provider reports ``file`` datasets as its input and output.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from datetime import datetime

from airflow.sdk import DAG, task
from warehouse_common import FEATURES_ASSET, FEATURES_CSV, REPORT_ASSET, REPORT_CSV

with DAG(
    dag_id="customer_features_report",
    description="Per-country summary of the exported customer features",
    start_date=datetime(2026, 1, 1),
    schedule=[FEATURES_ASSET],
    catchup=False,
    tags=["lineage-demo"],
) as dag:

    @task(inlets=[FEATURES_ASSET], outlets=[REPORT_ASSET])
    def summarize_by_country() -> int:
        """Sum order counts and amounts per country; returns the number of countries."""
        totals: dict[str, list[float]] = defaultdict(lambda: [0, 0.0])
        with FEATURES_CSV.open(newline="") as f:
            for row in csv.DictReader(f):
                totals[row["country"]][0] += int(row["order_count"])
                totals[row["country"]][1] += float(row["total_amount"])
        with REPORT_CSV.open("w", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(["country", "order_count", "total_amount"])
            for country in sorted(totals):
                writer.writerow([country, totals[country][0], f"{totals[country][1]:.2f}"])
        return len(totals)

    summarize_by_country()
