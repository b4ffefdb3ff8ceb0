"""Typed views of the facets the collector understands; everything else is kept verbatim.

Each reader is forgiving: a facet missing its schema-required keys yields what can be read
and never raises, because producers in the wild send partial facets.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import orjson
from cachetools import LRUCache

from lineage import jsonio
from lineage.events import DatasetRef, parse_run_id, parse_time


@dataclass(frozen=True, slots=True)
class Field:
    """A schema field flattened to a dotted path (`address.city` for nested structs)."""

    name: str
    type: str | None
    description: str | None


@dataclass(frozen=True, slots=True)
class ColumnEdge:
    """Output field <- input field, with its transformation. `out_field` '' = whole dataset."""

    out_field: str
    in_namespace: str
    in_name: str
    in_field: str
    type: str
    subtype: str | None
    description: str | None
    masking: bool


@dataclass(frozen=True, slots=True)
class FacetTag:
    """One entry of a `tags` facet; `field` is '' unless a dataset's tag names a field."""

    field: str
    key: str
    value: str | None
    source: str | None


@dataclass(frozen=True, slots=True)
class ParentRef:
    """The parent (and root) run named by a `parent` run facet."""

    run_id: str
    run_id_raw: str
    job_namespace: str
    job_name: str
    root_run_id: str | None
    root_job_namespace: str | None
    root_job_name: str | None


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def is_deleted(facet: dict[str, Any]) -> bool:
    """True for a `{"_deleted": true}` facet, which removes the key from its owner."""
    return facet.get("_deleted") is True


def schema_fields(facets: dict[str, Any]) -> list[dict[str, Any]] | None:
    """The `schema` facet's fields as sent (nested), or None without a schema facet."""
    schema = facets.get("schema")
    if not isinstance(schema, dict) or is_deleted(schema):
        return None
    return [f for f in _list(schema.get("fields")) if isinstance(f, dict) and _str(f.get("name"))]


def flatten_fields(fields: list[dict[str, Any]], prefix: str = "") -> list[Field]:
    """Nested schema fields as dotted paths, parents before children."""
    flat: list[Field] = []
    for item in fields:
        name = _str(item.get("name"))
        if name is None:
            continue
        path = f"{prefix}{name}"
        flat.append(Field(path, _str(item.get("type")), _str(item.get("description"))))
        flat.extend(flatten_fields(_list(item.get("fields")), prefix=f"{path}."))
    return flat


# A job sends the same schema and column lineage run after run: the readers below are memoized
# on the facet's JSON, which orjson writes in a few microseconds, far less than reading it.
MEMO_BYTES = 16 << 20  # per reader: what its cached keys and results may hold at most
_R = TypeVar("_R")


class JsonMemo(Generic[_R]):
    """A reader's results by the JSON it read, least recently used first out, bounded by the
    bytes the entries hold (a key of a few MB counts for what it is, not as one entry)."""

    def __init__(
        self, read: Callable[[bytes], _R], *, result_factor: float, max_bytes: int = MEMO_BYTES
    ) -> None:
        # an entry holds its key and a result of about `result_factor` times the key's size
        self._read, self._factor, self.max_bytes = read, 1 + result_factor, max_bytes
        self._cache: LRUCache[bytes, tuple[int, _R]] = LRUCache(
            maxsize=max_bytes, getsizeof=lambda entry: entry[0]
        )
        self._lock = threading.Lock()

    def __call__(self, key: bytes) -> _R:
        with self._lock:
            entry = self._cache.get(key)
        if entry is not None:
            return entry[1]
        result = self._read(key)
        size = int(len(key) * self._factor) + 200
        if size <= self.max_bytes:
            with self._lock:
                self._cache[key] = (size, result)
        return result

    @property
    def held_bytes(self) -> int:
        """What the entries count for now."""
        return int(self._cache.currsize)


def schema_hash(fields: list[dict[str, Any]]) -> str:
    """A stable hash of a schema's names and types, used as its version id."""
    return _schema_hash(jsonio.dumps(fields))


def _read_schema_hash(fields_json: bytes) -> str:
    flat = [(f.name, f.type) for f in flatten_fields(jsonio.loads(fields_json))]
    return hashlib.sha256(orjson.dumps(flat)).hexdigest()[:32]


_schema_hash = JsonMemo(_read_schema_hash, result_factor=0)


def column_edges(facets: dict[str, Any]) -> tuple[ColumnEdge, ...] | None:
    """Column lineage from `columnLineage` (fields and dataset-level `dataset[]`).

    None when the dataset carries no columnLineage facet.
    """
    facet = facets.get("columnLineage")
    if not isinstance(facet, dict) or is_deleted(facet):
        return None
    return _column_edges(jsonio.dumps(facet))


