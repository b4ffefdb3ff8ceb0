"""Every facet the emitter produces validates against our JSON schema files."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import mlflow
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from openlineage.client import OpenLineageClient
from openlineage.client.transport.file import FileConfig, FileTransport

from lineage.emit import FACET_KEYS, config_hash, file_input, flatten_params, training_run
from lineage.emit.facets import SCHEMA_BASE_URL, schema_url

SCHEMA_DIR = Path(__file__).resolve().parents[2] / "src" / "lineage" / "schemas"


def load_schema(name: str) -> dict[str, Any]:
    return dict(json.loads((SCHEMA_DIR / f"{name}.json").read_text()))


def file_client(path: Path) -> OpenLineageClient:
    config = FileConfig(log_file_path=str(path), append=True)
    return OpenLineageClient(transport=FileTransport(config))


def our_facets(event: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(key, facet) for every facet of ours anywhere in the event."""
    found = list(event["run"]["facets"].items()) + list(event["job"]["facets"].items())
    for dataset in event["inputs"]:
        found += list(dataset["facets"].items()) + list(dataset["inputFacets"].items())
    for dataset in event["outputs"]:
        found += list(dataset["facets"].items()) + list(dataset["outputFacets"].items())
    return [(k, f) for k, f in found if f["_schemaURL"].startswith(SCHEMA_BASE_URL)]


def emitted_events(tmp_path: Path) -> list[dict[str, Any]]:
    """Run a training job that produces every facet of ours, through the file transport."""
    mlflow.set_tracking_uri((tmp_path / "mlruns").as_uri())  # file store: needs the opt-in
    features = tmp_path / "f.csv"
    features.write_text("x\n1\n")
    model = tmp_path / "model"
    model.mkdir()
    (model / "weights.bin").write_bytes(b"\x00\x01")
    (model / "MLmodel").write_text("flavors: {}\n")
    log_file = tmp_path / "events.ndjson"
    with (
        mlflow.start_run(),
        training_run(
            "schema-check",
            client=file_client(log_file),
            inputs=[file_input(features, role="validation", row_count=1)],
            params={"a": {"b": [1, 2.5, "x", True, None]}, "empty": {}, "inf": float("inf")},
            parent=f"ns/parent.job/{uuid.uuid4()}",
        ) as run,
    ):
        run.log_metric("loss", 1.0, step=0)
        run.log_metric("loss", float("nan"), step=1)
        run.log_model(model, framework="pytorch", flavor="mlflow.pytorch", version=1)
    return [json.loads(line) for line in log_file.read_text().splitlines()]


def test_schema_files_are_valid_2020_12_with_matching_ids() -> None:
    names = sorted(p.stem for p in SCHEMA_DIR.glob("*.json"))
    assert names == sorted(cls.__name__ for cls, _ in FACET_KEYS.values())
    for key, (cls, _) in FACET_KEYS.items():
        schema = load_schema(cls.__name__)
        Draft202012Validator.check_schema(schema)
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        assert schema["$id"] == f"{SCHEMA_BASE_URL}{cls.__name__}.json"
        assert schema["properties"] == {key: {"$ref": f"#/$defs/{cls.__name__}"}}
        assert schema_url(cls.__name__) == f"{schema['$id']}#/$defs/{cls.__name__}"


def test_every_emitted_facet_validates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")
    events = emitted_events(tmp_path)
    assert [e["eventType"] for e in events] == ["START", "COMPLETE"]
    seen: set[str] = set()
    for event in events:
        for key, facet in our_facets(event):
            name = facet["_schemaURL"].rsplit("/", 1)[-1]
            assert facet["_schemaURL"] == schema_url(name)
            schema = load_schema(name)
            assert key in schema["properties"], f"{key} is not the key of {name}"
            validator = Draft202012Validator(
                schema, format_checker=Draft202012Validator.FORMAT_CHECKER
            )
            errors = [e.message for e in validator.iter_errors({key: facet})]
            assert errors == [], f"{key}: {errors}"
            seen.add(key)
    assert seen == set(FACET_KEYS)

    complete = events[-1]
    params = complete["run"]["facets"]["ml_hyperparameters"]["parameters"]
    assert params == {
        "a.b.0": 1,
        "a.b.1": 2.5,
        "a.b.2": "x",
        "a.b.3": True,
        "empty": "{}",
        "inf": "Infinity",
    }
    model = complete["outputs"][0]["facets"]["ml_model"]
    assert model["sizeBytes"] == 2 + len("flavors: {}\n")
    assert len(model["sha256"]) == 64


def test_schemas_reject_wrong_shapes() -> None:
    validator = Draft202012Validator(load_schema("MLInputRoleInputDatasetFacet"))
    bad = {"_producer": "https://x", "_schemaURL": "https://y", "role": "training"}
    assert not validator.is_valid({"ml_inputRole": bad})
    validator = Draft202012Validator(load_schema("MLHyperparametersRunFacet"))
    nested = {
        "_producer": "https://x",
        "_schemaURL": "https://y",
        "parameters": {"a": {"b": 1}},
        "configHash": "0" * 64,
    }
    assert not validator.is_valid({"ml_hyperparameters": nested})


def test_flatten_rules() -> None:
    assert flatten_params({"opt": {"lr": 0.1, "betas": (0.9, 0.99)}, "tags": [], "n": None}) == {
        "opt.lr": 0.1,
        "opt.betas.0": 0.9,
        "opt.betas.1": 0.99,
        "tags": "[]",
    }
    assert flatten_params({"p": Path("/a/b"), "nan": float("nan")}) == {"p": "/a/b", "nan": "NaN"}


def test_config_hash_is_sha256_of_canonical_json() -> None:
    import hashlib

    params = {"b": 1, "a": "é"}
    canonical = '{"a":"é","b":1}'.encode()
    assert config_hash(params) == hashlib.sha256(canonical).hexdigest()


nested_configs = st.recursive(
    st.one_of(st.integers(), st.text(max_size=5), st.booleans(), st.floats(allow_nan=False)),
    lambda children: st.dictionaries(st.text("abc", min_size=1, max_size=3), children, max_size=3),
    max_leaves=10,
)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.text("xyz", min_size=1, max_size=3), nested_configs, max_size=4))
def test_config_hash_ignores_key_order(config: dict[str, Any]) -> None:
    flat = flatten_params(config)
    reordered = dict(reversed(list(flat.items())))
    assert config_hash(reordered) == config_hash(flat)
    assert flatten_params(flat) == flat


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("airflow/dag.task/01a209aa-774a-724d-83d7-bc38dd6eec1f", ("airflow", "dag.task")),
        ("s3://b/p/job/01a209aa-774a-724d-83d7-bc38dd6eec1f", ("s3://b/p", "job")),
    ],
)
def test_parse_run_ref(value: str, expected: tuple[str, str]) -> None:
    from lineage.emit import parse_run_ref

    ref = parse_run_ref(value)
    assert (ref.namespace, ref.name, ref.run_id) == (*expected, value.rsplit("/", 1)[-1])
