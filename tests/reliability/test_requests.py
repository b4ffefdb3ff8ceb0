"""Every route, whoever wrote it: NUL is a 400 naming the parameter on both databases, HEAD
works wherever GET does, and what nothing expected is a 500 in the one error shape."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text

from lineage.api.app import create_app
from lineage.settings import Settings
from tests.conftest import Server
from tests.events import ds, run_event
from tests.reliability.conftest import AppClient

OPENAPI = create_app(Settings()).openapi()
RUN_ID = "3f5e83fa-3480-44ff-99c5-ff943904e5e8"
EVENTS = [
    run_event("j", run_id=RUN_ID, inputs=[ds("ns", "a")], outputs=[ds("ns", "b")]),
    run_event("k", inputs=[ds("ns", "b")], outputs=[ds("ns", "c")]),
]
# a value each parameter accepts, so that only the NUL can be what a route refuses
VALUES = {
    "namespace": "ns",
    "dataset": "a",
    "job": "j",
    "name": "a",
    "run_id": RUN_ID,
    "nodeId": "dataset:ns:a",
    "from": "dataset:ns:a",
    "to": "dataset:ns:c",
    "a": RUN_ID,
    "b": RUN_ID,
    "q": "a",
    "field": "x",
    "type": "DATASET",
}


def _operations() -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, operations in OPENAPI["paths"].items():
        for method, operation in operations.items():
            yield method.upper(), path, operation


def _nul_cases() -> Iterator[tuple[str, str, str, str]]:
    """(method, route, parameter, where) for every parameter of every operation."""
    for method, path, operation in _operations():
        for parameter in operation.get("parameters", []):
            yield method, path, parameter["name"], parameter["in"]


def _request(template: str, nul_in: str | None, where: str) -> tuple[str, dict[str, str]]:
    """The route's path and query, every parameter valid except `nul_in`, which holds NUL."""

    def path_value(match: re.Match[str]) -> str:
        value = VALUES.get(match[1], "a")
        return f"{value}%00x" if match[1] == nul_in and where == "path" else value

    path = re.sub(r"\{(\w+)\}", path_value, template)
    query = {nul_in: f"{VALUES.get(nul_in, '1')}\x00x"} if where == "query" and nul_in else {}
    return path, query


async def test_nul_in_any_parameter_is_a_400_naming_it(app_client: AppClient, db_url: str) -> None:
    """PostgreSQL refused the statement (a 500 on 12 routes); SQLite answered 404 or 200."""
    wrong = []
    async with app_client(database_url=db_url) as client:
        for event in EVENTS:
            assert (await client.post("/api/v1/lineage", json=event)).status_code == 201
        for method, template, name, where in _nul_cases():
            path, query = _request(template, name, where)
            response = await client.request(method, path, params=query)
            expected = {
                "error": {
                    "code": "bad_request",
                    "message": f"{name} holds a NUL character (%00)"
                    if where == "path"
                    else f"query parameter {name} holds a NUL character (%00)",
                    "field": name,
                }
            }
            if (response.status_code, response.json()) != (400, expected):
                wrong.append((method, template, name, response.status_code, response.text))
        named = await client.get("/api/v1/namespaces", params={"a\x00b": "1"})
        assert named.json()["error"]["field"] == "a\\x00b"
        unnamed = await client.get("/api/v1/namespaces", params={"": "\x00"})
        assert unnamed.json()["error"]["field"] == "query"
    assert wrong == []
    assert len({(m, t) for m, t, _, _ in _nul_cases()}) >= 12


async def test_head_works_on_every_get_route(app_client: AppClient) -> None:
    """Same status and headers as GET, no body (FastAPI answered HEAD with 405)."""
    routes = [path for method, path, _ in _operations() if method == "GET"]
    wrong = []
    async with app_client() as client:
        for event in EVENTS:
            assert (await client.post("/api/v1/lineage", json=event)).status_code == 201
        for template in [*routes, "/", "/docs", "/openapi.json"]:
            path, _ = _request(template, None, "")
            get, head = await client.get(path), await client.head(path)
            same = (head.status_code, head.headers.get("content-type")) == (
                get.status_code,
                get.headers.get("content-type"),
            )
            if not same or head.content != b"" or head.status_code == 405:
                wrong.append((template, get.status_code, head.status_code))
        post_only = await client.head("/api/v1/lineage/batch")
        assert post_only.status_code == 405
    assert wrong == []


@pytest.fixture
def corrupt_server(sqlite_url: str) -> Iterator[Server]:
    """A real collector over a store whose dataset facet is not JSON any more."""
    server = Server(sqlite_url).start()
    try:
        event = run_event(
            "j", inputs=[ds("ns", "a", facets={"documentation": {"description": "d"}})]
        )
        assert httpx.post(f"{server.url}/api/v1/lineage", json=event).status_code == 201
        engine = create_engine(sqlite_url)
        with engine.begin() as conn:
            changed = conn.execute(text("UPDATE facets SET payload = 'not json {'"))
            assert changed.rowcount >= 1
        engine.dispose()
        yield server
    finally:
        server.stop()


def test_an_unexpected_exception_answers_in_the_error_shape(corrupt_server: Server) -> None:
    """Through a real uvicorn: JSON, not Starlette's plain-text 500; the log has the cause."""
    response = httpx.get(f"{corrupt_server.url}/api/v1/namespaces/ns/datasets/a")
    assert (response.status_code, response.headers["content-type"]) == (500, "application/json")
    assert response.json() == {
        "error": {"code": "internal_error", "message": "internal error; the collector log has it"}
    }
    deadline = time.monotonic() + 10
    while "Traceback" not in corrupt_server.output():  # logged after the answer is sent
        assert time.monotonic() < deadline, corrupt_server.output()
        time.sleep(0.05)
