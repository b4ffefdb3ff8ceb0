"""The OpenLineage events we accept: one typed decode, lenient validation, classification.

Lenient where real producers are sloppy (see shared OPENLINEAGE.md), strict only where an
event is unusable or cannot be stored the same way on SQLite and PostgreSQL: every rejection
names the offending field.

An event is decoded once (msgspec, compiled) and its frame (run, job, datasets, facet maps)
validated in the same compiled pass against the `_Wire*` structs below; facet contents stay
plain JSON values, integers of any size included. Nesting depth is bounded before decoding, by
byte operations on the body rather than a walk over the decoded document.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Annotated, Any

import msgspec
from msgspec import UNSET, UnsetType

from lineage import jsonio
from lineage.errors import BadRequest, InvalidEvent, LineageError, PayloadTooLarge

RUN_EVENT = "RunEvent"
DATASET_EVENT = "DatasetEvent"
JOB_EVENT = "JobEvent"
UNKNOWN_EVENT = "UnknownEvent"
"""An event whose schemaURL names a kind of a newer spec and that has no run, job or
dataset: logged as received (a newer release can replay it), nothing derived."""
EVENT_TYPES = frozenset({"START", "RUNNING", "COMPLETE", "ABORT", "FAIL", "OTHER"})

# The store's fixed-width columns fed straight from an event: a longer value is refused on
# both databases alike (PostgreSQL would refuse it, SQLite would keep it). Facet names are
# part of the facets table's unique key; the others are short enumerations in the spec.
MAX_FACET_NAME_CHARS = 255
_BOUNDED_FACET_VALUES = {
    "job": (
        ("jobType", "integration", 64),
        ("jobType", "jobType", 64),
        ("jobType", "processingType", 32),
    ),
    "dataset": (
        ("lifecycleStateChange", "lifecycleStateChange", 16),
        ("version", "datasetVersion", 128),
    ),
}
_TRANSFORMATION_BOUNDS = (("type", 16), ("subtype", 64))

_ZONE_ID = re.compile(r"\[[A-Za-z0-9_+\-/]+\]$")
_FRACTION = re.compile(r"(\.\d{6})\d+")


@dataclass(frozen=True, slots=True)
class Limits:
    """Input limits enforced while decoding and parsing."""

    max_body_bytes: int = 16 * 1024 * 1024
    max_json_depth: int = 64
    max_batch_events: int = 10_000
    max_name_chars: int = 4096
    max_event_datasets: int = 2000
    max_event_fields: int = 20_000


@dataclass(slots=True)
class DatasetRef:
    """A dataset as an event mentions it, with its facets."""

    namespace: str
    name: str
    facets: dict[str, Any] = field(default_factory=dict)
    io_facets: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class Event:
    """One validated event; `raw_bytes` is the event exactly as received."""

    kind: str
    event_time: datetime
    event_type: str | None
    producer: str | None
    schema_url: str | None
    job_namespace: str | None
    job_name: str | None
    job_facets: dict[str, Any]
    run_id: str | None
    run_id_raw: str | None
    run_facets: dict[str, Any]
    inputs: list[DatasetRef]
    outputs: list[DatasetRef]
    dataset: DatasetRef | None
    raw_bytes: bytes
    hash: str


# --- the wire frame ------------------------------------------------------------------------

# facet names are a key of the facets table: the length is checked here, in compiled code
_FacetName = Annotated[str, msgspec.Meta(max_length=MAX_FACET_NAME_CHARS)]
_Facets = dict[_FacetName, dict[str, Any] | None] | None


class _WireDataset(msgspec.Struct):
    namespace: str | None = None
    name: str | None = None
    facets: _Facets = None
    inputFacets: _Facets = None
    outputFacets: _Facets = None


class _WireJob(msgspec.Struct):
    namespace: str | None = None
    name: str | None = None
    facets: _Facets = None


class _WireRun(msgspec.Struct):
    runId: str | int | None = None
    facets: _Facets = None


class _WireEvent(msgspec.Struct):
    # absent and null differ for run/job/dataset: the event's kind follows which keys it has
    eventTime: Any = None
    eventType: Any = None
    producer: Any = None
    schemaURL: Any = None
    run: _WireRun | None | UnsetType = UNSET
    job: _WireJob | None | UnsetType = UNSET
    dataset: _WireDataset | None | UnsetType = UNSET
    inputs: list[_WireDataset] | None = None
    outputs: list[_WireDataset] | None = None


_DECODER = msgspec.json.Decoder()


class MalformedJson(BadRequest):
    """The bytes are not one JSON document."""


# --- decoding ------------------------------------------------------------------------------


def parse_event(raw: bytes, *, limits: Limits, depth_checked: bool = False) -> Event:
    """Decode and validate one event from its JSON bytes, and classify it by shape.

    `depth_checked` says the caller already bounded the nesting of a body holding `raw`.
    """
    if not depth_checked:
        check_depth(raw, limits.max_json_depth)
    document = _decode(raw)
    if type(document) is not dict:
        raise BadRequest(
            f"expected a JSON object (an OpenLineage event), got {_json_type(document)}",
            field="body",
        )
    try:
        wire = msgspec.convert(document, _WireEvent)
    except msgspec.ValidationError as exc:
        raise _wire_error(exc, document) from None
    if b"\\u0000" in raw:
        _refuse_nul(document, "")
    kind = _classify(wire)
    event_time = parse_time(wire.eventTime, "eventTime", required=True)
    assert event_time is not None
    event_type = _event_type(wire.eventType)
    if kind == UNKNOWN_EVENT:
        return Event(
            kind=kind,
            event_time=event_time,
            event_type=event_type,
            producer=wire.producer if isinstance(wire.producer, str) else None,
            schema_url=str(wire.schemaURL),
            job_namespace=None,
            job_name=None,
            job_facets={},
            run_id=None,
            run_id_raw=None,
            run_facets={},
            inputs=[],
            outputs=[],
            dataset=None,
            raw_bytes=raw,
            hash=hashlib.sha256(jsonio.dumps(document, sort_keys=True)).hexdigest(),
        )
    job_ns = job_name = None
    job_facets: dict[str, Any] = {}
    if kind != DATASET_EVENT:
        job = _required(wire.job, "job")
        job_ns = _name(job.namespace, "job.namespace", limits)
        job_name = _name(job.name, "job.name", limits)
        job_facets = _facets(job.facets, "job.facets")
        _bounded_values(job_facets, "job.facets", "job")
    run_id = run_id_raw = None
    run_facets: dict[str, Any] = {}
    if kind == RUN_EVENT:
        run = _required(wire.run, "run")
        run_id_raw, run_id = parse_run_id(run.runId, "run.runId")
        run_facets = _facets(run.facets, "run.facets")
    dataset = None
    inputs: list[DatasetRef] = []
    outputs: list[DatasetRef] = []
    if kind == DATASET_EVENT:
        dataset = _dataset(_required(wire.dataset, "dataset"), "dataset", None, limits)
        _bound_fields([dataset], limits, "dataset")
    else:
        count = len(wire.inputs or ()) + len(wire.outputs or ())
        if count > limits.max_event_datasets:
            raise PayloadTooLarge(
                f"event has {count} inputs and outputs, over max_event_datasets "
                f"({limits.max_event_datasets})",
                field="inputs" if len(wire.inputs or ()) > len(wire.outputs or ()) else "outputs",
            )
        inputs = _datasets(wire.inputs, "inputs", "inputFacets", limits)
        outputs = _datasets(wire.outputs, "outputs", "outputFacets", limits)
        _bound_fields(inputs + outputs, limits, "inputs" if inputs else "outputs")
    return Event(
        kind=kind,
        event_time=event_time,
        event_type=event_type,
        producer=wire.producer if isinstance(wire.producer, str) else None,
        schema_url=wire.schemaURL if isinstance(wire.schemaURL, str) else None,
        job_namespace=job_ns,
        job_name=job_name,
        job_facets=job_facets,
        run_id=run_id,
        run_id_raw=run_id_raw,
        run_facets=run_facets,
        inputs=inputs,
        outputs=outputs,
        dataset=dataset,
        raw_bytes=raw,
        hash=hashlib.sha256(jsonio.dumps(document, sort_keys=True)).hexdigest(),
    )


def _decode(raw: bytes) -> Any:
    try:
        return _DECODER.decode(raw)
    except msgspec.DecodeError as exc:
        if not raw.strip():
            raise BadRequest(
                "request body is empty; expected a JSON OpenLineage event", field="body"
            ) from None
        raise MalformedJson(f"body is not valid JSON: {exc}", field="body") from None
    except msgspec.ValidationError as exc:  # a number no float can hold (1e400)
        raise MalformedJson(f"body is not usable JSON: {exc}", field="body") from None


# --- nesting depth -------------------------------------------------------------------------

_STRUCTURE = bytes(sorted(set(range(256)) - set(b'[]{}"\\')))
_BRACES_AS_BRACKETS = bytes.maketrans(b"{}", b"[]")


def check_depth(raw: bytes, max_depth: int) -> None:
    """413 when `raw` nests arrays and objects deeper than `max_depth`.

    Only brackets and quotes are kept (one `translate`), string contents are cut out, and
    innermost `[]` pairs are removed until none is left: each pass is one C-level `replace`
    over a few hundred bytes, and there are as many passes as levels."""
    structure = raw.translate(_BRACES_AS_BRACKETS, _STRUCTURE)
    if b"\\" in structure:
        structure = structure.replace(b"\\\\", b"").replace(b'\\"', b"")
    structure = structure.replace(b'""', b"")
    if b'"' in structure:  # brackets inside strings: keep what lies between the strings
        structure = b"".join(structure.split(b'"')[::2])
    for _ in range(max_depth):
        shorter = structure.replace(b"[]", b"")
        if len(shorter) == len(structure):
            return  # empty, or not JSON: the decoder says which
        structure = shorter
    if b"[]" in structure:  # one more level to go
        raise PayloadTooLarge(
            f"event nesting is deeper than max_json_depth ({max_depth})", field="body"
        )


# --- validation ----------------------------------------------------------------------------


def _classify(wire: _WireEvent) -> str:
    """RunEvent, DatasetEvent or JobEvent, by shape first and schemaURL as the tie-breaker."""
    has_run, has_job = wire.run is not UNSET, wire.job is not UNSET
    has_dataset = wire.dataset is not UNSET
    hinted = _kind_from_schema_url(wire.schemaURL)
    if has_run:
        return RUN_EVENT
    if has_dataset and has_job:
        return hinted if hinted in (DATASET_EVENT, JOB_EVENT) else DATASET_EVENT
    if has_dataset:
        return DATASET_EVENT
    if has_job:
        if hinted == RUN_EVENT:
            raise InvalidEvent("RunEvent is missing the required field run", field="run")
        return JOB_EVENT
    if hinted is None and _names_an_event(wire.schemaURL):
        return UNKNOWN_EVENT
    raise InvalidEvent(
        "event has no run, job or dataset: cannot tell what it describes", field="job"
    )


def _names_an_event(value: Any) -> bool:
    """Does a schemaURL name an event kind (`.../OpenLineage.json#/$defs/SomeEvent`)?"""
    if not isinstance(value, str) or "#" not in value:
        return False
    tail = value.rstrip("/").rsplit("/", 1)[-1]
    return tail.endswith("Event") and tail.isidentifier()


def _kind_from_schema_url(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    tail = value.rstrip("/").rsplit("/", 1)[-1]
    return tail if tail in (RUN_EVENT, DATASET_EVENT, JOB_EVENT) else None


def parse_time(value: Any, name: str, *, required: bool = False) -> datetime | None:
    """Parse an RFC 3339-ish timestamp leniently and return it in UTC.

    Accepts `Z` or any offset (no offset means UTC), more than six fractional digits
    (truncated) and a trailing Java zone id such as `[Europe/London]` (dropped). A time that
    is valid but has no UTC equivalent in years 1-9999 (year 1 at +01:00) is refused by name.
    Shared by every route that takes a time.
    """
    if value is None:
        if required:
            raise InvalidEvent(f"{name} is required (an RFC 3339 date-time)", field=name)
        return None
    if not isinstance(value, str):
        raise InvalidEvent(
            f"{name} must be a date-time string, got {_json_type(value)}", field=name
        )
    text = _ZONE_ID.sub("", value.strip())
    text = _FRACTION.sub(r"\1", text)
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    if len(text) < 11 or text[10] not in "Tt ":
        raise InvalidEvent(
            f"{name} {value!r} is not a date-time: expected e.g. 2024-01-01T00:00:00Z", field=name
        )
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError as exc:
        raise InvalidEvent(f"{name} {value!r} is not a valid date-time: {exc}", field=name) from exc
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except OverflowError:
        raise InvalidEvent(
            f"{name} {value!r} is outside the times that can be stored: in UTC it falls "
            "before year 1 or after year 9999",
            field=name,
        ) from None


def parse_run_id(value: Any, name: str) -> tuple[str, str]:
    """Return (raw id, uuid). A non-UUID id maps to a name-based UUID as Marquez does."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        raise InvalidEvent(f"{name} must be a non-empty string (a UUID)", field=name)
    _without_nul(value, name)
    try:
        return value, str(uuid.UUID(value))
    except ValueError:
        derived = uuid.UUID(bytes=hashlib.md5(value.encode()).digest(), version=3)
        return value, str(derived)


