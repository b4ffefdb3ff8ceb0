"""Every failure a user can meet: one line on stderr, no traceback, the documented exit code,
no file created; and the API key flow against a real collector with keys on.

Each case runs the installed `lineage` script in a fresh directory holding only the files the
case names, so "no file created" is checked by listing that directory afterwards.
"""

from __future__ import annotations

import gzip
import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from lineage.cli.backend import HttpBackend
from tests.cli.scenario import events
from tests.conftest import Server, free_port

LINEAGE = str(Path(sys.executable).parent / "lineage")
KEYS = "reader:read,writer:write"
RAW = "dataset:warehouse:raw.orders"


@dataclass(frozen=True)
class Where:
    """What the cases run against."""

    collector: str  # a collector with keys on, holding the scenario
    store: str  # its SQLite store (read offline while it runs)
    silent: str  # a socket that accepts and never answers
    closed: str  # a port nobody listens on
    postgres: str  # a PostgreSQL server URL with a database that does not exist


@pytest.fixture(scope="module")
def where(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Where]:
    store = f"sqlite:///{tmp_path_factory.mktemp('keyed') / 'store.db'}"
    server = Server(store, env={"LINEAGE_API_KEYS": KEYS}).start()
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen()
    try:
        server.wait_ready()
        writer = HttpBackend(server.url, timeout_s=30, api_key="writer")
        assert writer.call("POST", "/api/v1/lineage/batch", json=events()) is None  # 204
        writer.close()
        yield Where(
            collector=server.url,
            store=store,
            silent=f"http://127.0.0.1:{silent.getsockname()[1]}",
            closed=f"http://127.0.0.1:{free_port()}",
            postgres="postgresql+psycopg://postgres@127.0.0.1:5432/lineage_no_such_db",
        )
    finally:
        silent.close()
        server.stop()