def _read_column_edges(facet_json: bytes) -> tuple[ColumnEdge, ...]:
    facet = jsonio.loads(facet_json)
    # one edge per transformation: a CTAS column is often DIRECT from one input field and
    # INDIRECT (JOIN, FILTER, GROUP_BY) from the same field at once
    edges: dict[tuple[str, str, str, str, str, str | None], ColumnEdge] = {}
    for out_field, entry in _dict(facet.get("fields")).items():
        entry = _dict(entry)
        legacy = _legacy_transformation(entry)
        for source in _list(entry.get("inputFields")):
            for edge in _input_edges(source, out_field, legacy):
                edges.setdefault(_edge_key(edge), edge)
    for source in _list(facet.get("dataset")):
        for edge in _input_edges(source, "", {"type": "INDIRECT"}):
            edges.setdefault(_edge_key(edge), edge)
    return tuple(edges.values())


def _edge_key(edge: ColumnEdge) -> tuple[str, str, str, str, str, str | None]:
    return (edge.out_field, edge.in_namespace, edge.in_name, edge.in_field, edge.type, edge.subtype)


# columnLineage before 1-2-0 named one transformationType per output field: IDENTITY (the
# same value) or MASKED (no original data left), both direct derivations in 1-2-0's terms
_LEGACY_TYPES: dict[str, dict[str, Any]] = {
    "IDENTITY": {"type": "DIRECT", "subtype": "IDENTITY"},
    "MASKED": {"type": "DIRECT", "subtype": "TRANSFORMATION", "masking": True},
}


def _legacy_transformation(entry: dict[str, Any]) -> dict[str, Any]:
    """A pre-1-2-0 field entry's `transformationType`/`transformationDescription` as a 1-2-0
    transformation, used for its input fields that carry no `transformations` of their own."""
    legacy = (_str(entry.get("transformationType")) or "").upper()
    known = _LEGACY_TYPES.get(legacy)
    if known is None:  # DIRECT/INDIRECT, absent (DIRECT) or a value of the producer's own
        direct_or_indirect = legacy in ("DIRECT", "INDIRECT")
        known = {
            "type": legacy if direct_or_indirect else "DIRECT",
            "subtype": None if direct_or_indirect or not legacy else legacy,
        }
    return {**known, "description": _str(entry.get("transformationDescription"))}


# the edges of a facet take ~3.3x its JSON's size in memory (tracemalloc, 5,000 fields)
_column_edges = JsonMemo(_read_column_edges, result_factor=3.5)


def _input_edges(source: Any, out_field: str, default: dict[str, Any]) -> list[ColumnEdge]:
    source = _dict(source)
    namespace, name, field = (_str(source.get(k)) for k in ("namespace", "name", "field"))
    if namespace is None or name is None or field is None:
        return []
    transformations = [t for t in _list(source.get("transformations")) if isinstance(t, dict)]
    if not transformations:
        transformations = [default]
    return [
        ColumnEdge(
            out_field=out_field,
            in_namespace=namespace,
            in_name=name,
            in_field=field,
            type=(_str(t.get("type")) or "DIRECT").upper(),
            subtype=_str(t.get("subtype")),
            description=_str(t.get("description")),
            masking=t.get("masking") is True,
        )
        for t in transformations
    ]


def parent(run_facets: dict[str, Any]) -> ParentRef | None:
    """The parent run (from `parent`, or the legacy `parentRun` key), if any is usable."""
    facet = run_facets.get("parent") or run_facets.get("parentRun")
    if not isinstance(facet, dict):
        return None
    job, run = _dict(facet.get("job")), _dict(facet.get("run"))
    job_ns, job_name = _str(job.get("namespace")), _str(job.get("name"))
    raw = run.get("runId")
    if job_ns is None or job_name is None or not isinstance(raw, str) or not raw:
        return None
    raw, run_id = parse_run_id(raw, "run.facets.parent.run.runId")
    root, root_job = (
        _dict(_dict(facet.get("root")).get("run")),
        _dict(_dict(facet.get("root")).get("job")),
    )
    root_raw = root.get("runId")
    root_id = parse_run_id(root_raw, "root")[1] if isinstance(root_raw, str) and root_raw else None
    return ParentRef(
        run_id=run_id,
        run_id_raw=raw,
        job_namespace=job_ns,
        job_name=job_name,
        root_run_id=root_id,
        root_job_namespace=_str(root_job.get("namespace")) if root_id else None,
        root_job_name=_str(root_job.get("name")) if root_id else None,
    )


