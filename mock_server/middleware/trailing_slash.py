"""A path with a trailing slash is no endpoint: 404, never a redirect."""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from mock_server.model.errors import RiseError


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
