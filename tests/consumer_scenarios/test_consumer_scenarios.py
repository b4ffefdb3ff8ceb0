"""OpenLineage's consumer scenarios, end to end over HTTP on both databases.

Every event of every scenario (`data/`, see README.md) is posted as its producer sent it, and
the lineage each scenario describes is checked exactly. The expected answers are written here
from each `scenario.md` and its SQL.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from lineage.api.app import load_graph
from lineage.store.replay import replay

DATA = Path(__file__).parent / "data"
SCENARIOS = sorted(p.name for p in DATA.iterdir() if (p / "events").is_dir())


def event_files(scenario: str) -> list[Path]:
    """A scenario's events in the producer's order: numbered files by number."""
    files = list((DATA / scenario / "events").glob("*.json"))
    return sorted(
        files,
        key=lambda p: (int(digits) if (digits := p.stem.split("_")[-1]).isdigit() else 0, p.name),
    )


async def post_all(client: httpx.AsyncClient, files: list[Path]) -> None:
    for path in files:
        response = await client.post(
            "/api/v1/lineage",
            content=path.read_bytes(),
            headers={"content-type": "application/json"},
        )
        assert response.status_code == 201, (path.name, response.text)


async def get(client: httpx.AsyncClient, path: str, **params: Any) -> Any:
    response = await client.get(path, params=params)
    assert response.status_code == 200, (path, response.text)
    return response.json()


async def walk(
    client: httpx.AsyncClient, direction: str, node: str
) -> tuple[dict[str, int], set[tuple[str, str]]]:
    answer = await get(client, f"/api/v1/lineage/{direction}", nodeId=node)
    return (
        {n["id"]: n["depth"] for n in answer["nodes"]},
        {(e["from"], e["to"]) for e in answer["edges"]},
    )


async def columns_into(
    client: httpx.AsyncClient, dataset: str
) -> set[tuple[str, str, str, str, str | None]]:
    """(output field, input dataset id, input field, type, subtype) of a dataset's columns."""
    answer = await get(client, "/api/v1/column-lineage", nodeId=dataset)
    prefix = "datasetField" + dataset.removeprefix("dataset") + ":"
    return {
        (
            node["data"]["field"],
            f"dataset:{i['namespace']}:{i['dataset']}",
            i["field"],
            i["transformationType"],
            i["transformationSubtype"],
        )
        for node in answer["graph"]
        if node["id"] == prefix + node["data"]["field"]
        for i in node["data"]["inputFields"]
    }


async def children(client: httpx.AsyncClient, namespace: str, job: str) -> dict[str, str]:
    answer = await get(client, f"/api/v1/jobs/{namespace}/{job}/children")
    return {c["name"]: c["latestRun"]["state"] for c in answer["children"]}


async def impact(client: httpx.AsyncClient, dataset: str, column: str) -> dict[str, str]:
    """field id -> class of every downstream field a drop of `column` reaches."""
    response = await client.post(
        "/api/v1/impact",
        json={"dataset": dataset, "changes": [{"kind": "drop_column", "column": column}]},
    )
    assert response.status_code == 200, response.text
    return {f["id"]: f["class"] for item in response.json()["items"] for f in item["fields"]}


def test_every_scenario_is_here() -> None:
    assert SCENARIOS == [
        "CLL",
        "airflow",
        "simple_run_event",
        "spark_dataproc_bigquery_shakespare",
        "spark_dataproc_simple_producer_test",
        "spark_dataproc_simple_producer_test_complete",
    ]
    assert sum(len(event_files(s)) for s in SCENARIOS) == 74


async def test_all_scenarios_together_then_replay(client: httpx.AsyncClient) -> None:
    """Every event of every scenario in one store; a replay rebuilds the same graph."""
    for scenario in SCENARIOS:
        await post_all(client, event_files(scenario))
    events = await get(client, "/api/v1/events/lineage", limit=1000)
    # spark_dataproc_simple_producer_test's four events are the same as events 11-14 of
    # spark_dataproc_simple_producer_test_complete, byte for byte: stored once
    assert events["totalCount"] == 70
    engine = client.app.state.engine  # type: ignore[attr-defined]
    before = load_graph(engine).snapshot()
    assert client.app.state.graph.snapshot() == before  # type: ignore[attr-defined]
    replay(engine)
    assert load_graph(engine).snapshot() == before


# --- CLL: a Spark SQL CTAS over two Hive tables --------------------------------------------------

