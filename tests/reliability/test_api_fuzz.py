"""Fuzz every operation of the collector's own OpenAPI spec (loopback uvicorn, bounded), on
SQLite and on PostgreSQL.

Schemathesis generates requests from the spec; every answer must not be a 5xx and must
match the documented schema and content type. Our own generators then send every GET route
ids schemathesis rarely reaches (namespaces with `:` `/` `#`, NUL, multi-byte, over the name
limit) and times (year 1 and 9999 with extreme offsets, year 0 and 10000, garbage) in
`as_of`, `before`, `after` and `since`: no 5xx, and every 4xx in our error shape naming its
field (the 404s of entity routes name none yet: allowed, and listed as open).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import CheckContext, not_a_server_error
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from lineage.api.app import create_app
from lineage.settings import Settings
from tests.conftest import POSTGRES_URL, Server
from tests.events import ds, run_event

SEED_EVENTS = [
    run_event("j", inputs=[ds("ns", "a")], outputs=[ds("ns", "b")]),
    run_event("k", inputs=[ds("ns", "b")], outputs=[ds("ns", "c")]),
]


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def collector_url(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    postgres_template: str,
) -> Iterator[str]:
    """A live collector holding a small graph, on SQLite and on PostgreSQL."""
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    name = f"lineage_fuzz_{uuid.uuid4().hex[:12]}"
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'lineage.db'}"
    else:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{postgres_template}"'))
        url = make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    server = Server(url).start()
    try:
        for event in SEED_EVENTS:
            assert httpx.post(f"{server.url}/api/v1/lineage", json=event).status_code == 201
        yield server.url
    finally:
        server.stop()
        if request.param == "postgres":
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


# the spec comes from the app object itself (building an app touches no database)
schema = schemathesis.openapi.from_dict(create_app(Settings()).openapi())
schema.config.phases.coverage.enabled = False  # its exhaustive cases alone take minutes
# the routes declare their API-key scheme; the keys are tested in test_auth.py, and generated
# header values are often not valid HTTP at all (uvicorn answers those itself, in plain text)
schema.config.generation.update(
    with_security_parameters=False,
    modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
)


def error_shape(ctx: CheckContext, response: Any, case: schemathesis.Case) -> bool:
    """Every 4xx/5xx answer is our error shape, naming its field (see `_error_problems`)."""
    answer = httpx.Response(response.status_code, content=response.content)
    problems = _error_problems(answer)
    if problems:
        raise AssertionError("; ".join(problems))
    return True


@schema.parametrize()
@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_no_server_errors_and_conforming_answers(
    case: schemathesis.Case, collector_url: str
) -> None:
    case.call_and_validate(
        base_url=collector_url,
        checks=[
            not_a_server_error,
            response_schema_conformance,
            content_type_conformance,
            error_shape,
        ],
        timeout=10,
    )


# our own generators: ids and times that schemathesis' generic strings rarely reach
_ID_PARTS = st.one_of(
    st.sampled_from(["ns", "a", "postgres://db:5432", "s3://bucket/path/a.parquet", "a#b", "x:y"]),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=12),
    st.just("\x00"),
    st.just("a" * 5000),  # over max_name_chars
    st.just("é" * 600),  # multi-byte
    st.text(alphabet=":/#%?&\\. \t", max_size=6),
)
IDS = st.one_of(
    _ID_PARTS,
    st.builds(
        lambda kind, ns, name: f"{kind}:{ns}:{name}",
        st.sampled_from(["dataset", "job", "datasetField", "model", "run", ""]),
        _ID_PARTS,
        _ID_PARTS,
    ),
)
_OFFSETS = st.sampled_from(["Z", "+00:00", "+01:00", "-01:00", "+23:59", "-23:59", "+14:00"])
TIMES = st.one_of(
    st.builds(
        lambda year, offset: f"{year:04d}-01-01T00:00:00{offset}",
        st.sampled_from([1, 2, 1970, 2024, 9998, 9999]),
        _OFFSETS,
    ),
    st.sampled_from(["0000-01-01T00:00:00Z", "10000-01-01T00:00:00Z", "2024-13-01", "now", ""]),
    st.text(max_size=30),
)
TIME_PARAMETERS = {"as_of", "before", "after", "since", "until"}
OPERATIONS = [
    (method.upper(), path, operation.get("parameters", []))
    for path, operations in schema.raw_schema["paths"].items()
    for method, operation in operations.items()
    if method == "get"
]


def _error_problems(response: httpx.Response) -> list[str]:
    """What is wrong with a 4xx/5xx answer's body: it must be our shape, naming a field."""
    if response.status_code >= 500 and response.status_code != 503:
        return [f"status {response.status_code}"]
    if response.status_code < 400:
        return []
    try:
        error = response.json()["error"]
    except (ValueError, KeyError, TypeError):
        return [f"not the error shape: {response.text[:200]!r}"]
    problems = [f"no {key}" for key in ("code", "message") if not isinstance(error.get(key), str)]
    # open: the 404s of the entity, lineage, Marquez and model routes name no field yet
    fieldless_ok = response.status_code == 404 and error.get("code") == "not_found"
    if not fieldless_ok and not (isinstance(error.get("field"), str) and error["field"]):
        problems.append(f"no field ({error.get('code')}: {error.get('message', '')[:80]})")
    return problems


@pytest.mark.parametrize(
    ("method", "path", "parameters"), OPERATIONS, ids=[o[1] for o in OPERATIONS]
)
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_ids_and_times_from_our_generators(
    collector_url: str,
    method: str,
    path: str,
    parameters: list[dict[str, Any]],
    data: st.DataObject,
) -> None:
    values = {
        p["name"]: data.draw(TIMES if p["name"] in TIME_PARAMETERS else IDS, label=p["name"])
        for p in parameters
    }
    url = path.format(**{k: quote(v, safe="") for k, v in values.items() if "{" + k + "}" in path})
    query = {k: v for k, v in values.items() if "{" + k + "}" not in path}
    response = httpx.request(method, collector_url + url, params=query, timeout=30)
    assert _error_problems(response) == [], (url, query, response.status_code, response.text[:300])
