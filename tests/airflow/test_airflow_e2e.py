"""End to end: real Airflow 3 + OpenLineage provider -> real collector -> exact lineage over HTTP.

For each warehouse backend (SQLite through the lineage-aware hook, and the local PostgreSQL
server) a fresh collector is started, the example DAGs of integrations/airflow run with
``airflow dags test`` in an isolated AIRFLOW_HOME, and the collector's API must show exactly the
jobs, datasets, edges, column lineage, hierarchy and run states the DAGs imply. A second test
runs the DAGs against a closed port: they must finish normally.

The Airflow venv is built on first use (a few minutes) and cached afterwards (bootstrap.sh).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from airflow_harness import Collector, load_runner, running_collector
from tests.conftest import free_port

runner = load_runner()

NS = "warehouse"  # AIRFLOW__OPENLINEAGE__NAMESPACE in integrations/airflow/airflow.env
FILE_NS = "file"
ERROR = "1 order(s) with an amount below 20"

BUILD_TASKS = {
    "warehouse_build.staging.load_customers",
    "warehouse_build.staging.load_orders",
    "warehouse_build.build_customer_orders",
    "warehouse_build.build_customer_features",
    "warehouse_build.export_customer_features",
}
EXPORT_QUERY = "warehouse_build.export_customer_features.query.1"
CHECK_TASK = "warehouse_quality.check_order_amounts"
CHECK_QUERY = f"{CHECK_TASK}.query.1"
ALL_JOBS = {
    "warehouse_build",
    *BUILD_TASKS,
    EXPORT_QUERY,
    "customer_features_report",
    "customer_features_report.summarize_by_country",
    "warehouse_quality",
    "warehouse_quality.count_customers",
    CHECK_TASK,
    CHECK_QUERY,
}
FAILED_JOBS = {"warehouse_quality", CHECK_TASK, CHECK_QUERY}
TABLES = ("raw_customers", "raw_orders", "customer_orders", "customer_features")


@dataclass
class Run:
    """One backend's run of the example DAGs, with what the assertions need to know."""

    collector: Collector
    backend: str
    warehouse_ns: str  # namespace of the warehouse tables
    prefix: str  # table name prefix: "main." (SQLite) or "<db>.public." (PostgreSQL)
    data_dir: Path

    def table(self, name: str) -> tuple[str, str]:
        """(namespace, name) of a warehouse table."""
        return (self.warehouse_ns, f"{self.prefix}{name}")

    def file(self, name: str) -> tuple[str, str]:
        """(namespace, name) of a file in the demo data directory."""
        return (FILE_NS, str(self.data_dir / name))


def refs(items: list[dict]) -> set[tuple[str, str]]:
    """``[{"namespace","name"}]`` -> set of pairs."""
    return {(d["namespace"], d["name"]) for d in items}


def node(kind: str, ref: tuple[str, str]) -> str:
    """Marquez-style node id."""
    return f"{kind}:{ref[0]}:{ref[1]}"


@pytest.fixture(scope="module")
def airflow_venv() -> Path:
    """The cached Airflow venv (built on first use)."""
    return runner.ensure_venv()


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def example_run(request, tmp_path_factory, airflow_venv) -> Iterator[Run]:
    """A fresh collector that received the example DAGs' lineage on one backend."""
    backend = request.param
    work = tmp_path_factory.mktemp(f"airflow-{backend}")
    database = runner.create_postgres_database(airflow_venv) if backend == "postgres" else None
    try:
        with running_collector(work) as collector:
            started = time.monotonic()
            results = runner.run_examples(work, collector.url, backend, database, venv=airflow_venv)
            print(f"\n[{backend}] DAGs ran in {time.monotonic() - started:.1f} s")
            for r in results:
                print(f"  {r.dag_id}: exit {r.returncode} in {r.seconds:.1f} s")
                assert r.as_expected, (
                    f"{r.dag_id} exit {r.returncode}:\n{r.log.read_text()[-4000:]}"
                )
            if backend == "sqlite":
                ns, prefix = f"sqlite://{work / 'warehouse.db'}", "main."
            else:
                ns, prefix = "postgres://127.0.0.1:5432", f"{database}.public."
            yield Run(collector, backend, ns, prefix, work / "data")
    finally:
        if database:
            runner.drop_postgres_database(airflow_venv, database)


