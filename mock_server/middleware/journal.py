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

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

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


def _readable(raw: bytes, redactor: Redactor) -> Any:
    """JSON bodies as JSON, anything else as (cut) text, so the journal stays readable; keys redacted."""
    if not raw:
        return None
    try:
        return redactor.value(json.loads(raw))
    except (ValueError, RecursionError):  # not JSON, or JSON nested or sized past what Python reads
        text = redactor.text(raw.decode("utf-8", errors="replace"))
        return text[:_KEPT_CHARACTERS] + ("…" if len(text) > _KEPT_CHARACTERS else "")


def _authorization(headers: Headers) -> str:
    value = headers.get("authorization")
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
        # Once the body is in, the next message can only be http.disconnect: one task waits for it, so
        # that the journal can tell a client that hung up before its answer was complete.
        hang_up = asyncio.ensure_future(receive()) if request.complete else None
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
                if not message.get("more_body", False) and hang_up is not None and hang_up.done():
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
        headers = Headers(scope=scope)
        redact = self.redactor.text
        error = _readable(bytes(answer.error_body), self.redactor)
        content_type, api_version = headers.get("content-type"), headers.get(VERSION_HEADER)
        self.journal.record(
            at=datetime.now(UTC),
            method=scope["method"],
            path=redact(scope["path"]),
            query=redact(scope.get("query_string", b"").decode("latin-1")),
            content_type=None if content_type is None else redact(content_type),
            api_version=None if api_version is None else redact(api_version),
            authorization=_authorization(headers),
            body=_readable(bytes(request.body), self.redactor),
            status=answer.status,
            code=error.get("code") if isinstance(error, dict) else None,
            duration_ms=round((time.perf_counter() - started) * 1000, 3),
            disconnected=who,
        )
