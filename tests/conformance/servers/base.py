"""What the server modules share: the `Server` record, ASGI helpers that answer or rewrite, and access
to the request body and query of a scope."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import cache
from typing import Any
from urllib.parse import parse_qsl

from conformance_servers import (
    RequestRewriter,
    ResponseRewriter,
    demo_tenant,
    json_rewriter,
    read_body,
    report_rows,
)
from starlette.types import ASGIApp, Receive, Scope, Send

from mock_server.http.app import create_app
from mock_server.model.contract import API_VERSION, VERSION_HEADER
from mock_server.model.seed import DEFAULT_API_KEY
from mock_server.model.tenant import Tenant

__all__ = [
    "DEFAULT_API_KEY",
    "RequestRewriter",
    "ResponseRewriter",
    "Server",
    "answer",
    "app_for",
    "app_of",
    "demo_tenant",
    "guarded",
    "header_of",
    "json_rewriter",
    "query_of",
    "report_rows",
    "with_headers",
]

Headers = list[tuple[bytes, bytes]]


@dataclass(frozen=True)
class Server:
    """How to build one server, the part of a run that judges it, and the rule it breaks (None: it
    keeps the contract)."""

    build: Callable[[], ASGIApp]
    part: str
    rule: str | None = None
    schema_check: str | None = None
    """For the schema part: the Schemathesis check that must fail."""
    schema_phases: str | None = None
    """For the schema part: the Schemathesis phases that show the defect (None: all four)."""


class _Current:
    """Stands in for the tenant of the one app the in-process servers share: every call goes to the
    tenant of the server built last. Building a Connexion app takes about a third of a second; a
    hundred servers would spend half a minute on it."""

    target: Tenant

    def __getattr__(self, name: str) -> Any:
        return getattr(self.target, name)


@cache
def _shared_app() -> tuple[ASGIApp, _Current]:
    current = _Current()
    return create_app(tenant=current), current  # type: ignore[arg-type]


def app_for(tenant: Tenant, **options: Any) -> ASGIApp:
    """The mock serving `tenant`: the shared app when no option is asked for, so one server at a time."""
    if options:
        return create_app(tenant=tenant, **options)
    app, current = _shared_app()
    current.target = tenant
    return app


def app_of(tenant_class: type[Tenant] = Tenant, **options: Any) -> ASGIApp:
    """The mock serving the demo tenant through `tenant_class`."""
    return app_for(demo_tenant(tenant_class), **options)


async def answer(send: Send, status: int, document: Any = None, headers: Headers | None = None) -> None:
    """Answer as the mock would (JSON, the version header), from a wrapper that does not forward."""
    body = b"" if document is None else json.dumps(document).encode()
    sent = [(VERSION_HEADER.lower().encode(), API_VERSION.encode()), *(headers or [])]
    if document is not None:
        sent.append((b"content-type", b"application/json"))
    sent.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": sent})
    await send({"type": "http.response.body", "body": body})


Intercept = Callable[[Scope, bytes, Send], Awaitable[bool]]


def guarded(app: ASGIApp, intercept: Intercept) -> ASGIApp:
    """A wrapper reading each request body first; `intercept(scope, body, send)` answers it itself
    (returning True) or lets `app` have it."""

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        body = await read_body(receive)
        if await intercept(scope, body, send):
            return
        replayed = False

        async def replay() -> dict[str, Any]:
            nonlocal replayed
            if replayed:
                return {"type": "http.disconnect"}
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await app(scope, replay, send)

    return wrapped


def query_of(scope: Scope) -> dict[str, str]:
    return dict(parse_qsl(scope.get("query_string", b"").decode(), keep_blank_values=True))


def header_of(scope: Scope, name: str) -> str | None:
    wanted = name.lower().encode()
    return next((v.decode("latin-1") for k, v in scope["headers"] if k.lower() == wanted), None)


def with_headers(scope: Scope, headers: Headers) -> Scope:
    return {**scope, "headers": headers}
