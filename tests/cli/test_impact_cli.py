"""`lineage impact` end to end: offline on a real database, over HTTP to a real collector."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from lineage.cli.main import app
from tests.cli.conftest import ingest
from tests.events import ds, run_event

GOLDEN = Path(__file__).parent / "golden"
CHANGES = [
    "--drop-column",
    "amount",
    "--rename-column",
    "status=state",
    "--change-type",
    "id=bigint",
]
runner = CliRunner()


def _impact(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["impact", *args])
    return result.exit_code, result.stdout, result.stderr


def test_golden_json_and_markdown(store_url: str) -> None:
    base = ["dataset:warehouse:raw.orders", *CHANGES, "--database-url", store_url]
    code, out, _ = _impact(*base, "--format", "json")
    assert code == 1
    assert json.loads(out) == json.loads((GOLDEN / "impact.json").read_text())
    code, out, _ = _impact(*base, "--format", "markdown")
    assert (code, out) == (1, (GOLDEN / "impact.md").read_text())


def test_table_lists_items_and_context_and_cuts_at_limit(store_url: str) -> None:
    base = ["dataset:warehouse:raw.orders", *CHANGES, "--database-url", store_url]
    code, out, _ = _impact(*base)
    lines = [line.strip("│┃ ") for line in out.splitlines()]
    assert code == 1
    assert lines[0] == "3 breaking, 1 possibly affected"
    rows = [line.split()[:3] for line in lines if line.startswith(("breaking", "possibly"))]
    assert rows == [
        ["breaking", "│", "dataset:warehouse:clean.orders"],
        ["breaking", "│", "dataset:warehouse:export.status"],
        ["breaking", "│", "dataset:warehouse:mart.revenue"],
        ["possibly", "│", "dataset:warehouse:models.revenue_forecast"],
    ]
    assert out.endswith(
        "on the way\n"
        "├── jobs\n"
        "│   ├── job:warehouse:etl.build_clean (latest run COMPLETED, 2026-01-02T03:00:00Z)\n"
        "│   ├── job:warehouse:etl.daily_revenue (latest run COMPLETED, 2026-01-02T03:00:00Z)\n"
        "│   ├── job:warehouse:etl.export_status (latest run COMPLETED, 2026-01-02T03:00:00Z)\n"
        "│   └── job:warehouse:ml.train_forecast (latest run COMPLETED, 2026-01-02T03:00:00Z)\n"
        "├── DAGs\n"
        "│   └── job:warehouse:etl (latest run COMPLETED, 2026-01-02T03:00:00Z)\n"
        "├── models\n"
        "│   └── dataset:warehouse:models.revenue_forecast\n"
        "└── owners\n"
        "    └── team:data (MAINTAINER) of job:warehouse:etl.build_clean\n"
    )
    code, out, _ = _impact(*base, "--limit", "2")
    assert "… 2 more items (--limit 0 shows all, --format json lists every one)\n" in out
    assert "│   └── … 2 more jobs (--limit 0 shows all" in out
    assert "mart.revenue" not in out.split("on the way")[0]
    code, out, _ = _impact(*base, "--format", "markdown", "--limit", "1")
    golden = (GOLDEN / "impact.md").read_text()
    assert out.count("| breaking |") == 1
    assert "… 3 more items (--limit 0 shows all, --format json lists every one)" in out
    assert "- … 3 more jobs (--limit 0" in out
    assert out.endswith(golden[golden.index("### DAGs") :])


def test_exit_codes_offline(store_url: str) -> None:
    db = ["--database-url", store_url, "--format", "json"]
    # export.status only reads id and status: dropping customer_id breaks nothing
    code, out, _ = _impact(
        "raw.orders", "--namespace", "warehouse", "--drop-column", "customer_id", *db
    )
    assert (code, json.loads(out)["summary"]) == (0, {"breaking": 0, "possibly": 0})
    code, _, _ = _impact(
        "raw.orders", "--rename-column", "status=state", "--fail-on", "breaking", *db
    )
    assert code == 0
    code, _, _ = _impact(
        "raw.orders", "--rename-column", "status=state", "--fail-on", "possibly", *db
    )
    assert code == 1
    code, _, _ = _impact("raw.orders", "--drop-column", "amount", "--fail-on", "never", *db)
    assert code == 0
    code, _, err = _impact("raw.ordres", "--drop-column", "amount", *db)
    assert (code, err) == (
        2,
        "error: unknown dataset 'raw.ordres'; closest: raw.orders, clean.orders\n",
    )
    code, _, err = _impact("raw.orders", "--drop-column", "amout", *db)
    assert (code, err) == (
        2,
        "error: unknown column 'amout' in dataset:warehouse:raw.orders; closest: amount\n",
    )


def test_ddl_maps_tables_to_datasets(store_url: str) -> None:
    ddl = "ALTER TABLE prod.raw.orders DROP COLUMN amount; ALTER TABLE export.status RENAME TO x;"
    code, out, _ = _impact(
        "--ddl",
        ddl,
        "--dialect",
        "postgres",
        "--namespace",
        "warehouse",
        "--database-url",
        store_url,
        "--format",
        "json",
    )
    report = json.loads(out)
    assert code == 1
    assert report["targets"] == [
        {
            "dataset": "dataset:warehouse:raw.orders",
            "changes": [{"kind": "drop_column", "column": "amount"}],
        },
        {"dataset": "dataset:warehouse:export.status", "changes": [{"kind": "drop_dataset"}]},
    ]


def test_closed_port_is_exit_3() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    code, _, err = _impact(
        "raw.orders", "--drop-column", "amount", "--url", f"http://127.0.0.1:{port}"
    )
    assert code == 3
    assert err.startswith(f"error: collector unreachable at http://127.0.0.1:{port}")
    assert err.count("\n") == 1


def test_silent_collector_is_exit_3_after_timeout() -> None:
    with socket.socket() as sock:  # accepts connections (backlog) but never answers
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        code, out, err = _impact(
            "raw.orders", "--drop-column", "amount", "--url", url, "--timeout", "0.5"
        )
    assert (code, out, err) == (
        3,
        "",
        f"error: collector unreachable at {url}: no answer within 0.5 s"
        " (ReadTimeout; raise --timeout)\n",
    )


def test_http_mode_matches_golden(collector: str) -> None:
    code, out, _ = _impact(
        "dataset:warehouse:raw.orders", *CHANGES, "--url", collector, "--format", "json"
    )
    assert code == 1
    assert json.loads(out) == json.loads((GOLDEN / "impact.json").read_text())
    code, out, err = _impact("raw.orders", "--drop-column", "amout", "--url", collector)
    assert (code, out, err) == (
        2,
        "",
        "error: unknown column 'amout' in dataset:warehouse:raw.orders; closest: amount\n",
    )


def test_report_is_the_same_whatever_the_hash_seed(db_url: str) -> None:
    # a diamond: raw -> j1 -> a -> j3 -> c and raw -> j2 -> b -> j4 -> c; c has two paths of
    # one class, and the graph's edge order follows set order, which the hash seed changes
    diamond = [("j1", "raw", "a"), ("j2", "raw", "b"), ("j3", "a", "c"), ("j4", "b", "c")]
    asyncio.run(
        ingest(
            db_url, [run_event(j, inputs=[ds("n", i)], outputs=[ds("n", o)]) for j, i, o in diamond]
        )
    )
    lineage = str(Path(sys.executable).parent / "lineage")
    command = [lineage, "impact", "dataset:n:raw", "--drop-dataset"]
    reports = set()
    for seed in ("0", "1", "2", "3", "4"):
        done = subprocess.run(
            [*command, "--format", "json", "--database-url", db_url],
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
            check=False,
        )
        assert done.returncode == 1, done.stderr
        reports.add(done.stdout)
    (report,) = reports
    paths = {item["id"]: item["path"] for item in json.loads(report)["items"]}
    assert paths["dataset:n:c"] == [
        "dataset:n:raw",
        "job:ns:j1",
        "dataset:n:a",
        "job:ns:j3",
        "dataset:n:c",
    ]