def test_jobs_and_hierarchy(example_run: Run) -> None:
    """Exactly the DAG, task and SQL-query jobs, nested DAG -> task -> query."""
    c = example_run.collector
    jobs = {j["name"]: j for j in c.jobs(NS)}
    assert set(jobs) == ALL_JOBS

    job_types = {name: (j["jobType"] or {}).get("jobType") for name, j in jobs.items()}
    assert {n for n, t in job_types.items() if t == "DAG"} == {
        "warehouse_build",
        "customer_features_report",
        "warehouse_quality",
    }
    assert {n for n, t in job_types.items() if t == "QUERY"} == {EXPORT_QUERY, CHECK_QUERY}
    assert all((j["jobType"] or {}).get("integration") == "AIRFLOW" for j in jobs.values())

    parents = {name: j["parentJobName"] for name, j in jobs.items()}
    assert parents == {
        "warehouse_build": None,
        **dict.fromkeys(BUILD_TASKS, "warehouse_build"),
        EXPORT_QUERY: "warehouse_build.export_customer_features",
        "customer_features_report": None,
        "customer_features_report.summarize_by_country": "customer_features_report",
        "warehouse_quality": None,
        "warehouse_quality.count_customers": "warehouse_quality",
        CHECK_TASK: "warehouse_quality",
        CHECK_QUERY: CHECK_TASK,
    }

    def tree(children: list[dict]) -> dict:
        return {ch["name"]: tree(ch["children"]) for ch in children}

    assert tree(c.children(NS, "warehouse_build")["children"]) == {
        **{task: {} for task in BUILD_TASKS - {"warehouse_build.export_customer_features"}},
        "warehouse_build.export_customer_features": {EXPORT_QUERY: {}},
    }
    assert tree(c.children(NS, "warehouse_quality")["children"]) == {
        "warehouse_quality.count_customers": {},
        CHECK_TASK: {CHECK_QUERY: {}},
    }


def test_run_states_and_failure(example_run: Run) -> None:
    """Every run COMPLETED except the failing check, its query and its DAG; the error is kept."""
    c = example_run.collector
    states = {}
    for name in ALL_JOBS:
        runs = c.runs(NS, name)
        assert len(runs) == 1, (name, runs)
        states[name] = runs[0]["state"]
    assert states == {n: "FAILED" if n in FAILED_JOBS else "COMPLETED" for n in ALL_JOBS}

    failed = c.job(NS, CHECK_TASK)["latestRun"]
    assert failed["errorMessage"]["message"] == ERROR
    assert failed["errorMessage"]["programmingLanguage"].lower() == "python"
    assert "ValueError" in (failed["errorMessage"]["stackTrace"] or "")

    # DAG runs: `dags test` sends no DAG-level START, only COMPLETE/FAIL; task runs hang below.
    dag_run = c.job(NS, "warehouse_build")["latestRun"]
    assert dag_run["state"] == "COMPLETED" and dag_run["parentRunId"] is None
    for task in BUILD_TASKS:
        task_run = c.job(NS, task)["latestRun"]
        assert task_run["parentRunId"] == dag_run["id"]
        assert task_run["rootRunId"] == dag_run["id"]
        assert task_run["startedAt"] and task_run["endedAt"]
    query_run = c.job(NS, EXPORT_QUERY)["latestRun"]
    export_run = c.job(NS, "warehouse_build.export_customer_features")["latestRun"]
    assert query_run["parentRunId"] == export_run["id"]
    assert query_run["rootRunId"] == dag_run["id"]
    assert c.get(f"/api/v1/jobs/runs/{failed['id']}")["state"] == "FAILED"


