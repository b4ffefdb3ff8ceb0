"""Hand-written OpenLineage events for tests (builders, not fixtures copied from elsewhere)."""

from __future__ import annotations

import uuid
from typing import Any

SCHEMA_URL = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/{}"
PRODUCER = "https://example.com/lineage-tests"


def ds(namespace: str, name: str, **facets: Any) -> dict[str, Any]:
    """A dataset reference with facets."""
    return {"namespace": namespace, "name": name, "facets": facets}


def schema(*fields: str) -> dict[str, Any]:
    """A schema facet; fields as 'name:type'."""
    return {
        "fields": [
            {"name": f.split(":")[0], "type": f.split(":")[1] if ":" in f else "string"}
            for f in fields
        ]
    }


def column_lineage(
    mapping: dict[str, list[tuple[str, str, str]]],
    kind: str = "DIRECT",
    *,
    dataset_wide: list[tuple[str, str, str]] | None = None,
) -> dict[str, Any]:
    """columnLineage facet: output field -> [(namespace, name, field)]; `dataset_wide` are
    the fields the whole output depends on (the facet's `dataset`, INDIRECT)."""
    facet: dict[str, Any] = {
        "fields": {
            out: {"inputFields": _input_fields(sources, kind)} for out, sources in mapping.items()
        }
    }
    if dataset_wide is not None:
        facet["dataset"] = _input_fields(dataset_wide, "INDIRECT")
    return facet


def _input_fields(sources: list[tuple[str, str, str]], kind: str) -> list[dict[str, Any]]:
    return [
        {"namespace": n, "name": d, "field": f, "transformations": [{"type": kind}]}
        for n, d, f in sources
    ]


def run_event(
    job: str,
    *,
    event_type: str | None = "COMPLETE",
    time: str = "2024-01-01T00:00:00Z",
    run_id: str | None = None,
    namespace: str = "ns",
    inputs: list[dict[str, Any]] | None = None,
    outputs: list[dict[str, Any]] | None = None,
    run_facets: dict[str, Any] | None = None,
    job_facets: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A RunEvent."""
    event: dict[str, Any] = {
        "eventTime": time,
        "producer": PRODUCER,
        "schemaURL": SCHEMA_URL.format("RunEvent"),
        "run": {"runId": run_id or str(uuid.uuid4()), "facets": run_facets or {}},
        "job": {"namespace": namespace, "name": job, "facets": job_facets or {}},
        "inputs": inputs or [],
        "outputs": outputs or [],
    }
    if event_type is not None:
        event["eventType"] = event_type
    return event


def parent_facet(job: str, run_id: str, namespace: str = "ns") -> dict[str, Any]:
    """A parent run facet (root = parent)."""
    ref = {"run": {"runId": run_id}, "job": {"namespace": namespace, "name": job}}
    return {**ref, "root": ref}


def job_event(
    job: str,
    *,
    time: str = "2024-01-01T00:00:00Z",
    namespace: str = "ns",
    inputs: list[dict[str, Any]] | None = None,
    outputs: list[dict[str, Any]] | None = None,
    job_facets: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A JobEvent: a job's declared inputs and outputs, without a run."""
    return {
        "eventTime": time,
        "producer": PRODUCER,
        "schemaURL": SCHEMA_URL.format("JobEvent"),
        "job": {"namespace": namespace, "name": job, "facets": job_facets or {}},
        "inputs": inputs or [],
        "outputs": outputs or [],
    }


def dataset_event(dataset: dict[str, Any], *, time: str = "2024-01-01T00:00:00Z") -> dict[str, Any]:
    """A DatasetEvent about one dataset (a reference from `ds`)."""
    return {
        "eventTime": time,
        "producer": PRODUCER,
        "schemaURL": SCHEMA_URL.format("DatasetEvent"),
        "dataset": dataset,
    }
