"""HTTP caching of API answers: none. Every answer under /api, and the health and metrics
answers, carry `Cache-Control: no-store`; with API keys on, the /api answers (which the keys
guard) also carry `Vary: Authorization, X-API-Key`.

Why no-store rather than `private` or `no-cache`: an answer is the store at that moment and
the collector offers no validators (ETag) to revalidate against, so a stored copy could only
ever be served stale; and with keys on an answer is keyed data a shared cache must never
keep or hand to another client. `Vary` names the headers a key may come in, for any cache
that keeps something despite no-store. The explorer's page (`no-cache`) and its static
assets (`/ui/`, validated by ETag) keep their own headers.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

_UNCACHED_PREFIXES = ("/api/", "/healthz", "/readyz", "/metrics")


class NoStore:
    """ASGI middleware adding the caching headers above to the answers they apply to."""

    def __init__(self, app: ASGIApp, *, keyed: bool) -> None:
        self.app = app
        self.keyed = keyed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _uncached(scope["path"]):
            await self.app(scope, receive, send)
            return
        path = scope["path"]

        async def send_uncached(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["cache-control"] = "no-store"
                if self.keyed and path.startswith("/api"):
                    headers.add_vary_header("Authorization")
                    headers.add_vary_header("X-API-Key")
            await send(message)

        await self.app(scope, receive, send_uncached)


def _uncached(path: str) -> bool:
    return path == "/api" or path.startswith(_UNCACHED_PREFIXES)
