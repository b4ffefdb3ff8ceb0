"""The real openlineage-python client against a real uvicorn collector, on both databases."""

from __future__ import annotations

import httpx
from openlineage.client import OpenLineageClient
from openlineage.client.event_v2 import InputDataset, Job, OutputDataset, Run, RunEvent, RunState
from openlineage.client.facet_v2 import schema_dataset, sql_job
from openlineage.client.transport.http import HttpCompression, HttpConfig, HttpTransport
from openlineage.client.uuid import generate_new_uuid

from tests.conftest import Server


def emit_run(client: OpenLineageClient, job: str, run_id: str) -> None:
    fields = [schema_dataset.SchemaDatasetFacetFields(name="id", type="int")]
    inputs = [
        InputDataset(
            "postgres://db:5432",
            "shop.public.orders",
            facets={"schema": schema_dataset.SchemaDatasetFacet(fields=fields)},
        )
    ]
    outputs = [OutputDataset("s3://lake", "marts/orders_daily")]
    for state in (RunState.START, RunState.COMPLETE):
        client.emit(
            RunEvent(
                eventType=state,
                eventTime="2026-11-22T21:58:33.162024+00:00"
                if state == RunState.START
                else "2026-11-22T21:59:33.162024+00:00",
                run=Run(runId=run_id),
                job=Job(
                    namespace="shop",
                    name=job,
                    facets={"sql": sql_job.SQLJobFacet(query="select 1")},
                ),
                producer="https://example.com/e2e",
                inputs=inputs,
                outputs=outputs,
            )
        )


def test_real_client_plain_and_gzip_then_restart_keeps_everything(server: Server) -> None:
    plain = OpenLineageClient(transport=HttpTransport(HttpConfig(url=server.url)))
    zipped = OpenLineageClient(
        transport=HttpTransport(HttpConfig(url=server.url, compression=HttpCompression.GZIP))
    )
    first, second = str(generate_new_uuid()), str(generate_new_uuid())
    emit_run(plain, "daily_orders", first)
    emit_run(zipped, "daily_orders_gz", second)
    server.stop()
    server.start().wait_ready()
    for job, run_id in (("daily_orders", first), ("daily_orders_gz", second)):
        run = httpx.get(f"{server.url}/api/v1/jobs/runs/{run_id}").json()
        assert (run["jobName"], run["state"], run["durationMs"]) == (job, "COMPLETED", 60000)
        assert run["inputs"] == [{"namespace": "postgres://db:5432", "name": "shop.public.orders"}]
    down = httpx.get(
        f"{server.url}/api/v1/lineage/downstream",
        params={"nodeId": "dataset:postgres://db:5432:shop.public.orders"},
    ).json()
    assert sorted(n["id"] for n in down["nodes"]) == [
        "dataset:postgres://db:5432:shop.public.orders",
        "dataset:s3://lake:marts/orders_daily",
        "job:shop:daily_orders",
        "job:shop:daily_orders_gz",
    ]
    events = httpx.get(f"{server.url}/api/v1/events/lineage", params={"limit": 10}).json()
    assert events["totalCount"] == 4
