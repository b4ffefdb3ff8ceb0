"""Request bodies of the ingest routes: gzip undone while the body streams in, then framing.

The size limit applies to what the events are made of, so after decompression; the body is
inflated chunk by chunk into one buffer, never held whole twice. A gzip body may hold several
members (`cat a.gz b.gz`, streaming compressors): all of them are read, as `gzip -d` does.
Bytes after the last member, or a member cut short, are refused: nothing is silently dropped.
"""

from __future__ import annotations

import io
import zlib
from dataclasses import dataclass

import msgspec

from lineage.errors import BadRequest, PayloadTooLarge

_GZIP_MAGIC = b"\x1f\x8b"
_ENCODINGS = ("", "identity", "gzip", "x-gzip")
_PIECE = 256 * 1024
_RAW_LIST: msgspec.json.Decoder[list[msgspec.Raw]] = msgspec.json.Decoder(list[msgspec.Raw])


class BodyDecoder:
    """Feed the request's chunks as they arrive; `finish` returns the decoded body."""

    def __init__(self, content_encoding: str | None, *, max_bytes: int) -> None:
        encoding = (content_encoding or "").strip().lower()
        if encoding not in _ENCODINGS:
            raise BadRequest(
                f"Content-Encoding {content_encoding!r} is not supported; use gzip or identity",
                field="Content-Encoding",
            )
        self._max = max_bytes
        self._gzip: bool | None = True if encoding in ("gzip", "x-gzip") else None
        self._pending = b""  # bytes not yet given to an inflater (a member's first bytes)
        self._inflater: zlib._Decompress | None = None
        self._received = 0
        self._out = io.BytesIO()

    def feed(self, chunk: bytes) -> None:
        """Take the next chunk of the body as sent."""
        self._received += len(chunk)
        if self._received > self._max:
            raise PayloadTooLarge(f"body exceeds max_body_bytes ({self._max} bytes)", field="body")
        data = self._pending + chunk if self._pending else chunk
        self._pending = b""
        if self._gzip is None:  # no header: gzip when the body starts with its magic bytes
            if len(data) < 2:
                self._pending = data
                return
            self._gzip = data[:2] == _GZIP_MAGIC
        if self._gzip:
            self._inflate(data)
        else:
            self._write(data)

    def finish(self) -> bytes:
        """The whole decoded body; 400 for a gzip body cut short."""
        if self._gzip is None or not self._gzip:
            self._write(self._pending)
        elif self._inflater is not None and not self._drained(self._inflater):
            raise BadRequest("gzip body is truncated: its last member does not end", field="body")
        elif self._pending:
            raise _trailing()
        return self._out.getvalue()

    def _inflate(self, data: bytes) -> None:
        while data:
            if self._inflater is None:
                if len(data) < 2:
                    self._pending = data
                    return
                if data[:2] != _GZIP_MAGIC:
                    raise _trailing()
                self._inflater = zlib.decompressobj(wbits=31)
            room = self._max - self._out.tell()
            try:  # in pieces: the inflated body is held once, in self._out, plus one piece
                self._write(self._inflater.decompress(data, min(room + 1, _PIECE)))
            except zlib.error as exc:
                raise BadRequest(f"body is not valid gzip: {exc}", field="body") from exc
            if self._inflater.eof:
                data = self._inflater.unused_data
                self._inflater = None if data else self._inflater
            else:
                data = self._inflater.unconsumed_tail

    def _drained(self, inflater: zlib._Decompress) -> bool:
        """Write what zlib still holds back at the end of the input; True if the member ended."""
        while piece := inflater.decompress(b"", _PIECE):
            self._write(piece)
        return inflater.eof and not inflater.unused_data

    def _write(self, data: bytes) -> None:
        if self._out.tell() + len(data) > self._max:
            unit = " after decompression" if self._gzip else ""
            raise PayloadTooLarge(
                f"body exceeds max_body_bytes ({self._max} bytes{unit})", field="body"
            )
        self._out.write(data)


def _trailing() -> BadRequest:
    return BadRequest("body has bytes after the end of its gzip data", field="body")


def decode_body(body: bytes, content_encoding: str | None, *, max_bytes: int) -> bytes:
    """A whole body at once (tests, tools): what `BodyDecoder` makes of it."""
    decoder = BodyDecoder(content_encoding, max_bytes=max_bytes)
    decoder.feed(body)
    return decoder.finish()


@dataclass(frozen=True, slots=True)
class Batch:
    """The events of a batch body, each exactly as sent; `lines` numbers NDJSON lines."""

    events: list[bytes]
    lines: list[int] | None  # None for a JSON array

    def line_error(self, index: int, exc: BadRequest) -> BadRequest:
        """A bad NDJSON line refuses the whole body, naming its line (1-based)."""
        assert self.lines is not None
        number = self.lines[index]
        return BadRequest(f"NDJSON line {number}: {exc.message}", field=f"line {number}")


def split_batch(body: bytes) -> Batch:
    """A batch body: a JSON array of events, or NDJSON (one event per line)."""
    stripped = body.strip()
    if not stripped:
        raise BadRequest("batch body is empty; expected a JSON array or NDJSON", field="body")
    if stripped[:1] == b"[":
        try:
            return Batch([bytes(item) for item in _RAW_LIST.decode(body)], None)
        except (msgspec.DecodeError, msgspec.ValidationError) as exc:
            raise BadRequest(f"batch body is not a valid JSON array: {exc}", field="body") from exc
    if stripped[:1] != b"{":
        raise BadRequest(
            "batch body must be a JSON array of events or NDJSON (one event object per line)",
            field="body",
        )
    numbered = [(n, line) for n, line in enumerate(body.splitlines(), start=1) if line.strip()]
    return Batch([line for _, line in numbered], [n for n, _ in numbered])
