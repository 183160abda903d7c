"""Answers a request that matches a pending fault with that fault instead of the API."""

from __future__ import annotations

import asyncio
import json

from starlette.types import ASGIApp, Receive, Scope, Send

from mock_server.store.faults import Faults

_CODES = {429: "rate_limited", 500: "internal_error", 502: "bad_gateway", 503: "service_unavailable"}


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
        if not fault.status:
            await self.app(scope, receive, send)
            return
        code = _CODES.get(fault.status, "injected_fault")
        body = json.dumps(
            {
                "code": code,
                "message": f"Fault injected by POST /__mock/faults ({fault.status} for {fault.method} "
                f"{fault.path}): your client should retry or report it; DELETE /__mock/faults removes it.",
            }
        ).encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        if fault.retry_after is not None:
            headers.append((b"retry-after", str(fault.retry_after).encode()))
        await send({"type": "http.response.start", "status": fault.status, "headers": headers})
        await send({"type": "http.response.body", "body": body})
