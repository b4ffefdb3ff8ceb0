"""POST /api/v1/impact: malformed bodies name their field, the work is bounded, and stored SQL
that cannot be parsed is skipped with a note instead of failing every impact through it."""

from __future__ import annotations

from typing import Any

import pytest

from tests.events import ds, run_event, schema
from tests.reliability.conftest import AppClient

EVENT = run_event(
    "j",
    inputs=[ds("ns", "a", schema=schema("x", "y"))],
    outputs=[ds("ns", "b", schema=schema("x", "y"))],
)
DEEP = "(" * 5000


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        (b"[]", 422, "body"),
        (b'"x"', 422, "body"),
        (b"{", 422, "body"),
        (b'{"dataset": 5}', 422, "dataset"),
        (b'{"dataset": "dataset:ns:a", "changes": [{"kind": "nope"}]}', 422, "changes.0.kind"),
        (
            b'{"dataset": "dataset:ns:a", "changes": [{"kind": "drop_column"}]}',
            400,
            "changes.0.column",
        ),
        (
            b'{"dataset": "dataset:ns:a", "changes": [{"kind": "rename_column", "column": "x"}]}',
            400,
            "changes.0.newName",
        ),
        (b'{"dataset": "dataset:ns:a", "chnages": []}', 422, "chnages"),
        (b'{"schema": 5}', 422, "schema"),
        (b'{"schema": [5]}', 422, "schema.0"),
        (b'{"dataset": "dataset:ns:zz", "changes": [{"kind": "drop_dataset"}]}', 404, "dataset"),
        (b'{"ddl": "DROP TABLE zz"}', 404, "ddl"),
        (b'{"ddl": "DROP TABLE a", "dialect": "nope"}', 400, "dialect"),
        (f'{{"ddl": "ALTER TABLE a DROP COLUMN {DEEP}"}}'.encode(), 400, "ddl"),
        (f'{{"ddl": "DROP TABLE a; SELECT {DEEP}"}}'.encode(), 400, "ddl"),
        (
            b'{"dataset": "dataset:ns:a", "changes": [{"kind": "drop_column", "column": "q"}]}',
            404,
            "changes",
        ),
    ],
)
async def test_malformed_bodies_name_their_field(
    app_client: AppClient, body: bytes, status: int, field: str
) -> None:
    async with app_client() as client:
        assert (await client.post("/api/v1/lineage", json=EVENT)).status_code == 201
        response = await client.post(
            "/api/v1/impact", content=body, headers={"content-type": "application/json"}
        )
        assert (response.status_code, response.json()["error"].get("field")) == (status, field)


async def test_deep_ddl_is_a_400_saying_so(app_client: AppClient) -> None:
    async with app_client() as client:
        response = await client.post("/api/v1/impact", json={"ddl": f"DROP TABLE a; SELECT {DEEP}"})
        assert response.json()["error"] == {
            "code": "bad_request",
            "message": "cannot parse DDL: it is nested too deeply",
            "field": "ddl",
        }


def _drops(count: int) -> str:
    return "; ".join(f"ALTER TABLE a DROP COLUMN c{i}" for i in range(count))


@pytest.mark.parametrize(
    ("request_body", "message", "field"),
    [
        (
            {"ddl": _drops(4)},
            "the DDL has 4 statements, over impact_max_statements (3)",
            "ddl",
        ),
        (
            {"ddl": "ALTER TABLE a DROP COLUMN x, DROP COLUMN y, DROP COLUMN z"},
            "the request names 3 (dataset, change) targets, over impact_max_targets (2)",
            "ddl",
        ),
        (
            {
                "dataset": "dataset:ns:a",
                "changes": [{"kind": "drop_column", "column": c} for c in ("x", "y", "x", "q")],
            },
            "the request names 3 (dataset, change) targets, over impact_max_targets (2)",
            "changes",
        ),
        (
            {"dataset": "dataset:ns:a", "schema": []},
            "the request names 3 (dataset, change) targets, over impact_max_targets (2)",
            "schema",
        ),
        (
            {"ddl": "DROP TABLE a -- " + "x" * 200},
            "the DDL has 216 characters, over impact_max_sql_chars (200)",
            "ddl",
        ),
    ],
)
async def test_the_work_of_one_request_is_bounded(
    app_client: AppClient, request_body: dict[str, Any], message: str, field: str
) -> None:
    limits = {"impact_max_statements": 3, "impact_max_targets": 2, "impact_max_sql_chars": 200}
    event = run_event(
        "j",
        inputs=[ds("ns", "a", schema=schema("x", "y", "z"))],
        outputs=[ds("ns", "b")],
    )
    async with app_client(**limits) as client:
        assert (await client.post("/api/v1/lineage", json=event)).status_code == 201
        response = await client.post("/api/v1/impact", json=request_body)
        assert (response.status_code, response.json()) == (
            413,
            {"error": {"code": "payload_too_large", "message": message, "field": field}},
        )
        two = "ALTER TABLE a DROP COLUMN x; ALTER TABLE a DROP COLUMN y"
        within = await client.post("/api/v1/impact", json={"ddl": two})
        assert within.status_code == 200, within.text


@pytest.mark.parametrize(
    ("sql", "note", "settings"),
    [
        (f"SELECT {DEEP}x FROM a", "job SQL not parsed: nested too deeply", {}),
        (
            "SELECT x FROM a WHERE " + " AND ".join(["x = 1"] * 40),
            ("job SQL not parsed: 417 characters, over impact_max_sql_chars"),
            {"impact_max_sql_chars": 100},
        ),
    ],
)
async def test_stored_sql_that_cannot_be_read_is_skipped_with_a_note(
    app_client: AppClient, db_url: str, sql: str, note: str, settings: dict[str, int]
) -> None:
    """Every impact through the job failed (500) once its stored SQL was too deep to parse."""
    event = run_event(
        "deep",
        inputs=[ds("ns", "a", schema=schema("x"))],
        outputs=[ds("ns", "b")],
        job_facets={"sql": {"query": sql}},
    )
    drop = {"dataset": "dataset:ns:a", "changes": [{"kind": "drop_column", "column": "x"}]}
    async with app_client(database_url=db_url, **settings) as client:
        assert (await client.post("/api/v1/lineage", json=event)).status_code == 201
        for _ in range(2):  # the later ones too
            response = await client.post("/api/v1/impact", json=drop)
            assert response.status_code == 200, response.text
            items = response.json()["items"]
            assert [(i["id"], i["class"], i["reason"]) for i in items] == [
                ("dataset:ns:b", "possibly", note)
            ]
