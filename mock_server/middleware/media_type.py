"""Media types are case-insensitive (RFC 9110): `Application/JSON` is JSON.

Connexion validates a body whatever the case of its media type, but hands the handler raw bytes unless
the type is written in lower case; lower-casing it here, before routing, makes both agree.
"""

from __future__ import annotations

from starlette.types import Scope


def lowered(content_type: bytes) -> bytes:
    """The media type in lower case, its parameters (`; charset=UTF-8`) as sent."""
    media_type, separator, parameters = content_type.partition(b";")
    return media_type.strip().lower() + separator + parameters


def with_lowered_media_type(scope: Scope) -> Scope:
    """The scope, or a copy whose Content-Type has its media type in lower case (the scope itself when
    every Content-Type is written so already, as clients almost always send it)."""
    headers = scope.get("headers", [])
    if scope["type"] == "http" and any(
        name == b"content-type" and lowered(value) != value for name, value in headers
    ):
        headers = [(name, lowered(v) if name == b"content-type" else v) for name, v in headers]
        return {**scope, "headers": headers}
    return scope
