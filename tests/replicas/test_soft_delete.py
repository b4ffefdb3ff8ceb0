"""Soft delete and restore reach every replica through the change log."""

from __future__ import annotations

from collections.abc import Callable

import httpx
from sqlalchemy import create_engine, text

from tests.replicas.conftest import Replica, wait_for
from tests.replicas.test_replicas import downstream_ids, run_event

FULL = {"dataset:ns:a", "job:ns:j", "dataset:ns:b", "job:ns:k", "dataset:ns:c"}
WITHOUT_K = {"dataset:ns:a", "job:ns:j", "dataset:ns:b"}


def test_delete_on_one_replica_hides_on_the_other_and_restore_shows_again(
    replicas: Callable[[], Replica], replica_db_url: str
) -> None:
    first = replicas()
    second = replicas()
    for job, source, target in (("j", "a", "b"), ("k", "b", "c")):
        response = httpx.post(first.url + "/api/v1/lineage", json=run_event(job, source, target))
        assert response.status_code == 201
    wait_for(lambda: downstream_ids(second, "a") == FULL)

    deleted = httpx.delete(first.url + "/api/v1/namespaces/ns/jobs/k")
    assert (deleted.status_code, deleted.json()["isDeleted"]) == (200, True)
    assert downstream_ids(first, "a") == WITHOUT_K  # this replica applied it before answering
    wait_for(lambda: downstream_ids(second, "a") == WITHOUT_K)

    restored = httpx.post(second.url + "/api/v1/namespaces/ns/jobs/k/restore")
    assert (restored.status_code, restored.json()["isDeleted"]) == (200, False)
    assert downstream_ids(second, "a") == FULL
    wait_for(lambda: downstream_ids(first, "a") == FULL)

    engine = create_engine(replica_db_url)
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT id, event_id IS NULL FROM graph_changes ORDER BY id")
        ).all()
    engine.dispose()
    assert [tuple(row) for row in rows] == [(1, False), (2, False), (3, True), (4, True)]
