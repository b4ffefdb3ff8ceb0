"""Input and output datasets of a training run, and the model artifact dataset.

Dataset naming follows the OpenLineage conventions: a local file is namespace ``file`` with its
absolute path as the name; ``s3://bucket/key`` is namespace ``s3://bucket`` and name ``key``.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any, TypedDict, Unpack
from urllib.parse import urlparse

from openlineage.client.event_v2 import InputDataset, OutputDataset
from openlineage.client.facet_v2 import dataset_type_dataset

from lineage.emit.facets import (
    INPUT_ROLES,
    PRODUCER,
    MLInputRoleInputDatasetFacet,
    MLModelDatasetFacet,
)

CHUNK_BYTES = 1 << 20


class ModelNaming(TypedDict, total=False):
    """The names of a model artifact, keywords of every call that logs one: its registry
    name and version, and ``namespace``/``name`` overriding the dataset identity derived
    from its URI."""

    registered_name: str | None
    version: str | int | None
    namespace: str | None
    name: str | None


def dataset_id(uri_or_path: str | os.PathLike[str]) -> tuple[str, str]:
    """``(namespace, name)`` for a local path, a ``file://`` URI or a ``scheme://host/path``."""
    text = os.fspath(uri_or_path)
    parsed = urlparse(text)
    if parsed.scheme in ("", "file") or len(parsed.scheme) == 1:  # 1 letter: a Windows drive
        path = parsed.path if parsed.scheme == "file" else text
        return "file", str(Path(path).expanduser().resolve())
    if parsed.netloc:
        return f"{parsed.scheme}://{parsed.netloc}", parsed.path.lstrip("/") or "/"
    return parsed.scheme, parsed.path.lstrip("/")


def local_path(uri_or_path: str | os.PathLike[str]) -> Path | None:
    """The local filesystem path behind a path or ``file://`` URI, else ``None``."""
    namespace, name = dataset_id(uri_or_path)
    return Path(name) if namespace == "file" else None


def file_digest(path: Path) -> tuple[str, int]:
    """``(sha256 hex, size in bytes)`` of a file, or of a directory's files in a stable order.

    For a directory the digest covers each regular file's relative POSIX path and content, in
    sorted path order, so renaming or editing any file changes it.
    """
    digest = hashlib.sha256()
    if path.is_file():
        files = [path]
    else:
        files = sorted((p for p in path.rglob("*") if p.is_file()), key=lambda p: p.as_posix())
    size = 0
    for file in files:
        if file is not path:
            digest.update(file.relative_to(path).as_posix().encode("utf-8") + b"\0")
        with file.open("rb") as handle:
            while chunk := handle.read(CHUNK_BYTES):
                digest.update(chunk)
                size += len(chunk)
    return digest.hexdigest(), size


def training_input(
    namespace: str,
    name: str,
    *,
    role: str = "train",
    dataset_version: str | None = None,
    row_count: int | None = None,
    facets: dict[str, Any] | None = None,
) -> InputDataset:
    """An input dataset carrying the ``ml_inputRole`` input facet."""
    if role not in INPUT_ROLES:
        msg = f"role must be one of {INPUT_ROLES}, got {role!r}"
        raise ValueError(msg)
    role_facet = MLInputRoleInputDatasetFacet(
        role=role,
        datasetVersion=dataset_version,
        rowCount=None if row_count is None else int(row_count),
        producer=PRODUCER,
    )
    return InputDataset(
        namespace=namespace,
        name=name,
        facets=dict(facets or {}),
        inputFacets={"ml_inputRole": role_facet},
    )


def file_input(
    path: str | os.PathLike[str],
    *,
    role: str = "train",
    dataset_version: str | None = None,
    row_count: int | None = None,
) -> InputDataset:
    """A local file as an input (namespace ``file``, absolute path as the name)."""
    namespace, name = dataset_id(path)
    return training_input(
        namespace, name, role=role, dataset_version=dataset_version, row_count=row_count
    )


def output_dataset(
    uri_or_path: str | os.PathLike[str], *, facets: dict[str, Any] | None = None
) -> OutputDataset:
    """An output dataset (a file or any URI) without ML facets."""
    namespace, name = dataset_id(uri_or_path)
    return OutputDataset(namespace=namespace, name=name, facets=dict(facets or {}))


def model_dataset(
    uri: str | os.PathLike[str],
    *,
    framework: str,
    flavor: str | None = None,
    **naming: Unpack[ModelNaming],
) -> OutputDataset:
    """The model artifact as an output dataset with ``ml_model`` and ``datasetType=MODEL``.

    For a local file or directory the sha256 and size are computed; for a remote URI they are
    left out. ``namespace``/``name`` override the identity derived from ``uri``.
    """
    version = naming.get("version")
    derived_ns, derived_name = dataset_id(uri)
    path = local_path(uri)
    sha256, size = file_digest(path) if path is not None and path.exists() else (None, None)
    model = MLModelDatasetFacet(
        uri=str(path) if path is not None else os.fspath(uri),
        framework=framework,
        sha256=sha256,
        sizeBytes=size,
        flavor=flavor,
        registeredName=naming.get("registered_name"),
        version=None if version is None else str(version),
        producer=PRODUCER,
    )
    kind = dataset_type_dataset.DatasetTypeDatasetFacet(datasetType="MODEL", producer=PRODUCER)
    return OutputDataset(
        namespace=naming.get("namespace") or derived_ns,
        name=naming.get("name") or derived_name,
        facets={"ml_model": model, "datasetType": kind},
    )
