"""`lineage ingest|status|upstream|downstream|graph` against a real collector and offline."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from lineage.cli.backend import HttpBackend
from lineage.cli.main import app
from tests.cli.scenario import events

runner = CliRunner()


def _run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def _shape(answer: dict[str, Any]) -> tuple[set[tuple[str, int]], set[tuple[str, str]]]:
    nodes = {(n["id"], n["depth"]) for n in answer["nodes"]}
    return nodes, {(e["from"], e["to"]) for e in answer["edges"]}


def test_ingest_file_reports_failures_then_status_counts(
    empty_collector: str, tmp_path: Path
) -> None:
    scenario = events()
    ndjson = tmp_path / "events.ndjson"
    bad = {"eventType": "START", "eventTime": "2026-01-01T00:00:00Z"}  # no run, no job
    ndjson.write_text("\n".join(json.dumps(e) for e in [*scenario, bad]) + "\n")
    code, out, _ = _run("ingest", str(ndjson), "--url", empty_collector, "--chunk", "2")
    stored = len(scenario)
    assert (code, out) == (
        1,
        f"failed: event {stored} ({ndjson}:{stored + 1}): "
        "job: event has no run, job or dataset: cannot tell what it describes\n"
        f"read {stored + 1} events: {stored} stored, 0 duplicates, 1 failed\n",
    )

    array = tmp_path / "events.json"
    array.write_text(json.dumps(scenario))  # exact duplicates of stored events
    code, out, _ = _run("ingest", str(array), "--url", empty_collector)
    assert (code, out) == (0, f"read {stored} events: 0 stored, {stored} duplicates, 0 failed\n")

    code, out, _ = _run("status", "--url", empty_collector)
    status = json.loads(out)
    assert code == 0
    assert (status["collector"], status["status"]) == (empty_collector, "ok")
    assert (status["graphNodes"], status["graphEdges"]) == (10, 8)
    assert {k: status[k] for k in ("namespaces", "datasets", "jobs", "runs", "models")} == {
        "namespaces": 1,
        "datasets": 4,
        "jobs": 5,
        "runs": 5,
        "models": 1,
    }


def test_closures_over_http_equal_offline(collector: str, store_url: str) -> None:
    orders, clean = "dataset:warehouse:raw.orders", "dataset:warehouse:clean.orders"
    for where in (("--url", collector), ("--database-url", store_url)):
        code, out, err = _run("downstream", clean, "--depth", "2", *where)
        assert (code, err) == (0, "")
        assert _shape(json.loads(out)) == (
            {
                (clean, 0),
                ("job:warehouse:etl.export_status", 1),
                ("job:warehouse:etl.daily_revenue", 1),
                ("dataset:warehouse:export.status", 2),
                ("dataset:warehouse:mart.revenue", 2),
            },
            {
                (clean, "job:warehouse:etl.export_status"),
                (clean, "job:warehouse:etl.daily_revenue"),
                ("job:warehouse:etl.export_status", "dataset:warehouse:export.status"),
                ("job:warehouse:etl.daily_revenue", "dataset:warehouse:mart.revenue"),
            },
        )
        code, out, _ = _run("upstream", clean, *where)
        assert _shape(json.loads(out)) == (
            {(clean, 0), ("job:warehouse:etl.build_clean", 1), (orders, 2)},
            {(orders, "job:warehouse:etl.build_clean"), ("job:warehouse:etl.build_clean", clean)},
        )
        code, out, _ = _run("graph", "dataset:warehouse:mart.revenue", *where)
        assert (code, out) == (
            0,
            "flowchart LR\n"
            '  n0[("mart.revenue")]\n'
            '  n1[["ml.train_forecast"]]\n'
            '  n2{{"models.revenue_forecast"}}\n'
            "  n0 --> n1\n"
            "  n1 --> n2\n",
        )
        code, out, _ = _run("graph", clean, "--direction", "both", "--depth", "1", *where)
        assert (code, out) == (
            0,
            "flowchart LR\n"
            '  n0[["etl.build_clean"]]\n'
            '  n1[("clean.orders")]\n'
            '  n2[["etl.daily_revenue"]]\n'
            '  n3[["etl.export_status"]]\n'
            "  n1 --> n2\n"
            "  n1 --> n3\n"
            "  n0 --> n1\n",
        )
        code, out, _ = _run("graph", "dataset:warehouse:mart.revenue", "--format", "dot", *where)
        assert out.count("shape=hexagon];") == 1 and out.count("shape=") == 3


def test_unknown_node_and_bad_url_are_usage_errors(collector: str) -> None:
    code, _, err = _run("downstream", "dataset:warehouse:raw.ordres", "--url", collector)
    assert (code, err) == (
        2,
        "error: node 'dataset:warehouse:raw.ordres' not found; "
        "closest: dataset:warehouse:raw.orders, dataset:warehouse:clean.orders\n",
    )
    code, _, err = _run("status", "--url", "ftp://example.com")
    assert (code, err) == (
        2,
        "error: --url must be http(s)://host[:port], got 'ftp://example.com'\n",
    )


def test_http_backend_reopens_a_keep_alive_connection_the_server_closed() -> None:
    answered: list[str] = []

    class ClosesAfterEachAnswer(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive is implied, yet the socket is then closed

        def do_GET(self) -> None:
            body = b'{"status": "ok"}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            answered.append(self.path)
            self.close_connection = True

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), ClosesAfterEachAnswer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        backend = HttpBackend(f"http://127.0.0.1:{server.server_address[1]}", timeout_s=5)
        assert backend.call("GET", "/readyz")["status"] == "ok"
        time.sleep(0.1)  # let the close reach the client
        assert backend.call("GET", "/readyz")["status"] == "ok"
    finally:
        server.shutdown()
        server.server_close()
    assert answered == ["/readyz", "/readyz"]
