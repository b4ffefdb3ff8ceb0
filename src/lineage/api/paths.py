"""URL-encoded path segments: `postgres%3A%2F%2Fdb%3A5432` must stay one segment.

Starlette routes on the decoded path, where an encoded '/' would split a namespace in two.
The middleware re-decodes the raw path segment by segment and stands a private-use
character in for '/' inside a segment; `restore` puts the '/' back in route parameters.
"""

from __future__ import annotations

from urllib.parse import unquote

from starlette.types import ASGIApp, Receive, Scope, Send

SLASH = "\uf8ff"


def restore(value: str) -> str:
    """A path parameter with its encoded slashes back."""
    return value.replace(SLASH, "/")


class EncodedSlashMiddleware:
    """Keep %2F inside path segments from splitting them."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            raw = scope.get("raw_path") or b""
            if b"%2f" in raw.lower():
                segments = raw.split(b"?", 1)[0].decode("latin-1").split("/")
                scope = dict(scope)
                scope["path"] = "/".join(unquote(seg).replace("/", SLASH) for seg in segments)
        await self.app(scope, receive, send)
