"""Marquez's routes that our own API has no twin for: one namespace, sources, one dataset
version, job versions, and tags (the tag names, and tagging datasets, fields and jobs).

Included before the entity routes: `{dataset:path}` there would swallow `/versions/...` and
`/tags/...`. Tag writes commit before they answer; tags live in their own tables
(`lineage.store.tags`), so restarts and `lineage db replay` keep them.
"""

from __future__ import annotations

import difflib
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query
from sqlalchemy import Engine, Row

from lineage.api.deps import ConnDep, EngineDep
from lineage.api.entities import DatasetRow, JobRow
from lineage.api.paths import restore
from lineage.api.wire import StructResponse, typed
from lineage.errors import BadRequest, NodeNotFound
from lineage.query import entities
from lineage.query import marquez as m
from lineage.query import types as t
from lineage.store import tags as tag_store
from lineage.store.db import unavailable_as_503, write_transaction

router = APIRouter(tags=["marquez"])
tagging = APIRouter(tags=["marquez"])
"""The tag writes (they need a write key; `router`'s reads a read key)."""

Limit = Annotated[int, Query(ge=1, le=1000, description="Page size.")]
Offset = Annotated[int, Query(ge=0, le=2**31, description="Rows to skip.")]


@router.get("/namespaces/{namespace}", summary="One namespace", **typed(m.NamespaceAnswer, 404))
def namespace(conn: ConnDep, namespace: str) -> StructResponse:
    """A namespace seen in an event; 404 with the closest known namespaces."""
    return StructResponse(m.namespace(conn, restore(namespace)))


@router.get("/sources", summary="List sources", **typed(m.SourceList))
def sources(conn: ConnDep) -> StructResponse:
    """Every source named by a dataset's `dataSource` facet."""
    return StructResponse(m.sources(conn))


@router.get("/sources/{source}", summary="One source", **typed(m.SourceAnswer, 404))
def source(conn: ConnDep, source: str) -> StructResponse:
    """A source by name; 404 with the closest names."""
    name = restore(source)
    known = m.sources(conn).sources
    for found in known:
        if found.name == name:
            return StructResponse(found)
    raise NodeNotFound(
        f"source {name!r} not found",
        field="source",
        suggestions=difflib.get_close_matches(name, [s.name for s in known], n=5),
    )


@router.get(
    "/namespaces/{namespace}/datasets/{dataset:path}/versions/{version}",
    summary="One dataset version",
    **typed(t.DatasetVersion, 404),
)
def dataset_version(conn: ConnDep, row: DatasetRow, version: str) -> StructResponse:
    """A schema or data version by its `version`, as the versions list gives it."""
    return StructResponse(m.dataset_version(conn, row, restore(version)))


@router.get(
    "/namespaces/{namespace}/jobs/{job:path}/versions",
    summary="Job versions",
    **typed(m.JobVersionList, 404),
)
def job_versions(
    conn: ConnDep, row: JobRow, limit: Limit = 100, offset: Offset = 0
) -> StructResponse:
    """A version per distinct set of inputs and outputs its runs had, newest first."""
    return StructResponse(m.job_versions(conn, row, limit=limit, offset=offset))


@router.get(
    "/namespaces/{namespace}/jobs/{job:path}/versions/{version}",
    summary="One job version",
    **typed(m.JobVersionAnswer, 404),
)
def job_version(conn: ConnDep, row: JobRow, version: str) -> StructResponse:
    """A job version by its id, as the versions list gives it."""
    return StructResponse(m.job_version(conn, row, restore(version)))


# --- tags --------------------------------------------------------------------------------------


@router.get("/tags", summary="List tag names", **typed(m.TagList))
def tags(conn: ConnDep, limit: Limit | None = None, offset: Offset = 0) -> StructResponse:
    """Tag names created with `PUT /tags/{tag}` or by tagging a node, by name."""
    return StructResponse(m.tag_list(conn, limit=limit, offset=offset))


