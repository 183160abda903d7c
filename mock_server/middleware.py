"""ASGI middleware for the rules that hold for every request: body size and the version header."""

from __future__ import annotations

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mock_server.contract import API_VERSION, MAX_BODY_BYTES, VERSION_HEADER
from mock_server.errors import RiseError


def _too_large(size: int | str) -> RiseError:
    return RiseError(
        "payload_too_large",
        f"The body has {size} bytes, more than the {MAX_BODY_BYTES} allowed: send only the JSON object "
        "the operation takes (an import is one completion).",
    )


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


class BodyLimitMiddleware:
    """Bodies over the contract's limit are a 413, whether announced by Content-Length or streamed.

    Only for the methods whose operations take a body (the contract declares 413 there); other methods'
    bodies are never read.
    """

    METHODS = frozenset({"POST", "PUT"})

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in self.METHODS:
            await self.app(scope, receive, send)
            return
        length = Headers(scope=scope).get("content-length")
        if length is not None and length.isdigit() and int(length) > MAX_BODY_BYTES:
            raise _too_large(length)
        received = 0

        async def counted_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > MAX_BODY_BYTES:
                    raise _too_large(f"more than {received}")
            return message

        await self.app(scope, counted_receive, send)


class NoSlashRedirectMiddleware:
    """A path with a trailing slash is no endpoint of this API: 404 `not_found`, where Starlette would
    answer 307 to the path without it (and `/courses/%2F` would land on the course list).

    The browsable contract keeps its slashes (`/ui/`)."""

    def __init__(self, app: ASGIApp, *, keep: tuple[str, ...]) -> None:
        self.app = app
        self.keep = keep

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if (
            scope["type"] == "http"
            and len(path) > 1
            and path.endswith("/")
            and not path.startswith(self.keep)
        ):
            raise RiseError(
                "not_found",
                f"There is no endpoint at {path}: drop the trailing slash, or check that no ID is empty "
                "or contains a slash.",
            )
        await self.app(scope, receive, send)
