"""A synchronous httpx transport that answers from an ASGI app in the same process.

The checks are synchronous; `httpx.ASGITransport` is asynchronous. `AppTransport` runs the app on one
event loop in a background thread (an anyio blocking portal) and hands each request to
`httpx.ASGITransport` there, so a run can judge an app without a socket, a port or uvicorn. Only the
parts that go through `RiseClient` can use it: the Schemathesis phase needs a real server.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any

import httpx
from anyio.from_thread import BlockingPortal, start_blocking_portal


class AppTransport(httpx.BaseTransport):
    """Send requests to `app` in-process; an exception in the app is answered 500, as a server would."""

    def __init__(self, app: Any) -> None:
        self._asgi = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        self._portal_context: AbstractContextManager[BlockingPortal] = start_blocking_portal()
        self._portal = self._portal_context.__enter__()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        sent = httpx.Request(request.method, request.url, headers=request.headers, content=body)
        status, headers, content = self._portal.call(self._call, sent)
        return httpx.Response(status, headers=headers, content=content, request=request)

    async def _call(self, request: httpx.Request) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        response = await self._asgi.handle_async_request(request)
        content = b"".join([chunk async for chunk in response.stream])  # type: ignore[union-attr]
        return response.status_code, response.headers.raw, content

    def close(self) -> None:
        self._portal_context.__exit__(None, None, None)
