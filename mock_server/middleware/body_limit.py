"""The body limits: the contract's for the Rise API, the control API's own for `/__mock/` (a state document
of a real tenant is megabytes); a body over its limit is a 413, however it is sent."""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mock_server.model.contract import CONTROL_MAX_BODY_BYTES, MAX_BODY_BYTES
from mock_server.model.errors import RiseError


def _too_large(size: int | str, limit: int, control: bool) -> RiseError:
    if control:
        advice = "split the tenant, or load it from a file with rise-mock serve --seed FILE."
    else:
        advice = "send only the JSON object the operation takes (an import is one completion)."
    return RiseError(
        "payload_too_large", f"The body has {size} bytes, more than the {limit} allowed: {advice}"
    )


class BodyLimitMiddleware:
    """Bodies over the contract's limit are a 413, whether announced by Content-Length or streamed.

    Only for the methods whose operations take a body (the contract declares 413 there); other methods'
    bodies are never read.
    """

    METHODS = frozenset({"POST", "PUT"})

    def __init__(self, app: ASGIApp, *, control_prefix: str) -> None:
        self.app = app
        self.control_prefix = control_prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in self.METHODS:
            await self.app(scope, receive, send)
            return
        control = scope["path"].startswith(self.control_prefix)
        limit = CONTROL_MAX_BODY_BYTES if control else MAX_BODY_BYTES
        length = Headers(scope=scope).get("content-length")
        if length is not None and length.isdigit() and int(length) > limit:
            raise _too_large(length, limit, control)
        received = 0

        async def counted_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _too_large(f"more than {received}", limit, control)
            return message

        await self.app(scope, counted_receive, send)
