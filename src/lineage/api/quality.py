"""The data-quality route: a dataset's quality summary and its history of results."""

from __future__ import annotations

from fastapi import APIRouter

from lineage.api.deps import ConnDep
from lineage.api.entities import DatasetRow, Limit, Offset
from lineage.api.wire import StructResponse, typed
from lineage.query import quality as q
from lineage.query import types as t
from lineage.store import read

router = APIRouter(tags=["quality"])


@router.get(
    "/namespaces/{namespace}/datasets/{dataset:path}/quality",
    summary="Data quality of a dataset: its status and every result",
    **typed(t.QualityHistory, 400, 404),
)
def dataset_quality(
    conn: ConnDep, row: DatasetRow, limit: Limit = 100, offset: Offset = 0
) -> StructResponse:
    """The dataset's quality summary (`status` from the newest result of each assertion)
    and its assertions' results and metrics, newest first, with the run and the dataset
    version each came from (results sent under an alias of the dataset count too)."""
    aliases = [(a.namespace, a.name) for a in read.aliases_of(conn, [row.id])[row.id]]
    return StructResponse(
        q.dataset_history(conn, (row.namespace, row.name), aliases, limit=limit, offset=offset)
    )