def _event_type(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or value.upper() not in EVENT_TYPES:
        allowed = ", ".join(sorted(EVENT_TYPES))
        raise InvalidEvent(
            f"eventType {value!r} is not one of {allowed} (or absent)", field="eventType"
        )
    return value.upper()


def _required(value: Any, name: str) -> Any:
    if value is None or value is UNSET:
        raise InvalidEvent(f"{name} is required", field=name)
    return value


def _name(value: str | None, name: str, limits: Limits) -> str:
    if value is None or not value.strip():
        raise InvalidEvent(f"{name} must be a non-empty string", field=name)
    if len(value) > limits.max_name_chars:
        raise PayloadTooLarge(
            f"{name} is {len(value)} characters, over max_name_chars ({limits.max_name_chars})",
            field=name,
        )
    return value  # a NUL in it was refused with the rest of the event's strings


def _without_nul(value: str, name: str) -> str:
    # PostgreSQL text cannot hold NUL; no real identifier contains one
    if "\x00" in value:
        raise InvalidEvent(f"{name} contains a NUL character", field=name)
    return value


def _refuse_nul(value: Any, path: str) -> None:
    """Name the first string or key holding NUL: PostgreSQL cannot store one anywhere an
    event's strings go, so the event is refused on both databases (as Marquez does)."""
    if type(value) is str:
        _without_nul(value, path or "body")
    elif type(value) is dict:
        for key, item in value.items():
            inner = f"{path}.{key}" if path else key
            if "\x00" in key:
                raise InvalidEvent(
                    f"a key of {path or 'the event'} contains a NUL character", field=path or "body"
                )
            _refuse_nul(item, inner)
    elif type(value) is list:
        for index, item in enumerate(value):
            _refuse_nul(item, f"{path}[{index}]")


def _facets(value: dict[str, Any] | None, name: str) -> dict[str, Any]:
    """The facet map without null facets (the frame already checked names and shapes)."""
    if not value:
        return {}
    if None in value.values():
        return {key: facet for key, facet in value.items() if facet is not None}
    return value


def _bounded_values(facets: dict[str, Any], name: str, owner: str) -> None:
    for facet_name, key, limit in _BOUNDED_FACET_VALUES[owner]:
        value = facets.get(facet_name, {}).get(key)
        if isinstance(value, str | int) and len(str(value)) > limit:
            raise InvalidEvent(
                f"{name}.{facet_name}.{key} is {len(str(value))} characters, over {limit}",
                field=f"{name}.{facet_name}.{key}",
            )


def _bounded_transformations(facets: dict[str, Any], name: str) -> None:
    """Column transformations read from `columnLineage` as the store will (memoized on the
    facet's content, so the store's own read is then free)."""
    from lineage.facets import column_edges  # facets reads events' types: imported late

    for edge in column_edges(facets) or ():
        for key, limit in _TRANSFORMATION_BOUNDS:
            value = getattr(edge, key)
            if value is not None and len(value) > limit:
                where = f"{name}.columnLineage." + (
                    f"fields.{edge.out_field}" if edge.out_field else "dataset"
                )
                raise InvalidEvent(
                    f"a transformation {key} in {where} is {len(value)} characters, over {limit}",
                    field=where,
                )


def _dataset(wire: _WireDataset, name: str, io_key: str | None, limits: Limits) -> DatasetRef:
    ref = DatasetRef(
        namespace=_name(wire.namespace, f"{name}.namespace", limits),
        name=_name(wire.name, f"{name}.name", limits),
        facets=_facets(wire.facets, f"{name}.facets"),
    )
    _bounded_values(ref.facets, f"{name}.facets", "dataset")
    _bounded_transformations(ref.facets, f"{name}.facets")
    if io_key:
        io_facets = wire.inputFacets if io_key == "inputFacets" else wire.outputFacets
        ref.io_facets = _facets(io_facets, f"{name}.{io_key}")
    return ref


def _datasets(
    value: list[_WireDataset] | None, name: str, io_key: str, limits: Limits
) -> list[DatasetRef]:
    """Validate inputs/outputs; repeated (namespace, name) entries merge into one."""
    if not value:
        return []
    merged: dict[tuple[str, str], DatasetRef] = {}
    for index, item in enumerate(value):
        ref = _dataset(item, f"{name}[{index}]", io_key, limits)
        seen = merged.get((ref.namespace, ref.name))
        if seen is None:
            merged[(ref.namespace, ref.name)] = ref
        else:
            seen.facets.update(ref.facets)
            seen.io_facets.update(ref.io_facets)
    return list(merged.values())


def _bound_fields(refs: list[DatasetRef], limits: Limits, name: str) -> None:
    """Schema fields and column-lineage fields an event carries, summed over its datasets."""
    total = 0
    for ref in refs:
        for facet_name in ("schema", "columnLineage"):
            fields = ref.facets.get(facet_name, {}).get("fields")
            total += len(fields) if isinstance(fields, list | dict) else 0
    if total > limits.max_event_fields:
        raise PayloadTooLarge(
            f"event has {total} schema and column-lineage fields, over max_event_fields "
            f"({limits.max_event_fields})",
            field=name,
        )


# --- errors of the typed frame -------------------------------------------------------------

_MSGSPEC_TYPES = {
    "null": "null",
    "bool": "a boolean",
    "int": "a number",
    "float": "a number",
    "str": "a string",
    "array": "an array",
    "object": "an object",
}
_GOT = re.compile(r"got `(\w+)`")
_AT = re.compile(r" - at `\$(.*)`$")
_KEY_OF = re.compile(r" - at `key` in `\$(.*)`$")


def _wire_error(exc: msgspec.ValidationError, document: dict[str, Any]) -> LineageError:
    """Our message for a value of the wrong type in the frame, named by its path."""
    text = str(exc)
    if (key_of := _KEY_OF.search(text)) is not None:  # an over-long facet name
        owner = key_of.group(1).lstrip(".")
        facets = _lookup(document, owner)
        key = next((k for k in facets if len(k) > MAX_FACET_NAME_CHARS), "?")
        return InvalidEvent(
            f"facet name {owner}.{key[:40]}... is {len(key)} characters, over "
            f"{MAX_FACET_NAME_CHARS}",
            field=f"{owner}.{key}",
        )
    at = _AT.search(text)
    path = at.group(1).lstrip(".") if at else ""
    got_match = _GOT.search(text)
    got = _MSGSPEC_TYPES.get(got_match.group(1), "a value") if got_match else "a value"
    if path.endswith("[...]"):  # a facet map's value: find which key it is
        owner = path[: -len("[...]")]
        facets = _lookup(document, owner)
        key = (
            next((k for k, v in facets.items() if v is not None and type(v) is not dict), "?")
            if isinstance(facets, dict)
            else "?"
        )
        field_name = f"{owner}.{key}"
        got = _json_type(facets.get(key)) if isinstance(facets, dict) else got
        return InvalidEvent(f"facet {field_name} must be an object, got {got}", field=field_name)
    last = path.rsplit(".", 1)[-1]
    if path == "run.runId":
        return InvalidEvent(f"{path} must be a non-empty string (a UUID)", field=path)
    if last in ("name", "namespace"):
        return InvalidEvent(f"{path} must be a non-empty string", field=path)
    if path in ("inputs", "outputs"):
        return InvalidEvent(f"{path} must be an array, got {got}", field=path)
    return InvalidEvent(f"{path} must be an object, got {got}", field=path or "body")


def _lookup(document: Any, path: str) -> Any:
    for part in re.findall(r"[^.\[\]]+", path):
        if isinstance(document, dict):
            document = document.get(part)
        elif isinstance(document, list) and part.isdigit() and int(part) < len(document):
            document = document[int(part)]
        else:
            return None
    return document


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"
