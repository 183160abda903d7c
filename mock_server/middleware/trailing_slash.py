"""A path with a trailing slash is no endpoint: 404, never a redirect."""

from __future__ import annotations

from starlette.types import Scope

from mock_server.model.errors import RiseError


def refuse_trailing_slash(scope: Scope, keep: tuple[str, ...]) -> None:
    """RiseError `not_found` for a path with a trailing slash, unless it starts as one of `keep` does."""
    path = scope.get("path", "")
    if scope["type"] == "http" and len(path) > 1 and path.endswith("/") and not path.startswith(keep):
        raise RiseError(
            "not_found",
            f"There is no endpoint at {path}: drop the trailing slash, or check that no ID is empty "
            "or contains a slash.",
        )
