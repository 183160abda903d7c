"""The version header: an unknown `Rise-API-Version` is refused, and every answer carries the version."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mock_server.middleware.headers import first_header
from mock_server.model.contract import API_VERSION, VERSION_HEADER
from mock_server.model.errors import RiseError

_STAMP = (VERSION_HEADER.lower().encode("latin-1"), API_VERSION.encode("latin-1"))


def stamp(message: Message) -> None:
    """Set the version header of a response start message, as `MutableHeaders` sets a header: in the
    place of the first one already there (any other one dropped), else last."""
    name = _STAMP[0]
    headers = message.get("headers", [])
    if not any(key == name for key, _ in headers):
        message["headers"] = [*headers, _STAMP]
        return
    stamped: list[tuple[bytes, bytes]] = []
    for key, value in headers:
        if key != name:
            stamped.append((key, value))
        elif _STAMP not in stamped:
            stamped.append(_STAMP)
    message["headers"] = stamped


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
                stamp(message)
            await send(message)

        await self.app(scope, receive, stamped_send)


class VersionCheckMiddleware:
    """Placed after authentication: a bad key is a 401 before a bad version is a 400."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            sent = first_header(scope, _STAMP[0])
            if sent is not None and sent != API_VERSION:
                raise RiseError(
                    "invalid_api_version",
                    f"{VERSION_HEADER} {sent!r} is not supported: "
                    f"send {API_VERSION} or leave the header out.",
                )
        await self.app(scope, receive, send)
