"""Servers the conformance tests point rise-conformance at: the mock with one defect (a `Tenant` subclass
or a small ASGI wrapper) or with a variation the contract leaves free. The mock itself is not changed."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mock_server.http.app import create_app
from mock_server.model import rules
from mock_server.model.errors import RiseError
from mock_server.model.records import Completion, Enrollment, Source
from mock_server.model.seed import DEMO_SEED_PATH, load_seed_file
from mock_server.model.tenant import Tenant, utc_now

Rewrite = Callable[
    [Scope, int, list[tuple[bytes, bytes]], bytes], tuple[int, list[tuple[bytes, bytes]], bytes]
]


def demo_tenant(tenant_class: type[Tenant] = Tenant, **options: Any) -> Tenant:
    return tenant_class(load_seed_file(DEMO_SEED_PATH), **options)


def mock_app(tenant_class: type[Tenant] = Tenant, **options: Any) -> ASGIApp:
    return create_app(tenant=demo_tenant(tenant_class), **options)


async def read_body(receive: Receive) -> bytes:
    """The whole request body, however many messages it came in."""
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            return body


class ResponseRewriter:
    """Buffers each HTTP response of `app` and hands status, headers and body to `rewrite`."""

    def __init__(self, app: ASGIApp, rewrite: Rewrite) -> None:
        self.app = app
        self.rewrite = rewrite

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def buffered(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body"):
                return
            status, headers, body = self.rewrite(
                scope, start["status"], list(start.get("headers", [])), b"".join(chunks)
            )
            headers = [(k, v) for k, v in headers if k.lower() != b"content-length"]
            headers.append((b"content-length", str(len(body)).encode()))
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, buffered)


class RequestRewriter:
    """Lets `rewrite(scope, body) -> (scope, body)` change each request before `app` sees it."""

    def __init__(self, app: ASGIApp, rewrite: Callable[[Scope, bytes], tuple[Scope, bytes]]) -> None:
        self.app = app
        self.rewrite = rewrite

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        body = await read_body(receive)
        scope, body = self.rewrite(dict(scope), body)
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if sent:
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)


def json_rewriter(change: Callable[[Scope, Any], Any]) -> Callable[[ASGIApp], ASGIApp]:
    """A wrapper applying `change(scope, document)` to every JSON response body."""

    def rewrite(scope: Scope, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> Any:
        if not body or not any(k.lower() == b"content-type" and b"json" in v for k, v in headers):
            return status, headers, body
        return status, headers, json.dumps(change(scope, json.loads(body))).encode()

    return lambda app: ResponseRewriter(app, rewrite)


def report_rows(document: Any) -> list[dict[str, Any]]:
    if not isinstance(document, dict):
        return []
    return [row for key in ("courses", "learners") for row in document.get(key) or [] if "userId" in row]


# -- semantic defects, as tenants -----------------------------------------------------------------------


class DropsWrite(Tenant):
    """Answers 202 and records nothing."""

    def import_completion(self, course_id: str, user_id: str, body: Any) -> Completion:
        course, user = rules.import_target(
            self._store.course(course_id), self._store.user(user_id), course_id, user_id
        )
        return rules.imported_completion(course, user, *rules.import_dates(body), utc_now())


class KeepsOldDates(Tenant):
    """A second import of a pair is accepted and ignored."""

    def import_completion(self, course_id: str, user_id: str, body: Any) -> Completion:
        existing = self._store.completion(course_id, user_id)
        completion = super().import_completion(course_id, user_id, body)
        if existing is not None:
            self._store.save_completion(existing)
        return existing or completion


class QuizScoreOnThirdParty(Tenant):
    """Third-party courses with a quiz requirement get 100, as Rise courses do."""

    def import_completion(self, course_id: str, user_id: str, body: Any) -> Completion:
        completion = super().import_completion(course_id, user_id, body)
        course = self._store.course(course_id)
        if course is not None and course.source is Source.THIRD_PARTY and course.quiz_required:
            completion = replace(completion, quiz_score_percent=100.0)
            self._store.save_completion(completion)
        return completion


class AcceptsUnpublished(Tenant):
    """Imports into a never-published course are recorded (against version 0)."""

    def import_completion(self, course_id: str, user_id: str, body: Any) -> Completion:
        try:
            return super().import_completion(course_id, user_id, body)
        except RiseError as error:
            if error.code != "course_not_published":
                raise
        started, completed = rules.import_dates(body)
        self._store.save_enrollment(Enrollment(course_id, user_id, utc_now()))
        completion = Completion(course_id, user_id, started, completed, course_version=0)
        self._store.save_completion(completion)
        return completion


class _TranslatesError(Tenant):
    """Answers one error code with another one."""

    source_code = ""
    answer: Callable[[str], RiseError]

    def import_completion(self, course_id: str, user_id: str, body: Any) -> Completion:
        try:
            return super().import_completion(course_id, user_id, body)
        except RiseError as error:
            if error.code == self.source_code:
                raise type(self).answer(error.message) from None
            raise


class UserNotFoundAsNotFound(_TranslatesError):
    """user_not_found comes back as the generic not_found (same 404, wrong code)."""

    source_code = "user_not_found"
    answer = staticmethod(lambda message: RiseError("not_found", message))


class MissingCourseAs400(_TranslatesError):
    """course_not_found comes back as 400 invalid_request."""

    source_code = "course_not_found"
    answer = staticmethod(lambda message: RiseError("invalid_request", message))


class OverwritesEnrollmentDate(Tenant):
    """An import re-dates an existing enrollment to the time of the import."""

    def import_completion(self, course_id: str, user_id: str, body: Any) -> Completion:
        completion = super().import_completion(course_id, user_id, body)
        self._store.save_enrollment(Enrollment(course_id, user_id, utc_now()))
        return completion


class WritesToEveryLearner(Tenant):
    """An import is copied to every learner already enrolled in the course."""

    def import_completion(self, course_id: str, user_id: str, body: Any) -> Completion:
        completion = super().import_completion(course_id, user_id, body)
        for enrollment in self._store.enrollments_of_course(course_id):
            self._store.save_completion(replace(completion, user_id=enrollment.user_id))
        return completion


# -- defects and free variations, as wrappers -----------------------------------------------------------


def keeps_two_records(app: ASGIApp) -> ASGIApp:
    """Every completed row shows up twice in the reports, as if a second record were kept."""

    def change(scope: Scope, document: Any) -> Any:
        for key in ("courses", "learners"):
            if isinstance(document, dict) and isinstance(document.get(key), list):
                document[key] = [
                    copy
                    for row in document[key]
                    for copy in ([row, row] if row.get("status") == "Complete" else [row])
                ]
        return document

    return json_rewriter(change)(app)


def wrong_duration(app: ASGIApp) -> ASGIApp:
    """Reports say PT1H whatever the dates."""

    def change(scope: Scope, document: Any) -> Any:
        for row in report_rows(document):
            if row.get("duration"):
                row["duration"] = "PT1H"
        return document

    return json_rewriter(change)(app)


def no_auth_check(app: ASGIApp) -> ASGIApp:
    """Every request is treated as if it carried the right key."""

    def rewrite(scope: Scope, body: bytes) -> tuple[Scope, bytes]:
        headers = [(k, v) for k, v in scope["headers"] if k.lower() != b"authorization"]
        scope["headers"] = [*headers, (b"authorization", b"Bearer rise-mock-key")]
        return scope, body

    return RequestRewriter(app, rewrite)


def fills_missing_started_at(app: ASGIApp) -> ASGIApp:
    """An import body without startedAt is accepted (startedAt taken from completedAt)."""

    def rewrite(scope: Scope, body: bytes) -> tuple[Scope, bytes]:
        try:
            document = json.loads(body)
        except ValueError:
            return scope, body
        if scope["method"] == "POST" and isinstance(document, dict) and "startedAt" not in document:
            document["startedAt"] = document.get("completedAt", "2023-05-02")
            if not isinstance(document["startedAt"], str):
                document["startedAt"] = "2023-05-02"
            document.setdefault("completedAt", document["startedAt"])
            body = json.dumps(document).encode()
        return scope, body

    return RequestRewriter(app, rewrite)


def fails_on_non_ascii_ids(app: ASGIApp) -> ASGIApp:
    """A path with a non-ASCII character gets a bare 500."""

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not scope["path"].isascii():
            await send(
                {"type": "http.response.start", "status": 500, "headers": [(b"content-type", b"text/plain")]}
            )
            await send({"type": "http.response.body", "body": b"Internal Server Error"})
            return
        await app(scope, receive, send)

    return wrapped


def wrong_version_header(app: ASGIApp) -> ASGIApp:
    """Responses name a version the contract does not know."""

    def rewrite(scope: Scope, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> Any:
        headers = [(k, b"2021-01-01" if k.lower() == b"rise-api-version" else v) for k, v in headers]
        return status, headers, body

    return ResponseRewriter(app, rewrite)


def plain_text_errors(app: ASGIApp) -> ASGIApp:
    """Errors come back as text/plain instead of the contract's JSON."""

    def rewrite(scope: Scope, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> Any:
        if status >= 400:
            headers = [(k, v) for k, v in headers if k.lower() != b"content-type"] + [
                (b"content-type", b"text/plain")
            ]
        return status, headers, body

    return ResponseRewriter(app, rewrite)


def no_allow_header(app: ASGIApp) -> ASGIApp:
    """405 answers drop the Allow header and say 404."""

    def rewrite(scope: Scope, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> Any:
        if status == 405:
            return 404, [(k, v) for k, v in headers if k.lower() != b"allow"], body
        return status, headers, body

    return ResponseRewriter(app, rewrite)


def numeric_course_titles(app: ASGIApp) -> ASGIApp:
    """Course titles come back as numbers."""

    def change(scope: Scope, document: Any) -> Any:
        items = document.get("courses") if isinstance(document, dict) else None
        for course in items if scope["path"] == "/courses" and isinstance(items, list) else []:
            course["title"] = 42
        return document

    return json_rewriter(change)(app)


def undocumented_status_on_users(app: ASGIApp) -> ASGIApp:
    """GET /users answers 203, a status the contract does not list."""

    def rewrite(scope: Scope, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> Any:
        return (203 if scope["path"] == "/users" and status == 200 else status), headers, body

    return ResponseRewriter(app, rewrite)


def _each_object(document: Any, change: Callable[[dict[str, Any]], dict[str, Any]]) -> Any:
    if isinstance(document, list):
        return [_each_object(item, change) for item in document]
    if isinstance(document, dict):
        return change({key: _each_object(value, change) for key, value in document.items()})
    return document


def reversed_field_order(app: ASGIApp) -> ASGIApp:
    """Every JSON object lists its fields in reverse order."""
    return json_rewriter(lambda scope, doc: _each_object(doc, lambda obj: dict(reversed(list(obj.items())))))(
        app
    )


def extra_properties(app: ASGIApp) -> ASGIApp:
    """Every JSON object carries properties the contract does not name."""
    return json_rewriter(
        lambda scope, doc: _each_object(doc, lambda obj: {**obj, "tenantRegion": "eu-1", "_links": {}})
    )(app)


def other_messages(app: ASGIApp) -> ASGIApp:
    """Error messages are worded differently."""

    def change(scope: Scope, document: Any) -> Any:
        if isinstance(document, dict) and "message" in document:
            document["message"] = f"Request refused ({document.get('code')}). Contact support."
        return document

    return json_rewriter(change)(app)


def extra_headers(app: ASGIApp) -> ASGIApp:
    """Responses carry headers the contract does not name."""

    def rewrite(scope: Scope, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> Any:
        return status, [*headers, (b"x-request-id", b"req-123"), (b"cache-control", b"no-store")], body

    return ResponseRewriter(app, rewrite)


CURSOR_PREFIX = "pos~"


def other_cursor_format(app: ASGIApp) -> ASGIApp:
    """Cursors inside nextUrl are hex with a prefix; the server reads them back."""
    import re
    from urllib.parse import parse_qsl, urlencode

    def outgoing(scope: Scope, document: Any) -> Any:
        if isinstance(document, dict) and isinstance(document.get("nextUrl"), str):
            document["nextUrl"] = re.sub(
                r"cursor=([^&]+)",
                lambda m: "cursor=" + CURSOR_PREFIX + m.group(1).encode().hex(),
                document["nextUrl"],
            )
        return document

    def incoming(scope: Scope, body: bytes) -> tuple[Scope, bytes]:
        query = parse_qsl(scope.get("query_string", b"").decode(), keep_blank_values=True)
        fixed = [
            (
                k,
                bytes.fromhex(v[len(CURSOR_PREFIX) :]).decode()
                if k == "cursor" and v.startswith(CURSOR_PREFIX)
                else v,
            )
            for k, v in query
        ]
        scope["query_string"] = urlencode(fixed).encode()
        return scope, body

    return RequestRewriter(json_rewriter(outgoing)(app), incoming)


def offset_clock() -> Any:
    """A clock in UTC+02:00 with microseconds: enrolledAt values spelled unlike the mock's."""
    from datetime import datetime, timedelta, timezone

    return datetime.now(timezone(timedelta(hours=2)))
