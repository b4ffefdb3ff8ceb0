"""Marquez's routes in process, on both databases: `/lineage` reads a fixed number of
statements however large the neighbourhood, and tags behave as a set under any sequence of
tagging and untagging."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, delete, event

from lineage.store import schema as s
from lineage.store import tags
from lineage.store.db import make_engine
from tests.events import ds, run_event, schema
from tests.test_lineage_api import ingest


class Statements:
    """SELECT statements run on an engine while the block runs (but the change follower's
    polling of graph_changes; BEGINs depend on the connection pool, not on the request)."""

    def __init__(self, engine: Engine) -> None:
        self.engine, self.seen = engine, list[str]()

    def __enter__(self) -> Statements:
        event.listen(self.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *_: object) -> None:
        event.remove(self.engine, "before_cursor_execute", self._record)

    def _record(self, _conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.startswith("SELECT") and "graph_changes" not in statement:
            self.seen.append(statement)


def chain(length: int) -> list[dict[str, Any]]:
    """d0 -> j0 -> d1 -> j1 -> ... with schemas on every dataset and a parent on every job."""
    events = []
    for i in range(length):
        events.append(
            run_event(
                f"dag.task{i}",
                inputs=[ds("n", f"d{i}", schema=schema("id:int"))],
                outputs=[ds("n", f"d{i + 1}", schema=schema("id:int", "v:string"))],
                run_facets={
                    "parent": {
                        "run": {"runId": "0195c0de-0000-7000-8000-0000000000aa"},
                        "job": {"namespace": "ns", "name": "dag"},
                    }
                },
            )
        )
    return events


async def lineage_statements(client: httpx.AsyncClient, length: int) -> list[str]:
    await ingest(client, *chain(length))
    for i in range(length):  # tags on every node, read with the rest
        path = f"/api/v1/namespaces/n/datasets/d{i}"
        assert (await client.post(f"{path}/tags/T{i}")).status_code == 200
        assert (await client.post(f"{path}/fields/id/tags/F")).status_code == 200
        job_path = f"/api/v1/namespaces/ns/jobs/dag.task{i}/tags/J"
        assert (await client.post(job_path)).status_code == 200
    with Statements(client.app.state.engine) as sql:  # type: ignore[attr-defined]
        answer = await client.get(
            "/api/v1/lineage", params={"nodeId": "dataset:n:d0", "depth": 100}
        )
    assert answer.status_code == 200
    graph = answer.json()["graph"]
    assert len(graph) == 2 * length + 1
    job = next(n["data"] for n in graph if n["id"] == "job:ns:dag.task0")
    assert (job["tags"], job["parent"], job["simpleName"]) == (["J"], "job:ns:dag", "task0")
    first = next(n["data"] for n in graph if n["id"] == "dataset:n:d0")
    assert (first["tags"], first["fields"][0]["tags"]) == (["T0"], ["F"])
    return sql.seen


async def test_lineage_reads_one_statement_per_kind_of_row(client: httpx.AsyncClient) -> None:
    small = await lineage_statements(client, 2)
    await ingest(client, *chain(40))
    with Statements(client.app.state.engine) as sql:  # type: ignore[attr-defined]
        answer = await client.get(
            "/api/v1/lineage", params={"nodeId": "dataset:n:d0", "depth": 100}
        )
    assert len(answer.json()["graph"]) == 81
    assert len(sql.seen) == len(small), sql.seen


Op = tuple[str, str, str, str]  # (add | remove, owner, field, key)
OPS = st.lists(
    st.tuples(
        st.sampled_from(["add", "remove"]),
        st.sampled_from(["dataset", "field", "job"]),
        st.sampled_from(["id", "v"]),
        st.sampled_from(["PII", "GOLD", "é:x/y"]),
    ),
    max_size=25,
)


def engine_for(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    try:
        yield engine
    finally:
        engine.dispose()


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ops=OPS)
def test_tags_are_a_set_under_any_sequence(db_url: str, ops: list[Op]) -> None:
    for engine in engine_for(db_url):
        with engine.begin() as conn:
            conn.execute(delete(s.node_tags))
            conn.execute(delete(s.tags))
            model: set[tuple[str, str, str]] = set()
            for op, owner, field, key in ops:
                name = ("n", "j") if owner == "job" else ("n", "d")
                where = field if owner == "field" else ""
                if op == "add":
                    tags.add(conn, owner, *name, key, field=where)  # type: ignore[arg-type]
                else:
                    tags.remove(conn, owner, [name], key, field=where)  # type: ignore[arg-type]
                (model.add if op == "add" else model.discard)((owner, where, key))
            on_dataset = tags.of_nodes(conn, "dataset", [("n", "d")]).get(("n", "d"), [])
            on_job = tags.of_nodes(conn, "job", [("n", "j")]).get(("n", "j"), [])
            found = {("field" if t.field else "dataset", t.field, t.key) for t in on_dataset}
            found |= {("job", t.field, t.key) for t in on_job}
            assert found == model
            assert tags.names_of(on_dataset) == sorted(k for o, _, k in model if o == "dataset")
            added = {k for op, _, _, k in ops if op == "add"}
            listed = [t.name for t in tags.list_names(conn, limit=None, offset=0)]
            assert listed == sorted(added)  # names stay in the catalog once created


async def test_tags_follow_a_dataset_merged_into_another(client: httpx.AsyncClient) -> None:
    """Tagged under its own name, then found to be a symlink of another dataset: the merged
    dataset shows the tag (under either name), and untagging by either name removes it."""
    await ingest(client, run_event("a", outputs=[ds("hive://m", "db.t", schema=schema("id"))]))
    hive = "/api/v1/namespaces/hive:%2F%2Fm/datasets/db.t"
    assert (await client.post(f"{hive}/tags/PII")).json()["tags"] == ["PII"]
    assert (await client.post(f"{hive}/fields/id/tags/KEY")).status_code == 200
    symlink = {"identifiers": [{"namespace": "hive://m", "name": "db.t", "type": "TABLE"}]}
    await ingest(
        client,
        run_event(
            "b",
            time="2024-01-02T00:00:00Z",
            outputs=[ds("s3://b", "t", schema=schema("id"), symlinks=symlink)],
        ),
    )
    s3 = "/api/v1/namespaces/s3:%2F%2Fb/datasets/t"
    merged = (await client.get(s3)).json()
    assert (await client.get(hive)).json() == merged
    assert {(a["namespace"], a["name"]) for a in merged["aliases"]} | {
        (merged["namespace"], merged["name"])
    } == {("hive://m", "db.t"), ("s3://b", "t")}
    assert (merged["tags"], [(f["name"], f["tags"]) for f in merged["fields"]]) == (
        ["PII"],
        [("id", ["KEY"])],
    )
    lineage = (await client.get("/api/v1/lineage", params={"nodeId": "dataset:s3://b:t"})).json()
    node = next(n["data"] for n in lineage["graph"] if n["type"] == "DATASET")
    assert (node["tags"], node["fields"][0]["tags"]) == (["PII"], ["KEY"])
    untagged = (await client.delete(f"{s3}/tags/PII")).json()
    assert untagged["tags"] == []
    untagged = (await client.delete(f"{s3}/fields/id/tags/KEY")).json()
    assert [(f["name"], f["tags"]) for f in untagged["fields"]] == [("id", [])]
