"""Run the example DAGs with real Airflow (``airflow dags test``) against a lineage collector.

Standard library only, so any Python 3.11 can drive it; Airflow itself runs from the cached venv
that ``bootstrap.sh`` builds. Used by ``demo.sh``, ``measure_outage.py`` and tests/airflow.

Mode: every DAG runs with plain ``airflow dags test`` (one process per DAG, all its tasks in that
process) and the ``lineage_task_isolation`` plugin empties the hook-lineage collector when each
task starts, so every task reports only its own SQL -- the lineage of a deployed Airflow, where a
task is one process. See README.md, "How the DAGs are run".

    python integrations/airflow/run_examples.py --collector-url http://127.0.0.1:5000 \
        --work-dir /tmp/lineage-airflow [--backend postgres]
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
#: The example DAGs in the order they run: the build, the DAG scheduled on its CSV Asset, and the
#: quality DAG whose second task fails on purpose.
EXAMPLE_DAGS = ("warehouse_build", "customer_features_report", "warehouse_quality")
#: DAGs expected to end FAILED (``airflow dags test`` then exits 1).
FAILING_DAGS = frozenset({"warehouse_quality"})
LOGICAL_DATE = "2026-01-01T00:00:00+00:00"
POSTGRES_SERVER = {"host": "127.0.0.1", "port": 5432, "login": "postgres"}


@dataclass
class DagResult:
    """Outcome of one ``airflow dags test``."""

    dag_id: str
    returncode: int
    seconds: float
    log: Path

    @property
    def as_expected(self) -> bool:
        """Exit 0, or 1 for a DAG that fails on purpose."""
        return self.returncode == (1 if self.dag_id in FAILING_DAGS else 0)


def ensure_venv() -> Path:
    """Build or reuse the cached Airflow venv (see bootstrap.sh) and return its path."""
    out = subprocess.run(
        ["bash", str(HERE / "bootstrap.sh")], check=True, stdout=subprocess.PIPE, text=True
    )
    return Path(out.stdout.strip().splitlines()[-1])


def read_env_file(path: Path = HERE / "airflow.env") -> dict[str, str]:
    """Parse the ``KEY='value'`` lines of airflow.env."""
    env: dict[str, str] = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            env[key] = shlex.split(value)[0] if value else ""
    return env


def transport_settings(collector_url: str, recommended: bool = True) -> str:
    """airflow.env's transport JSON pointed at ``collector_url``.

    ``recommended=False`` keeps only type/url/endpoint, i.e. the provider's default timeout (5 s)
    and retries (5, with backoff): used to measure what the defaults cost in an outage.
    """
    transport = json.loads(read_env_file()["AIRFLOW__OPENLINEAGE__TRANSPORT"])
    transport["url"] = collector_url
    if not recommended:
        transport = {k: transport[k] for k in ("type", "url", "endpoint")}
    return json.dumps(transport)


def airflow_env(
    venv: Path,
    work_dir: Path,
    collector_url: str,
    warehouse: dict,
    backend: str,
    recommended: bool = True,
    data_dir: Path | None = None,
) -> dict[str, str]:
    """Environment of an isolated Airflow (own AIRFLOW_HOME, SQLite metadata DB).

    The features CSV goes to ``data_dir``, else ``$LINEAGE_DEMO_DATA_DIR``, else
    ``<work_dir>/data``.
    """
    data_dir = data_dir or Path(os.environ.get("LINEAGE_DEMO_DATA_DIR") or work_dir / "data")
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("AIRFLOW", "PYTHON", "LINEAGE_DEMO")) and k != "VIRTUAL_ENV"
    }
    env.update(read_env_file())
    env.update(
        {
            "PATH": f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}",
            "AIRFLOW_HOME": str(work_dir / "airflow-home"),
            "AIRFLOW__CORE__DAGS_FOLDER": str(HERE / "dags"),
            "AIRFLOW__CORE__PLUGINS_FOLDER": str(HERE / "plugins"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "false",
            "AIRFLOW__OPENLINEAGE__TRANSPORT": transport_settings(collector_url, recommended),
            "AIRFLOW_CONN_WAREHOUSE": json.dumps(warehouse),
            "LINEAGE_DEMO_WAREHOUSE": backend,
            "LINEAGE_DEMO_DATA_DIR": str(data_dir.absolute()),
        }
    )
    return env


def sqlite_warehouse(work_dir: Path) -> dict:
    """Airflow connection of a SQLite warehouse file in ``work_dir``."""
    return {"conn_type": "sqlite", "host": str(work_dir / "warehouse.db")}


def postgres_warehouse(database: str) -> dict:
    """Airflow connection of a database on the local PostgreSQL server."""
    return {"conn_type": "postgres", **POSTGRES_SERVER, "schema": database}


def _psql_admin(venv: Path, statement: str) -> None:
    """Run one autocommit statement on the server's ``postgres`` database (venv's psycopg)."""
    code = (
        "import sys, psycopg\n"
        "with psycopg.connect(host=sys.argv[1], port=int(sys.argv[2]), user=sys.argv[3],"
        " dbname='postgres', autocommit=True) as c:\n"
        "    c.execute(sys.argv[4])\n"
    )
    server = POSTGRES_SERVER
    subprocess.run(
        [
            str(venv / "bin" / "python"),
            "-c",
            code,
            server["host"],
            str(server["port"]),
            server["login"],
            statement,
        ],
        check=True,
    )


def ensure_postgres_server(timeout: float = 30) -> None:
    """Make sure the local PostgreSQL server accepts connections, starting it if it is down.

    Starts the Debian cluster with ``pg_ctlcluster --skip-systemctl-redirect 15 main start``.
    """
    address = (POSTGRES_SERVER["host"], POSTGRES_SERVER["port"])
    started = False
    deadline = time.monotonic() + timeout
    while True:
        try:
            socket.create_connection(address, timeout=2).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise RuntimeError(f"PostgreSQL is not reachable at {address}") from None
        if not started and shutil.which("pg_ctlcluster"):
            subprocess.run(
                ["pg_ctlcluster", "--skip-systemctl-redirect", "15", "main", "start"], check=False
            )
            started = True
        time.sleep(0.5)


def create_postgres_database(venv: Path) -> str:
    """Create a fresh ``lineage_af_<random>`` database and return its name."""
    ensure_postgres_server()
    name = f"lineage_af_{uuid.uuid4().hex[:10]}"
    _psql_admin(venv, f'CREATE DATABASE "{name}"')
    return name


def drop_postgres_database(venv: Path, name: str) -> None:
    """Drop a database made by :func:`create_postgres_database`."""
    _psql_admin(venv, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def migrate(env: dict[str, str], log_dir: Path) -> None:
    """Create the Airflow metadata database (``airflow db migrate``)."""
    log_dir.mkdir(parents=True, exist_ok=True)
    with (log_dir / "db-migrate.log").open("w") as log:
        subprocess.run(
            ["airflow", "db", "migrate"], env=env, stdout=log, stderr=subprocess.STDOUT, check=True
        )


def run_dag(env: dict[str, str], dag_id: str, log_dir: Path, timeout: float = 600) -> DagResult:
    """``airflow dags test <dag_id> <LOGICAL_DATE>``; output goes to ``<log_dir>/<dag_id>.log``."""
    log_path = log_dir / f"{dag_id}.log"
    started = time.monotonic()
    with log_path.open("w") as log:
        proc = subprocess.run(
            ["airflow", "dags", "test", dag_id, LOGICAL_DATE],
            check=False,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            timeout=timeout,
        )
    return DagResult(dag_id, proc.returncode, time.monotonic() - started, log_path)


def run_examples(
    work_dir: Path,
    collector_url: str,
    backend: str = "sqlite",
    postgres_database: str | None = None,
    recommended: bool = True,
    dags: tuple[str, ...] = EXAMPLE_DAGS,
    venv: Path | None = None,
    data_dir: Path | None = None,
) -> list[DagResult]:
    """Migrate a fresh Airflow home in ``work_dir`` and run ``dags`` in order."""
    venv = venv or ensure_venv()
    work_dir.mkdir(parents=True, exist_ok=True)
    if backend == "postgres":
        if not postgres_database:
            raise ValueError("backend postgres needs postgres_database")
        warehouse = postgres_warehouse(postgres_database)
    else:
        warehouse = sqlite_warehouse(work_dir)
    env = airflow_env(venv, work_dir, collector_url, warehouse, backend, recommended, data_dir)
    log_dir = work_dir / "logs"
    migrate(env, log_dir)
    return [run_dag(env, dag_id, log_dir) for dag_id in dags]


def main(argv: list[str] | None = None) -> int:
    """Command line: run the examples and print one line per DAG."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--collector-url", required=True, help="e.g. http://127.0.0.1:5000")
    parser.add_argument("--work-dir", type=Path, required=True, help="AIRFLOW_HOME, data, logs")
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--default-transport", action="store_true", help="no timeout/retry tuning")
    parser.add_argument("--dag", action="append", help="run only these DAGs (repeatable)")
    args = parser.parse_args(argv)
    venv = ensure_venv()
    database = create_postgres_database(venv) if args.backend == "postgres" else None
    try:
        results = run_examples(
            args.work_dir.resolve(),
            args.collector_url,
            args.backend,
            database,
            recommended=not args.default_transport,
            dags=tuple(args.dag or EXAMPLE_DAGS),
            venv=venv,
        )
    finally:
        if database:
            drop_postgres_database(venv, database)
    for r in results:
        note = "as expected" if r.as_expected else "UNEXPECTED"
        print(f"{r.dag_id:<28} exit {r.returncode} ({note}) {r.seconds:6.1f} s  log: {r.log}")
    return 0 if all(r.as_expected for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