CLL_NS = "dataset:file:/tmp/cll_test"
S1, S2, TBL1 = f"{CLL_NS}/cll_source1", f"{CLL_NS}/cll_source2", f"{CLL_NS}/tbl1"
CLL_APP = "job:testColumnLevelLineage:open_lineage_integration_create_table"
CTAS = f"{CLL_APP}.execute_create_hive_table_as_select_command.default_tbl1"
CREATE_S1 = f"{CLL_APP}.execute_create_table_command.cll_test_cll_source1"
CREATE_S2 = f"{CLL_APP}.execute_create_table_command.cll_test_cll_source2"


def cll_expected() -> set[tuple[str, str, str, str, str | None]]:
    """From the scenario's SQL:

        SELECT t1.a AS ident, CONCAT(b, 'test') AS trans, SUM(c) AS agg
        FROM (SELECT a, c FROM cll_source2 WHERE a > 1) t2
        JOIN cll_source1 t1 ON t1.a = t2.a GROUP BY t1.a, b

    Each output column is derived directly from one input column (identity, CONCAT, SUM), and
    every output row depends on the GROUP BY keys (t1.a, b), on both join keys and on the
    filter `a > 1`, which Spark applies to cll_source2.a and, through the join's equality, to
    cll_source1.a as well.
    """
    direct = {
        ("ident", S1, "a", "DIRECT", "IDENTITY"),
        ("trans", S1, "b", "DIRECT", "TRANSFORMATION"),
        ("agg", S2, "c", "DIRECT", "AGGREGATION"),
    }
    indirect = {
        (S1, "a", "GROUP_BY"),
        (S1, "b", "GROUP_BY"),
        (S1, "a", "JOIN"),
        (S2, "a", "JOIN"),
        (S1, "a", "FILTER"),
        (S2, "a", "FILTER"),
    }
    return direct | {
        (out, ds, field, "INDIRECT", sub)
        for out in ("ident", "trans", "agg")
        for ds, field, sub in indirect
    }


async def test_cll_spark_ctas(client: httpx.AsyncClient) -> None:
    await post_all(client, event_files("CLL"))
    assert await walk(client, "downstream", S1) == (
        {S1: 0, CTAS: 1, TBL1: 2},
        {(S1, CTAS), (CTAS, TBL1)},
    )
    assert await walk(client, "upstream", TBL1) == (
        {TBL1: 0, CTAS: 1, S1: 2, S2: 2, CREATE_S1: 3, CREATE_S2: 3},
        {(S1, CTAS), (S2, CTAS), (CTAS, TBL1), (CREATE_S1, S1), (CREATE_S2, S2)},
    )
    assert await columns_into(client, TBL1) == cll_expected()
    # the Hive names (symlinks) are the same datasets
    for physical, hive in (
        (S1, "default.cll_source1"),
        (S2, "default.cll_source2"),
        (TBL1, "default.tbl1"),
    ):
        answer = await get(client, f"/api/v1/namespaces/file:%2Ftmp%2Fcll_test/datasets/{hive}")
        assert answer["nodeId"] == physical
        assert answer["lifecycleState"] == "CREATE"
    assert (await walk(client, "downstream", "dataset:file:/tmp/cll_test:default.cll_source2"))[
        0
    ] == {
        S2: 0,
        CTAS: 1,
        TBL1: 2,
    }
    ctas = await get(client, f"/api/v1/namespaces/testColumnLevelLineage/jobs/{CTAS.split(':')[2]}")
    assert ctas["latestRun"]["processingEngine"] == {
        "name": "spark",
        "version": "3.3.4",
        "openlineageAdapterVersion": "1.19.0-SNAPSHOT",
    }
    app = CLL_APP.split(":")[2]
    assert await children(client, "testColumnLevelLineage", app) == {
        job.split(":")[2]: "COMPLETED" for job in (CTAS, CREATE_S1, CREATE_S2)
    }
    # DIRECT derivations break, INDIRECT uses (group by, join, filter) possibly affect
    assert await impact(client, S1, "b") == {
        f"datasetField:file:/tmp/cll_test/tbl1:{f}": c
        for f, c in (("trans", "breaking"), ("ident", "possibly"), ("agg", "possibly"))
    }
    assert await impact(client, S2, "c") == {"datasetField:file:/tmp/cll_test/tbl1:agg": "breaking"}
    assert await impact(client, S2, "a") == {
        f"datasetField:file:/tmp/cll_test/tbl1:{f}": "possibly" for f in ("ident", "trans", "agg")
    }


