"""Answers a request that matches a pending fault with that fault instead of the API: an error answer as
Rise would send it, a slow answer, a dropped connection or a truncated answer."""

from __future__ import annotations

import asyncio
import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mock_server.middleware.connection import close_connection
from mock_server.middleware.journal import mark_disconnected
from mock_server.store.faults import Fault, Faults, Network
from mock_server.store.journal import Disconnect

_CODES = {
    408: "request_timeout",
    429: "rate_limited",
    500: "internal_error",
    502: "bad_gateway",
    503: "service_unavailable",
    504: "gateway_timeout",
}


def _error_answer(fault: Fault) -> tuple[list[tuple[bytes, bytes]], bytes]:
    """The `{code, message}` envelope every Rise error has, and a Retry-After where the fault has one."""
    body = json.dumps(
        {
            "code": _CODES.get(fault.status, "injected_fault"),
            "message": f"Fault injected by POST /__mock/faults ({fault.status} for {fault.method} "
            f"{fault.path}): your client should retry or report it; DELETE /__mock/faults removes it.",
        }
    ).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    if fault.retry_after_header is not None:
        headers.append((b"retry-after", str(fault.retry_after_header).encode()))
    return headers, body


class FaultMiddleware:
    """Answers a matching request with its fault instead of the API (or after a delay, with the API)."""

    def __init__(self, app: ASGIApp, *, faults: Faults, skip_prefixes: tuple[str, ...]) -> None:
        self.app = app
        self.faults = faults
        self.skip_prefixes = skip_prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        fault = None
        if scope["type"] == "http" and not scope["path"].startswith(self.skip_prefixes):
            fault = self.faults.take(scope["method"], scope["path"])
        if fault is None:
            await self.app(scope, receive, send)
            return
        if fault.delay_ms:
            await asyncio.sleep(fault.delay_ms / 1000)
        if fault.network == Network.DROP:
            await self._drop(scope, receive)
        elif fault.network == Network.TRUNCATE:
            await self._truncate(scope, receive, send)
        elif not fault.status:
            await self.app(scope, receive, send)
        else:
            headers, body = _error_answer(fault)
            await send({"type": "http.response.start", "status": fault.status, "headers": headers})
            await send({"type": "http.response.body", "body": body})

    async def _drop(self, scope: Scope, receive: Receive) -> None:
        mark_disconnected(scope, Disconnect.FAULT)
        await close_connection(scope, receive)

    async def _truncate(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The API answers in full here; the client gets its headers with the full length promised (at
        least one byte) and the first half of its body, then the connection closes."""
        start: Message | None = None
        body = bytearray()

        async def keep(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body":
                body.extend(message.get("body", b""))

        await self.app(scope, receive, keep)
        if start is None:
            return
        promised = str(max(len(body), 1)).encode()
        headers = [(name, value) for name, value in start["headers"] if name.lower() != b"content-length"]
        await send({**start, "headers": [*headers, (b"content-length", promised)]})
        await send({"type": "http.response.body", "body": bytes(body[: len(body) // 2]), "more_body": True})
        mark_disconnected(scope, Disconnect.FAULT)
        await close_connection(scope, receive)
