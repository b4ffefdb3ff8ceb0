"""The base install's CLI (no `lineage[server]`): every CLI and emitter module imports, and
every HTTP command answers, with each server-only package made unimportable.

The fresh-venv test of tests/test_packaging.py checks the same for one command at the cost of
a wheel build; this one runs on every test run and covers every command's HTTP path.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from lineage.cli.main import SERVER_MODULES
from tests.cli.scenario import events

# argv[1]: the blocked top-level packages, comma-separated; the rest is what the script runs
BLOCKED = """
import sys
from importlib.abc import MetaPathFinder

blocked = set(sys.argv.pop(1).split(","))


class NoServer(MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in blocked:
            raise ModuleNotFoundError(f"No module named {name!r} (blocked)", name=name)
        return None


sys.meta_path.insert(0, NoServer())
"""

IMPORT_ALL = """
import importlib, pkgutil
import lineage.cli, lineage.emit

failed = []
for package in (lineage.cli, lineage.emit):
    for module in pkgutil.iter_modules(package.__path__, package.__name__ + "."):
        try:
            importlib.import_module(module.name)
        except ImportError as exc:
            failed.append(f"{module.name}: {exc}")
print("\\n".join(failed))
"""

RUN_CLI = """
from lineage.cli import main
main(sys.argv[1:])
"""


def _python(script: str, *args: str) -> subprocess.CompletedProcess[str]:
    blocked = ",".join(sorted(SERVER_MODULES))
    return subprocess.run(
        [sys.executable, "-c", BLOCKED + script, blocked, *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def _lineage(*args: str) -> tuple[int, str, str]:
    done = _python(RUN_CLI, *args)
    return done.returncode, done.stdout, done.stderr


def test_every_cli_and_emitter_module_imports_without_server_packages() -> None:
    done = _python(IMPORT_ALL)
    assert (done.returncode, done.stdout.strip(), done.stderr) == (0, "", "")


def test_every_http_command_answers_without_server_packages(
    empty_collector: str, tmp_path: Path
) -> None:
    url = ("--url", empty_collector)
    stream = tmp_path / "events.json"
    stream.write_text(json.dumps(events()))
    assert _lineage("ingest", str(stream), *url) == (
        0,
        "read 5 events: 5 stored, 0 duplicates, 0 failed\n",
        "",
    )

    code, out, err = _lineage("status", *url, "--format", "json")
    assert (code, err, json.loads(out)["runs"]) == (0, "", 5)

    clean, revenue = "dataset:warehouse:clean.orders", "dataset:warehouse:mart.revenue"
    model = "dataset:warehouse:models.revenue_forecast"
    code, out, err = _lineage("upstream", clean, *url, "--format", "json")
    assert (code, err) == (0, "")
    assert {n["id"] for n in json.loads(out)["nodes"]} == {
        clean,
        "job:warehouse:etl.build_clean",
        "dataset:warehouse:raw.orders",
    }
    code, out, err = _lineage("downstream", revenue, *url, "--format", "json")
    assert (code, err) == (0, "")
    assert {n["id"] for n in json.loads(out)["nodes"]} == {
        revenue,
        "job:warehouse:ml.train_forecast",
        model,
    }

    code, out, err = _lineage("graph", revenue, *url)
    assert (code, err, out.splitlines()[0]) == (0, "", "flowchart LR")

    code, out, err = _lineage("runs", clean, *url, "--format", "json")
    assert (code, err) == (0, "")
    assert sorted((r["jobName"], tuple(r["roles"])) for r in json.loads(out)["runs"]) == [
        ("etl.build_clean", ("output",)),
        ("etl.daily_revenue", ("input",)),
        ("etl.export_status", ("input",)),
    ]

    code, out, err = _lineage("models", "--dataset", clean, *url, "--format", "json")
    assert (code, err) == (0, "")
    assert json.loads(out) == {"dataset": clean, "modelVersions": [], "totalCount": 0}

    impact = ("impact", clean, "--drop-dataset", "--fail-on", "never", "--format", "json")
    code, out, err = _lineage(*impact, *url)
    assert (code, err) == (0, "")
    assert sorted(item["id"] for item in json.loads(out)["items"]) == [
        "dataset:warehouse:export.status",
        revenue,
        model,
    ]