# --- airflow: a DAG of BigQuery and GCS operators, a Bash task and GCS hooks ---------------------

BQ_UP, BQ_CP = (
    "dataset:bigquery:mock-project.test.upload",
    "dataset:bigquery:mock-project.test.upload_cp",
)


def gcs(name: str) -> str:
    return f"dataset:gs://mock-bucket:{name}"


def task(name: str) -> str:
    return f"job:airflow:{name}"


async def test_airflow_dag(client: httpx.AsyncClient) -> None:
    await post_all(client, event_files("airflow"))
    # 1-3: GCS -> BigQuery, BigQuery copy, BigQuery -> GCS
    up, cp, down = task("BQ.upload"), task("BQ.copy"), task("BQ.download")
    assert await walk(client, "downstream", gcs("copied.csv")) == (
        {gcs("copied.csv"): 0, up: 1, BQ_UP: 2, cp: 3, BQ_CP: 4, down: 5, gcs("result.csv"): 6},
        {
            (gcs("copied.csv"), up),
            (up, BQ_UP),
            (BQ_UP, cp),
            (cp, BQ_CP),
            (BQ_CP, down),
            (down, gcs("result.csv")),
        },
    )
    assert (await walk(client, "upstream", BQ_UP))[0] == {
        BQ_UP: 0,
        up: 1,
        gcs("copied.csv"): 2,
        gcs("test.csv"): 2,
    }
    # the provider names its engine on START only: the COMPLETE without it keeps it
    upload = await get(client, "/api/v1/namespaces/airflow/jobs/BQ.upload")
    assert (upload["latestRun"]["state"], upload["latestRun"]["processingEngine"]) == (
        "COMPLETED",
        {"name": "Airflow", "version": "3.0.0.dev0", "openlineageAdapterVersion": "1.14.0"},
    )
    assert await children(client, "airflow", "BQ") == {
        "BQ.copy": "COMPLETED",
        "BQ.download": "COMPLETED",
        "BQ.upload": "COMPLETED",
    }
    # the operators' column lineage (the provider's pre-1-2-0 IDENTITY) is a direct derivation
    assert await columns_into(client, gcs("result.csv")) == {
        (c, BQ_CP, c, "DIRECT", "IDENTITY") for c in "abcd"
    }
    assert await columns_into(client, BQ_UP) == {
        (c, gcs(src), c, "DIRECT", "IDENTITY") for c in "abcd" for src in ("copied.csv", "test.csv")
    }
    assert await impact(client, BQ_UP, "b") == {
        "datasetField:bigquery:mock-project.test.upload_cp:b": "breaking",
        "datasetField:gs://mock-bucket:result.csv:b": "breaking",
    }
    # 4: the Bash task has no inputs or outputs
    assert await children(client, "airflow", "dag") == {"dag.task_0": "COMPLETED"}
    bash = await get(client, "/api/v1/namespaces/airflow/jobs/dag.task_0")
    assert (bash["inputs"], bash["outputs"]) == ([], [])
    # 5: the GCS hooks
    assert await children(client, "airflow", "gcs_hook") == {
        f"gcs_hook.{t}": "COMPLETED"
        for t in (
            "compose_task",
            "copy_task",
            "delete",
            "download_to_data",
            "download_to_file",
            "rewrite_task",
            "upload_for_deletion",
            "upload_from_data",
            "upload_from_file",
        )
    }
    h = lambda t: task(f"gcs_hook.{t}")  # noqa: E731
    assert await walk(client, "downstream", gcs("to_be_deleted.txt")) == (
        {gcs("to_be_deleted.txt"): 0, h("delete"): 1},
        {(gcs("to_be_deleted.txt"), h("delete"))},
    )
    assert (await walk(client, "upstream", gcs("to_be_deleted.txt")))[0] == {
        gcs("to_be_deleted.txt"): 0,
        h("upload_for_deletion"): 1,
    }
    data, local = (
        "dataset:file:/files/temp/data.txt",
        "dataset:file:/files/temp/downloaded_file.txt",
    )
    assert await walk(client, "upstream", gcs("compose_result.txt")) == (
        {
            gcs("compose_result.txt"): 0,
            h("compose_task"): 1,
            **dict.fromkeys(
                map(
                    gcs,
                    (
                        "uploaded_file.txt",
                        "uploaded_data.txt",
                        "copy_of_uploaded_file.txt",
                        "copy_of_uploaded_data.txt",
                    ),
                ),
                2,
            ),
            **dict.fromkeys(
                map(h, ("upload_from_file", "upload_from_data", "rewrite_task", "copy_task")), 3
            ),
            data: 4,
        },
        {
            (h("compose_task"), gcs("compose_result.txt")),
            *(
                (gcs(f), h("compose_task"))
                for f in (
                    "uploaded_file.txt",
                    "uploaded_data.txt",
                    "copy_of_uploaded_file.txt",
                    "copy_of_uploaded_data.txt",
                )
            ),
            (h("rewrite_task"), gcs("copy_of_uploaded_file.txt")),
            (gcs("uploaded_file.txt"), h("rewrite_task")),
            (h("copy_task"), gcs("copy_of_uploaded_data.txt")),
            (gcs("uploaded_data.txt"), h("copy_task")),
            (h("upload_from_file"), gcs("uploaded_file.txt")),
            (data, h("upload_from_file")),
            (h("upload_from_data"), gcs("uploaded_data.txt")),
        },
    )
    assert (await walk(client, "upstream", local))[0] == {
        local: 0,
        h("download_to_file"): 1,
        gcs("uploaded_file.txt"): 2,
        h("upload_from_file"): 3,
        data: 4,
    }
    # reading into memory writes nothing: download_to_data is a leaf
    assert (await walk(client, "downstream", h("download_to_data")))[0] == {
        h("download_to_data"): 0
    }
    # the hooks' events say their lineage may be partial (unknownSourceAttribute)
    answer = await get(client, "/api/v1/lineage/upstream", nodeId=local)
    assert {n["id"]: n["lineageIncomplete"] for n in answer["nodes"] if n["type"] == "JOB"} == {
        h("download_to_file"): True,
        h("upload_from_file"): True,
    }


