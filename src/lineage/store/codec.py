"""The event log's payload codec: every accepted event kept byte for byte, compressed where
it pays (measured by benchmarks/codec.py).

SQLite stores zstd level 1 frames: smaller than zlib level 1 and a third of its CPU.
PostgreSQL stores the bytes as they are and compresses them itself: the events table's
payload column uses TOAST's lz4 (migration 0007), which costs the collector no CPU at all.
A payload says which it is by its first bytes, so rows of every release stay readable: a zstd
frame starts with its magic number, a zlib stream (the codec before 0007) with 0x78, and an
event stored as is with `{` or JSON whitespace, neither of which can start the other two.
"""

from __future__ import annotations

import threading
import zlib

import zstandard

_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
_ZLIB_FIRST = 0x78
_ZSTD_LEVEL = 1
_local = threading.local()  # zstandard's contexts must not be shared between threads


def encode(event: bytes, dialect: str) -> bytes:
    """The payload to store for an event's bytes on this database (`Dialect.name`)."""
    if dialect == "postgresql":
        return event
    compressor = getattr(_local, "compressor", None)
    if compressor is None:
        compressor = _local.compressor = zstandard.ZstdCompressor(level=_ZSTD_LEVEL)
    return bytes(compressor.compress(event))


def decode(payload: bytes) -> bytes:
    """The event's bytes, exactly as received, from a stored payload of any release."""
    if payload[:4] == _ZSTD_MAGIC:
        decompressor = getattr(_local, "decompressor", None)
        if decompressor is None:
            decompressor = _local.decompressor = zstandard.ZstdDecompressor()
        return bytes(decompressor.decompress(payload))
    if payload[:1] and payload[0] == _ZLIB_FIRST:
        return zlib.decompress(payload)
    return bytes(payload)
