"""JSON that keeps integers of any size: producers send ids of 2^64 and more.

orjson is the fast path for writing; it refuses integers beyond 64 bits, and those documents
are written by msgspec instead (the same compact form). Reading is msgspec's, which returns
such integers as exact Python ints where orjson would return floats.
"""

from __future__ import annotations

from typing import Any

import msgspec
import orjson

_DECODER = msgspec.json.Decoder()


def loads(data: bytes | str) -> Any:
    """A JSON document as Python values, big integers exact."""
    return _DECODER.decode(data)


def dumps(value: Any, *, sort_keys: bool = False) -> bytes:
    """Compact JSON; `sort_keys` orders object keys (the form content hashes are taken of)."""
    try:
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS if sort_keys else None)
    except orjson.JSONEncodeError:
        return msgspec.json.encode(value, order="sorted" if sort_keys else None)
