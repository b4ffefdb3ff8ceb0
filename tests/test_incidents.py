"""Incidents over HTTP: blast radius of a bad run or dataset, provenance of a run or version.

Hand-built estates with exact answers, on both databases. Times are minutes after 00:00 on
2024-01-01; every run sends START and COMPLETE (or FAIL) events.
"""

from __future__ import annotations

import random
import uuid
from typing import Any

import httpx
import msgspec
import orjson
import pytest

from lineage.query import incidents
from lineage.store.replay import replay
from tests.events import ds, run_event, schema

RUN_IDS: dict[str, str] = {}


def rid(name: str) -> str:
    """A fixed run id per name (uuid5), so expected answers can name runs."""
    return RUN_IDS.setdefault(name, str(uuid.uuid5(uuid.NAMESPACE_URL, f"incidents/{name}")))


def at(minute: int) -> str:
    return f"2024-01-01T{minute // 60:02d}:{minute % 60:02d}:00Z"


def run(
    name: str,
    job: str,
    start: int,
    end: int,
    inputs: list[str] = [],  # noqa: B006
    outputs: list[str] = [],  # noqa: B006
    *,
    state: str = "COMPLETE",
    versions: dict[str, str] | None = None,
    job_facets: dict[str, Any] | None = None,
    run_facets: dict[str, Any] | None = None,
    input_facets: dict[str, dict[str, Any]] | None = None,
    output_facets: dict[str, dict[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """START and COMPLETE/FAIL events of one run; `versions` maps a dataset to the `version`
    facet the run sends for it."""
    versions = versions or {}

    def refs(names: list[str], io_facets: dict[str, dict[str, Any]] | None, key: str) -> Any:
        out = []
        for n in names:
            facets = {"version": {"datasetVersion": versions[n]}} if n in versions else {}
            facets.update((output_facets or {}).get(n, {}) if key == "outputFacets" else {})
            ref = ds("n", n, **facets)
            if io_facets and n in io_facets:
                ref[key] = io_facets[n]
            out.append(ref)
        return out

    common = {
        "job_facets": job_facets,
        "run_facets": run_facets,
        "inputs": refs(inputs, input_facets, "inputFacets"),
        "outputs": refs(outputs, None, "outputFacets"),
    }
    return [
        run_event(job, event_type="START", time=at(start), run_id=rid(name), **common),
        run_event(job, event_type=state, time=at(end), run_id=rid(name), **common),
    ]


async def ingest(client: httpx.AsyncClient, events: list[dict[str, Any]]) -> None:
    response = await client.post("/api/v1/lineage/batch", content=orjson.dumps(events))
    assert response.status_code == 204, response.text


async def blast(client: httpx.AsyncClient, **body: Any) -> dict[str, Any]:
    response = await client.post("/api/v1/incidents/blast-radius", json=body)
    assert response.status_code == 200, response.text
    return dict(response.json())


def version(name: str, minute: int, v: str | None = None) -> dict[str, Any]:
    return {"run": rid(name), "version": v, "writtenAt": at(minute)}


def tainted(name: str, job: str, start: int, end: int, depth: int, *via: tuple[str, str]) -> Any:
    return {
        "id": rid(name),
        "job": f"job:ns:{job}",
        "jobNamespace": "ns",
        "jobName": job,
        "state": "COMPLETED",
        "startedAt": at(start),
        "endedAt": at(end),
        "depth": depth,
        "via": [{"dataset": f"dataset:n:{d}", "run": rid(w)} for d, w in via],
    }


def dataset(name: str, first: dict[str, Any], count: int, replaced: Any = None) -> Any:
    return {
        "id": f"dataset:n:{name}",
        "namespace": "n",
        "name": name,
        "firstTainted": first,
        "taintedVersions": count,
        "replacedBy": replaced,
    }


def step(job: str, runs: list[str], after: list[str] = []) -> Any:  # noqa: B006
    return {
        "job": f"job:ns:{job}",
        "namespace": "ns",
        "name": job,
        "runs": [rid(r) for r in runs],
        "after": [f"job:ns:{a}" for a in after],
    }


def clean_read(name: str, job: str, d: str, start: int, read: Any) -> Any:
    return {
        "run": rid(name),
        "job": f"job:ns:{job}",
        "dataset": f"dataset:n:{d}",
        "startedAt": at(start),
        "read": read,
    }


# --- a chain that a later clean run ends ---------------------------------------------------


def chain() -> list[dict[str, Any]]:
    return [
        *run("load0", "load", 0, 1, [], ["a"]),
        *run("agg0", "agg", 2, 3, ["a"], ["b"]),
        *run("load1", "load", 10, 11, [], ["a"]),  # the bad run
        *run("audit", "audit", 10, 12, ["a"], []),  # started before load1 ended: read load0
        *run("agg1", "agg", 12, 13, ["a"], ["b"]),
        *run("report1", "report", 14, 15, ["b"], ["c"]),
        *run("load2", "load", 20, 21, [], ["a"]),  # clean again
        *run("agg2", "agg", 22, 23, ["a"], ["b"]),
        *run("report2", "report", 24, 25, ["b"], []),
    ]


CHAIN_ANSWER = {
    "origin": {
        "run": rid("load1"),
        "dataset": None,
        "since": None,
        "until": None,
        "versions": [version("load1", 11)],
    },
    "runs": [
        tainted("load1", "load", 10, 11, 0),
        tainted("agg1", "agg", 12, 13, 1, ("a", "load1")),
        tainted("report1", "report", 14, 15, 2, ("b", "agg1")),
    ],
    "datasets": [
        dataset("a", version("load1", 11), 1, version("load2", 21)),
        dataset("b", version("agg1", 13), 1, version("agg2", 23)),
        dataset("c", version("report1", 15), 1),
    ],
    "models": [],
    "plan": [
        step("load", ["load1"]),
        step("agg", ["agg1"], ["load"]),
        step("report", ["report1"], ["agg"]),
    ],
    "untaintedReads": [
        # agg2 and report2 read clean versions too, but after those replaced the tainted ones
        clean_read("audit", "audit", "a", 10, version("load0", 1)),
    ],
    "truncated": False,
}


@pytest.mark.parametrize("order", ["forward", "reversed", "shuffled"])
async def test_chain_clean_run_ends_the_taint_whatever_the_arrival_order(
    client: httpx.AsyncClient, order: str
) -> None:
    events = chain()
    if order == "reversed":
        events.reverse()
    elif order == "shuffled":
        random.Random(22).shuffle(events)
    for event in events:  # one request each: arrival order is the log's order
        await ingest(client, [event])
    assert await blast(client, run=rid("load1")) == CHAIN_ANSWER


def answer_by_sql(client: httpx.AsyncClient, run_id: str) -> Any:
    """The blast radius the walk gives from SQL alone (no index): the CLI's offline answer."""
    with client.app.state.engine.connect() as conn:  # type: ignore[attr-defined]
        return msgspec.to_builtins(incidents.run_blast_radius(conn, run_id))


async def test_events_after_the_first_query_change_the_answer(client: httpx.AsyncClient) -> None:
    """The collector's index of run uses, built by the first query, follows what arrives
    after it: new runs, a run's later events, a clean version that arrives after a run that
    read the dataset later (out of order)."""
    runs = {name: run(name, *args) for name, *args in [
        ("load0", "load", 0, 1, [], ["a"]), ("agg0", "agg", 2, 3, ["a"], ["b"]),
        ("load1", "load", 10, 11, [], ["a"]), ("audit", "audit", 10, 12, ["a"], []),
        ("agg1", "agg", 12, 13, ["a"], ["b"]), ("report1", "report", 14, 15, ["b"], ["c"]),
        ("load2", "load", 20, 21, [], ["a"]), ("agg2", "agg", 22, 23, ["a"], ["b"]),
        ("report2", "report", 24, 25, ["b"], []),
    ]}  # fmt: skip

    async def stage(*events: dict[str, Any]) -> list[tuple[str, int]]:
        await ingest(client, list(events))
        answer = await blast(client, run=rid("load1"))
        assert answer == answer_by_sql(client, rid("load1"))
        return [(r["id"], r["depth"]) for r in answer["runs"]]

    first = await stage(*runs["load0"], *runs["agg0"], *runs["load1"], *runs["agg1"])
    assert first == [(rid("load1"), 0), (rid("agg1"), 1)]
    # agg2 read a before load2's version of it arrived: load1's, tainted for now
    later = await stage(*runs["agg2"], *runs["report1"])
    assert later == [*first, (rid("agg2"), 1), (rid("report1"), 2)]
    assert await stage(runs["load2"][0]) == later  # started, wrote nothing yet
    await stage(runs["load2"][1], *runs["audit"], *runs["report2"])
    assert await blast(client, run=rid("load1")) == CHAIN_ANSWER


async def test_an_alias_made_after_the_first_query_joins_the_walk(
    client: httpx.AsyncClient,
) -> None:
    """A symlinks facet arriving later makes `alias:x`, which `reader` read, the bad
    dataset's alias: the reader is tainted from then on."""
    await ingest(client, [*run("bad", "w", 0, 1, [], ["a"])])
    reader = run("reader", "r", 2, 3, [], ["b"])
    for event in reader:
        event["inputs"] = [ds("alias", "x")]
    await ingest(client, reader)
    assert [r["id"] for r in (await blast(client, run=rid("bad")))["runs"]] == [rid("bad")]
    link = {"symlinks": {"identifiers": [{"namespace": "alias", "name": "x", "type": "TABLE"}]}}
    await ingest(client, run("later", "w", 10, 11, [], ["a"], output_facets={"a": link}))
    answer = await blast(client, run=rid("bad"))
    assert [(r["id"], r["via"]) for r in answer["runs"]] == [
        (rid("bad"), []),
        (rid("reader"), [{"dataset": "dataset:n:a", "run": rid("bad")}]),
    ]
    assert answer == answer_by_sql(client, rid("bad"))


async def test_dataset_window_and_bounds(client: httpx.AsyncClient) -> None:
    await ingest(client, chain())
    window = await blast(client, dataset="dataset:n:a", since=at(5), until=at(15))
    assert window == {
        **CHAIN_ANSWER,
        "origin": {
            "run": None,
            "dataset": "dataset:n:a",
            "since": at(5),
            "until": at(15),
            "versions": [version("load1", 11)],
        },
    }
    cut = await blast(client, run=rid("load1"), limit=2)
    assert [r["id"] for r in cut["runs"]] == [rid("load1"), rid("agg1")]
    assert [d["id"] for d in cut["datasets"]] == ["dataset:n:a", "dataset:n:b"]
    assert cut["truncated"] is True
    shallow = await blast(client, run=rid("load1"), depth=1)
    assert [r["id"] for r in shallow["runs"]] == [rid("load1"), rid("agg1")]
    assert shallow["truncated"] is True
    assert (await blast(client, run=rid("load1"), depth=2))["truncated"] is False
    nothing = await blast(client, dataset="dataset:n:a", since=at(100))
    assert (nothing["runs"], nothing["datasets"], nothing["plan"]) == ([], [], [])


async def test_provenance_of_a_run_and_of_a_version(client: httpx.AsyncClient) -> None:
    code = {
        "sourceCodeLocation": {
            "type": "git",
            "url": "https://example.com/etl.git",
            "repoUrl": "https://example.com/etl.git",
            "path": "agg.py",
            "version": "abc123",
            "branch": "main",
        },
        "sourceCode": {"language": "python", "sourceCode": "print(1)"},
    }
    checks = {"dataQualityAssertions": {"assertions": [
        {"assertion": "not_null", "success": False, "column": "id"},
        {"assertion": "row_count", "success": True},
    ]}}  # fmt: skip
    await ingest(
        client,
        [
            *run("load1", "load", 10, 11, [], ["a"]),
            *run(
                "agg1",
                "agg",
                12,
                13,
                ["a"],
                ["b"],
                job_facets=code,
                run_facets={"ml_hyperparameters": {"parameters": {"window": 7}}},
                input_facets={"a": checks},
            ),
            *run("report1", "report", 14, 15, ["b"], ["c"]),
        ],
    )
    response = await client.get(f"/api/v1/jobs/runs/{rid('report1')}/provenance")
    assert response.status_code == 200, response.text
    answer = response.json()

    def prov(name: str, job: str, start: int, end: int, depth: int, **kw: Any) -> Any:
        return {
            "id": rid(name),
            "job": f"job:ns:{job}",
            "jobNamespace": "ns",
            "jobName": job,
            "state": "COMPLETED",
            "startedAt": at(start),
            "endedAt": at(end),
            "depth": depth,
            "code": None,
            "parameters": {},
            "inputs": [],
            "outputs": [],
            "failedChecks": [],
            **kw,
        }

    def read(d: str, name: str, minute: int) -> Any:
        return {"dataset": f"dataset:n:{d}", "version": None, "run": rid(name),
                "writtenAt": at(minute)}  # fmt: skip

    runs = [
        prov("report1", "report", 14, 15, 0, inputs=[read("b", "agg1", 13)],
             outputs=["dataset:n:c"]),
        prov("agg1", "agg", 12, 13, 1, inputs=[read("a", "load1", 11)],
             outputs=["dataset:n:b"], parameters={"window": 7},
             code={"type": "git", "url": "https://example.com/etl.git",
                   "repoUrl": "https://example.com/etl.git", "path": "agg.py",
                   "version": "abc123", "tag": None, "branch": "main", "language": "python"},
             failedChecks=[{"dataset": "dataset:n:a", "assertion": "not_null",
                            "column": "id"}]),
        prov("load1", "load", 10, 11, 2, outputs=["dataset:n:a"]),
    ]  # fmt: skip
    assert answer == {
        "run": rid("report1"),
        "dataset": None,
        "version": None,
        "runs": runs,
        "truncated": False,
    }
    response = await client.get(
        f"/api/v1/namespaces/n/datasets/b/versions/{rid('agg1')}/provenance", params={"depth": 1}
    )
    assert response.status_code == 200, response.text
    assert response.json() == {
        "run": rid("agg1"),
        "dataset": "dataset:n:b",
        "version": version("agg1", 13),
        "runs": [{**runs[1], "depth": 0}, {**runs[2], "depth": 1}],
        "truncated": False,
    }
    cut = (await client.get(f"/api/v1/jobs/runs/{rid('report1')}/provenance?depth=1")).json()
    assert ([r["id"] for r in cut["runs"]], cut["truncated"]) == (
        [rid("report1"), rid("agg1")],
        True,
    )


async def test_every_listed_version_has_the_provenance_of_its_run(
    client: httpx.AsyncClient,
) -> None:
    """The versions list names schema versions by hash: each is the version its first
    reporter wrote (or, for a reader, read); a failed writer's is no data version."""

    def with_schema(*fields: str) -> dict[str, dict[str, Any]]:
        return {"s": {"schema": schema(*fields)}}

    reader = run("r2", "r", 30, 31, ["s"], [])
    for event in reader:  # a reader reporting a schema no writer sent
        event["inputs"][0]["facets"]["schema"] = schema("id:int", "note")
    await ingest(
        client,
        [
            *run("w1", "w", 0, 1, [], ["s"], output_facets=with_schema("id:int")),
            *run("w2", "w", 10, 11, [], ["s"], output_facets=with_schema("id:int", "x")),
            *run("w3", "w", 20, 21, [], ["s"], state="FAIL", output_facets=with_schema("y")),
            *reader,
        ],
    )
    listed = (await client.get("/api/v1/namespaces/n/datasets/s/versions")).json()["versions"]
    assert [v["runId"] for v in listed] == [rid("r2"), rid("w3"), rid("w2"), rid("w1")]
    answers = []
    for v in listed:
        response = await client.get(
            f"/api/v1/namespaces/n/datasets/s/versions/{v['version']}/provenance"
        )
        body = response.json()
        answers.append(
            (response.status_code, body["version"])
            if response.status_code == 200
            else (response.status_code, body["error"]["field"])
        )
    assert answers == [
        (200, version("w2", 11)),
        (404, "version"),
        (200, version("w2", 11)),
        (200, version("w1", 1)),
    ]


# --- a diamond, a failed run, a model --------------------------------------------------------


async def test_diamond_two_tainted_paths_meet(client: httpx.AsyncClient) -> None:
    await ingest(
        client,
        [
            *run("src", "src", 0, 1, [], ["x"]),
            *run("left", "left", 2, 3, ["x"], ["y"]),
            *run("right", "right", 2, 8, ["x"], ["z"]),
            *run("join", "join", 9, 10, ["y", "z"], ["w"]),
        ],
    )
    answer = await blast(client, run=rid("src"))
    assert answer["runs"] == [
        tainted("src", "src", 0, 1, 0),
        tainted("left", "left", 2, 3, 1, ("x", "src")),
        tainted("right", "right", 2, 8, 1, ("x", "src")),
        tainted("join", "join", 9, 10, 2, ("y", "left"), ("z", "right")),
    ]
    assert answer["plan"] == [
        step("src", ["src"]),
        step("left", ["left"], ["src"]),
        step("right", ["right"], ["src"]),
        step("join", ["join"], ["left", "right"]),
    ]
    assert [d["id"] for d in answer["datasets"]] == [f"dataset:n:{d}" for d in "wxyz"]


def pinned_versions() -> list[dict[str, Any]]:
    v = {"t": "v1"}
    return [
        *run("w1", "writer", 0, 1, [], ["t"], versions={"t": "v1"}),
        *run("w2", "writer", 10, 11, [], ["t"], versions={"t": "v2"}),  # the bad one
        *run("w3", "writer", 20, 21, [], ["t"], versions={"t": "v3"}),
        # started after v3 was written, but says it read v2: tainted
        *run("late", "late", 30, 31, ["t"], ["u"], versions={"t": "v2"}),
        # started after v2 was written, but says it read v1: clean
        *run("pinned", "pinned", 12, 13, ["t"], [], versions=v),
    ]


PINNED_ANSWER = {
    "origin": {"run": rid("w2"), "dataset": None, "since": None, "until": None,
               "versions": [version("w2", 11, "v2")]},
    "runs": [tainted("w2", "writer", 10, 11, 0),
             tainted("late", "late", 30, 31, 1, ("t", "w2"))],
    "datasets": [dataset("t", version("w2", 11, "v2"), 1, version("w3", 21, "v3")),
                 dataset("u", version("late", 31), 1)],
    "models": [],
    "plan": [step("writer", ["w2"]), step("late", ["late"], ["writer"])],
    "untaintedReads": [clean_read("pinned", "pinned", "t", 12, version("w1", 1, "v1"))],
    "truncated": False,
}  # fmt: skip


async def test_explicit_version_facet_decides_what_was_read(client: httpx.AsyncClient) -> None:
    await ingest(client, pinned_versions())
    assert await blast(client, run=rid("w2")) == PINNED_ANSWER
    response = await client.get("/api/v1/namespaces/n/datasets/t/versions/v2/provenance")
    assert response.status_code == 200, response.text
    assert response.json()["version"] == version("w2", 11, "v2")
    assert [r["id"] for r in response.json()["runs"]] == [rid("w2")]
    # replay rebuilds the versions from the event log: the same answer
    replay(client.app.state.engine)  # type: ignore[attr-defined]
    assert await blast(client, run=rid("w2")) == PINNED_ANSWER


async def test_failed_run_in_the_middle_writes_no_version(client: httpx.AsyncClient) -> None:
    await ingest(
        client,
        [
            *run("m0", "mid", 0, 1, [], ["b"]),
            *run("src", "src", 10, 11, [], ["a"]),
            *run("mid", "mid", 12, 13, ["a"], ["b"], state="FAIL"),
            *run("end", "end", 14, 15, ["b"], ["c"]),  # reads m0's b: clean
        ],
    )
    answer = await blast(client, run=rid("src"))
    assert answer["runs"] == [
        tainted("src", "src", 10, 11, 0),
        {**tainted("mid", "mid", 12, 13, 1, ("a", "src")), "state": "FAILED"},
    ]
    assert answer["datasets"] == [dataset("a", version("src", 11), 1)]
    assert answer["plan"] == [step("src", ["src"]), step("mid", ["mid"], ["src"])]
    assert answer["untaintedReads"] == []


async def test_model_trained_on_tainted_data(client: httpx.AsyncClient) -> None:
    model = {"ml_model": {"version": "7", "framework": "sklearn"}}
    await ingest(
        client,
        [
            *run("src", "features", 0, 1, [], ["features"]),
            *run("train", "train", 2, 3, ["features"], ["model"], output_facets={"model": model}),
        ],
    )
    answer = await blast(client, run=rid("src"))
    assert answer["models"] == [
        {
            "id": "dataset:n:model",
            "namespace": "n",
            "name": "model",
            "version": "7",
            "trainingRun": rid("train"),
            "trainingJob": "job:ns:train",
            "trainedAt": at(3),
        }
    ]
    assert [d["id"] for d in answer["datasets"]] == ["dataset:n:features"]
    assert [s["job"] for s in answer["plan"]] == ["job:ns:features", "job:ns:train"]


async def test_bad_requests_name_the_field(client: httpx.AsyncClient) -> None:
    await ingest(client, chain())
    cases = [
        ({}, 400, "run"),
        ({"run": rid("load1"), "dataset": "dataset:n:a"}, 400, "run"),
        ({"run": rid("load1"), "since": at(1)}, 400, "since"),
        ({"dataset": "dataset:n:a"}, 400, "since"),
        ({"dataset": "dataset:n:a", "since": "yesterday"}, 400, "since"),
        ({"dataset": "dataset:n:a", "since": at(5), "until": at(1)}, 400, "until"),
        ({"dataset": "job:ns:load", "since": at(5)}, 400, "dataset"),
        ({"dataset": "dataset:n:nope", "since": at(5)}, 404, "dataset"),
        ({"run": "nope"}, 404, "run"),
        ({"run": rid("load1"), "limit": 0}, 422, "limit"),
        ({"run": rid("load1"), "bogus": 1}, 422, "bogus"),
    ]
    for body, status, field in cases:
        response = await client.post("/api/v1/incidents/blast-radius", json=body)
        assert (response.status_code, response.json()["error"]["field"]) == (status, field), body
    missing = await client.get("/api/v1/jobs/runs/nope/provenance")
    assert (missing.status_code, missing.json()["error"]["field"]) == (404, "runId")
    missing = await client.get("/api/v1/namespaces/n/datasets/a/versions/nope/provenance")
    assert (missing.status_code, missing.json()["error"]["field"]) == (404, "version")
