"""Servers with one defect of the kind the differential phase is best at finding: lists and their pages,
the email filter, date reading, enrollments and report membership. Each is the mock with a `Tenant`
subclass or a small ASGI wrapper (see conformance_servers.py); the mock itself is not changed."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import parse_qsl, urlencode

from conformance_servers import (
    RequestRewriter,
    ResponseRewriter,
    demo_tenant,
    json_rewriter,
    mock_app,
    report_rows,
)
from starlette.types import ASGIApp, Scope

from mock_server.http.app import create_app
from mock_server.model import rules
from mock_server.model.errors import RiseError
from mock_server.model.pagination import Page, decode_cursor, encode_cursor
from mock_server.model.records import Completion, Course, Enrollment, Status, User
from mock_server.model.reports import ReportRow
from mock_server.model.tenant import Tenant, utc_now

ServerFactory = Callable[[], ASGIApp]


# -- lists ---------------------------------------------------------------------------------------------


class SkipsAnItemAfterPageOne(Tenant):
    """Every page after the first leaves out its first item."""

    def users(self, limit: int, cursor: str | None = None, email: str | None = None) -> Page[User]:
        page = super().users(limit, cursor, email)
        if cursor is None or not page.items:
            return page
        rest = page.items[1:]
        return Page(rest, page.next_cursor if rest or page.next_cursor else None)


class RepeatsAnItemAfterPageOne(Tenant):
    """Every page after the first starts again with the last item of the page before."""

    def courses(self, limit: int, cursor: str | None = None) -> Page[Course]:
        if cursor is not None:
            earlier = [course.id for course in self._store.courses() if course.id < decode_cursor(cursor)]
            cursor = encode_cursor(earlier[-1]) if earlier else None
        return super().courses(limit, cursor)


class EmailFilterMatchesSubstrings(Tenant):
    """GET /users?email= lists every user whose email contains the value."""

    def users(self, limit: int, cursor: str | None = None, email: str | None = None) -> Page[User]:
        if email is None:
            return super().users(limit, cursor)
        from mock_server.model.pagination import paginate

        found = [u for u in self._store.users() if email.casefold() in u.email.casefold()]
        return paginate(found, lambda user: user.id, limit, cursor)


class EmailFilterCaseSensitive(Tenant):
    """GET /users?email= matches only the exact spelling."""

    def users(self, limit: int, cursor: str | None = None, email: str | None = None) -> Page[User]:
        if email is None:
            return super().users(limit, cursor)
        from mock_server.model.pagination import paginate

        found = [u for u in self._store.users() if u.email == email]
        return paginate(found, lambda user: user.id, limit, cursor)


class LeavesDraftsOut(Tenant):
    """GET /courses lists only published courses."""

    def courses(self, limit: int, cursor: str | None = None) -> Page[Course]:
        from mock_server.model.pagination import paginate

        published = [course for course in self._store.courses() if course.published]
        return paginate(published, lambda course: course.id, limit, cursor)


def forgets_limit_in_next_url(app: ASGIApp) -> ASGIApp:
    """nextUrl drops the limit, so the next page has the default size."""

    def change(scope: Scope, document: Any) -> Any:
        if isinstance(document, dict) and isinstance(document.get("nextUrl"), str):
            document["nextUrl"] = re.sub(r"limit=\d+&?", "", document["nextUrl"])
        return document

    return json_rewriter(change)(app)


def next_url_always_null(app: ASGIApp) -> ASGIApp:
    """Every page says it is the last one."""

    def change(scope: Scope, document: Any) -> Any:
        if isinstance(document, dict) and "nextUrl" in document:
            document["nextUrl"] = None
        return document

    return json_rewriter(change)(app)


def clamps_limit(app: ASGIApp) -> ASGIApp:
    """A limit outside 1..100 is clamped into range instead of refused."""

    def rewrite(scope: Scope, body: bytes) -> tuple[Scope, bytes]:
        query = parse_qsl(scope.get("query_string", b"").decode(), keep_blank_values=True)
        fixed = []
        for key, value in query:
            if key == "limit" and re.fullmatch(r"-?\d+", value):
                value = str(min(max(int(value), 1), 100))
            fixed.append((key, value))
        scope["query_string"] = urlencode(fixed).encode()
        return scope, body

    return RequestRewriter(app, rewrite)


# -- dates ---------------------------------------------------------------------------------------------

_OFFSET = re.compile(r"([+-]\d{2}:\d{2}|[Zz])$")


def _rewrite_dates(change: Callable[[str], str]) -> Callable[[ASGIApp], ASGIApp]:
    def wrap(app: ASGIApp) -> ASGIApp:
        def rewrite(scope: Scope, body: bytes) -> tuple[Scope, bytes]:
            if scope["method"] != "POST":
                return scope, body
            try:
                document = json.loads(body)
            except ValueError:
                return scope, body
            if isinstance(document, dict):
                for name in ("startedAt", "completedAt"):
                    if isinstance(document.get(name), str):
                        document[name] = change(document[name])
                body = json.dumps(document).encode()
            return scope, body

        return RequestRewriter(app, rewrite)

    return wrap


ignores_offsets = _rewrite_dates(lambda value: _OFFSET.sub("Z", value) if "T" in value.upper() else value)
"""A date-time's offset is dropped: its wall time is read as UTC."""

