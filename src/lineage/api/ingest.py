"""POST /api/v1/lineage (one event) and /api/v1/lineage/batch (many, each atomic)."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any, Literal

import msgspec
from fastapi import APIRouter, Request, Response

from lineage.api.errors import FastJSONResponse
from lineage.api.metrics import Metrics
from lineage.api.wire import schema_ref
from lineage.body import BodyDecoder, split_batch
from lineage.errors import LineageError, PayloadTooLarge, UnsupportedMediaType
from lineage.events import Limits, MalformedJson, check_depth, parse_event
from lineage.settings import Settings
from lineage.store.writer import GroupCommitWriter

router = APIRouter(tags=["ingest"])

_EVENT_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "description": "An OpenLineage RunEvent, DatasetEvent or JobEvent "
                    "(any spec version); gzip bodies are accepted.",
                }
            }
        },
    }
}
_BATCH_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": {"type": "array", "items": {"type": "object"}}},
            "application/x-ndjson": {"schema": {"type": "string"}},
        },
    }
}


def limits_of(settings: Settings) -> Limits:
    """The parsing limits configured for this collector."""
    return Limits(
        max_body_bytes=settings.max_body_bytes,
        max_json_depth=settings.max_json_depth,
        max_batch_events=settings.max_batch_events,
        max_name_chars=settings.max_name_chars,
        max_event_datasets=settings.max_event_datasets,
        max_event_fields=settings.max_event_fields,
    )


def _ingest_state(request: Request) -> tuple[Limits, GroupCommitWriter, Metrics]:
    """What the ingest routes use, read from the app's state: the routes take no FastAPI
    dependencies, whose resolution cost ~10% of the event loop's time per event."""
    state = request.app.state
    return limits_of(state.settings), state.writer, state.metrics


async def _body(request: Request, limits: Limits) -> bytes:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type and not (
        content_type in ("application/json", "application/x-ndjson", "text/plain")
        or content_type.endswith("+json")
        or content_type == "application/octet-stream"
    ):
        raise UnsupportedMediaType(
            f"Content-Type {content_type!r} is not supported; send application/json",
            field="Content-Type",
        )
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limits.max_body_bytes:
        raise PayloadTooLarge(
            f"body exceeds max_body_bytes ({limits.max_body_bytes} bytes)", field="body"
        )
    decoder = BodyDecoder(request.headers.get("content-encoding"), max_bytes=limits.max_body_bytes)
    async for chunk in request.stream():
        decoder.feed(chunk)
    return decoder.finish()


@router.post(
    "/lineage",
    status_code=201,
    response_class=Response,
    summary="Ingest one OpenLineage event",
    openapi_extra=_EVENT_BODY,
    responses={201: {"description": "Stored (or an exact duplicate of a stored event)."}},
)
async def post_event(request: Request) -> Response:
    """Store one event; 201 with an empty body once it is committed."""
    limits, writer, metrics = _ingest_state(request)
    try:
        body = await _body(request, limits)
        event = parse_event(body, limits=limits)
    except LineageError as exc:
        metrics.record_rejection(exc)
        raise
    (outcome,) = await asyncio.wrap_future(writer.submit([event]))
    metrics.record_outcomes([outcome])
    if outcome.error is not None:
        raise outcome.error
    return Response(status_code=201)


class FailedEvent(msgspec.Struct):
    """An event of the batch that was not stored."""

    index: Annotated[int, msgspec.Meta(description="Its position in the batch, from 0")]
    reason: Annotated[str, msgspec.Meta(description="Why, naming the field")]
    retriable: Annotated[bool, msgspec.Meta(description="Sending it again may succeed")]


class BatchSummary(msgspec.Struct):
    """Counts of a partially stored batch."""

    received: int
    successful: int
    failed: int
    retriable: int
    non_retriable: int


class PartialSuccess(msgspec.Struct):
    """OpenLineage's partial-success answer: which events were not stored, and why."""

    status: Literal["partial_success"]
    summary: BatchSummary
    failed_events: list[FailedEvent]


@router.post(
    "/lineage/batch",
    summary="Ingest many events; each is stored or rejected on its own",
    openapi_extra=_BATCH_BODY,
    responses={
        204: {"description": "All events stored."},
        200: {
            "description": "Partial success: the spec's summary with failed_events.",
            "content": {"application/json": {"schema": schema_ref(PartialSuccess)}},
        },
    },
)
async def post_batch(request: Request) -> Response:
    """A JSON array (or NDJSON) of events: 204 when all stored, else 200 with a summary."""
    limits, writer, metrics = _ingest_state(request)
    try:
        body = await _body(request, limits)
        batch = split_batch(body)
        # one bound for the whole body: an array adds one level to its events
        check_depth(body, limits.max_json_depth + (batch.lines is None))
    except LineageError as exc:
        metrics.record_rejection(exc)
        raise
    items = batch.events
    if len(items) > limits.max_batch_events:
        too_many = PayloadTooLarge(
            f"batch has {len(items)} events, over max_batch_events ({limits.max_batch_events})",
            field="body",
        )
        metrics.record_rejection(too_many, len(items))
        raise too_many
    failed: list[dict[str, Any]] = []
    parsed, positions = [], []
    for index, item in enumerate(items):
        try:
            parsed.append(parse_event(item, limits=limits, depth_checked=True))
            positions.append(index)
        except MalformedJson as exc:
            if batch.lines is None:
                raise
            line_error = batch.line_error(index, exc)
            metrics.record_rejection(line_error)
            raise line_error from None
        except LineageError as exc:
            metrics.record_rejection(exc)
            failed.append({"index": index, "reason": _reason(exc), "retriable": False})
    outcomes = await asyncio.wrap_future(writer.submit(parsed)) if parsed else []
    metrics.record_outcomes(outcomes)
    unavailable = next((o.error for o in outcomes if o.error and o.error.status == 503), None)
    if unavailable is not None:
        # the writer commits a request's events together: none of them is stored
        raise unavailable
    for index, outcome in zip(positions, outcomes, strict=True):
        if outcome.error is not None:
            failed.append({"index": index, "reason": _reason(outcome.error), "retriable": False})
    # exact duplicates of stored events are accepted (a 2xx) but not stored again: say how many
    duplicates = {
        "Lineage-Duplicates": str(sum(o.error is None and not o.stored for o in outcomes))
    }
    if not failed:
        return Response(status_code=204, headers=duplicates)
    failed.sort(key=lambda f: f["index"])
    return FastJSONResponse(
        {
            "status": "partial_success",
            "summary": {
                "received": len(items),
                "successful": len(items) - len(failed),
                "failed": len(failed),
                "retriable": 0,  # a store that cannot write answers 503 instead
                "non_retriable": len(failed),
            },
            "failed_events": failed,
        },
        status_code=200,
        headers=duplicates,
    )


def _reason(exc: LineageError) -> str:
    return (
        f"{exc.field}: {exc.message}"
        if exc.field and not exc.message.startswith(exc.field)
        else exc.message
    )
