"""Write-side answers that once depended on how events were merged or deleted, both databases."""

from __future__ import annotations

import httpx

from lineage.api.app import load_graph
from lineage.store import changelog
from lineage.store.replay import replay
from tests.events import ds, run_event
from tests.test_lineage_api import ingest, shape, walk


def _symlink(namespace: str, name: str) -> dict[str, object]:
    return {"identifiers": [{"namespace": namespace, "name": name, "type": "TABLE"}]}


async def test_an_output_symlinking_its_own_input_leaves_no_edge_on_the_alias(
    client: httpx.AsyncClient,
) -> None:
    await ingest(
        client,
        run_event(
            "j",
            time="2024-01-01T00:00:00Z",
            inputs=[ds("n", "raw")],
            outputs=[ds("n", "table", symlinks=_symlink("n", "raw"))],
        ),
    )
    now = shape(await walk(client, "downstream", "dataset:n:table"))
    later = shape(await walk(client, "downstream", "dataset:n:table", as_of="2024-06-01T00:00:00Z"))
    expected = (
        {"dataset:n:table": 0, "job:ns:j": 1},
        {("dataset:n:table", "job:ns:j"), ("job:ns:j", "dataset:n:table")},
    )
    assert now == expected
    assert later == expected
    await _graph_and_replay_agree(client)


async def test_a_deleted_dataset_stays_deleted_when_another_symlinks_it(
    client: httpx.AsyncClient,
) -> None:
    await ingest(client, run_event("j", inputs=[ds("n", "old")], outputs=[ds("n", "out")]))
    assert (await client.delete("/api/v1/namespaces/n/datasets/old")).status_code == 200
    await ingest(
        client,
        run_event(
            "k",
            time="2024-01-02T00:00:00Z",
            outputs=[ds("n", "new", symlinks=_symlink("n", "old"))],
        ),
    )
    gone = await client.get("/api/v1/namespaces/n/datasets/old")
    assert gone.status_code == 404, gone.text
    restored = await client.post("/api/v1/namespaces/n/datasets/old/restore")
    assert restored.status_code == 200, restored.text
    assert restored.json()["name"] == "new"
    assert (await client.get("/api/v1/namespaces/n/datasets/old")).status_code == 200
    assert (await client.get("/api/v1/namespaces/n/datasets/new")).status_code == 200
    assert (await client.post("/api/v1/namespaces/n/datasets/old/restore")).status_code == 404
    await _graph_and_replay_agree(client)


async def _graph_and_replay_agree(client: httpx.AsyncClient) -> None:
    """The incremental graph equals a rebuild; replay leaves the same graph and reads."""
    app = client.app  # type: ignore[attr-defined]
    rebuilt = load_graph(app.state.engine).snapshot()
    assert app.state.graph.snapshot() == rebuilt
    reads = ["/api/v1/namespaces/n/datasets", "/api/v1/namespaces/n/datasets/old"]
    before = [(await client.get(path)).json() for path in reads]
    replay(app.state.engine)
    assert load_graph(app.state.engine).snapshot() == rebuilt
    assert [(await client.get(path)).json() for path in reads] == before


async def test_a_replica_applies_its_own_changes_without_reading_them_back(
    client: httpx.AsyncClient,
) -> None:
    app = client.app  # type: ignore[attr-defined]
    follower = app.state.follower
    await ingest(client, run_event("j", inputs=[ds("n", "a")], outputs=[ds("n", "b")]))
    assert (await client.delete("/api/v1/namespaces/n/datasets/a")).status_code == 200
    with app.state.engine.connect() as conn:
        assert changelog.head(conn) == follower.applied_id == 2
        assert changelog.read_after(conn, 0, skip_origin=follower.replica_id) == []
    assert follower.catch_up() == 0
    assert app.state.graph.snapshot() == load_graph(app.state.engine).snapshot()