date_only_at_noon = _rewrite_dates(lambda value: f"{value}T12:00:00Z" if len(value) == 10 else value)
"""A date-only value is read as 12:00:00Z instead of 00:00:00Z."""


class RejectsEqualDates(Tenant):
    """completedAt equal to startedAt is refused like an earlier one."""

    def import_completion(self, course_id: str, user_id: str, body: Any) -> Completion:
        started, completed = rules.import_dates(body)
        if started == completed:
            raise RiseError("invalid_request", "completedAt must be after startedAt.")
        return super().import_completion(course_id, user_id, body)


# -- enrollments and reports ---------------------------------------------------------------------------


class RedatesEnrollmentOnPut(Tenant):
    """PUT on an enrolled pair moves its enrollment date to now."""

    def enroll(self, course_id: str, user_id: str) -> Enrollment:
        rules.enrollment_target(self._store.course(course_id), self._store.user(user_id), course_id, user_id)
        enrollment = Enrollment(course_id, user_id, utc_now())
        self._store.save_enrollment(enrollment)
        return enrollment


class EnrollsNobodyOnPut(Tenant):
    """PUT answers 204 and records nothing."""

    def enroll(self, course_id: str, user_id: str) -> Enrollment:
        rules.enrollment_target(self._store.course(course_id), self._store.user(user_id), course_id, user_id)
        return Enrollment(course_id, user_id, utc_now())


class RefusesPutOnUnpublished(Tenant):
    """PUT into a never-published course is 409 course_not_published."""

    def enroll(self, course_id: str, user_id: str) -> Enrollment:
        course = self._store.course(course_id)
        if course is not None and not course.published:
            rules.require_published(course)
        return super().enroll(course_id, user_id)


class ListsEveryLearnerInCourseReport(Tenant):
    """The course report shows every user, enrolled or not (Not Started)."""

    def course_report(self, course_id: str, limit: int, cursor: str | None = None) -> Page[ReportRow]:
        from mock_server.model.pagination import paginate

        enrolled = {row.user.id: row for row in _every_row(super().course_report, course_id)}
        course = self.course(course_id)
        rows = [
            enrolled.get(user.id)
            or ReportRow(course, user, Status.NOT_STARTED, None, None, None, None, None, None)
            for user in self._store.users()
        ]
        return paginate(rows, lambda row: row.user.id, limit, cursor)


def _every_row(read: Callable[..., Page[ReportRow]], owner: str) -> list[ReportRow]:
    return read(owner, 100).items


class ChecksUserBeforePublication(Tenant):
    """An import into an unpublished course for an unknown user is user_not_found (the order broken)."""

    def import_completion(self, course_id: str, user_id: str, body: Any) -> Completion:
        rules.import_dates(body)
        if self._store.course(course_id) is not None and self._store.user(user_id) is None:
            raise rules.user_not_found(user_id)
        return super().import_completion(course_id, user_id, body)