def test_job_inputs_and_outputs(example_run: Run) -> None:
    """Each job reads and writes exactly the tables and files its code touches."""
    r = example_run
    t, f = r.table, r.file
    expected = {
        "warehouse_build": (set(), set()),
        "warehouse_build.staging.load_customers": (set(), {t("raw_customers")}),
        "warehouse_build.staging.load_orders": (set(), {t("raw_orders")}),
        "warehouse_build.build_customer_orders": (
            {t("raw_customers"), t("raw_orders")},
            {t("customer_orders")},
        ),
        "warehouse_build.build_customer_features": (
            {t("raw_customers"), t("customer_orders")},
            {t("customer_features")},
        ),
        "warehouse_build.export_customer_features": (
            {t("customer_features")},
            {f("customer_features.csv")},
        ),
        EXPORT_QUERY: ({t("customer_features")}, set()),
        "customer_features_report": (set(), set()),
        "customer_features_report.summarize_by_country": (
            {f("customer_features.csv")},
            {f("country_report.csv")},
        ),
        "warehouse_quality": (set(), set()),
        "warehouse_quality.count_customers": ({t("raw_customers")}, set()),
        CHECK_TASK: (set(), set()),
        CHECK_QUERY: ({t("customer_orders")}, set()),
    }
    actual = {}
    for name in ALL_JOBS:
        job = r.collector.job(NS, name)
        actual[name] = (refs(job["inputs"]), refs(job["outputs"]))
    assert actual == expected


def test_datasets_and_schemas(example_run: Run) -> None:
    """Exactly the four tables (with column schemas) and the two CSV files."""
    r = example_run
    c = r.collector
    assert {d["name"] for d in c.datasets(r.warehouse_ns)} == {r.prefix + t for t in TABLES}
    assert {d["name"] for d in c.datasets(FILE_NS)} == {
        str(r.data_dir / "customer_features.csv"),
        str(r.data_dir / "country_report.csv"),
    }
    fields = {t: [f["name"] for f in c.dataset(*r.table(t))["fields"]] for t in TABLES}
    assert fields == {
        "raw_customers": ["customer_id", "name", "country", "signup_date"],
        "raw_orders": ["order_id", "customer_id", "amount", "status", "ordered_at"],
        "customer_orders": ["order_id", "customer_id", "country", "amount", "ordered_at"],
        "customer_features": [
            "customer_id",
            "country",
            "order_count",
            "total_amount",
            "last_order_at",
        ],
    }
    assert c.dataset(*r.file("customer_features.csv"))["kind"] == "dataset"


def test_downstream_edges(example_run: Run) -> None:
    """Downstream of raw_orders: the true pipeline, no false edge from a shared process."""
    r = example_run
    t, f = r.table, r.file

    def job(name: str) -> str:
        return f"job:{NS}:{name}"

    graph = r.collector.downstream(node("dataset", t("raw_orders")))
    edges = {(e["from"], e["to"]) for e in graph["edges"]}
    assert edges == {
        (node("dataset", t("raw_orders")), job("warehouse_build.build_customer_orders")),
        (job("warehouse_build.build_customer_orders"), node("dataset", t("customer_orders"))),
        (node("dataset", t("customer_orders")), job("warehouse_build.build_customer_features")),
        (node("dataset", t("customer_orders")), job(CHECK_QUERY)),
        (job("warehouse_build.build_customer_features"), node("dataset", t("customer_features"))),
        (node("dataset", t("customer_features")), job("warehouse_build.export_customer_features")),
        (node("dataset", t("customer_features")), job(EXPORT_QUERY)),
        (
            job("warehouse_build.export_customer_features"),
            node("dataset", f("customer_features.csv")),
        ),
        (
            node("dataset", f("customer_features.csv")),
            job("customer_features_report.summarize_by_country"),
        ),
        (
            job("customer_features_report.summarize_by_country"),
            node("dataset", f("country_report.csv")),
        ),
    }
    assert graph["truncated"] is False


