"""Reading a request header straight from the ASGI scope, without building Starlette's `Headers`."""

from __future__ import annotations

from starlette.types import Scope


def first_header(scope: Scope, name: bytes) -> str | None:
    """The first value of the header `name` (lower case, as ASGI gives names), read as Starlette's
    `Headers.get` reads it; None when it is not sent."""
    for key, value in scope["headers"]:
        if key == name:
            return value.decode("latin-1")
    return None