# --- simple_run_event: the smallest run event ----------------------------------------------------


async def test_simple_run_event(client: httpx.AsyncClient) -> None:
    await post_all(client, event_files("simple_run_event"))
    job = "job:job_namespace:job_name"
    inp, out = "dataset:bigquery:test.table.input", "dataset:bigquery:test.table.output"
    assert await walk(client, "downstream", inp) == (
        {inp: 0, job: 1, out: 2},
        {(inp, job), (job, out)},
    )
    runs = await get(client, "/api/v1/namespaces/job_namespace/jobs/job_name/runs")
    assert [r["state"] for r in runs["runs"]] == ["COMPLETED"]


# --- Spark on Dataproc: BigQuery's public Shakespeare sample, word counts ------------------------

SHAKESPEARE = "dataset:bigquery:bigquery-public-data.samples.shakespeare"
WORDS = "dataset:file:/tmp/outputs/1729097570970"


async def test_spark_dataproc_bigquery_shakespeare(client: httpx.AsyncClient) -> None:
    await post_all(client, event_files("spark_dataproc_bigquery_shakespare"))
    write = "job:default:shakespeare_on_spark.adaptive_spark_plan.outputs_1729097570970"
    read_only = "job:default:shakespeare_on_spark.adaptive_spark_plan"
    assert await walk(client, "downstream", SHAKESPEARE) == (
        {SHAKESPEARE: 0, read_only: 1, write: 1, WORDS: 2},
        {(SHAKESPEARE, read_only), (SHAKESPEARE, write), (write, WORDS)},
    )
    # word, SUM(word_count) grouped by word over rows filtered on word_count
    assert await columns_into(client, WORDS) == {
        ("word", SHAKESPEARE, "word", "DIRECT", "IDENTITY"),
        ("word", SHAKESPEARE, "word", "INDIRECT", "GROUP_BY"),
        ("word", SHAKESPEARE, "word", "INDIRECT", "FILTER"),
        ("word", SHAKESPEARE, "word_count", "INDIRECT", "FILTER"),
        ("sum(word_count)", SHAKESPEARE, "word_count", "DIRECT", "AGGREGATION"),
        ("sum(word_count)", SHAKESPEARE, "word_count", "INDIRECT", "FILTER"),
        ("sum(word_count)", SHAKESPEARE, "word", "INDIRECT", "GROUP_BY"),
        ("sum(word_count)", SHAKESPEARE, "word", "INDIRECT", "FILTER"),
    }
    assert await children(client, "default", "shakespeare_on_spark") == {
        "shakespeare_on_spark.adaptive_spark_plan": "COMPLETED",
        "shakespeare_on_spark.adaptive_spark_plan.outputs_1729097570970": "COMPLETED",
    }