def symlinks(facets: dict[str, Any]) -> list[tuple[str, str]]:
    """Other identities of the same dataset (namespace, name) from a `symlinks` facet."""
    facet = facets.get("symlinks")
    if not isinstance(facet, dict) or is_deleted(facet):
        return []
    out = []
    for ident in _list(facet.get("identifiers")):
        ident = _dict(ident)
        namespace, name = _str(ident.get("namespace")), _str(ident.get("name"))
        if namespace and name:
            out.append((namespace, name))
    return out


def tags(facets: dict[str, Any]) -> tuple[FacetTag, ...] | None:
    """The entries of a dataset's, job's or run's `tags` facet (entries without a key are
    skipped); () when the facet is deleted, None without one."""
    facet = facets.get("tags")
    if not isinstance(facet, dict):
        return None
    if is_deleted(facet):
        return ()
    entries = (_dict(t) for t in _list(facet.get("tags")))
    return tuple(
        FacetTag(_str(t.get("field")) or "", key, _scalar(t.get("value")), _str(t.get("source")))
        for t in entries
        if (key := _str(t.get("key"))) is not None
    )


def _scalar(value: Any) -> str | None:
    """A string-typed value some producers send as a number or a boolean, as text."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return value if isinstance(value, str) else None


@dataclass(frozen=True, slots=True)
class QualityCheck:
    """One data-quality result: a `dataQualityAssertions` assertion or a `test` run facet's
    test. `success` None: the test was skipped (or its status is unknown)."""

    test: str | None
    assertion: str | None
    column: str | None
    success: bool | None
    severity: str | None
    expected: str | None
    actual: str | None
    description: str | None


@dataclass(frozen=True, slots=True)
class QualityMeasure:
    """A `dataQualityMetrics` facet: row, byte and file counts and per-column metrics."""

    row_count: int | None
    bytes: int | None
    file_count: int | None
    column_metrics: dict[str, Any]


def quality_assertions(*facet_maps: dict[str, Any]) -> tuple[QualityCheck, ...]:
    """The assertions of the `dataQualityAssertions` facets among `facet_maps` (a dataset's
    facets and its input facets: producers send it as either)."""
    out: list[QualityCheck] = []
    for facets in facet_maps:
        facet = facets.get("dataQualityAssertions")
        if not isinstance(facet, dict) or is_deleted(facet):
            continue
        for entry in (_dict(a) for a in _list(facet.get("assertions"))):
            success = entry.get("success")
            out.append(
                QualityCheck(
                    test=_str(entry.get("name")),
                    assertion=_str(entry.get("assertion")),
                    column=_str(entry.get("column")),
                    success=success if isinstance(success, bool) else None,
                    severity=_severity(entry.get("severity")),
                    expected=_scalar(entry.get("expected")),
                    actual=_scalar(entry.get("actual")),
                    description=_str(entry.get("description")),
                )
            )
    return tuple(out)


_TEST_STATUS = {"pass": True, "success": True, "fail": False, "error": False}


def test_results(run_facets: dict[str, Any]) -> tuple[QualityCheck, ...]:
    """The tests of a `test` run facet (dbt sends one per test run); status pass / fail /
    error / skip."""
    facet = run_facets.get("test")
    if not isinstance(facet, dict):
        return ()
    return tuple(
        QualityCheck(
            test=_str(entry.get("name")),
            assertion=_str(entry.get("type")),
            column=_str(_dict(entry.get("params")).get("column_name")),
            success=_TEST_STATUS.get((_str(entry.get("status")) or "").lower()),
            severity=_severity(entry.get("severity")),
            expected=_scalar(entry.get("expected")),
            actual=_scalar(entry.get("actual")),
            description=_str(entry.get("description")),
        )
        for entry in (_dict(t) for t in _list(facet.get("tests")))
    )


def _severity(value: Any) -> str | None:
    """`error`, `warn` (dbt's word; `warning` too) or what the producer sent, lower case."""
    text = _str(value)
    if text is None:
        return None
    text = text.lower()
    return "warn" if text == "warning" else text


def quality_metrics(*facet_maps: dict[str, Any]) -> QualityMeasure | None:
    """The first `dataQualityMetrics` facet among `facet_maps`, if any."""
    for facets in facet_maps:
        facet = facets.get("dataQualityMetrics")
        if isinstance(facet, dict) and not is_deleted(facet):
            return QualityMeasure(
                row_count=_int(facet.get("rowCount")),
                bytes=_int(facet.get("bytes")),
                file_count=_int(facet.get("fileCount")),
                column_metrics=_dict(facet.get("columnMetrics")),
            )
    return None


def _int(value: Any) -> int | None:
    """An integer a BIGINT column holds; None for anything else (a count of 2**64 too)."""
    if isinstance(value, int) and not isinstance(value, bool) and -(2**63) <= value < 2**63:
        return value
    return None


REDACTED = "***"


def _fields(facet: Any, names: tuple[str, ...]) -> dict[str, str | None] | None:
    """The string fields `names` of a facet (others are ignored, so a newer minor version
    reads as well as the one known); None without the facet or with none of them."""
    if not isinstance(facet, dict) or is_deleted(facet):
        return None
    found = {n: _scalar(facet.get(n)) for n in names}
    return found if any(v is not None for v in found.values()) else None


CATALOG_FIELDS = ("framework", "type", "name", "metadataUri", "warehouseUri", "source")
SOURCE_CODE_FIELDS = (
    "type",
    "url",
    "repoUrl",
    "path",
    "version",
    "tag",
    "branch",
    "pullRequestNumber",
)
ENGINE_FIELDS = ("name", "version", "openlineageAdapterVersion")


def catalog(facets: dict[str, Any]) -> dict[str, str | None] | None:
    """The `catalog` dataset facet: framework, type, name, metadataUri, warehouseUri, source."""
    return _fields(facets.get("catalog"), CATALOG_FIELDS)


def dataset_type(facets: dict[str, Any]) -> dict[str, str | None] | None:
    """The `datasetType` dataset facet: datasetType (TABLE, VIEW, MODEL...) and subType."""
    return _fields(facets.get("datasetType"), ("datasetType", "subType"))


def source_code_location(job_facets: dict[str, Any]) -> dict[str, str | None] | None:
    """The `sourceCodeLocation` job facet, pullRequestNumber included."""
    return _fields(job_facets.get("sourceCodeLocation"), SOURCE_CODE_FIELDS)


def processing_engine(run_facets: dict[str, Any]) -> dict[str, str | None] | None:
    """The `processing_engine` run facet: name, version, openlineageAdapterVersion."""
    return _fields(run_facets.get("processing_engine"), ENGINE_FIELDS)


def environment_variable_names(run_facets: dict[str, Any]) -> list[str]:
    """The names of the `environmentVariables` run facet, never their values (secrets)."""
    facet = _dict(run_facets.get("environmentVariables"))
    entries = (_dict(e) for e in _list(facet.get("environmentVariables")))
    return sorted({name for e in entries if (name := _str(e.get("name"))) is not None})


def execution_parameters(run_facets: dict[str, Any]) -> dict[str, str | None]:
    """The `executionParameters` run facet as {key: value}, like a training run's params."""
    facet = _dict(run_facets.get("executionParameters"))
    out: dict[str, str | None] = {}
    for entry in (_dict(p) for p in _list(facet.get("parameters"))):
        key = _str(entry.get("key")) or _str(entry.get("name"))
        if key is not None:
            out[key] = _scalar(entry.get("value"))
    return dict(sorted(out.items()))


def redacted(name: str, facet: Any) -> Any:
    """A facet as answers show it: the values of `environmentVariables` replaced by
    `***` (they carry secrets); every other facet as sent."""
    if name != "environmentVariables" or not isinstance(facet, dict):
        return facet
    entries = facet.get("environmentVariables")
    if not isinstance(entries, list):
        return facet
    hidden = [
        {**e, "value": REDACTED} if isinstance(e, dict) and "value" in e else e for e in entries
    ]
    return {**facet, "environmentVariables": hidden}


def redacted_event(payload: bytes) -> bytes:
    """A logged event as answers show it: its `environmentVariables` run facet `redacted`,
    every other byte as sent (an event without that facet is not even parsed)."""
    if b'"environmentVariables"' not in payload:
        return payload
    event = jsonio.loads(payload)
    run = event.get("run") if isinstance(event, dict) else None
    facets = run.get("facets") if isinstance(run, dict) else None
    if not isinstance(facets, dict) or "environmentVariables" not in facets:
        return payload  # the name appears elsewhere (a dataset's field, say): nothing to hide
    facets["environmentVariables"] = redacted(
        "environmentVariables", facets["environmentVariables"]
    )
    return jsonio.dumps(event)


def lifecycle(facets: dict[str, Any]) -> tuple[str | None, tuple[str, str] | None]:
    """(state, previous identity) from `lifecycleStateChange`; previous only for RENAME."""
    facet = facets.get("lifecycleStateChange")
    if not isinstance(facet, dict) or is_deleted(facet):
        return None, None
    state = _str(facet.get("lifecycleStateChange"))
    state = state.upper() if state else None
    previous = _dict(facet.get("previousIdentifier"))
    namespace, name = _str(previous.get("namespace")), _str(previous.get("name"))
    if state == "RENAME" and namespace and name:
        return state, (namespace, name)
    return state, None


def dataset_version(facets: dict[str, Any]) -> str | None:
    """The producer's own dataset version (Delta version, Iceberg snapshot), if sent."""
    value = _dict(facets.get("version")).get("datasetVersion")
    return str(value) if isinstance(value, str | int) and value != "" else None


def dataset_kind(facets: dict[str, Any]) -> str | None:
    """`model` for a model artifact (datasetType MODEL or our ml_model facet), else None."""
    dataset_type = _str(_dict(facets.get("datasetType")).get("datasetType"))
    if "ml_model" in facets or (dataset_type and dataset_type.upper() == "MODEL"):
        return "model"
    return None


def job_type(facets: dict[str, Any]) -> dict[str, str | None] | None:
    """`jobType` facet as {integration, jobType, processingType}."""
    facet = facets.get("jobType")
    if not isinstance(facet, dict) or is_deleted(facet):
        return None
    return {k: _str(facet.get(k)) for k in ("integration", "jobType", "processingType")}


def sql_query(facets: dict[str, Any]) -> str | None:
    """The job's SQL text from the `sql` facet."""
    return _str(_dict(facets.get("sql")).get("query"))


def description(facets: dict[str, Any]) -> str | None:
    """`documentation.description`."""
    return _str(_dict(facets.get("documentation")).get("description"))


def error_message(run_facets: dict[str, Any]) -> dict[str, Any] | None:
    """`errorMessage` as {message, programmingLanguage, stackTrace}."""
    facet = run_facets.get("errorMessage")
    if not isinstance(facet, dict) or _str(facet.get("message")) is None:
        return None
    return {k: facet.get(k) for k in ("message", "programmingLanguage", "stackTrace")}


def nominal_times(run_facets: dict[str, Any]) -> tuple[Any, Any]:
    """(nominalStartTime, nominalEndTime) as UTC datetimes; None where absent or unreadable."""
    facet = _dict(run_facets.get("nominalTime"))
    return _lenient_time(facet.get("nominalStartTime")), _lenient_time(facet.get("nominalEndTime"))


def _lenient_time(value: Any) -> Any:
    try:
        return parse_time(value, "nominalTime")
    except Exception:  # an unreadable optional time is simply not recorded
        return None


def lineage_incomplete(run_facets: dict[str, Any]) -> bool:
    """True when the producer says its lineage may be missing parts."""
    extraction = _dict(run_facets.get("extractionError"))
    failed = extraction.get("failedTasks")
    return bool(
        (isinstance(failed, int) and failed > 0)
        or _list(extraction.get("errors"))
        or "unknownSourceAttribute" in run_facets
    )


def explicit_flows(
    job_facets: dict[str, Any],
) -> tuple[list[DatasetRef], list[DatasetRef], set[tuple[tuple[str, str], tuple[str, str]]]] | None:
    """The explicit `lineage` job facet as (inputs, outputs, input->output pairs).

    None when the job has no such facet; then the inputs x outputs cross product applies.
    """
    facet = job_facets.get("lineage")
    if not isinstance(facet, dict) or is_deleted(facet):
        return None
    inputs: dict[tuple[str, str], DatasetRef] = {}
    outputs: dict[tuple[str, str], DatasetRef] = {}
    pairs: set[tuple[tuple[str, str], tuple[str, str]]] = set()
    for entry in _list(facet.get("entries")):
        entry = _dict(entry)
        if (_str(entry.get("type")) or "DATASET").upper() != "DATASET":
            continue
        target = (_str(entry.get("namespace")), _str(entry.get("name")))
        if target[0] is None or target[1] is None:
            continue
        out_key = (target[0], target[1])
        outputs.setdefault(out_key, DatasetRef(*out_key))
        sources = list(_list(entry.get("inputs")))
        for field_entry in _dict(entry.get("fields")).values():
            sources.extend(_list(_dict(field_entry).get("inputs")))
        for source in sources:
            source = _dict(source)
            if (_str(source.get("type")) or "DATASET").upper() != "DATASET":
                continue
            namespace, name = _str(source.get("namespace")), _str(source.get("name"))
            if namespace and name:
                inputs.setdefault((namespace, name), DatasetRef(namespace, name))
                pairs.add(((namespace, name), out_key))
    return list(inputs.values()), list(outputs.values()), pairs
