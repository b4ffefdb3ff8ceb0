"""`POST /api/v1/impact`: schema-change impact, the same analysis the CLI runs offline."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from lineage import impact
from lineage.api.deps import ConnDep, GraphDep

router = APIRouter(tags=["impact"])


class ChangeIn(BaseModel):
    """One proposed change."""

    kind: str = Field(description="drop_column, rename_column, change_type or drop_dataset")
    column: str | None = None
    newName: str | None = None
    newType: str | None = None


class ImpactIn(BaseModel):
    """A dataset with changes (or a proposed schema), or DDL naming the tables."""

    dataset: str | None = Field(None, description="Node id, or a name with `namespace`.")
    namespace: str | None = None
    changes: list[ChangeIn] = []
    ddl: str | None = Field(None, description="ALTER/DROP statements, parsed with sqlglot.")
    dialect: str | None = Field(None, description="sqlglot dialect of the DDL.")
    schema_: list[dict[str, Any]] | dict[str, Any] | None = Field(None, alias="schema")


@router.post("/impact", summary="Impact of proposed schema changes")
def post_impact(body: ImpactIn, graph: GraphDep, conn: ConnDep) -> dict[str, Any]:
    """Breaking and possibly affected downstream datasets, with paths, owners and runs."""
    request = body.model_dump(by_alias=True, exclude_none=True)
    return impact.analyze_request(graph, conn, request)
