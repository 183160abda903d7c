"""A synchronous httpx transport that answers from an ASGI app in the same process.

The checks are synchronous; `httpx.ASGITransport` is asynchronous. `AppTransport` keeps one event loop
of its own and runs each request to completion on it, in the calling thread, so a run can judge an app
without a socket, a port or a server (and without a thread hand-off per request). Only the parts that go
through `RiseClient` can use it: the Schemathesis phase needs a real server.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx


class AppTransport(httpx.BaseTransport):
    """Send requests to `app` in-process; an exception in the app is answered 500, as a server would.
    Not for use from inside a running event loop."""

    def __init__(self, app: Any) -> None:
        self._asgi = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        self._loop = asyncio.new_event_loop()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        sent = httpx.Request(request.method, request.url, headers=request.headers, content=body)
        status, headers, content = self._loop.run_until_complete(self._call(sent))
        return httpx.Response(status, headers=headers, content=content, request=request)

    async def _call(self, request: httpx.Request) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        response = await self._asgi.handle_async_request(request)
        content = b"".join([chunk async for chunk in response.stream])  # type: ignore[union-attr]
        return response.status_code, response.headers.raw, content

    def close(self) -> None:
        self._loop.close()
