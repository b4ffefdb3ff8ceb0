"""`POST /api/v1/impact`: schema-change impact, the same analysis the CLI runs offline."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from lineage import impact
from lineage.api.deps import ConnDep, GraphDep
from lineage.impact_targets import ImpactLimits

router = APIRouter(tags=["impact"])


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


@router.post("/impact", summary="Impact of proposed schema changes")
def post_impact(body: ImpactIn, graph: GraphDep, conn: ConnDep, http: Request) -> dict[str, Any]:
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
    return impact.analyze_request(graph, conn, request, limits)
