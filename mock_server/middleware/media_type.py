"""Media types are case-insensitive (RFC 9110): `Application/JSON` is JSON.

Connexion validates a body whatever the case of its media type, but hands the handler raw bytes unless
the type is written in lower case; lower-casing it here, before routing, makes both agree.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send


def lowered(content_type: bytes) -> bytes:
    """The media type in lower case, its parameters (`; charset=UTF-8`) as sent."""
    media_type, separator, parameters = content_type.partition(b";")
    return media_type.strip().lower() + separator + parameters


class MediaTypeCaseMiddleware:
    """Rewrites the request's Content-Type with its media type in lower case."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = scope.get("headers", [])
        if scope["type"] == "http" and any(name == b"content-type" for name, _ in headers):
            headers = [(name, lowered(v) if name == b"content-type" else v) for name, v in headers]
            scope = {**scope, "headers": headers}
        await self.app(scope, receive, send)
