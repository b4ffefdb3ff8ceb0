"""`lineage blast-radius` and `lineage provenance`: offline on a real database (both), and
over HTTP to a real collector; exact answers and exit codes."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator

import pytest
from typer.testing import CliRunner

from lineage.cli.main import app
from tests.cli.conftest import _serving, ingest
from tests.test_incidents import CHAIN_ANSWER, at, chain, rid, run

runner = CliRunner()


@pytest.fixture
def chain_url(db_url: str) -> str:
    asyncio.run(ingest(db_url, chain()))
    return db_url


@pytest.fixture
def chain_collector(chain_url: str) -> Iterator[str]:
    yield from _serving(chain_url)


def _cli(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_blast_radius_offline_json_markdown_and_exit_codes(chain_url: str) -> None:
    db = ("--database-url", chain_url)
    code, out, _ = _cli("blast-radius", rid("load1"), *db, "--format", "json")
    assert (code, json.loads(out)) == (1, CHAIN_ANSWER)
    code, out, _ = _cli(
        "blast-radius", "--dataset", "dataset:n:a", "--since", at(5), "--until", at(15), *db,
        "--format", "json",
    )  # fmt: skip
    assert (code, json.loads(out)["runs"]) == (1, CHAIN_ANSWER["runs"])
    code, out, _ = _cli("blast-radius", rid("load1"), *db, "--format", "markdown")
    assert code == 1
    assert out.splitlines()[:8] == [
        f"## Blast radius of run {rid('load1')}",
        "",
        "### Re-run plan",
        "",
        "| # | job | tainted runs | after |",
        "|---|---|---|---|",
        "| 1 | job:ns:load | 1 |  |",
        "| 2 | job:ns:agg | 1 | job:ns:load |",
    ]
    assert f"| dataset:n:a | {rid('load1')} | {at(11)} | 1 | by {rid('load2')} at {at(21)} |" in out
    assert _cli("blast-radius", rid("load1"), *db, "--fail-on", "models")[0] == 0
    assert _cli("blast-radius", rid("load1"), *db, "--fail-on", "never")[0] == 0
    # the clean run's radius: only its own versions, which nobody read tainted
    code, out, _ = _cli("blast-radius", rid("report2"), *db, "--format", "json")
    assert (code, json.loads(out)["datasets"], json.loads(out)["plan"][0]["job"]) == (
        0,
        [],
        "job:ns:report",
    )
    code, _, err = _cli("blast-radius", rid("load1"), *db, "--fail-on", "sometimes")
    assert (code, err) == (
        2,
        "error: --fail-on is one of tainted, models, never, got 'sometimes'\n",
    )
    code, _, err = _cli("blast-radius", *db)
    assert (code, err) == (2, "error: give either run or dataset (with since)\n")
    code, _, err = _cli("blast-radius", "nope", *db)
    assert (code, err) == (2, "error: run 'nope' not found\n")


def test_provenance_offline_and_exit_codes(db_url: str) -> None:
    asyncio.run(
        ingest(
            db_url,
            [
                *run("load1", "load", 10, 11, [], ["a"]),
                *run("agg1", "agg", 12, 13, ["a"], ["b"], state="FAIL"),
                *run("agg2", "agg", 14, 15, ["a"], ["b"]),
                *run("report1", "report", 16, 17, ["b"], ["c"]),
            ],
        )
    )
    db = ("--database-url", db_url)
    code, out, _ = _cli("provenance", rid("report1"), *db, "--format", "json")
    answer = json.loads(out)
    assert code == 0  # the failed agg1 wrote nothing: report1 read agg2's version
    assert [(r["id"], r["depth"]) for r in answer["runs"]] == [
        (rid("report1"), 0),
        (rid("agg2"), 1),
        (rid("load1"), 2),
    ]
    code, out, _ = _cli("provenance", rid("agg1"), *db, "--format", "markdown")
    assert code == 1  # the run asked about failed
    assert out.splitlines()[:7] == [
        f"## Provenance of run {rid('agg1')}",
        "",
        "### 2 runs",
        "",
        "| run | job | state | depth | code | parameters |",
        "|---|---|---|---|---|---|",
        f"| {rid('agg1')} | job:ns:agg | FAILED | 0 |  |  |",
    ]
    assert _cli("provenance", rid("agg1"), *db, "--fail-on", "never")[0] == 0


def test_blast_radius_and_provenance_over_http(chain_collector: str) -> None:
    url = ("--url", chain_collector)
    code, out, _ = _cli("blast-radius", rid("load1"), *url, "--format", "json")
    assert (code, json.loads(out)) == (1, CHAIN_ANSWER)
    code, out, _ = _cli("provenance", rid("report1"), *url, "--format", "json", "--depth", "1")
    answer = json.loads(out)
    assert (code, [r["id"] for r in answer["runs"]], answer["truncated"]) == (
        0,
        [rid("report1"), rid("agg1")],
        True,
    )
    code, _, err = _cli("blast-radius", "nope", *url)
    assert (code, err) == (2, "error: run 'nope' not found\n")
