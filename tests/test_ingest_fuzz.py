"""Fuzzing the ingest routes of a real collector: random events, randomly broken.

Whatever is sent, the answer is never a 5xx, and every 4xx is our error shape naming a field,
on SQLite and on PostgreSQL alike (the same input gets the same status on both).
"""

from __future__ import annotations

import copy
import gzip
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import Server
from tests.events import column_lineage, ds, parent_facet, run_event, schema

EXAMPLES = settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

nasty_strings = st.sampled_from(
    [
        "",
        " ",
        "a\x00b",
        "x" * 300,
        "y" * 5000,
        "0001-01-01T00:30:00+01:00",
        "9999-12-31T23:30:00-01:00",
        "2024-02-30T00:00:00Z",
        "📦\u202e",
        '[]{}"\\',
    ]
) | st.text(max_size=40)
nasty_numbers = st.sampled_from([2**64, -(2**64), 10**40, 2**63, -1, 0, 1.5, 1e300])
leaves = st.none() | st.booleans() | nasty_numbers | nasty_strings | st.integers()
values = st.recursive(
    leaves,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(nasty_strings, inner, max_size=4),
    max_leaves=12,
)


def base_events() -> list[dict[str, Any]]:
    """Events that use every part of the frame the store derives columns from."""
    alias = {"identifiers": [{"namespace": "hive", "name": "db.t", "type": "TABLE"}]}
    full = run_event(
        "job",
        run_id="0190c2f6-0000-7000-8000-000000000001",
        inputs=[ds("n", "in", schema=schema("id:int"))],
        outputs=[
            ds(
                "n",
                "out",
                schema=schema("id:int"),
                symlinks=alias,
                columnLineage=column_lineage({"id": [("n", "in", "id")]}),
                lifecycleStateChange={"lifecycleStateChange": "CREATE"},
                version={"datasetVersion": "7"},
            )
        ],
        run_facets={
            "parent": parent_facet("dag", "0190c2f6-0000-7000-8000-000000000002"),
            "nominalTime": {"nominalStartTime": "2024-01-01T00:00:00Z"},
            "errorMessage": {"message": "boom", "programmingLanguage": "python"},
            "ml_hyperparameters": {"parameters": {"lr": 0.1, "seed": 7}},
            "ml_metrics": {"metrics": {"loss": 0.5}},
        },
        job_facets={
            "jobType": {"integration": "SPARK", "jobType": "JOB", "processingType": "BATCH"},
            "sql": {"query": "select 1"},
            "documentation": {"description": "d"},
            "sourceCodeLocation": {"type": "git", "url": "https://x"},
        },
    )
    dataset_event = {
        "eventTime": "2024-01-01T00:00:00Z",
        "producer": "p",
        "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/DatasetEvent",
        "dataset": ds("n", "d", schema=schema("a:int")),
    }
    job_event = {
        "eventTime": "2024-01-01T00:00:00Z",
        "producer": "p",
        "job": {"namespace": "ns", "name": "static"},
        "inputs": [ds("n", "in")],
        "outputs": [ds("n", "out")],
    }
    return [full, dataset_event, job_event]


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a JSON value that a mutation can replace or delete."""
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, item in value.items():
            found.extend(paths(item, (*prefix, key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found.extend(paths(item, (*prefix, index)))
    return found


@st.composite
def mutated_events(draw: st.DrawFn) -> dict[str, Any]:
    event = copy.deepcopy(draw(st.sampled_from(base_events())))
    for _ in range(draw(st.integers(min_value=0, max_value=3))):
        where = draw(st.sampled_from(paths(event)))
        parent = event
        for step in where[:-1]:
            parent = parent[step]
        action = draw(st.sampled_from(["replace", "delete", "rename"]))
        if action == "delete" or (action == "rename" and isinstance(parent, list)):
            del parent[where[-1]]
        elif action == "rename":
            parent[draw(nasty_strings)] = parent.pop(where[-1])
        else:
            parent[where[-1]] = draw(values)
    return event


def encode(value: Any) -> bytes:
    # msgspec writes integers of any size, as producers may
    import msgspec

    return msgspec.json.encode(value)


@st.composite
def requests(draw: st.DrawFn) -> tuple[str, bytes, dict[str, str]]:
    events = draw(st.lists(mutated_events(), min_size=1, max_size=3))
    route = draw(st.sampled_from(["single", "array", "ndjson"]))
    if route == "single":
        body, path = encode(events[0]), "/api/v1/lineage"
    elif route == "array":
        body, path = encode(events), "/api/v1/lineage/batch"
    else:
        body, path = b"\n".join(encode(e) for e in events), "/api/v1/lineage/batch"
    headers: dict[str, str] = {}
    framing = draw(st.sampled_from(["plain", "gzip", "gzip twice", "gzip trailing", "cut"]))
    if framing == "gzip":
        body = gzip.compress(body)
    elif framing == "gzip twice":
        middle = len(body) // 2
        body, headers = (
            gzip.compress(body[:middle]) + gzip.compress(body[middle:]),
            {"content-encoding": "gzip"},
        )
    elif framing == "gzip trailing":
        body = gzip.compress(body) + draw(st.binary(min_size=1, max_size=4))
    elif framing == "cut":
        body = body[: draw(st.integers(min_value=0, max_value=len(body)))]
    return path, body, headers


def check_answer(response: httpx.Response) -> None:
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        error = response.json()["error"]
        assert set(error) >= {"code", "message", "field"}, error
        assert error["field"], error
    elif response.status_code == 200:
        for failure in response.json()["failed_events"]:
            assert failure["reason"] and failure["retriable"] is False


@pytest.fixture(scope="module")
def servers(
    tmp_path_factory: pytest.TempPathFactory, sqlite_template: Any, postgres_template: str
) -> Any:
    """One collector on SQLite and one on PostgreSQL, for the whole module."""
    import shutil

    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from tests.conftest import POSTGRES_URL

    path = tmp_path_factory.mktemp("fuzz") / "lineage.db"
    shutil.copy(sqlite_template, path)
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    name = f"lineage_fuzz_{path.parent.name[-8:]}".replace("-", "_")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{postgres_template}"'))
    pg_url = make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    started = [Server(f"sqlite:///{path}").start(), Server(pg_url).start()]
    try:
        for server in started:
            server.wait_ready()
        yield started
    finally:
        for server in started:
            server.stop()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@EXAMPLES
@given(requests())
def test_no_ingest_answer_is_a_5xx_and_every_4xx_names_its_field(
    servers: list[Server], sent: tuple[str, bytes, dict[str, str]]
) -> None:
    path, body, headers = sent
    statuses = []
    for server in servers:
        response = httpx.post(f"{server.url}{path}", content=body, headers=headers, timeout=30)
        check_answer(response)
        statuses.append(response.status_code)
    sqlite_status, postgres_status = statuses
    assert sqlite_status == postgres_status, (statuses, body[:300])
