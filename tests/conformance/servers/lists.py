"""Lists and filters: pages that skip or repeat, limit and nextUrl mishandled, the email filter wrong,
drafts or admins left out, single reads that differ from the list."""

from __future__ import annotations

import re
import secrets
from typing import Any

from starlette.types import ASGIApp, Scope

from mock_server.model.errors import RiseError
from mock_server.model.pagination import Page, decode_cursor, encode_cursor
from mock_server.model.records import Course, Role, User
from mock_server.model.reports import ReportRow
from mock_server.model.tenant import Tenant
from servers.base import Server, app_of, json_rewriter

EVERYTHING = 10_000
SINGLE_COURSE = re.compile(r"^/courses/[^/]+$")
SINGLE_USER = re.compile(r"^/users/[^/]+$")


class OffsetPaging(Tenant):
    """Pages by position: the cursor names the offset of the next item. Subclasses change the arithmetic."""

    def page(self, items: list[Any], limit: int, cursor: str | None) -> Page[Any]:
        start = self.offset(cursor)
        chunk = items[start : start + self.size(limit)]
        following = self.next_offset(start, len(chunk), limit)
        return Page(chunk, self.cursor(following) if following < len(items) else self.last_cursor())

    def size(self, limit: int) -> int:
        return limit

    def next_offset(self, start: int, taken: int, limit: int) -> int:
        return start + taken

    def last_cursor(self) -> str | None:
        return None

    def cursor(self, offset: int) -> str:
        return encode_cursor(f"@{offset}")

    def offset(self, cursor: str | None) -> int:
        if cursor is None:
            return 0
        position = decode_cursor(cursor)
        if not position.startswith("@") or not position[1:].isdigit():
            raise RiseError(
                "invalid_request", f"cursor {cursor!r} is not one this server issued: follow nextUrl."
            )
        return int(position[1:])

    def courses(self, limit: int, cursor: str | None = None) -> Page[Course]:
        return self.page(super().courses(EVERYTHING).items, limit, cursor)

    def users(self, limit: int, cursor: str | None = None, email: str | None = None) -> Page[User]:
        return self.page(super().users(EVERYTHING, None, email).items, limit, cursor)

    def course_report(self, course_id: str, limit: int, cursor: str | None = None) -> Page[ReportRow]:
        return self.page(super().course_report(course_id, EVERYTHING).items, limit, cursor)

    def learner_report(self, user_id: str, limit: int, cursor: str | None = None) -> Page[ReportRow]:
        return self.page(super().learner_report(user_id, EVERYTHING).items, limit, cursor)


class SkipsAnItem(OffsetPaging):
    """Each next page starts one item too late."""

    def next_offset(self, start: int, taken: int, limit: int) -> int:
        return start + taken + 1


class RepeatsAnItem(OffsetPaging):
    """Each next page after a full page of two or more starts with the last item of the page before."""

    def next_offset(self, start: int, taken: int, limit: int) -> int:
        return start + taken - 1 if taken == limit > 1 else start + taken


class IgnoresLimit(OffsetPaging):
    """Every page holds the whole list, whatever limit says."""

    def size(self, limit: int) -> int:
        return EVERYTHING


class LastPageLinksToFirst(OffsetPaging):
    """The last page's nextUrl leads back to the first page instead of being null."""

    def last_cursor(self) -> str | None:
        return self.cursor(0)


class FewerThanLimit(OffsetPaging):
    """Pages hold one item fewer than limit (at least one): the contract only says at most limit."""

    def size(self, limit: int) -> int:
        return max(1, limit - 1)


