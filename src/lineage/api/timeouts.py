"""Slow clients are cut off: a deadline for a request's headers, one for its body.

uvicorn times out only an idle keep-alive connection (`timeout_keep_alive`); a client that
connects and sends its headers a byte at a time, or declares a body it never sends, held a
connection and a task for as long as it liked. Two bounds close that:

- `header_timeout_protocol(seconds)`: uvicorn's httptools protocol (the one `lineage serve`
  runs) with a timer from the connection's start, and from each later request's first byte,
  to the end of its headers; when it fires the connection is closed.
- `BodyTimeout`: ASGI middleware giving the whole body `seconds` from the route's first read;
  past it the route's read raises `RequestTimeout`, answered 408 in the error shape.
"""

from __future__ import annotations

import asyncio

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from lineage.errors import RequestTimeout


def header_timeout_protocol(seconds: float) -> type[asyncio.Protocol]:
    """uvicorn's `http` protocol class, closing connections whose headers take longer."""
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    class HeaderTimeoutProtocol(HttpToolsProtocol):
        _header_timer: asyncio.TimerHandle | None = None

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._arm()

        def on_message_begin(self) -> None:
            super().on_message_begin()
            self._arm()

        def on_headers_complete(self) -> None:
            self._disarm()
            super().on_headers_complete()

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            super().connection_lost(exc)

        def _arm(self) -> None:
            self._disarm()
            loop = asyncio.get_running_loop()
            self._header_timer = loop.call_later(seconds, self.transport.close)

        def _disarm(self) -> None:
            if self._header_timer is not None:
                self._header_timer.cancel()
                self._header_timer = None

    return HeaderTimeoutProtocol


class BodyTimeout:
    """Give a request's body `seconds`, counted from the first read, to arrive in full."""

    def __init__(self, app: ASGIApp, *, seconds: float) -> None:
        self.app = app
        self.seconds = seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        loop = asyncio.get_running_loop()
        deadline: float | None = None
        complete = False

        async def timed_receive() -> Message:
            nonlocal deadline, complete
            if complete:  # after the body: waiting for a disconnect is not bounded
                return await receive()
            if deadline is None:
                deadline = loop.time() + self.seconds
            try:
                async with asyncio.timeout_at(deadline):
                    message = await receive()
            except TimeoutError:
                raise RequestTimeout(
                    f"the request body did not arrive within {self.seconds:g} s "
                    "(http_body_timeout_s)",
                    field="body",
                ) from None
            complete = message["type"] != "http.request" or not message.get("more_body", False)
            return message

        await self.app(scope, timed_receive, send)
