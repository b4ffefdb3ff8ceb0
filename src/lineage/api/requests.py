"""What every route gets, whoever wrote it: HEAD answered as GET, NUL characters refused.

`HeadAsGet` answers HEAD on every GET route (FastAPI registers GET routes for GET only) with
the GET answer's status and headers and no body. `reject_nul` is an app-wide dependency: a
`%00` in a path segment or a query parameter is a 400 naming the parameter, before any route
reads it. PostgreSQL cannot hold a NUL in text at all (psycopg refuses the statement, which
was a 500), SQLite would have looked it up and answered 404 or an empty list: one answer on
both, and the same for a route added later.
"""

from __future__ import annotations

from fastapi import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from lineage.errors import BadRequest

NUL = "\x00"


class HeadAsGet:
    """Run HEAD requests as GET and send the answer's headers without its body."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def send_no_body(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, send_no_body)


async def reject_nul(request: Request) -> None:
    """400 naming the first path or query parameter (name or value) that holds a NUL."""
    for name, value in request.path_params.items():
        if NUL in str(value):
            raise BadRequest(f"{name} holds a NUL character (%00)", field=name)
    for name, value in request.query_params.multi_items():
        if NUL in name or NUL in value:
            shown = name.replace(NUL, "\\x00") or "query"  # `?=%00` has a parameter of no name
            raise BadRequest(f"query parameter {shown} holds a NUL character (%00)", field=shown)
