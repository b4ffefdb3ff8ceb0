"""Train a churn model on the customer-features CSV and score every customer.

Lineage chain: warehouse tables -> ``customer_features.csv`` (written by the Airflow DAG
``warehouse_build``) -> this training job -> ``churn_model.joblib`` + ``churn_scores.csv``.
The input is declared as namespace ``file`` with the CSV's absolute path as its name -- the same
identity the Airflow provider reports for the DAG's ``file://`` asset -- so the collector sees one
connected graph.

Environment:

* ``LINEAGE_DEMO_DATA_DIR`` (default ``/tmp/lineage-demo``): where the DAG writes
  ``customer_features.csv`` and where the model and scores are written. When the CSV is absent a
  synthetic ``customer_features.generated.csv`` is created there instead.
* ``OPENLINEAGE_URL`` (or ``openlineage.yml``): the collector; ``OPENLINEAGE_PARENT_ID`` /
  ``OPENLINEAGE_ROOT_PARENT_ID``: the Airflow task that launched this script (optional).

Run: ``python integrations/training/examples/sklearn_churn.py``.
"""

from __future__ import annotations

import csv
import os
import random
from datetime import date
from pathlib import Path

import numpy as np
from sklearn.compose import ColumnTransformer
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from lineage.emit import file_input, output_dataset, training_run
from lineage.emit.datasets import file_digest
from lineage.emit.sklearn_adapter import tracked_fit

COLUMNS = ["customer_id", "country", "order_count", "total_amount", "last_order_at"]
NO_ORDER_DAYS = 365.0


def data_dir() -> Path:
    """The demo data directory (shared with the Airflow example DAG)."""
    return Path(os.environ.get("LINEAGE_DEMO_DATA_DIR", "/tmp/lineage-demo")).absolute()


def features_csv(directory: Path) -> Path:
    """The DAG's features CSV, or a generated stand-in when the DAG has not run."""
    produced = directory / "customer_features.csv"
    if produced.exists():
        return produced
    generated = directory / "customer_features.generated.csv"
    if not generated.exists():
        write_synthetic_features(generated)
    return generated


def write_synthetic_features(path: Path, rows: int = 200, seed: int = 7) -> None:
    """Write a synthetic features CSV with the DAG's columns."""
    rng = random.Random(seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for customer_id in range(1, rows + 1):
            orders = rng.choice([0, 1, 1, 2, 3, 5])
            last = "" if orders == 0 else date(2025, rng.randint(1, 6), rng.randint(1, 28))
            amount = round(sum(rng.uniform(5, 120) for _ in range(orders)), 2)
            country = rng.choice(["GB", "FI", "US", "NL"])
            writer.writerow([customer_id, country, orders, amount, last])


def load(path: Path) -> tuple[list[int], np.ndarray, np.ndarray]:
    """Customer ids, features ``[country, total_amount, recency_days]`` and churn labels.

    A customer is labelled churned when they have at most one order (the demo's definition).
    """
    with path.open(newline="") as handle:
        records = list(csv.DictReader(handle))
    dates = [date.fromisoformat(r["last_order_at"]) for r in records if r["last_order_at"]]
    newest = max(dates) if dates else date.today()
    ids, features, labels = [], [], []
    for record in records:
        last = record["last_order_at"]
        recency = (newest - date.fromisoformat(last)).days if last else NO_ORDER_DAYS
        ids.append(int(record["customer_id"]))
        features.append([record["country"], float(record["total_amount"] or 0), float(recency)])
        labels.append(int(int(record["order_count"] or 0) <= 1))
    return ids, np.array(features, dtype=object), np.array(labels)


def build_model(labels: np.ndarray) -> Pipeline:
    """One-hot country + scaled numbers -> logistic regression (a prior if one class only)."""
    classifier = (
        LogisticRegression(C=1.0, max_iter=200)
        if len(set(labels.tolist())) > 1
        else DummyClassifier(strategy="prior")
    )
    prepare = ColumnTransformer(
        [
            ("country", OneHotEncoder(handle_unknown="ignore"), [0]),
            ("numbers", StandardScaler(), [1, 2]),
        ]
    )
    return Pipeline([("prepare", prepare), ("classifier", classifier)])


def main() -> None:
    """Train, evaluate, save the model and write scores, reporting it all as lineage."""
    directory = data_dir()
    source = features_csv(directory)
    ids, features, labels = load(source)
    model_path = directory / "churn_model.joblib"
    scores_path = directory / "churn_scores.csv"
    with training_run(
        "churn_model.train",
        namespace=os.environ.get("LINEAGE_TRAINING_NAMESPACE", "ml"),
        inputs=[
            file_input(
                source,
                role="train",
                row_count=len(ids),
                dataset_version=file_digest(source)[0],  # content hash of the CSV read
            )
        ],
        outputs=[output_dataset(scores_path)],
    ) as run:
        model = build_model(labels)
        tracked_fit(
            model,
            features,
            labels,
            run=run,
            model_path=model_path,
            registered_name="churn-model",
        )
        probabilities = model.predict_proba(features)[:, -1]
        run.log_metric("train_accuracy", float(model.score(features, labels)))
        if len(set(labels.tolist())) > 1:
            run.log_metric("train_auc", float(roc_auc_score(labels, probabilities)))
        with scores_path.open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["customer_id", "churn_probability"])
            writer.writerows(zip(ids, np.round(probabilities, 6), strict=True))
    print(f"model: {model_path}\nscores: {scores_path}\nrun: {run.run_id} ({run.state})")


if __name__ == "__main__":
    main()
