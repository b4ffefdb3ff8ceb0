"""One error shape for every 4xx/5xx: `{"error": {"code", "message", "field"?}}`.

What no handler expected still answers in that shape: a 500 `internal_error` whose message
says only that (the exception and its traceback go to the log, not to the client).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from lineage import jsonio
from lineage.errors import LineageError


class FastJSONResponse(JSONResponse):
    """JSON rendered by orjson (lineage answers can hold thousands of nodes), integers of any
    size exact."""

    def render(self, content: Any) -> bytes:
        return jsonio.dumps(content)


def error_response(status: int, code: str, message: str, **extra: object) -> FastJSONResponse:
    """Build the shared error body."""
    headers = {"Retry-After": "1"} if status == 503 else None
    return FastJSONResponse({"error": {"code": code, "message": message, **extra}}, status, headers)


def _field_of(error: dict[str, Any]) -> str:
    """The parameter or body field a validation error is about, as `changes.0.kind`.

    Pydantic's location also holds the member of a union that failed (`list[dict[str,any]]`)
    and, for a body that is not JSON, the character offset: neither is a field. An error
    about the body as a whole names `body`.
    """
    location = list(error.get("loc", ()))
    if error.get("type") == "json_invalid":
        return "body"
    parts = [str(part) for part in location[1:] if not (isinstance(part, str) and "[" in part)]
    return ".".join(parts) or "body"


def install(app: FastAPI) -> None:
    """Map our errors, FastAPI's HTTPException, validation errors and anything unexpected
    to the one shape."""

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> FastJSONResponse:
        # Starlette's outermost middleware sends this, then re-raises: the server logs it
        return error_response(500, "internal_error", "internal error; the collector log has it")

    @app.exception_handler(LineageError)
    async def _lineage_error(_: Request, exc: LineageError) -> FastJSONResponse:
        body = exc.to_dict()
        return error_response(exc.status, body.pop("code"), body.pop("message"), **body)

    @app.exception_handler(HTTPException)
    async def _http_error(_: Request, exc: HTTPException) -> FastJSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        # Starlette raises these for a path no route matches, or a method it does not take
        field = {404: "path", 405: "method"}.get(exc.status_code)
        return error_response(exc.status_code, code, str(exc.detail), field=field)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_: Request, exc: RequestValidationError) -> FastJSONResponse:
        first = exc.errors()[0]
        field = _field_of(first)
        message = f"{field}: {first.get('msg')}"
        return error_response(
            422 if first.get("loc", ("",))[0] == "body" else 400,
            "invalid_parameter",
            message,
            field=field,
        )
