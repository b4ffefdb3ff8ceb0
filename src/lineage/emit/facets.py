"""Our ML facets, built on openlineage-python's attrs facet base classes.

Each class serialises (through the client's ``Serde``) to the JSON object described by the schema
file ``src/lineage/schemas/<Name>.json`` and carries ``_schemaURL`` pointing at that file's
``$defs/<Name>``. The facet *keys* under which they are attached are part of the contract with the
collector and are listed in :data:`FACET_KEYS`.

Fields that are ``None`` are dropped on the wire by the client's serialiser, so every optional
field is simply absent when unknown.
"""

from __future__ import annotations

from typing import Any

import attr
from openlineage.client.generated.base import DatasetFacet, InputDatasetFacet, RunFacet

SCHEMA_BASE_URL = (
    "https://raw.githubusercontent.com/lineage-collector/lineage/main/src/lineage/schemas/"
)
PRODUCER = "https://github.com/lineage-collector/lineage/tree/main/src/lineage/emit"


def schema_url(name: str) -> str:
    """The ``_schemaURL`` of our facet ``name`` (the schema file's ``$defs`` entry)."""
    return f"{SCHEMA_BASE_URL}{name}.json#/$defs/{name}"


@attr.define
class MLHyperparametersRunFacet(RunFacet):
    """Run facet ``ml_hyperparameters``: the flattened training configuration.

    ``parameters`` maps dotted keys (``optimizer.lr``, ``layers.0.units``) to scalars (string,
    number or boolean); ``configHash`` is the sha256 hex digest of the canonical JSON of
    ``parameters`` (see :func:`lineage.emit.params.config_hash`).
    """

    parameters: dict[str, Any]
    configHash: str

    @staticmethod
    def _get_schema() -> str:
        return schema_url("MLHyperparametersRunFacet")


@attr.define
class MLMetricsRunFacet(RunFacet):
    """Run facet ``ml_metrics``: final metric values plus a summary of each per-step series.

    ``series[name]`` is ``{"count", "min", "max", "first", "last", "lastStep"}``.
    """

    metrics: dict[str, Any]
    series: dict[str, dict[str, Any]] = attr.field(factory=dict)

    @staticmethod
    def _get_schema() -> str:
        return schema_url("MLMetricsRunFacet")


@attr.define
class MLCodeVersionRunFacet(RunFacet):
    """Run facet ``ml_codeVersion``: the code that ran (git state read at run start)."""

    entryPoint: str
    gitCommit: str | None = attr.field(default=None)
    gitBranch: str | None = attr.field(default=None)
    dirty: bool | None = attr.field(default=None)
    repoUrl: str | None = attr.field(default=None)

    @staticmethod
    def _get_schema() -> str:
        return schema_url("MLCodeVersionRunFacet")


@attr.define
class MLEnvironmentRunFacet(RunFacet):
    """Run facet ``ml_environment``: interpreter, platform, framework versions and device."""

    python: str
    platform: str
    frameworks: dict[str, str] = attr.field(factory=dict)
    device: str | None = attr.field(default=None)

    @staticmethod
    def _get_schema() -> str:
        return schema_url("MLEnvironmentRunFacet")


@attr.define
class MLflowRunFacet(RunFacet):
    """Run facet ``ml_mlflow``: back-reference to the MLflow run active during training."""

    runId: str
    experimentId: str | None = attr.field(default=None)
    experimentName: str | None = attr.field(default=None)
    trackingUri: str | None = attr.field(default=None)

    @staticmethod
    def _get_schema() -> str:
        return schema_url("MLflowRunFacet")


@attr.define
class MLModelDatasetFacet(DatasetFacet):
    """Dataset facet ``ml_model`` on the model artifact (an output dataset's ``facets``)."""

    uri: str
    framework: str
    sha256: str | None = attr.field(default=None)
    sizeBytes: int | None = attr.field(default=None)
    flavor: str | None = attr.field(default=None)
    registeredName: str | None = attr.field(default=None)
    version: str | None = attr.field(default=None)

    @staticmethod
    def _get_schema() -> str:
        return schema_url("MLModelDatasetFacet")


@attr.define
class MLInputRoleInputDatasetFacet(InputDatasetFacet):
    """Input dataset facet ``ml_inputRole`` (in ``inputFacets``): how the run used the input."""

    role: str
    datasetVersion: str | None = attr.field(default=None)
    rowCount: int | None = attr.field(default=None)

    @staticmethod
    def _get_schema() -> str:
        return schema_url("MLInputRoleInputDatasetFacet")


INPUT_ROLES = ("train", "validation", "test", "other")

#: facet key -> (class, where it is attached)
FACET_KEYS: dict[str, tuple[type, str]] = {
    "ml_hyperparameters": (MLHyperparametersRunFacet, "run.facets"),
    "ml_metrics": (MLMetricsRunFacet, "run.facets"),
    "ml_codeVersion": (MLCodeVersionRunFacet, "run.facets"),
    "ml_environment": (MLEnvironmentRunFacet, "run.facets"),
    "ml_mlflow": (MLflowRunFacet, "run.facets"),
    "ml_model": (MLModelDatasetFacet, "outputs[].facets"),
    "ml_inputRole": (MLInputRoleInputDatasetFacet, "inputs[].inputFacets"),
}
