"""`POST /api/v1/impact`: schema-change impact, the same analysis the CLI runs offline."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from lineage import impact
from lineage.api.deps import ConnDep, GraphDep
from lineage.api.wire import StructResponse, typed
from lineage.impact_targets import ImpactLimits
from lineage.query import types as t

router = APIRouter(tags=["impact"])

EXAMPLE = {
    "targets": [
        {
            "dataset": "dataset:warehouse:raw.orders",
            "changes": [{"kind": "drop_column", "column": "amount"}],
        }
    ],
    "summary": {"breaking": 1, "possibly": 0},
    "items": [
        {
            "id": "dataset:warehouse:clean.orders",
            "kind": "dataset",
            "class": "breaking",
            "coverage": "column",
            "reason": "column lineage: DIRECT derivation",
            "causes": ["drop column amount"],
            "columns": ["amount_usd"],
            "fields": [
                {
                    "name": "amount_usd",
                    "from": ["datasetField:warehouse:raw.orders:amount"],
                    "via": ["DIRECT/TRANSFORMATION"],
                    "id": "datasetField:warehouse:clean.orders:amount_usd",
                    "class": "breaking",
                }
            ],
            "path": [
                "dataset:warehouse:raw.orders",
                "job:warehouse:etl.clean",
                "dataset:warehouse:clean.orders",
            ],
        }
    ],
    "jobs": [
        {
            "id": "job:warehouse:etl.clean",
            "parent": "job:warehouse:etl",
            "latestRun": {
                "id": "0190a8a4-8f3c-7b1e-9d2a-4c5e6f708192",
                "state": "COMPLETED",
                "startedAt": "2026-01-02T02:00:00Z",
                "endedAt": "2026-01-02T02:10:00Z",
            },
        }
    ],
    "dags": [{"id": "job:warehouse:etl", "parent": None, "latestRun": None}],
    "models": [],
    "owners": [
        {"name": "team:data-platform", "type": "team", "of": "dataset:warehouse:clean.orders"}
    ],
    "warnings": [],
}


class ChangeIn(BaseModel):
    """One proposed change."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["drop_column", "rename_column", "change_type", "drop_dataset"]
    column: str | None = None
    newName: str | None = None
    newType: str | None = None


class ImpactIn(BaseModel):
    """A dataset with changes (or a proposed schema), or DDL naming the tables."""

    model_config = ConfigDict(extra="forbid")  # a misspelt key is a 422 naming it

    dataset: str | None = Field(None, description="Node id, or a name with `namespace`.")
    namespace: str | None = None
    changes: list[ChangeIn] = []
    ddl: str | None = Field(None, description="ALTER/DROP statements, parsed with sqlglot.")
    dialect: str | None = Field(None, description="sqlglot dialect of the DDL.")
    schema_: list[dict[str, Any]] | dict[str, Any] | None = Field(None, alias="schema")


@router.post(
    "/impact",
    summary="Impact of proposed schema changes",
    **typed(t.ImpactReport, 400, 404, 413, 422, example=EXAMPLE),
)
def post_impact(body: ImpactIn, graph: GraphDep, conn: ConnDep, http: Request) -> StructResponse:
    """Breaking and possibly affected downstream datasets, with paths, owners and runs.

    Bounded by `impact_max_statements`, `impact_max_targets` and `impact_max_sql_chars`
    (413 naming the field over its limit)."""
    settings = http.app.state.settings
    limits = ImpactLimits(
        max_statements=settings.impact_max_statements,
        max_targets=settings.impact_max_targets,
        max_sql_chars=settings.impact_max_sql_chars,
    )
    request = body.model_dump(by_alias=True, exclude_none=True)
    return StructResponse(impact.analyze_request(graph, conn, request, limits))
