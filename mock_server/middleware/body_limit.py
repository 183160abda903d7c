"""The body limits: the contract's for the Rise API, the control API's own for `/__mock/` (a state document
of a real tenant is megabytes); a body over its limit is a 413, however it is sent."""

from __future__ import annotations

from starlette.types import Message, Receive, Scope

from mock_server.middleware.headers import first_header
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


METHODS = frozenset({"POST", "PUT"})
"""The methods whose operations take a body (the contract declares 413 there); other methods' bodies are
never read."""


def limited_receive(scope: Scope, receive: Receive, control_prefix: str) -> Receive:
    """`receive`, counting what it brings against the body limit of the request's path: RiseError
    `payload_too_large` at once when Content-Length announces too much, or when the body streams past it."""
    if scope["type"] != "http" or scope["method"] not in METHODS:
        return receive
    control = scope["path"].startswith(control_prefix)
    limit = CONTROL_MAX_BODY_BYTES if control else MAX_BODY_BYTES
    length = first_header(scope, b"content-length")
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

    return counted_receive