def drops_enrolled_at_in_course_report(app: ASGIApp) -> ASGIApp:
    """The course report's rows carry no enrolledAt."""

    def change(scope: Scope, document: Any) -> Any:
        if scope["path"].startswith("/reports/courses/"):
            for row in report_rows(document):
                row.pop("enrolledAt", None)
        return document

    return json_rewriter(change)(app)


def wrong_course_title_in_rows(app: ASGIApp) -> ASGIApp:
    """Learner report rows name the course by its ID instead of its title."""

    def change(scope: Scope, document: Any) -> Any:
        for row in report_rows(document):
            row["courseTitle"] = row.get("courseId")
        return document

    return json_rewriter(change)(app)


def body_on_202(app: ASGIApp) -> ASGIApp:
    """The 202 answer to an import carries a JSON body."""

    def rewrite(scope: Scope, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> Any:
        if status == 202:
            headers = [(k, v) for k, v in headers if k.lower() != b"content-type"]
            return status, [*headers, (b"content-type", b"application/json")], b'{"status": "accepted"}'
        return status, headers, body

    return ResponseRewriter(app, rewrite)


def no_version_header_on_later_pages(app: ASGIApp) -> ASGIApp:
    """Pages reached through nextUrl come without Rise-API-Version."""

    def rewrite(scope: Scope, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> Any:
        if b"cursor=" in scope.get("query_string", b""):
            headers = [(k, v) for k, v in headers if k.lower() != b"rise-api-version"]
        return status, headers, body

    return ResponseRewriter(app, rewrite)


DEFECTS: dict[str, tuple[ServerFactory, str]] = {
    "pages skip an item": (lambda: mock_app(SkipsAnItemAfterPageOne), "lists.pages-complete"),
    "pages repeat an item": (lambda: mock_app(RepeatsAnItemAfterPageOne), "lists.pages-complete"),
    "email filter matches substrings": (lambda: mock_app(EmailFilterMatchesSubstrings), "users.email-filter"),
    "email filter is case-sensitive": (lambda: mock_app(EmailFilterCaseSensitive), "users.email-filter"),
    "drafts left out of GET /courses": (lambda: mock_app(LeavesDraftsOut), "courses.lists-unpublished"),
    "nextUrl forgets the limit": (lambda: forgets_limit_in_next_url(mock_app()), "lists.pages-complete"),
    "nextUrl always null": (lambda: next_url_always_null(mock_app()), "lists.next-url"),
    "limit clamped instead of refused": (lambda: clamps_limit(mock_app()), "lists.limit-outside-rejected"),
    "offset ignored": (lambda: ignores_offsets(mock_app()), "dates.offset-honoured"),
    "date-only read at noon": (lambda: date_only_at_noon(mock_app()), "dates.date-only"),
    "equal dates refused": (lambda: mock_app(RejectsEqualDates), "import.dates-ordered"),
    "PUT re-dates an existing enrollment": (
        lambda: mock_app(RedatesEnrollmentOnPut),
        "enroll.keeps-existing",
    ),
    "PUT enrolls nobody": (lambda: mock_app(EnrollsNobodyOnPut), "enroll.creates"),
    "PUT refused on an unpublished course": (
        lambda: mock_app(RefusesPutOnUnpublished),
        "enroll.unpublished-accepted",
    ),
    "course report lists non-enrolled users": (
        lambda: mock_app(ListsEveryLearnerInCourseReport),
        "report.membership",
    ),
    "user checked before publication": (lambda: mock_app(ChecksUserBeforePublication), "errors.check-order"),
    "course report without enrolledAt": (
        lambda: drops_enrolled_at_in_course_report(mock_app()),
        "report.enrolled-at",
    ),
    "rows name the course by ID": (lambda: wrong_course_title_in_rows(mock_app()), "report.row-names"),
    "202 with a body": (lambda: body_on_202(mock_app()), "import.empty-body"),
    "no version header on later pages": (
        lambda: no_version_header_on_later_pages(mock_app()),
        "version.on-every-response",
    ),
}


# -- free variations: what the contract leaves to the server -------------------------------------------


def _items(document: Any) -> list[Any] | None:
    if not isinstance(document, dict):
        return None
    return next((v for k, v in document.items() if k != "nextUrl" and isinstance(v, list)), None)


def reversed_items(app: ASGIApp) -> ASGIApp:
    """Every page lists its items in reverse order (no order is fixed)."""

    def change(scope: Scope, document: Any) -> Any:
        items = _items(document)
        if items is not None:
            items.reverse()
        return document

    return json_rewriter(change)(app)


def _respelled(value: Any) -> Any:
    if not isinstance(value, str) or "T" not in value:
        return value
    instant = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return instant.astimezone(timezone(timedelta(hours=2))).isoformat()


def _hours_duration(value: Any) -> Any:
    match = re.fullmatch(r"P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:([\d.]+)S)?)?", value or "")
    if not match:
        return value
    days, hours, minutes, seconds = (float(part or 0) for part in match.groups())
    total = days * 86400 + hours * 3600 + minutes * 60 + seconds
    return "PT" + f"{total:.6f}".rstrip("0").rstrip(".") + "S"


def other_spellings(app: ASGIApp) -> ASGIApp:
    """Report dates in +02:00, durations in seconds, nulls left out."""

    def change(scope: Scope, document: Any) -> Any:
        for row in report_rows(document):
            for name in ("enrolledAt", "startedAt", "completedAt"):
                row[name] = _respelled(row.get(name))
            row["duration"] = _hours_duration(row.get("duration"))
            for name in [key for key, value in row.items() if value is None]:
                del row[name]
        return document

    return json_rewriter(change)(app)


class SmallPages(Tenant):
    """Pages hold at most two items whatever the limit (at most, never more)."""

    def courses(self, limit: int, cursor: str | None = None) -> Page[Course]:
        return super().courses(min(limit, 2), cursor)

    def users(self, limit: int, cursor: str | None = None, email: str | None = None) -> Page[User]:
        return super().users(min(limit, 2), cursor, email)

    def course_report(self, course_id: str, limit: int, cursor: str | None = None) -> Page[ReportRow]:
        return super().course_report(course_id, min(limit, 2), cursor)

    def learner_report(self, user_id: str, limit: int, cursor: str | None = None) -> Page[ReportRow]:
        return super().learner_report(user_id, min(limit, 2), cursor)


def trailing_empty_page(app: ASGIApp) -> ASGIApp:
    """The last page with items still has a nextUrl, to an empty page whose nextUrl is null."""

    def change(scope: Scope, document: Any) -> Any:
        items = _items(document)
        if items and isinstance(document, dict) and document.get("nextUrl") is None:
            query = dict(parse_qsl(scope.get("query_string", b"").decode()))
            query["cursor"] = encode_cursor("\U0010ffff")
            document["nextUrl"] = f"http://127.0.0.1:8080{scope['path']}?{urlencode(query)}"
        return document

    return json_rewriter(change)(app)


def elsewhere_host() -> ASGIApp:
    """Absolute URLs (nextUrl included) name another host than the one the run talks to."""
    return create_app(tenant=demo_tenant(), base_url="https://api.rise.example")


def milliseconds_only(app: ASGIApp) -> ASGIApp:
    """Report dates keep milliseconds, not microseconds (as a JavaScript Date does)."""

    def change(scope: Scope, document: Any) -> Any:
        for row in report_rows(document):
            for name in ("enrolledAt", "startedAt", "completedAt"):
                if isinstance(row.get(name), str):
                    row[name] = re.sub(r"(\.\d{3})\d+", r"\1", row[name])
        return document

    return json_rewriter(change)(app)


FREE: dict[str, ServerFactory] = {
    "dates kept to the millisecond": lambda: milliseconds_only(mock_app()),
    "items in reverse order": lambda: reversed_items(mock_app()),
    "dates, durations and scores spelled otherwise": lambda: other_spellings(mock_app()),
    "pages smaller than the limit": lambda: mock_app(SmallPages),
    "an empty last page": lambda: trailing_empty_page(mock_app()),
    "URLs on another host": elsewhere_host,
}
