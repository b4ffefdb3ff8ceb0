"""Property tests: any input to the parser either parses or is a LineageError with a 4xx."""

from __future__ import annotations

import gzip
from collections.abc import Callable
from typing import Any

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from lineage.body import decode_body, split_batch
from lineage.errors import LineageError
from lineage.events import Limits, parse_event
from tests.events import ds, run_event

LIMITS = Limits(max_body_bytes=64 * 1024, max_json_depth=6, max_batch_events=50, max_name_chars=64)
EXAMPLES = settings(max_examples=150, deadline=None)

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=80)
)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=5)
    | st.dictionaries(st.text(max_size=12), inner, max_size=5),
    max_leaves=30,
)
EVENT_KEYS = ["eventTime", "eventType", "run", "job", "inputs", "outputs", "dataset", "schemaURL"]
NESTED_KEYS = ["runId", "namespace", "name", "facets", "inputFacets", "outputFacets"]


def accepted_or_4xx(call: Callable[[], Any]) -> None:
    try:
        call()
    except LineageError as exc:
        assert 400 <= exc.status < 500, exc


@EXAMPLES
@given(json_values)
def test_any_json_value(value: Any) -> None:
    accepted_or_4xx(lambda: parse_event(orjson.dumps(value), limits=LIMITS))


@EXAMPLES
@given(
    st.dictionaries(st.sampled_from(EVENT_KEYS), json_values, max_size=8),
    st.dictionaries(st.sampled_from(NESTED_KEYS), json_values, max_size=6),
    st.sampled_from(["run", "job", "dataset"]),
)
def test_event_shaped_objects(top: dict[str, Any], nested: dict[str, Any], where: str) -> None:
    event = {**run_event("job", inputs=[ds("ns", "a")]), **top}
    if isinstance(event.get(where), dict):
        event[where] = {**event[where], **nested}
    accepted_or_4xx(lambda: parse_event(orjson.dumps(event), limits=LIMITS))


@EXAMPLES
@given(st.binary(max_size=300))
def test_any_bytes_as_body(body: bytes) -> None:
    accepted_or_4xx(lambda: parse_event(body, limits=LIMITS))
    accepted_or_4xx(lambda: split_batch(body))


@EXAMPLES
@given(st.binary(max_size=300), st.sampled_from([None, "gzip", "identity", "br", " GZIP "]))
def test_any_bytes_through_decompress(body: bytes, encoding: str | None) -> None:
    accepted_or_4xx(lambda: decode_body(body, encoding, max_bytes=LIMITS.max_body_bytes))
    accepted_or_4xx(
        lambda: decode_body(b"\x1f\x8b" + body, encoding, max_bytes=LIMITS.max_body_bytes)
    )


@EXAMPLES
@given(json_values)
def test_gzipped_json_round_trip(value: Any) -> None:
    body = gzip.compress(orjson.dumps(value))

    def decode() -> None:
        raw = decode_body(body, "gzip", max_bytes=LIMITS.max_body_bytes)
        assert orjson.loads(raw) == value
        parse_event(raw, limits=LIMITS)

    accepted_or_4xx(decode)