@tagging.put("/tags/{tag}", summary="Create a tag name", **typed(m.TagAnswer))
def put_tag(
    engine: EngineDep,
    tag: str,
    body: Annotated[dict[str, Any] | None, Body(description="{description}")] = None,
) -> StructResponse:
    """Create the tag name, or set its description."""
    description = (body or {}).get("description")
    if description is not None and not isinstance(description, str):
        raise BadRequest("description must be a string or null", field="description")
    with unavailable_as_503("writing a tag"), write_transaction(engine) as conn:
        found = tag_store.put_name(conn, restore(tag), description)
    return StructResponse(m.TagAnswer(found.name, found.description))


def _tag_dataset(
    engine: Engine, row: Row[Any], tag: str, *, field: str = "", remove: bool
) -> StructResponse:
    with unavailable_as_503("writing a tag"), write_transaction(engine) as conn:
        answer = entities.dataset(conn, row)
        if field and field not in {f.name for f in answer.fields}:
            raise NodeNotFound(
                f"field {field!r} of dataset {row.name!r} not found",
                field="field",
                suggestions=difflib.get_close_matches(
                    field, [f.name for f in answer.fields if f.name], n=5
                ),
            )
        owner: tag_store.Owner = "field" if field else "dataset"
        if remove:  # under the dataset's name and its aliases' (set before a merge)
            names = [(row.namespace, row.name), *((a.namespace, a.name) for a in answer.aliases)]
            tag_store.remove(conn, owner, names, tag, field=field)
        else:
            tag_store.add(conn, owner, row.namespace, row.name, tag, field=field)
        return StructResponse(entities.dataset(conn, row))


def _tag_job(engine: Engine, row: Row[Any], tag: str, *, remove: bool) -> StructResponse:
    with unavailable_as_503("writing a tag"), write_transaction(engine) as conn:
        if remove:
            tag_store.remove(conn, "job", [(row.namespace, row.name)], tag)
        else:
            tag_store.add(conn, "job", row.namespace, row.name, tag)
        return StructResponse(entities.job(conn, row))


_DATASET_TAG = "/namespaces/{namespace}/datasets/{dataset:path}/tags/{tag}"
_FIELD_TAG = "/namespaces/{namespace}/datasets/{dataset:path}/fields/{field}/tags/{tag}"
_JOB_TAG = "/namespaces/{namespace}/jobs/{job:path}/tags/{tag}"


@tagging.post(_FIELD_TAG, summary="Tag a dataset field", **typed(t.Dataset, 400, 404))
def tag_field(engine: EngineDep, row: DatasetRow, field: str, tag: str) -> StructResponse:
    """Tag one field of a dataset; answers the dataset."""
    return _tag_dataset(engine, row, restore(tag), field=restore(field), remove=False)


@tagging.delete(_FIELD_TAG, summary="Untag a dataset field", **typed(t.Dataset, 400, 404))
def untag_field(engine: EngineDep, row: DatasetRow, field: str, tag: str) -> StructResponse:
    """Remove a tag from one field of a dataset; answers the dataset."""
    return _tag_dataset(engine, row, restore(tag), field=restore(field), remove=True)


@tagging.post(_DATASET_TAG, summary="Tag a dataset", **typed(t.Dataset, 400, 404))
def tag_dataset(engine: EngineDep, row: DatasetRow, tag: str) -> StructResponse:
    """Tag a dataset (named by any of its aliases); answers the dataset."""
    return _tag_dataset(engine, row, restore(tag), remove=False)


@tagging.delete(_DATASET_TAG, summary="Untag a dataset", **typed(t.Dataset, 400, 404))
def untag_dataset(engine: EngineDep, row: DatasetRow, tag: str) -> StructResponse:
    """Remove a tag from a dataset; answers the dataset."""
    return _tag_dataset(engine, row, restore(tag), remove=True)


@tagging.post(_JOB_TAG, summary="Tag a job", **typed(t.Job, 400, 404))
def tag_job(engine: EngineDep, row: JobRow, tag: str) -> StructResponse:
    """Tag a job; answers the job."""
    return _tag_job(engine, row, restore(tag), remove=False)


@tagging.delete(_JOB_TAG, summary="Untag a job", **typed(t.Job, 400, 404))
def untag_job(engine: EngineDep, row: JobRow, tag: str) -> StructResponse:
    """Remove a tag from a job; answers the job."""
    return _tag_job(engine, row, restore(tag), remove=True)
