"""Lets inner middleware end a client's connection without answering, as a network fault does, and tell
whether the connection has closed without waiting for a message.

ASGI has no message for "close the connection", and the only way it tells of a client that hung up is a
`receive()` that waits until it has. Under uvicorn the `send` an app gets is bound to the request cycle
that holds the connection's transport; this middleware, the outermost of the app, finds that transport
and offers its `close` and `is_closing` to the layers inside through the scope. Under a server that gives
no such handle (an in-process test client), `close_connection` returns False and the caller ends the ASGI
call instead, which such servers turn into a closed connection or an error of their own; and
`connection_closed` returns None, so that the caller waits for `http.disconnect` instead.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

_CLOSE = "rise_mock.close_connection"
_CLOSED = "rise_mock.connection_closed"
_DISCONNECT_WAIT_SECONDS = 5.0


class ConnectionMiddleware:
    """Outermost: puts the connection's close() and is_closing() in the scope, when the server's `send`
    leads to them."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            transport = _transport(send)
            close, closing = getattr(transport, "close", None), getattr(transport, "is_closing", None)
            if callable(close) and callable(closing):
                scope[_CLOSE], scope[_CLOSED] = close, closing
        await self.app(scope, receive, send)


def _transport(send: Send) -> Any:
    return getattr(getattr(send, "__self__", None), "transport", None)


def connection_closed(scope: Scope) -> Callable[[], bool] | None:
    """A function that tells, at once, whether the client's connection has closed (the client hung up,
    or a network fault closed it); None when the server offers no way to tell."""
    return scope.get(_CLOSED)


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
