"""API keys and CORS: both off until configured.

`LINEAGE_API_KEYS=key1,key2:read,key3:write` (or a keys file, one entry per line) turns auth on
for every `/api/v1` route. A bare key may read and write; `:read` or `:write` limits it to
that scope. An entry that cannot be read exactly so (`ro:READ`, `k: read`, `:read`, a key
listed twice) stops the collector at start-up, naming the entry by position.

Two steps, so that nothing under `/api/v1` answers an unknown caller, not even a 404 or a
422 for a malformed body: `ApiKeyMiddleware` authenticates every request under the prefix
(401) and records the key's scopes in the ASGI scope; each route then declares the scope it
needs with `requires(READ)` or `requires(WRITE)` (403 when the key lacks it). What a route
needs follows what it answers, not its method: `POST /impact` answers lineage, so it needs
`read`; DELETE and restore change the store, need `write`, and answer only the node's id.
The declarations are part of `/openapi.json` (`security`), and the README's table of routes
is generated from it (`scope_table`).

Keys are taken from `Authorization: Bearer <key>` (what openlineage-python's `api_key` auth
and the Airflow provider send) or from `X-API-Key`, compared in constant time, never logged.
"""

from __future__ import annotations

import hmac
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request, Security
from fastapi.openapi.models import HTTPBearer as HTTPBearerModel
from fastapi.security import SecurityScopes
from fastapi.security.base import SecurityBase
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from lineage.api.errors import error_response
from lineage.api_keys import SCOPES, ApiKey, parse_key_entries
from lineage.errors import Forbidden, InvalidSetting, LineageError, Unauthorized
from lineage.settings import Settings

PROTECTED_PREFIX = "/api/v1"
SCHEME_NAME = "apiKey"
# where the middleware leaves the presented key's scopes for the route's check
GRANTED = "lineage.granted_scopes"


def configured_keys(settings: Settings) -> list[ApiKey]:
    """Keys from `api_keys` and from the file named by `api_keys_file` (no key twice)."""
    text, source = settings.api_keys, "LINEAGE_API_KEYS"
    keys = parse_key_entries(text, source=source)
    if settings.api_keys_file:
        try:
            file_text = Path(settings.api_keys_file).read_text()
        except (OSError, UnicodeDecodeError) as exc:
            raise InvalidSetting(
                f"LINEAGE_API_KEYS_FILE {settings.api_keys_file!r} cannot be read: {exc}",
                field="LINEAGE_API_KEYS_FILE",
            ) from None
        from_file = parse_key_entries(file_text, source="LINEAGE_API_KEYS_FILE")
        both = {k.secret for k in keys} & {k.secret for k in from_file}
        if both:
            raise InvalidSetting(
                "LINEAGE_API_KEYS_FILE repeats a key of LINEAGE_API_KEYS",
                field="LINEAGE_API_KEYS_FILE",
            )
        keys += from_file
    return keys


def presented_key(headers: dict[bytes, bytes]) -> bytes | None:
    """The key a request carries: a Bearer token, else the X-API-Key header."""
    authorization = headers.get(b"authorization", b"")
    scheme, _, token = authorization.partition(b" ")
    if scheme.lower() == b"bearer" and token.strip():
        return token.strip()
    api_key = headers.get(b"x-api-key", b"").strip()
    return api_key or None


def authenticate(keys: list[ApiKey], presented: bytes | None) -> frozenset[str]:
    """The scopes of the presented key; Unauthorized when there is none or it is unknown."""
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
    return granted


class ApiKeyMiddleware:
    """Require a valid key on every request under /api/v1; record what it may do."""

    def __init__(self, app: ASGIApp, *, keys: list[ApiKey]) -> None:
        self.app = app
        self.keys = keys

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _protected(scope["path"]):
            await self.app(scope, receive, send)
            return
        try:
            granted = authenticate(self.keys, presented_key(dict(scope["headers"])))
        except LineageError as exc:
            body = exc.to_dict()
            response = error_response(exc.status, body.pop("code"), body.pop("message"), **body)
            response.headers["WWW-Authenticate"] = "Bearer"
            await response(scope, receive, send)
            return
        scope[GRANTED] = granted
        await self.app(scope, receive, send)


class _ScopeCheck(SecurityBase):
    """The route-level half: the scope a route declares against what the key grants."""

    def __init__(self) -> None:
        self.model = HTTPBearerModel(
            description="An API key, as `Authorization: Bearer <key>` or `X-API-Key: <key>`; "
            "needed only when the collector has keys configured."
        )
        self.scheme_name = SCHEME_NAME

    async def __call__(self, request: Request, security_scopes: SecurityScopes) -> None:
        granted = request.scope.get(GRANTED)
        if granted is None:  # auth is off: the middleware is not installed
            return
        for needed in security_scopes.scopes:
            if needed not in granted:
                raise Forbidden(
                    f"this API key has scope {'/'.join(sorted(granted))}; "
                    f"this request needs {needed}",
                    field="Authorization",
                )


_CHECK = _ScopeCheck()


def requires(scope: str) -> Any:
    """A route or router dependency: the request's key must grant `scope`."""
    assert scope in SCOPES, scope
    return Security(_CHECK, scopes=[scope])


def route_scopes(openapi: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(method, path, scope) of every operation in an OpenAPI document; scope is `none` for
    a route that needs no key."""
    rows = []
    for path, operations in openapi["paths"].items():
        for method, operation in operations.items():
            needed = {s for req in operation.get("security", []) for s in req.get(SCHEME_NAME, [])}
            rows.append((method.upper(), path, "/".join(sorted(needed)) or "none"))
    return rows


def scope_table(openapi: dict[str, Any]) -> str:
    """The README's table of what each route needs (a test keeps them equal)."""
    rows = ["| method | route | key scope |", "|---|---|---|"]
    rows += [f"| {m} | `{p}` | {s} |" for m, p, s in route_scopes(openapi)]
    return "\n".join(rows)


def _protected(path: str) -> bool:
    return path == PROTECTED_PREFIX or path.startswith(PROTECTED_PREFIX + "/")


def install(app: FastAPI, settings: Settings) -> bool:
    """Add the API-key check when keys are configured, and CORS when origins are; whether
    keys are on."""
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
    return bool(keys)
