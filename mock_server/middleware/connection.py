"""Lets inner middleware end a client's connection without answering, as a network fault does.

ASGI has no message for "close the connection". Under uvicorn the `send` an app gets is bound to the
request cycle that holds the connection's transport; this middleware, the outermost of the app, finds
that transport and offers its `close` to the layers inside through the scope. Under a server that gives
no such handle (an in-process test client), `close_connection` returns False and the caller ends the ASGI
call instead, which such servers turn into a closed connection or an error of their own.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

_CLOSE = "rise_mock.close_connection"
_DISCONNECT_WAIT_SECONDS = 5.0


class ConnectionMiddleware:
    """Outermost: puts the connection's close() in the scope, when the server's `send` leads to it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            close = _transport_close(send)
            if close is not None:
                scope[_CLOSE] = close
        await self.app(scope, receive, send)


def _transport_close(send: Send) -> Callable[[], None] | None:
    transport: Any = getattr(getattr(send, "__self__", None), "transport", None)
    close = getattr(transport, "close", None)
    return close if callable(close) else None


async def close_connection(scope: Scope, receive: Receive) -> bool:
    """Close the client's connection now (what was sent so far still goes out); True once it is closed,
    False when the server offers no way to close it. Waits for the server to see the disconnect, so that
    it neither logs an unfinished answer nor sends one of its own."""
    close = scope.get(_CLOSE)
    if close is None:
        return False
    close()
    try:
        async with asyncio.timeout(_DISCONNECT_WAIT_SECONDS):
            while (await receive())["type"] != "http.disconnect":
                continue  # body messages the API never read
    except TimeoutError:
        return True  # closed all the same; the server notices when it next writes
    return True
