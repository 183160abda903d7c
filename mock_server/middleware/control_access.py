"""Who may use the control API (`/__mock/`): anyone on loopback, only holders of the admin key when the
mock was started with one, and nobody when it listens beyond loopback without one (it is not served)."""

from __future__ import annotations

import hmac

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from mock_server.model.errors import RiseError


class ControlAccessMiddleware:
    """Guards every path under `prefix` except `open_paths` (the browsable description of the control
    API, which holds no data and where Swagger UI's Authorize button takes the key)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        prefix: str,
        admin_key: str | None,
        served: bool,
        open_paths: tuple[str, ...] = (),
    ) -> None:
        self.app = app
        self.prefix = prefix
        self.expected = f"Bearer {admin_key}".encode() if admin_key else None
        self.served = served
        self.open_paths = open_paths

    def _guarded(self, path: str) -> bool:
        under = path == self.prefix or path.startswith(self.prefix + "/")
        return under and not (self.served and path.startswith(self.open_paths))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self._guarded(scope["path"]):
            if not self.served:
                raise RiseError(
                    "not_found",
                    f"There is no control API at {self.prefix}/ on this address: rise-mock serves it "
                    "beyond loopback only when started with --admin-key KEY.",
                )
            sent = Headers(scope=scope).get("authorization", "").encode()
            if self.expected is not None and not hmac.compare_digest(sent, self.expected):
                raise RiseError(
                    "unauthorized",
                    f"The control API ({self.prefix}/) needs the admin key: send the header "
                    "'Authorization: Bearer <admin key>' with the key rise-mock was started with "
                    "(--admin-key).",
                )
        await self.app(scope, receive, send)
