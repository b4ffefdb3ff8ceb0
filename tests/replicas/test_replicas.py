"""Two real `lineage serve` replicas on one PostgreSQL database."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import httpx
from openlineage.client import OpenLineageClient
from openlineage.client.event_v2 import InputDataset, Job, OutputDataset, Run, RunEvent, RunState
from openlineage.client.transport.http import HttpConfig, HttpTransport
from sqlalchemy import create_engine, text

from tests.replicas.conftest import Replica, wait_for

PRODUCER = "https://example.com/lineage-tests/replicas"


def run_event(job: str, source: str, target: str) -> dict[str, Any]:
    """A COMPLETE run of `job` reading `source` and writing `target` in namespace `ns`."""
    return {
        "eventType": "COMPLETE",
        "eventTime": "2024-05-01T10:00:00Z",
        "producer": PRODUCER,
        "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
        "run": {"runId": str(uuid.uuid5(uuid.NAMESPACE_URL, job))},
        "job": {"namespace": "ns", "name": job},
        "inputs": [{"namespace": "ns", "name": source}],
        "outputs": [{"namespace": "ns", "name": target}],
    }


def downstream_ids(replica: Replica, dataset: str) -> set[str] | None:
    """Node ids downstream of a dataset on `replica`; None while it does not know the node."""
    response = httpx.get(
        replica.url + "/api/v1/lineage/downstream", params={"nodeId": f"dataset:ns:{dataset}"}
    )
    if response.status_code != 200:
        return None
    return {node["id"] for node in response.json()["nodes"]}


def applied_id(replica: Replica) -> int | None:
    """The change-log id a ready replica has applied; None while its graph loads."""
    response = httpx.get(replica.url + "/readyz")
    return response.json()["appliedChangeId"] if response.status_code == 200 else None


def test_event_ingested_by_one_replica_is_seen_by_the_other(
    replicas: Callable[[], Replica],
) -> None:
    first = replicas()
    second = replicas()
    client = OpenLineageClient(transport=HttpTransport(HttpConfig(url=first.url)))
    client.emit(
        RunEvent(
            eventType=RunState.COMPLETE,
            eventTime=datetime(2024, 5, 1, 10, tzinfo=UTC).isoformat(),
            run=Run(runId=str(uuid.uuid4())),
            job=Job(namespace="ns", name="load_orders"),
            producer=PRODUCER,
            inputs=[InputDataset(namespace="ns", name="raw_orders")],
            outputs=[OutputDataset(namespace="ns", name="orders")],
        )
    )
    expected = {"dataset:ns:raw_orders", "job:ns:load_orders", "dataset:ns:orders"}
    wait_for(lambda: downstream_ids(second, "raw_orders") == expected)
    answer = httpx.get(
        second.url + "/api/v1/lineage/downstream", params={"nodeId": "dataset:ns:raw_orders"}
    )
    assert answer.headers["X-Lineage-Applied-Id"] == "1"
    assert applied_id(first) == 1
    assert applied_id(second) == 1


def test_same_events_sent_to_both_replicas_at_once_are_stored_once(
    replicas: Callable[[], Replica], replica_db_url: str
) -> None:
    first = replicas()
    second = replicas()
    events = [run_event(f"job_{i}", "source", f"target_{i}") for i in range(40)]
    gate = threading.Event()

    def post(replica: Replica, event: dict[str, Any]) -> int:
        gate.wait()
        return httpx.post(replica.url + "/api/v1/lineage", json=event, timeout=30).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        futures = [
            pool.submit(post, replica, event) for event in events for replica in (first, second)
        ]
        gate.set()
        statuses = [future.result() for future in futures]
    assert statuses == [201] * 80
    engine = create_engine(replica_db_url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM events")).scalar_one() == 40
        assert conn.execute(text("SELECT count(*) FROM graph_changes")).scalar_one() == 40
        assert (
            conn.execute(text("SELECT count(DISTINCT event_id) FROM graph_changes")).scalar_one()
            == 40
        )
    engine.dispose()
    expected = {"dataset:ns:source"} | {f"job:ns:job_{i}" for i in range(40)}
    expected |= {f"dataset:ns:target_{i}" for i in range(40)}
    for replica in (first, second):
        wait_for(lambda replica=replica: downstream_ids(replica, "source") == expected)


def test_killed_replica_catches_up_after_restart(replicas: Callable[[], Replica]) -> None:
    first = replicas()
    second = replicas()
    assert httpx.post(first.url + "/api/v1/lineage", json=run_event("a", "s", "t1")).status_code
    wait_for(lambda: downstream_ids(second, "s") == {"dataset:ns:s", "job:ns:a", "dataset:ns:t1"})
    second.kill()
    for job, target in (("b", "t2"), ("c", "t3")):
        response = httpx.post(first.url + "/api/v1/lineage", json=run_event(job, "s", target))
        assert response.status_code == 201
    restarted = replicas()
    expected = {"dataset:ns:s", "job:ns:a", "job:ns:b", "job:ns:c"}
    expected |= {"dataset:ns:t1", "dataset:ns:t2", "dataset:ns:t3"}
    wait_for(lambda: downstream_ids(restarted, "s") == expected)
    assert applied_id(restarted) == 3
