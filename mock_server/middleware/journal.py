"""Records every request outside the control API in the journal, with the status and error code of its
answer."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import Any

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mock_server.model.contract import MAX_BODY_BYTES, VERSION_HEADER
from mock_server.store.journal import Journal

_KEPT_BYTES = 4096


def _readable(raw: bytes) -> Any:
    """JSON bodies as JSON, anything else as (cut) text, so the journal stays readable."""
    if not raw:
        return None
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):  # not JSON, or JSON nested or sized past what Python reads
        text = raw[:_KEPT_BYTES].decode("utf-8", errors="replace")
        return text + ("…" if len(raw) > _KEPT_BYTES else "")


def _authorization(headers: Headers) -> str:
    value = headers.get("authorization")
    if value is None:
        return "none"
    return "bearer" if value.lower().startswith("bearer ") else "other"


async def _read_ahead(receive: Receive) -> tuple[list[Message], bytes]:
    """Read the body before the API does (it may answer without reading it), at most a little past the
    body limit, so that the journal shows it and the API still gets every message in order."""
    messages: list[Message] = []
    body = bytearray()
    while len(body) <= MAX_BODY_BYTES:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            break
        body.extend(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return messages, bytes(body)


class JournalMiddleware:
    """Records every request outside the control API, with the status and error code of its answer."""

    def __init__(self, app: ASGIApp, *, journal: Journal, skip_prefixes: tuple[str, ...]) -> None:
        self.app = app
        self.journal = journal
        self.skip_prefixes = skip_prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(self.skip_prefixes):
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        answer: dict[str, Any] = {"status": 500, "body": bytearray()}
        buffered, request_body = await _read_ahead(receive)

        async def replaying_receive() -> Message:
            return buffered.pop(0) if buffered else await receive()

        async def recording_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                answer["status"] = message["status"]
            elif message["type"] == "http.response.body" and answer["status"] >= 400:
                answer["body"].extend(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, replaying_receive, recording_send)
        finally:
            headers = Headers(scope=scope)
            error = _readable(bytes(answer["body"]))
            self.journal.record(
                at=datetime.now(UTC),
                method=scope["method"],
                path=scope["path"],
                query=scope.get("query_string", b"").decode("latin-1"),
                content_type=headers.get("content-type"),
                api_version=headers.get(VERSION_HEADER),
                authorization=_authorization(headers),
                body=_readable(request_body),
                status=answer["status"],
                code=error.get("code") if isinstance(error, dict) else None,
                duration_ms=round((time.perf_counter() - started) * 1000, 3),
            )
