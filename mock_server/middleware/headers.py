"""Reading a request's headers straight from the ASGI scope: one header without building Starlette's
`Headers`, or all of them as `Headers` made on first use."""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.types import Scope


def first_header(scope: Scope, name: bytes) -> str | None:
    """The first value of the header `name` (lower case, as ASGI gives names), read as Starlette's
    `Headers.get` reads it; None when it is not sent."""
    for key, value in scope["headers"]:
        if key == name:
            return value.decode("latin-1")
    return None


class ScopeHeaders:
    """A view of a request's ASGI scope whose `headers` are Starlette's, made when first read."""

    def __init__(self, scope: Scope) -> None:
        self.scope = scope
        self._headers: Headers | None = None

    @property
    def headers(self) -> Headers:
        if self._headers is None:
            self._headers = Headers(scope=self.scope)
        return self._headers
