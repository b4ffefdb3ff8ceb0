"""Fuzz every operation of the collector's own OpenAPI spec (loopback uvicorn, bounded).

Schemathesis generates requests from the spec; every answer must not be a 5xx and must
match the documented schema and content type.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from lineage.api.app import create_app
from lineage.settings import Settings
from tests.conftest import Server
from tests.events import ds, run_event

SEED_EVENTS = [
    run_event("j", inputs=[ds("ns", "a")], outputs=[ds("ns", "b")]),
    run_event("k", inputs=[ds("ns", "b")], outputs=[ds("ns", "c")]),
]


@pytest.fixture(scope="module")
def collector_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A live collector holding a small graph."""
    database = tmp_path_factory.mktemp("fuzz") / "lineage.db"
    server = Server(f"sqlite:///{database}").start()
    try:
        for event in SEED_EVENTS:
            assert httpx.post(f"{server.url}/api/v1/lineage", json=event).status_code == 201
        yield server.url
    finally:
        server.stop()


# the spec comes from the app object itself (building an app touches no database)
schema = schemathesis.openapi.from_dict(create_app(Settings()).openapi())
schema.config.phases.coverage.enabled = False  # its exhaustive cases alone take minutes
# the routes declare their API-key scheme; the keys are tested in test_auth.py, and generated
# header values are often not valid HTTP at all (uvicorn answers those itself, in plain text)
schema.config.generation.update(with_security_parameters=False)


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
        checks=[not_a_server_error, response_schema_conformance, content_type_conformance],
        timeout=10,
    )
