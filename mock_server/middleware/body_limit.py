"""The body limit of the contract: a body over it is a 413, however it is sent."""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mock_server.model.contract import MAX_BODY_BYTES
from mock_server.model.errors import RiseError


def _too_large(size: int | str) -> RiseError:
    return RiseError(
        "payload_too_large",
        f"The body has {size} bytes, more than the {MAX_BODY_BYTES} allowed: send only the JSON object "
        "the operation takes (an import is one completion).",
    )


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
