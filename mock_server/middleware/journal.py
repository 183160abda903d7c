"""Records every request outside the control API in the journal, with the status and error code of its
answer, every configured key redacted, and whether the connection ended before the answer did."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mock_server.middleware.connection import connection_closed
from mock_server.model.contract import MAX_BODY_BYTES, VERSION_HEADER
from mock_server.model.redaction import Redactor
from mock_server.store.journal import Disconnect, Journal

_KEPT_CHARACTERS = 4096
_ANYWHERE_FROM = 8
"""Keys this long are hidden even inside a longer word (`KEY_x`); shorter ones only whole, so that the key
`1` leaves `limit=10` readable."""
_DISCONNECTED = "rise_mock.disconnected"
"""Scope key under which inner middleware (a network fault) says it ended the connection."""


def mark_disconnected(scope: Scope, who: Disconnect) -> None:
    """Tell the journal that the connection of this request ended before a complete answer."""
    scope[_DISCONNECTED] = who


def _holds_no_key(raw: bytes, redactor: Redactor) -> bool:
    """Whether a JSON body can hold no key, told from its text: UTF-8 without a backslash or NUL is
    parsed into strings that are pieces of that text as they are, bounded by quotes, so a key they
    hold is in the text too, where `Redactor.text` finds it."""
    if b"\\" in raw or b"\x00" in raw:
        return False
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return redactor.text(text) == text


def _readable(raw: bytes, redactor: Redactor) -> Any:
    """JSON bodies as JSON, anything else as (cut) text, so the journal stays readable; keys redacted."""
    if not raw:
        return None
    try:
        value = json.loads(raw)
        return value if _holds_no_key(raw, redactor) else redactor.value(value)
    except (ValueError, RecursionError):  # not JSON, or JSON nested or sized past what Python reads
        text = redactor.text(raw.decode("utf-8", errors="replace"))
        return text[:_KEPT_CHARACTERS] + ("…" if len(text) > _KEPT_CHARACTERS else "")


_KEPT_HEADERS = (b"content-type", VERSION_HEADER.lower().encode(), b"authorization")


def _headers(scope: Scope) -> list[str | None]:
    """The first Content-Type, version and Authorization header (as Starlette's Headers.get reads them),
    in one pass over the request's headers."""
    found: list[bytes | None] = [None, None, None]
    for name, value in scope["headers"]:
        if name in _KEPT_HEADERS:
            index = _KEPT_HEADERS.index(name)
            if found[index] is None:
                found[index] = value
    return [None if value is None else value.decode("latin-1") for value in found]


def _authorization(value: str | None) -> str:
    if value is None:
        return "none"
    return "bearer" if value.lower().startswith("bearer ") else "other"


@dataclass
class _Request:
    """The body read ahead of the API (it may answer without reading it), at most a little past the body
    limit, so that the journal shows it and the API still gets every message in order."""

    messages: list[Message] = field(default_factory=list)
    body: bytearray = field(default_factory=bytearray)
    complete: bool = False
    hung_up: bool = False


async def _read_ahead(receive: Receive) -> _Request:
    request = _Request()
    while len(request.body) <= MAX_BODY_BYTES:
        message = await receive()
        request.messages.append(message)
        if message["type"] == "http.disconnect":
            request.hung_up = True
            break
        request.body.extend(message.get("body", b""))
        if not message.get("more_body", False):
            request.complete = True
            break
    return request


@dataclass
class _Answer:
    status: int | None = None
    error_body: bytearray = field(default_factory=bytearray)
    client_gone: bool = False


class JournalMiddleware:
    """Records every request outside the control API, with the status and error code of its answer."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        journal: Journal,
        skip_prefixes: tuple[str, ...],
        secrets: Iterable[str] = (),
    ) -> None:
        self.app = app
        self.journal = journal
        self.skip_prefixes = skip_prefixes
        self.redactor = Redactor(secrets, anywhere_from=_ANYWHERE_FROM)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(self.skip_prefixes):
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request = await _read_ahead(receive)
        answer = _Answer()
        if request.hung_up:  # nothing to answer, and half a request is not processed
            self._record(scope, request, answer, started, Disconnect.CLIENT)
            return
        # Once the body is in, the next message can only be http.disconnect. To tell a client that hung
        # up before its answer was complete, the server's transport is asked when it offers that;
        # otherwise one task waits for the message.
        closed = connection_closed(scope) if request.complete else None
        hang_up = asyncio.ensure_future(receive()) if request.complete and closed is None else None
        buffered = list(request.messages)

        async def replaying_receive() -> Message:
            if buffered:
                return buffered.pop(0)
            return await (asyncio.shield(hang_up) if hang_up is not None else receive())

        async def recording_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                answer.status = message["status"]
            elif message["type"] == "http.response.body":
                if answer.status is not None and answer.status >= 400:
                    answer.error_body.extend(message.get("body", b""))
                if not message.get("more_body", False) and (
                    (hang_up is not None and hang_up.done()) or (closed is not None and closed())
                ):
                    answer.client_gone = True
            await send(message)

        failed = False
        try:
            await self.app(scope, replaying_receive, recording_send)
        except BaseException:
            failed = True
            raise
        finally:
            if hang_up is not None and not hang_up.done():
                hang_up.cancel()
            if answer.status is None and failed:
                answer.status = 500  # what the server answers for an exception that escapes the app
            who = scope.get(_DISCONNECTED) or (Disconnect.CLIENT if answer.client_gone else None)
            self._record(scope, request, answer, started, who)

    def _record(
        self, scope: Scope, request: _Request, answer: _Answer, started: float, who: Disconnect | None
    ) -> None:
        """Take what the entry is made of now (the clock, the headers, the bodies' bytes) and leave the
        making, redaction included, to the journal (`Journal.record_lazily`)."""
        at, duration_ms = datetime.now(UTC), round((time.perf_counter() - started) * 1000, 3)
        method, path, query = scope["method"], scope["path"], scope.get("query_string", b"")
        headers, body, error_body, status = (
            _headers(scope),
            bytes(request.body),
            bytes(answer.error_body),
            answer.status,
        )

        def make() -> dict[str, Any]:
            redact = self.redactor.text
            error = _readable(error_body, self.redactor)
            content_type, api_version, authorization = headers
            return {
                "at": at,
                "method": method,
                "path": redact(path),
                "query": redact(query.decode("latin-1")),
                "content_type": None if content_type is None else redact(content_type),
                "api_version": None if api_version is None else redact(api_version),
                "authorization": _authorization(authorization),
                "body": _readable(body, self.redactor),
                "status": status,
                "code": error.get("code") if isinstance(error, dict) else None,
                "duration_ms": duration_ms,
                "disconnected": who,
            }

        self.journal.record_lazily(make)