def test_column_lineage(example_run: Run) -> None:
    """Column lineage of the CTAS join and of the INSERT ... SELECT ... GROUP BY."""
    r = example_run
    graph = r.collector.column_lineage(node("dataset", r.table("customer_features")), depth=1)
    by_field: dict[tuple[str, str], set[tuple[str, str]]] = {}
    for n in graph["graph"]:
        data = n["data"]
        key = (data["dataset"], data["field"])
        by_field[key] = {(i["dataset"], i["field"]) for i in data["inputFields"]}
        assert all(i["namespace"] == r.warehouse_ns for i in data["inputFields"])

    p = r.prefix
    expected_features = {
        "customer_id": {(p + "raw_customers", "customer_id")},
        "country": {(p + "raw_customers", "country")},
        "order_count": {(p + "customer_orders", "order_id")},
        "total_amount": {(p + "customer_orders", "amount")},
        "last_order_at": {(p + "customer_orders", "ordered_at")},
    }
    expected_orders = {
        "order_id": {(p + "raw_orders", "order_id")},
        "customer_id": {(p + "raw_orders", "customer_id")},
        "country": {(p + "raw_customers", "country")},
        "amount": {(p + "raw_orders", "amount")},
        "ordered_at": {(p + "raw_orders", "ordered_at")},
    }
    got_features = {f: v for (d, f), v in by_field.items() if d == p + "customer_features"}
    assert got_features == expected_features

    graph = r.collector.column_lineage(node("dataset", r.table("customer_orders")), depth=1)
    got_orders = {
        n["data"]["field"]: {(i["dataset"], i["field"]) for i in n["data"]["inputFields"]}
        for n in graph["graph"]
        if n["data"]["dataset"] == p + "customer_orders"
    }
    assert got_orders == expected_orders


def test_blast_radius_plan_follows_the_dags(example_run: Run) -> None:
    """A bad load_orders run: the re-run plan is warehouse_build's task order from it, with
    the tasks of the other DAGs that read its tables later (the failed check included)."""
    c = example_run.collector
    bad = c.job(NS, "warehouse_build.staging.load_orders")["latestRun"]["id"]
    response = httpx.post(f"{c.url}/api/v1/incidents/blast-radius", json={"run": bad}, timeout=30)
    assert response.status_code == 200, response.text
    plan = [(s["name"], s["after"]) for s in response.json()["plan"]]

    def job(name: str) -> str:
        return f"job:{NS}:{name}"

    assert plan == [
        ("warehouse_build.staging.load_orders", []),
        ("warehouse_build.build_customer_orders", [job("warehouse_build.staging.load_orders")]),
        (
            "warehouse_build.build_customer_features",
            [job("warehouse_build.build_customer_orders")],
        ),
        (CHECK_QUERY, [job("warehouse_build.build_customer_orders")]),
        (
            "warehouse_build.export_customer_features",
            [job("warehouse_build.build_customer_features")],
        ),
        (EXPORT_QUERY, [job("warehouse_build.build_customer_features")]),
        (
            "customer_features_report.summarize_by_country",
            [job("warehouse_build.export_customer_features")],
        ),
    ]
    build_order = [name for name, _ in plan if name in BUILD_TASKS]
    assert build_order == [
        "warehouse_build.staging.load_orders",
        "warehouse_build.build_customer_orders",
        "warehouse_build.build_customer_features",
        "warehouse_build.export_customer_features",
    ]


def test_dags_finish_when_collector_is_down(tmp_path: Path, airflow_venv: Path) -> None:
    """With nothing listening on the collector port, every DAG still ends as it should."""
    closed = f"http://127.0.0.1:{free_port()}"
    started = time.monotonic()
    results = runner.run_examples(
        tmp_path, closed, "sqlite", venv=airflow_venv, data_dir=tmp_path / "data"
    )
    total = time.monotonic() - started
    print(f"\ncollector down (connection refused): all DAGs in {total:.1f} s")
    for r in results:
        print(f"  {r.dag_id}: exit {r.returncode} in {r.seconds:.1f} s")
        log = r.log.read_text()
        assert r.as_expected, f"{r.dag_id} exit {r.returncode}:\n{log[-4000:]}"
        assert "Traceback" not in log or r.dag_id in runner.FAILING_DAGS
    assert (tmp_path / "data" / "country_report.csv").read_text().splitlines()[0] == (
        "country,order_count,total_amount"
    )
