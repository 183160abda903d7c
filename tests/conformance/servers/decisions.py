"""Servers that differ from the mock only on decisions of this contract (`basis: assumption` rules):
with --allow-drift a run lists the difference as drift and passes; without it, it fails."""

from __future__ import annotations

import json
import re
from typing import Any

from starlette.types import ASGIApp, Scope, Send

from mock_server.model.contract import LIMIT_MAX, LIMIT_MIN
from servers.base import RequestRewriter, ResponseRewriter, Server, answer, app_of, guarded, query_of
from servers.enrollment import RefusesUnpublished
from servers.protocol import _newer_version_accepted

Headers = list[tuple[bytes, bytes]]
COMPLETIONS = re.compile(r"^/courses/[^/]+/users/[^/]+/completions$")


def empty_email_lists_nobody(app: ASGIApp) -> ASGIApp:
    """GET /users?email= (empty) is 200 with no users, not 400."""

    async def intercept(scope: Scope, body: bytes, send: Send) -> bool:
        if scope["method"] == "GET" and scope["path"] == "/users" and query_of(scope).get("email") == "":
            await answer(send, 200, {"users": [], "nextUrl": None})
            return True
        return False

    return guarded(app, intercept)


def course_not_found_as_400(app: ASGIApp) -> ASGIApp:
    """course_not_found comes with 400 instead of 404 (the code is right)."""

    def change(scope: Scope, status: int, headers: Headers, body: bytes) -> Any:
        if status == 404 and b'"course_not_found"' in body:
            return 400, headers, body
        return status, headers, body

    return ResponseRewriter(app, change)


def unknown_fields_ignored(app: ASGIApp) -> ASGIApp:
    """An import body's fields other than startedAt and completedAt are ignored, not refused."""

    def rewrite(scope: Scope, body: bytes) -> tuple[Scope, bytes]:
        if scope["method"] == "POST" and COMPLETIONS.match(scope["path"]):
            try:
                document = json.loads(body)
            except ValueError:
                return scope, body
            if isinstance(document, dict):
                kept = {k: v for k, v in document.items() if k in ("startedAt", "completedAt")}
                body = json.dumps(kept).encode() if kept or not document else body
        return scope, body

    return RequestRewriter(app, rewrite)


def accepted_with_a_body(app: ASGIApp) -> ASGIApp:
    """An accepted import answers 202 with a small JSON body."""

    def change(scope: Scope, status: int, headers: Headers, body: bytes) -> Any:
        if status == 202 and not body:
            return 202, [*headers, (b"content-type", b"application/json")], b'{"status": "accepted"}'
        return status, headers, body

    return ResponseRewriter(app, change)


def limit_clamped(app: ASGIApp) -> ASGIApp:
    """A limit outside 1..100 is clamped into it instead of refused."""

    def rewrite(scope: Scope, body: bytes) -> tuple[Scope, bytes]:
        query = scope.get("query_string", b"").decode()

        def clamp(match: re.Match[str]) -> str:
            return f"limit={min(max(int(match.group(1)), LIMIT_MIN), LIMIT_MAX)}"

        return {**scope, "query_string": re.sub(r"limit=(-?\d+)", clamp, query).encode()}, body

    return RequestRewriter(app, rewrite)


def _wrap(wrapper: Any) -> Any:
    return lambda: wrapper(app_of())


SERVERS: dict[str, Server] = {
    "GET /users?email= lists nobody": Server(
        _wrap(empty_email_lists_nobody), "protocol", "users.email-not-empty"
    ),
    "course_not_found comes with 400": Server(
        _wrap(course_not_found_as_400), "protocol", "errors.not-found-status"
    ),
    "a newer Rise-API-Version is accepted": Server(
        _wrap(lambda app: RequestRewriter(app, _newer_version_accepted)),
        "protocol",
        "version.others-rejected",
    ),
    "unknown body fields are ignored": Server(
        _wrap(unknown_fields_ignored), "protocol", "import.unknown-fields-rejected"
    ),
    "an accepted import has a body": Server(_wrap(accepted_with_a_body), "protocol", "import.empty-body"),
    "PUT refuses an unpublished course": Server(
        lambda: app_of(RefusesUnpublished), "enrollment", "enroll.unpublished-accepted"
    ),
    "a limit outside 1..100 is clamped": Server(
        _wrap(limit_clamped), "protocol", "lists.limit-outside-rejected"
    ),
}
"""`part` names the part that must see the difference; the tests run every in-process part."""
