"""Fuzz every operation of the collector's own OpenAPI spec (loopback uvicorn, bounded), on
SQLite and on PostgreSQL.

Schemathesis generates requests from the spec; every answer must not be a 5xx and must
match the documented schema and content type. Our own generators then send every GET route
ids schemathesis rarely reaches (namespaces with `:` `/` `#`, NUL, multi-byte, over the name
limit) and times (year 1 and 9999 with extreme offsets, year 0 and 10000, garbage) in
`as_of`, `before`, `after` and `since`: no 5xx, and every 4xx in our error shape naming its
field (a 404 names the parameter that held the unknown id).
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
from schemathesis.core.failures import FailureGroup
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
from tests.events import column_lineage, ds, parent_facet, run_event, schema

# Every route has something to answer with: schemas, column lineage, a source, SQL, a job
# hierarchy, two training runs of a model, and a dataset and job the write routes may change
RUN_J, DAG_RUN, TASK_RUN = (str(uuid.UUID(int=i)) for i in (1, 2, 3))
TRAIN_A, TRAIN_B = str(uuid.UUID(int=4)), str(uuid.UUID(int=5))
SOURCE = {"name": "pg", "uri": "postgres://db:5432"}


def _training(run_id: str, lr: float, auc: float, version: str) -> dict[str, Any]:
    series = {"count": 2, "min": 0.5, "max": auc, "first": 0.5, "last": auc, "lastStep": 2}
    return run_event(
        "train",
        namespace="ml",
        run_id=run_id,
        time=f"2024-01-0{version}T00:00:00Z",
        inputs=[ds("ns", "c", ml_inputRole={"role": "train", "rowCount": 10})],
        outputs=[
            ds(
                "ml-models",
                "churn",
                ml_model={"uri": f"s3://m/{version}", "framework": "sklearn", "version": version},
                datasetType={"datasetType": "MODEL"},
            )
        ],
        run_facets={
            "ml_hyperparameters": {"parameters": {"lr": lr, "seed": 1}, "configHash": str(lr)},
            "ml_metrics": {
                "metrics": {"auc": auc},
                "series": {"auc": {**series, "points": [[1, 0.5], [2, auc]]}},
            },
            "ml_codeVersion": {"entryPoint": "train.py", "gitCommit": "abc", "dirty": False},
            "ml_environment": {"python": "3.11", "platform": "linux", "frameworks": {}},
            "ml_mlflow": {"runId": f"mlflow-{version}", "experimentName": "churn"},
        },
    )


SEED_EVENTS = [
    run_event(
        "j",
        run_id=RUN_J,
        inputs=[ds("ns", "a", schema=schema("x:int", "y"), dataSource=SOURCE)],
        outputs=[
            ds(
                "ns",
                "b",
                schema=schema("x:int"),
                columnLineage=column_lineage({"x": [("ns", "a", "x")]}),
            )
        ],
        job_facets={"sql": {"query": "SELECT x FROM a"}},
    ),
    run_event("k", inputs=[ds("ns", "b")], outputs=[ds("ns", "c", schema=schema("x:int"))]),
    run_event("dag", run_id=DAG_RUN),
    run_event("dag.task", run_id=TASK_RUN, run_facets={"parent": parent_facet("dag", DAG_RUN)}),
    run_event("w", outputs=[ds("ns", "t", schema=schema("f"))]),
    _training(TRAIN_A, 0.1, 0.8, "1"),
    _training(TRAIN_B, 0.2, 0.9, "2"),
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
    if not (isinstance(error.get("field"), str) and error["field"]):
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


# --- every typed answer checked against its schema ---------------------------------------------

# Valid requests for every operation with a typed 2xx answer: (path parameters, query, body).
# Generated requests almost never name a node that exists, so without these most answers'
# schemas would never meet a 2xx. `{dataset_version}` and `{job_version}` are looked up.
VALID: dict[str, tuple[dict[str, str], dict[str, Any], Any]] = {
    "GET /api/v1/lineage": ({}, {"nodeId": "dataset:ns:b", "depth": 2}, None),
    "POST /api/v1/lineage/batch": ({}, {}, SEED_EVENTS[1:2]),
    "GET /api/v1/namespaces/{namespace}/datasets/{dataset}/runs": (
        {"namespace": "ns", "dataset": "b"},
        {},
        None,
    ),
    "GET /api/v1/namespaces/{namespace}/datasets/{dataset}/quality": (
        {"namespace": "ns", "dataset": "b"},
        {},
        None,
    ),
    "POST /api/v1/incidents/blast-radius": ({}, {}, {"run": RUN_J}),
    "GET /api/v1/jobs/runs/{run_id}/provenance": ({"run_id": TRAIN_A}, {}, None),
    "GET /api/v1/namespaces/{namespace}/datasets/{dataset}/versions/{version}/provenance": (
        {"namespace": "ns", "dataset": "b", "version": RUN_J},  # a version by its run's id
        {},
        None,
    ),
    "GET /api/v1/namespaces/{namespace}": ({"namespace": "ns"}, {}, None),
    "GET /api/v1/sources": ({}, {}, None),
    "GET /api/v1/sources/{source}": ({"source": "pg"}, {}, None),
    "GET /api/v1/namespaces/{namespace}/datasets/{dataset}/versions/{version}": (
        {"namespace": "ns", "dataset": "b", "version": "{dataset_version}"},
        {},
        None,
    ),
    "GET /api/v1/namespaces/{namespace}/jobs/{job}/versions": (
        {"namespace": "ns", "job": "j"},
        {},
        None,
    ),
    "GET /api/v1/namespaces/{namespace}/jobs/{job}/versions/{version}": (
        {"namespace": "ns", "job": "j", "version": "{job_version}"},
        {},
        None,
    ),
    "GET /api/v1/tags": ({}, {}, None),
    "PUT /api/v1/tags/{tag}": ({"tag": "pii"}, {}, {"description": "personal data"}),
    "POST /api/v1/namespaces/{namespace}/datasets/{dataset}/fields/{field}/tags/{tag}": (
        {"namespace": "ns", "dataset": "t", "field": "f", "tag": "pii"},
        {},
        None,
    ),
    "DELETE /api/v1/namespaces/{namespace}/datasets/{dataset}/fields/{field}/tags/{tag}": (
        {"namespace": "ns", "dataset": "t", "field": "f", "tag": "pii"},
        {},
        None,
    ),
    "POST /api/v1/namespaces/{namespace}/datasets/{dataset}/tags/{tag}": (
        {"namespace": "ns", "dataset": "t", "tag": "pii"},
        {},
        None,
    ),
    "DELETE /api/v1/namespaces/{namespace}/datasets/{dataset}/tags/{tag}": (
        {"namespace": "ns", "dataset": "t", "tag": "pii"},
        {},
        None,
    ),
    "POST /api/v1/namespaces/{namespace}/jobs/{job}/tags/{tag}": (
        {"namespace": "ns", "job": "w", "tag": "pii"},
        {},
        None,
    ),
    "DELETE /api/v1/namespaces/{namespace}/jobs/{job}/tags/{tag}": (
        {"namespace": "ns", "job": "w", "tag": "pii"},
        {},
        None,
    ),
    "GET /api/v1/namespaces": ({}, {}, None),
    "GET /api/v1/namespaces/{namespace}/datasets": ({"namespace": "ns"}, {}, None),
    "GET /api/v1/namespaces/{namespace}/datasets/{dataset}/versions": (
        {"namespace": "ns", "dataset": "b"},
        {},
        None,
    ),
    "GET /api/v1/namespaces/{namespace}/datasets/{dataset}": (
        {"namespace": "ns", "dataset": "a"},
        {},
        None,
    ),
    "DELETE /api/v1/namespaces/{namespace}/datasets/{dataset}": (
        {"namespace": "ns", "dataset": "t"},
        {},
        None,
    ),
    "POST /api/v1/namespaces/{namespace}/datasets/{dataset}/restore": (
        {"namespace": "ns", "dataset": "t"},
        {},
        None,
    ),
    "GET /api/v1/namespaces/{namespace}/jobs": ({"namespace": "ns"}, {}, None),
    "GET /api/v1/namespaces/{namespace}/jobs/{job}/runs": (
        {"namespace": "ns", "job": "j"},
        {},
        None,
    ),
    "GET /api/v1/namespaces/{namespace}/jobs/{job}": ({"namespace": "ns", "job": "j"}, {}, None),
    "DELETE /api/v1/namespaces/{namespace}/jobs/{job}": ({"namespace": "ns", "job": "w"}, {}, None),
    "POST /api/v1/namespaces/{namespace}/jobs/{job}/restore": (
        {"namespace": "ns", "job": "w"},
        {},
        None,
    ),
    "GET /api/v1/jobs/runs/{run_id}": ({"run_id": RUN_J}, {}, None),
    "GET /api/v1/jobs/runs/{run_id}/children": ({"run_id": DAG_RUN}, {}, None),
    "GET /api/v1/jobs/runs/{run_id}/facets": ({"run_id": TRAIN_A}, {}, None),
    "GET /api/v1/events/lineage": ({}, {"limit": 3}, None),
    "GET /api/v1/search": ({}, {"q": "a"}, None),
    "GET /api/v1/lineage/downstream": ({}, {"nodeId": "dataset:ns:a"}, None),
    "GET /api/v1/lineage/upstream": ({}, {"nodeId": "dataset:ml-models:churn"}, None),
    "GET /api/v1/lineage/path": ({}, {"from": "dataset:ns:a", "to": "dataset:ns:c"}, None),
    "GET /api/v1/column-lineage": ({}, {"nodeId": "dataset:ns:b", "withDownstream": True}, None),
    "GET /api/v1/jobs/{namespace}/{job}/children": ({"namespace": "ns", "job": "dag"}, {}, None),
    "GET /api/v1/overview": ({}, {}, None),
    "GET /api/v1/browse/datasets": ({}, {}, None),
    "GET /api/v1/browse/jobs": ({}, {}, None),
    "POST /api/v1/impact": (
        {},
        {},
        {"dataset": "dataset:ns:a", "changes": [{"kind": "drop_column", "column": "x"}]},
    ),
    "GET /api/v1/models": ({}, {}, None),
    "GET /api/v1/models/compare": ({}, {"a": TRAIN_A, "b": TRAIN_B}, None),
    "GET /api/v1/jobs/runs/{run_id}/metrics": ({"run_id": TRAIN_A}, {}, None),
    "GET /api/v1/models/{namespace}/{name}": (
        {"namespace": "ml-models", "name": "churn"},
        {},
        None,
    ),
    "GET /healthz": ({}, {}, None),
    "GET /readyz": ({}, {}, None),
    "GET /metrics": ({}, {}, None),
}
TYPED = [
    f"{method.upper()} {path}"
    for path, operations in schema.raw_schema["paths"].items()
    for method, operation in operations.items()
    if any(s.startswith("2") and r.get("content") for s, r in operation["responses"].items())
]
# the model list's other shape: the versions trained on a dataset
EXTRA = [("GET /api/v1/models", ({}, {"dataset": "dataset:ns:a"}, None))]


def test_every_typed_answer_has_a_valid_request() -> None:
    assert sorted(VALID) == sorted(TYPED)


def test_every_typed_answer_conforms_to_its_schema(collector_url: str) -> None:
    """One valid request per typed operation (writes last-but-undone: tags removed, the
    deleted dataset and job restored): a 2xx whose body matches its documented schema."""
    versions = {
        "{dataset_version}": _first(collector_url, "/namespaces/ns/datasets/b/versions"),
        "{job_version}": _first(collector_url, "/namespaces/ns/jobs/j/versions"),
    }
    failures = []
    for name, (path_parameters, query, body) in [*VALID.items(), *EXTRA]:
        method, path = name.split(" ", 1)
        values = {k: versions.get(v, v) for k, v in path_parameters.items()}
        operation = schema[path][method]
        case = operation.Case(path_parameters=values, query=query, **_body(body))
        response = case.call(base_url=collector_url, timeout=30)
        if not 200 <= response.status_code < 300:
            failures.append(f"{name}: {response.status_code} {response.text[:200]}")
            continue
        try:
            case.validate_response(
                response, checks=[response_schema_conformance, content_type_conformance]
            )
        except (AssertionError, FailureGroup) as exc:
            failures.append(f"{name}: {str(exc)[:600]}")
    assert failures == []


def _first(url: str, path: str) -> str:
    answer = httpx.get(f"{url}/api/v1{path}", timeout=10).json()
    return str(answer["versions"][0]["version"])


def _body(body: Any) -> dict[str, Any]:
    return {} if body is None else {"body": body, "media_type": "application/json"}