# --- Spark on Dataproc: Hive tables t1 and t2, dropped, re-created, t2 filled from t1 ------------

HDFS = "dataset:hdfs://dataproc-producer-test-m:/user/hive/warehouse"
T1, T2 = f"{HDFS}/t1", f"{HDFS}/t2"
APP = "cl_i_test_application"
INSERT_T2 = f"job:default:{APP}.execute_insert_into_hive_table.warehouse_t2"


async def assert_t1_feeds_t2(client: httpx.AsyncClient) -> None:
    assert await walk(client, "downstream", T1) == (
        {T1: 0, INSERT_T2: 1, T2: 2},
        {(T1, INSERT_T2), (INSERT_T2, T2)},
    )
    assert await columns_into(client, T2) == {(c, T1, c, "DIRECT", "IDENTITY") for c in "ab"}
    # the Hive metastore's name of each table is the same dataset as its HDFS location
    for table, node in (("t1", T1), ("t2", T2)):
        answer = await get(
            client,
            f"/api/v1/namespaces/hive:%2F%2Fdataproc-producer-test-m:9083/datasets/default.{table}",
        )
        assert answer["nodeId"] == node
        assert [f["name"] for f in answer["fields"]] == ["a", "b"]


async def test_spark_dataproc_insert(client: httpx.AsyncClient) -> None:
    await post_all(client, event_files("spark_dataproc_simple_producer_test"))
    await assert_t1_feeds_t2(client)


async def test_spark_dataproc_tables_dropped_then_recreated(client: httpx.AsyncClient) -> None:
    files = event_files("spark_dataproc_simple_producer_test_complete")
    assert [p.stem for p in files] == [str(n) for n in range(1, 17)]
    # DROP TABLE IF EXISTS t1; DROP TABLE IF EXISTS t2
    await post_all(client, files[:4])
    for table, node in (("t1", T1), ("t2", T2)):
        answer = await get(
            client,
            f"/api/v1/namespaces/hdfs:%2F%2Fdataproc-producer-test-m/datasets/%2Fuser%2Fhive%2Fwarehouse%2F{table}",
        )
        assert (answer["nodeId"], answer["lifecycleState"], answer["isDropped"]) == (
            node,
            "DROP",
            True,
        )
    drop = f"job:default:{APP}.drop_table"
    # CREATE TABLE t1; INSERT INTO t1; CREATE TABLE t2 AS SELECT * FROM t1; INSERT INTO t2
    await post_all(client, files[4:])
    for table, node in (("t1", T1), ("t2", T2)):
        answer = await get(
            client,
            f"/api/v1/namespaces/hdfs:%2F%2Fdataproc-producer-test-m/datasets/%2Fuser%2Fhive%2Fwarehouse%2F{table}",
        )
        assert (answer["nodeId"], answer["lifecycleState"], answer["isDropped"]) == (
            node,
            "CREATE",
            False,
        )
    await assert_t1_feeds_t2(client)
    # the drop job's newest run dropped t2 (its run for t1 is history)
    assert await walk(client, "downstream", drop) == ({drop: 0, T2: 1}, {(drop, T2)})
    upstream_t1 = await get(client, "/api/v1/lineage/upstream", nodeId=T1)
    assert {n["id"] for n in upstream_t1["nodes"]} == {
        T1,
        f"job:default:{APP}.execute_create_table_command.warehouse_t1",
        f"job:default:{APP}.execute_insert_into_hive_table.warehouse_t1",
    }
    assert await children(client, "default", APP) == {
        f"{APP}.drop_table": "COMPLETED",
        f"{APP}.execute_create_hive_table_as_select_command.default_t2": "COMPLETED",
        f"{APP}.execute_create_table_command.warehouse_t1": "COMPLETED",
        f"{APP}.execute_insert_into_hive_table.warehouse_t1": "COMPLETED",
        f"{APP}.execute_insert_into_hive_table.warehouse_t2": "COMPLETED",
    }


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_scenario_files_are_the_published_ones(scenario: str) -> None:
    """Each scenario keeps its description and configuration next to its events."""
    for name in ("scenario.md", "config.json", "maintainers.json"):
        assert (DATA / scenario / name).is_file()
