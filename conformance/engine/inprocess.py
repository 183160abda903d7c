"""A synchronous httpx transport that answers from an ASGI app in the same process.

The checks are synchronous and an ASGI app is asynchronous. `AppTransport` keeps one event loop of its
own and runs each request to completion on it, in the calling thread, so a run can judge an app without a
socket, a port or a server (and without a thread hand-off per request). It speaks ASGI itself, as
`httpx.ASGITransport` does, without that class's per-request work for the asynchronous callers it serves
(a lookup of the running async library, an async body stream), which cost more than the mock's own
answer. Only the parts that go through `RiseClient` can use it: the Schemathesis phase needs a real server.
"""

from __future__ import annotations

import asyncio
from collections.abc import MutableMapping
from typing import Any

import httpx

CLIENT = ("127.0.0.1", 123)
"""The peer address the app sees, as `httpx.ASGITransport` gives it."""


class AppTransport(httpx.BaseTransport):
    """Send requests to `app` in-process; an exception in the app is answered 500, as a server would.
    Not for use from inside a running event loop."""

    def __init__(self, app: Any) -> None:
        self._app = app
        self._loop = asyncio.new_event_loop()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": request.method,
            "headers": [(name.lower(), value) for name, value in request.headers.raw],
            "scheme": url.scheme,
            "path": url.path,
            "raw_path": url.raw_path.split(b"?")[0],
            "query_string": url.query,
            "server": (url.host, url.port),
            "client": CLIENT,
            "root_path": "",
        }
        status, headers, content = self._loop.run_until_complete(self._call(scope, request.read()))
        return httpx.Response(status, headers=headers, content=content, request=request)

    async def _call(self, scope: dict[str, Any], body: bytes) -> tuple[int, list[Any], bytes]:
        answered = asyncio.Event()
        unread = True
        start: dict[str, Any] = {}
        parts: list[bytes] = []

        async def receive() -> dict[str, Any]:
            nonlocal unread
            if unread:
                unread = False
                return {"type": "http.request", "body": body, "more_body": False}
            await answered.wait()
            return {"type": "http.disconnect"}

        async def send(message: MutableMapping[str, Any]) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                if scope["method"] != "HEAD":
                    parts.append(message.get("body", b""))
                if not message.get("more_body", False):
                    answered.set()

        try:
            await self._app(scope, receive, send)
        except Exception:  # a server answers 500 when its app raises
            answered.set()
        return start.get("status", 500), list(start.get("headers", [])), b"".join(parts)

    def close(self) -> None:
        self._loop.close()
