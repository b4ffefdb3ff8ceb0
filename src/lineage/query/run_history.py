"""Run history of a dataset as typed answers: every run that read or wrote it."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from msgspec import Meta
from sqlalchemy import Connection

from lineage.query import entities
from lineage.query import types as t
from lineage.store import dataset_runs, read


class DatasetRun(t.Run):
    """A run that read or wrote the dataset asked about."""

    roles: Annotated[
        list[dataset_runs.Role],
        Meta(description="How this run used the dataset: input, output or both"),
    ] = []


class DatasetRuns(t.Page):
    """Every run that read or wrote a dataset, newest first by first event time."""

    runs: list[DatasetRun]


def runs_of_dataset(
    conn: Connection,
    dataset_id: int,
    *,
    role: dataset_runs.Role | None,
    since: datetime | None,
    until: datetime | None,
    limit: int,
    offset: int,
) -> DatasetRuns:
    """Runs that read or wrote canonical dataset `dataset_id` or one of its aliases."""
    page, total = dataset_runs.dataset_runs(
        conn,
        read.identity_ids(conn, dataset_id),
        role=role,
        since=since,
        until=until,
        limit=limit,
        offset=offset,
    )
    answers = entities.runs(conn, [row for row, _ in page], DatasetRun)
    for answer, (_, roles) in zip(answers, page, strict=True):
        answer.roles = roles
    return DatasetRuns(total, answers)