def run(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    """The real console script, as a user runs it (no LINEAGE_* settings inherited)."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("LINEAGE_")}
    done = subprocess.run(
        [LINEAGE, *args],
        cwd=cwd,
        env={**clean, **(env or {})},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return done.returncode, done.stdout, done.stderr


@dataclass(frozen=True)
class Case:
    """A command line (`{collector}`-style fields of Where filled in), what it must print on
    stderr (one line, the same fields filled in) and exit with; files put in its directory."""

    args: str
    code: int
    error: str
    files: dict[str, bytes] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)


NOT_JSON = b"\x89PNG\r\n\x1a\n\x00\x00"
CASES = {
    # offline: the database
    "missing sqlite file": Case(
        "status --database-url sqlite:///missing.db", 3, "no SQLite database at missing.db"
    ),
    "missing sqlite file (upstream)": Case(
        f"upstream {RAW} --database-url sqlite:///./gone/missing.db",
        3,
        "no SQLite database at ./gone/missing.db",
    ),
    "missing sqlite file (impact)": Case(
        f"impact {RAW} --drop-column amount --database-url sqlite:///missing.db",
        3,
        "no SQLite database at missing.db",
    ),
    "empty sqlite file": Case(
        "status --database-url sqlite:///empty.db",
        3,
        "the database holds no lineage store (no schema version): point --database-url at a "
        "store, or create one with `lineage db upgrade`",
        files={"empty.db": b""},
    ),
    "not a sqlite file": Case(
        "graph x --database-url sqlite:///notes.db",
        3,
        "cannot open the store at sqlite:///notes.db: file is not a database",
        files={"notes.db": b"some notes, not a database\n" * 100},
    ),
    "missing postgres database": Case(
        "downstream x --database-url {postgres}",
        3,
        "cannot open the store at {postgres}: connection failed: connection to server at "
        '"127.0.0.1", port 5432 failed: FATAL: database "lineage_no_such_db" does not exist',
    ),
    "unsupported database": Case(
        "status --database-url mysql://db/lineage",
        2,
        "--database-url mysql://db/lineage: a store is sqlite:///FILE or postgresql+psycopg://...",
    ),
    "db replay on a missing file": Case(
        "db replay --database-url sqlite:///missing.db", 3, "no SQLite database at missing.db"
    ),
    "unknown node offline, with suggestions": Case(
        "downstream dataset:warehouse:raw.ordres --database-url {store}",
        2,
        "node 'dataset:warehouse:raw.ordres' not found; closest: dataset:warehouse:raw.orders, "
        "dataset:warehouse:clean.orders",
    ),
    # the collector
    "unreachable collector": Case(
        "status --url {closed}",
        3,
        "collector unreachable at {closed} ([Errno 111] Connection refused)",
    ),
    "collector from LINEAGE_PORT": Case(
        "status",
        3,
        "collector unreachable at {closed} ([Errno 111] Connection refused)",
        env={"LINEAGE_PORT": "{closed_port}"},
    ),
    "silent collector": Case(
        "upstream x --url {silent} --timeout 0.5",
        3,
        "collector unreachable at {silent}: no answer within 0.5 s (ReadTimeout; raise --timeout)",
    ),
    "bad collector URL": Case(
        "status --url ftp://example.com",
        2,
        "--url must be http(s)://host[:port], got 'ftp://example.com'",
    ),
    "no API key": Case(
        "status --url {collector}",
        4,
        "an API key is required: send 'Authorization: Bearer <key>' or 'X-API-Key: <key>' "
        "(--api-key or LINEAGE_API_KEY)",
    ),
    "wrong API key": Case(
        "upstream x --url {collector}",
        4,
        "the API key is not valid (--api-key or LINEAGE_API_KEY)",
        env={"LINEAGE_API_KEY": "guess"},
    ),
    "read key cannot write": Case(
        "ingest events.json --url {collector} --api-key reader",
        4,
        "this API key has scope read; this request needs write",
        files={"events.json": json.dumps(events()[:1]).encode()},
    ),
    "unknown node over HTTP, with suggestions": Case(
        "upstream dataset:warehouse:raw.ordres --url {collector} --api-key reader",
        2,
        "node 'dataset:warehouse:raw.ordres' not found; closest: dataset:warehouse:raw.orders, "
        "dataset:warehouse:clean.orders",
    ),
    "missing key file": Case(
        "status --url {collector} --api-key-file key.txt",
        2,
        "cannot read --api-key-file key.txt: no such file or directory",
    ),
    "empty key file": Case(
        "status --url {collector} --api-key-file key.txt",
        2,
        "--api-key-file key.txt holds no key",
        files={"key.txt": b"# our read key goes here\n"},
    ),
    # flags
    "unknown command": Case("statu", 2, "lineage: No such command 'statu'. Did you mean 'status'?"),
    "unknown option": Case("status --bogus", 2, "lineage status: No such option: --bogus"),
    "bad --format": Case(
        "status --format xml --url {closed}",
        2,
        "--format is one of table, json, markdown, got 'xml'",
    ),
    "bad graph --format": Case(
        "graph x --format png --url {closed}", 2, "--format is one of mermaid, dot, json, got 'png'"
    ),
    "bad --direction": Case(
        "graph x --direction sideways --url {closed}",
        2,
        "--direction is one of down, up, both, got 'sideways'",
    ),
    "negative --depth": Case(
        "upstream x --depth -1",
        2,
        "lineage upstream: Invalid value for '--depth': -1 is not in the range x>=0.",
    ),
    "bad --timeout from the environment": Case(
        "status",
        2,
        "lineage status: Invalid value for '--timeout' (env var: 'LINEAGE_TIMEOUT_S'): 'soon' is "
        "not a valid float range.",
        env={"LINEAGE_TIMEOUT_S": "soon"},
    ),
    "bad --fail-on": Case(
        f"impact {RAW} --drop-column a --fail-on sometimes",
        2,
        "--fail-on is one of breaking, possibly, never, got 'sometimes'",
    ),
    "bad --rename-column": Case(
        f"impact {RAW} --rename-column amount", 2, "--rename-column takes OLD=NEW, got 'amount'"
    ),
    "bad --older-than": Case(
        "db prune --older-than 5x --database-url sqlite:///missing.db",
        2,
        "--older-than '5x' is not an age such as 90d, 12h or 4w",
    ),
    "bad port setting": Case(
        "serve",
        2,
        "lineage serve: Invalid value for '--port' (env var: 'LINEAGE_PORT'): 'http' is not a "
        "valid int.",
        env={"LINEAGE_PORT": "http"},
    ),
    # files
    "missing --schema file": Case(
        f"impact {RAW} --schema new.json --database-url {{store}}",
        2,
        "cannot read --schema new.json: no such file or directory",
    ),
    "bad JSON --schema file": Case(
        f"impact {RAW} --schema new.json --database-url {{store}}",
        2,
        "--schema new.json is not JSON: Expecting ',' delimiter at line 2, column 1",
        files={"new.json": b'[{"name": "id"}\n{"name": "amount"}]'},
    ),
    "binary --ddl-file": Case(
        f"impact {RAW} --ddl-file change.sql --database-url {{store}}",
        2,
        "cannot read --ddl-file change.sql: not a text file",
        files={"change.sql": NOT_JSON},
    ),
    "bad DDL": Case(
        "impact --ddl 'ALTER TABLE raw.orders FROB amount' --namespace warehouse "
        "--database-url {store}",
        2,
        None,  # the parser's words; checked to be one line
    ),
    "ingest a missing file": Case(
        "ingest events.json --url {collector}", 2, "no such file or directory: events.json"
    ),
    "ingest a binary file": Case(
        "ingest events.json --url {collector}",
        2,
        "cannot read events from events.json: not UTF-8 text",
        files={"events.json": NOT_JSON},
    ),
    "ingest a CSV file": Case(
        "ingest events.csv --url {collector}",
        2,
        "cannot read events from events.csv: not JSON or NDJSON",
        files={"events.csv": b"a,b\n1,2\n"},
    ),
    "ingest a broken JSON array": Case(
        "ingest events.json --url {collector}",
        2,
        "cannot read events from events.json: Expecting value",
        files={"events.json": b'[{"eventType": "START"}, ]'},
    ),
    "ingest a truncated gzip file": Case(
        "ingest events.json.gz --url {collector}",
        2,
        "cannot read events from events.json.gz: a truncated gzip file",
        files={"events.json.gz": gzip.compress(b"[]" * 100)[:20]},
    ),
    "ingest an empty directory": Case(
        "ingest in --url {collector}",
        2,
        "no event files (.json, .ndjson, .jsonl, .gz) in in",
        files={"in/README.txt": b"events go here\n"},
    ),
}


def _fill(text: str, where: Where) -> str:
    return text.format(
        collector=where.collector,
        store=where.store,
        silent=where.silent,
        closed=where.closed,
        closed_port=where.closed.rsplit(":", 1)[1],
        postgres=where.postgres,
    )


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_failure_is_one_line_with_its_exit_code(case: Case, where: Where, tmp_path: Path) -> None:
    import shlex

    for name, content in case.files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(content)
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    env = {k: _fill(v, where) for k, v in case.env.items()}
    code, _, err = run(shlex.split(_fill(case.args, where)), tmp_path, env)
    assert "Traceback" not in err
    assert err.endswith("\n") and err.count("\n") == 1, err
    if case.error is None:
        assert err.startswith("error: ")
    else:
        assert err == f"error: {_fill(case.error, where)}\n"
    assert code == case.code
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before


def test_debug_shows_the_traceback(where: Where, tmp_path: Path) -> None:
    code, _, err = run(["status", "--url", where.closed, "--debug"], tmp_path)
    assert code == 1
    assert err.startswith("Traceback (most recent call last):")
    assert err.rstrip().endswith(
        f"collector unreachable at {where.closed} ([Errno 111] Connection refused)"
    )


def test_keys_read_with_a_read_key_and_ingest_with_a_write_key(
    where: Where, tmp_path: Path
) -> None:
    read = ["--url", where.collector, "--api-key", "reader"]
    code, out, err = run(["status", "--format", "json", *read], tmp_path)
    assert (code, err) == (0, "")
    assert (json.loads(out)["graphNodes"], json.loads(out)["jobs"]) == (10, 5)
    code, out, _ = run(["downstream", RAW, "--depth", "1", "--format", "json", *read], tmp_path)
    assert (code, [n["id"] for n in json.loads(out)["nodes"]]) == (
        0,
        [RAW, "job:warehouse:etl.build_clean"],
    )
    code, out, _ = run(["graph", RAW, "--depth", "1", *read], tmp_path)
    assert (code, out.splitlines()[0]) == (0, "flowchart LR")
    code, out, _ = run(
        ["impact", RAW, "--drop-column", "amount", "--format", "json", *read], tmp_path
    )
    assert (code, json.loads(out)["summary"]) == (1, {"breaking": 2, "possibly": 1})

    (tmp_path / "keys").write_text(
        "# the collector's file format: a key, its scope\nwriter:write\n"
    )
    (tmp_path / "events.ndjson.gz").write_bytes(
        gzip.compress("\n".join(json.dumps(e) for e in events()[:2]).encode())
    )
    code, out, err = run(
        ["ingest", "events.ndjson.gz", "--url", where.collector, "--api-key-file", "keys"], tmp_path
    )
    assert (code, out, err) == (0, "read 2 events: 0 stored, 2 duplicates, 0 failed\n", "")