class OpaqueTokens(OffsetPaging):
    """Cursors are random tokens the server remembers, nothing like the mock's."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._tokens: dict[str, int] = {}

    def cursor(self, offset: int) -> str:
        token = secrets.token_hex(12)
        self._tokens[token] = offset
        return token

    def offset(self, cursor: str | None) -> int:
        if cursor is None:
            return 0
        if cursor not in self._tokens:
            raise RiseError("invalid_request", f"cursor {cursor!r} is unknown here: follow nextUrl as it is.")
        return self._tokens[cursor]


class EmailSubstring(Tenant):
    """The email filter matches any email containing the value."""

    def users(self, limit: int, cursor: str | None = None, email: str | None = None) -> Page[User]:
        if email is None:
            return super().users(limit, cursor)
        found = [u for u in self._store.users() if email.casefold() in u.email.casefold()]
        return Page(found[:limit], None)


class EmailCaseSensitive(Tenant):
    """The email filter matches only the exact spelling."""

    def users(self, limit: int, cursor: str | None = None, email: str | None = None) -> Page[User]:
        if email is None:
            return super().users(limit, cursor)
        return Page([u for u in self._store.users() if u.email == email][:limit], None)


class EmailIgnored(Tenant):
    """The email filter is ignored: every user is listed."""

    def users(self, limit: int, cursor: str | None = None, email: str | None = None) -> Page[User]:
        return super().users(limit, cursor)


class CoursesWithoutDrafts(Tenant):
    """GET /courses leaves out courses that were never published."""

    def courses(self, limit: int, cursor: str | None = None) -> Page[Course]:
        page = super().courses(EVERYTHING)
        return Page([c for c in page.items if c.published][:limit], None)


class UsersWithoutAdmins(Tenant):
    """GET /users leaves out admins (GET /users/{id} still answers them)."""

    def users(self, limit: int, cursor: str | None = None, email: str | None = None) -> Page[User]:
        page = super().users(EVERYTHING, None, email)
        return Page([u for u in page.items if u.role is not Role.ADMIN][:limit], None)


def next_urls(change: Any) -> Any:
    def each(scope: Scope, document: Any) -> Any:
        if isinstance(document, dict) and "nextUrl" in document:
            changed = change(document["nextUrl"])
            if changed is _DROP:
                del document["nextUrl"]
            else:
                document["nextUrl"] = changed
        return document

    return json_rewriter(each)


_DROP = object()


def _without_limit(url: str | None) -> str | None:
    return None if url is None else re.sub(r"([?&])limit=\d+&?", r"\1", url).rstrip("&?")


def _relative(url: str | None) -> str | None:
    return None if url is None else re.sub(r"^https?://[^/]+", "", url)


def single_reads(pattern: re.Pattern[str], change: Any) -> Any:
    def each(scope: Scope, document: Any) -> Any:
        if (
            pattern.match(scope["path"])
            and scope["method"] == "GET"
            and isinstance(document, dict)
            and "id" in document
        ):
            change(document)
        return document

    return json_rewriter(each)


def every_course(change: Any) -> Any:
    def each(scope: Scope, document: Any) -> Any:
        if scope["path"].startswith("/courses") and isinstance(document, dict):
            for course in document.get("courses", [document]):
                if isinstance(course, dict) and "source" in course:
                    change(course)
        return document

    return json_rewriter(each)


def _build(wrap: Any, tenant: type[Tenant] = Tenant) -> ASGIApp:
    return wrap(app_of(tenant))


SERVERS: dict[str, Server] = {
    "next pages skip an item": Server(lambda: app_of(SkipsAnItem), "lists", "lists.pages-complete"),
    "next pages repeat an item": Server(lambda: app_of(RepeatsAnItem), "lists", "lists.pages-complete"),
    "limit ignored": Server(lambda: app_of(IgnoresLimit), "lists", "lists.limit"),
    "the last page links back to the first": Server(
        lambda: app_of(LastPageLinksToFirst), "lists", "lists.next-url"
    ),
    "nextUrl drops limit": Server(lambda: _build(next_urls(_without_limit)), "lists", "lists.pages-complete"),
    "nextUrl relative": Server(lambda: _build(next_urls(_relative)), "lists", "lists.next-url"),
    "no nextUrl on the last page": Server(
        lambda: _build(next_urls(lambda url: _DROP if url is None else url)), "lists", "lists.next-url"
    ),
    "email filter matches substrings": Server(lambda: app_of(EmailSubstring), "lists", "users.email-filter"),
    "email filter is case-sensitive": Server(
        lambda: app_of(EmailCaseSensitive), "lists", "users.email-filter"
    ),
    "email filter ignored": Server(lambda: app_of(EmailIgnored), "lists", "users.email-filter"),
    "drafts left out of GET /courses": Server(
        lambda: app_of(CoursesWithoutDrafts), "lists", "courses.lists-unpublished"
    ),
    "admins left out of GET /users": Server(lambda: app_of(UsersWithoutAdmins), "lists", "users.read"),
    "GET /courses/{id} with another title": Server(
        lambda: _build(single_reads(SINGLE_COURSE, lambda c: c.update(title=f"{c['title']} (v2)"))),
        "lists",
        "courses.read",
    ),
    "GET /users/{id} with the email in capitals": Server(
        lambda: _build(single_reads(SINGLE_USER, lambda u: u.update(email=str(u["email"]).upper()))),
        "lists",
        "users.read",
    ),
    "every course's source is rise": Server(
        lambda: _build(every_course(lambda c: c.update(source="rise"))), "lists", "courses.source"
    ),
}

FREE: dict[str, Server] = {
    "pages hold fewer items than limit": Server(lambda: app_of(FewerThanLimit), "lists"),
    "cursors are random tokens the server remembers": Server(lambda: app_of(OpaqueTokens), "lists"),
}
