"""The request checks that come before routing, in one layer: each stays in its own module as a function
(trailing_slash, media_type, body_limit), called here in the order their middlewares had, outermost
first. One layer instead of three saves each request two calls through the ASGI chain."""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from mock_server.middleware.body_limit import limited_receive
from mock_server.middleware.media_type import with_lowered_media_type
from mock_server.middleware.trailing_slash import refuse_trailing_slash


class BeforeRoutingMiddleware:
    """No trailing slash (`keep` aside), the media type in lower case, the body within its limit."""

    def __init__(self, app: ASGIApp, *, keep: tuple[str, ...], control_prefix: str) -> None:
        self.app = app
        self.keep = keep
        self.control_prefix = control_prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        refuse_trailing_slash(scope, self.keep)
        scope = with_lowered_media_type(scope)
        await self.app(scope, limited_receive(scope, receive, self.control_prefix), send)
