"""A synchronous httpx transport over an ASGI app, so that the (synchronous) RiseClient can test a server
in-process: no port, no thread, no sleep. httpx's own ASGITransport is asynchronous only."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from conformance.checks.differential import DifferentialOutcome, DifferentialSettings, run_differential
from conformance.engine.client import RiseClient
from conformance.profile import load_profile


class SyncASGITransport(httpx.BaseTransport):
    """Runs each request through `httpx.ASGITransport` on a private event loop."""

    def __init__(self, app: Any) -> None:
        self._inner = httpx.ASGITransport(app=app)
        self._loop = asyncio.new_event_loop()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        async def send() -> httpx.Response:
            body = request.read()
            inner = httpx.Request(request.method, request.url, headers=request.headers, content=body)
            response = await self._inner.handle_async_request(inner)
            content = await response.aread()
            return httpx.Response(response.status_code, headers=response.headers, content=content)

        return self._loop.run_until_complete(send())

    def close(self) -> None:
        self._loop.close()


def run_phase(app: Any, **options: Any) -> DifferentialOutcome:
    """The differential phase against `app` in-process, with the demo profile and small defaults."""
    chosen = {
        "examples": 6,
        "steps": 12,
        "seed": 1,
        "report_timeout": 0.3,
        "shrink_examples": 10,
        "shrink_replays": 10,
        **options,
    }
    client = RiseClient("http://127.0.0.1:8080", "rise-mock-key", transport=SyncASGITransport(app))
    with client:
        return run_differential(client, load_profile(), DifferentialSettings(**chosen))
