"""API keys and CORS: both off until configured.

`LINEAGE_API_KEYS=key1,key2:read,key3:write` (or a keys file, one entry per line) turns auth on
for every `/api/v1` route. A bare key may read and write; `:read` or `:write` limits it to
that scope. Reads are GET/HEAD/OPTIONS; every other method writes. Keys are taken from
`Authorization: Bearer <key>` (what openlineage-python's `api_key` auth and the Airflow
provider send) or from `X-API-Key`, compared in constant time, and never logged.
"""

from __future__ import annotations

import hmac
from pathlib import Path

from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from lineage.api.errors import error_response
from lineage.api_keys import READ, WRITE, ApiKey, parse_key_entries
from lineage.errors import Forbidden, LineageError, Unauthorized
from lineage.settings import Settings

PROTECTED_PREFIX = "/api/v1"
_READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def configured_keys(settings: Settings) -> list[ApiKey]:
    """Keys from `api_keys` and from the file named by `api_keys_file`."""
    keys = parse_key_entries(settings.api_keys)
    if settings.api_keys_file:
        keys += parse_key_entries(Path(settings.api_keys_file).read_text())
    return keys


def presented_key(headers: dict[bytes, bytes]) -> bytes | None:
    """The key a request carries: a Bearer token, else the X-API-Key header."""
    authorization = headers.get(b"authorization", b"")
    scheme, _, token = authorization.partition(b" ")
    if scheme.lower() == b"bearer" and token.strip():
        return token.strip()
    api_key = headers.get(b"x-api-key", b"").strip()
    return api_key or None


def check_key(keys: list[ApiKey], presented: bytes | None, *, scope: str) -> None:
    """Raise Unauthorized (no or unknown key) or Forbidden (key lacks `scope`)."""
    if presented is None:
        raise Unauthorized(
            "an API key is required: send 'Authorization: Bearer <key>' or 'X-API-Key: <key>'",
            field="Authorization",
        )
    granted: frozenset[str] | None = None
    for key in keys:  # compare against every key, so timing does not reveal which matched
        if hmac.compare_digest(key.secret, presented):
            granted = key.scopes
    if granted is None:
        raise Unauthorized("the API key is not valid", field="Authorization")
    if scope not in granted:
        raise Forbidden(
            f"this API key has scope {'/'.join(sorted(granted))}; this request needs {scope}",
            field="Authorization",
        )


class ApiKeyMiddleware:
    """Require a valid key with the right scope on every route under /api/v1."""

    def __init__(self, app: ASGIApp, *, keys: list[ApiKey]) -> None:
        self.app = app
        self.keys = keys

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _protected(scope["path"]):
            await self.app(scope, receive, send)
            return
        needed = READ if scope["method"] in _READ_METHODS else WRITE
        try:
            check_key(self.keys, presented_key(dict(scope["headers"])), scope=needed)
        except LineageError as exc:
            body = exc.to_dict()
            response = error_response(exc.status, body.pop("code"), body.pop("message"), **body)
            if exc.status == 401:
                response.headers["WWW-Authenticate"] = "Bearer"
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


def _protected(path: str) -> bool:
    return path == PROTECTED_PREFIX or path.startswith(PROTECTED_PREFIX + "/")


def install(app: FastAPI, settings: Settings) -> None:
    """Add the API-key check when keys are configured, and CORS when origins are."""
    keys = configured_keys(settings)
    if keys:
        app.add_middleware(ApiKeyMiddleware, keys=keys)
    origins = [o.strip() for o in settings.cors_origins.split(",") if o.strip()]
    if origins:  # added last, so it runs first and answers preflights without a key
        app.add_middleware(
            CORSMiddleware,
            allow_origins=origins,
            allow_methods=["GET", "POST", "PUT", "DELETE"],
            allow_headers=["Authorization", "X-API-Key", "Content-Type", "Content-Encoding"],
        )
