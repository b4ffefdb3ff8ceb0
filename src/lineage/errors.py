"""Errors that know their HTTP status: mapped to API responses and to CLI exit codes."""

from __future__ import annotations


class LineageError(Exception):
    """Base error: a status, a short machine code and a message naming the problem."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def to_dict(self) -> dict[str, str]:
        """The `error` object of the JSON error body."""
        body = {"code": self.code, "message": self.message}
        if self.field is not None:
            body["field"] = self.field
        return body


class BadRequest(LineageError):
    """The body is not JSON, or not a JSON event at all."""

    status = 400
    code = "bad_request"


class InvalidEvent(LineageError):
    """A JSON event that cannot be used (no identity, bad time, bad facet)."""

    status = 422
    code = "invalid_event"


class NodeNotFound(LineageError):
    """A node id or entity that the store does not know."""

    status = 404
    code = "not_found"

    def __init__(self, message: str, *, field: str, suggestions: list[str] | None = None) -> None:
        super().__init__(message, field=field)
        self.suggestions = suggestions or []

    def to_dict(self) -> dict[str, str]:
        body: dict = super().to_dict()
        body["suggestions"] = self.suggestions
        return body


class PayloadTooLarge(LineageError):
    """A body, a batch or a name over a configured limit."""

    status = 413
    code = "payload_too_large"


class UnsupportedMediaType(LineageError):
    """A Content-Type that is not JSON."""

    status = 415
    code = "unsupported_media_type"


class Unauthorized(LineageError):
    """No or unknown API key."""

    status = 401
    code = "unauthorized"


class Forbidden(LineageError):
    """A key without the scope the route needs."""

    status = 403
    code = "forbidden"


class InvalidSetting(LineageError):
    """A setting that cannot be read (found at start-up; `lineage serve` exits with it)."""

    status = 400
    code = "invalid_setting"


class RequestTimeout(LineageError):
    """A client that did not send its request body in time."""

    status = 408
    code = "request_timeout"


class StoreUnavailable(LineageError):
    """The database is down or locked; the caller should retry."""

    status = 503
    code = "store_unavailable"


class GraphLoading(LineageError):
    """The in-memory graph is still being built at start-up."""

    status = 503
    code = "graph_loading"
