"""The version header: an unknown `Rise-API-Version` is refused, and every answer carries the version."""

from __future__ import annotations

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mock_server.model.contract import API_VERSION, VERSION_HEADER
from mock_server.model.errors import RiseError


class VersionHeaderMiddleware:
    """Rejects an unknown `Rise-API-Version`; stamps every response, errors included, with the version."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def stamped_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)[VERSION_HEADER] = API_VERSION
            await send(message)

        await self.app(scope, receive, stamped_send)


class VersionCheckMiddleware:
    """Placed after authentication: a bad key is a 401 before a bad version is a 400."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            sent = Headers(scope=scope).get(VERSION_HEADER)
            if sent is not None and sent != API_VERSION:
                raise RiseError(
                    "invalid_api_version",
                    f"{VERSION_HEADER} {sent!r} is not supported: "
                    f"send {API_VERSION} or leave the header out.",
                )
        await self.app(scope, receive, send)
