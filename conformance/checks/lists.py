"""Lists and filters: pages that neither overlap nor skip, `limit` kept and obeyed, `nextUrl` absolute
and null at the end, every course listed (drafts too) and read back alike, every user likewise, and
the exact, case-blind `email` filter."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

from conformance.checks.promises import RuleBroken, answer, promise, read
from conformance.engine.client import Exchange
from conformance.engine.context import CheckContext, segment
from conformance.engine.results import Skip
from mock_server.model.contract import LIMIT_DEFAULT, LIMIT_MAX, load_contract

MAX_PAGES = 50
"""Pages followed for one listing at the largest limit; a longer list is not paged through."""
SMALL_LIST = 30
"""Lists up to this long are paged through at limit 1 and 2; longer ones in about ten pages."""
_SCHEMAS = load_contract()["components"]["schemas"]
COURSE_FIELDS = tuple(_SCHEMAS["Course"]["properties"])
USER_FIELDS = tuple(_SCHEMAS["User"]["properties"])
SOURCES = {"quiz": "rise", "no_quiz": "rise", "third_party": "third_party"}


@dataclass
class Listing:
    """A list followed page by page: the items in the order seen, and the answers."""

    items: list[dict[str, Any]] = field(default_factory=list)
    exchanges: list[Exchange] = field(default_factory=list)
    complete: bool = True

    def ids(self, by: str) -> list[str]:
        return [str(item.get(by)) for item in self.items]


def page_through(ctx: CheckContext, path: str, key: str, limit: int | None, pages: int) -> Listing:
    """Follow `path` (with `limit`) and its nextUrl to the end, judging each page on the way; a list
    still going after `pages` pages is returned as not complete."""
    query = f"{'&' if '?' in path else '?'}limit={limit}" if limit else ""
    listing = Listing()
    url: str | None = path + query
    visited: set[str] = set()
    for _ in range(pages):
        if url is None:
            return listing
        if url in visited:
            raise RuleBroken(
                "lists.next-url",
                f"GET {path}{query}: nextUrl leading on, then null",
                f"back to {url}",
                listing.exchanges[-2:],
            )
        visited.add(url)
        exchange = read(ctx, url)
        listing.exchanges.append(exchange)
        body = exchange.json()
        items = body.get(key) if isinstance(body, dict) else None
        if exchange.status != 200 or not isinstance(items, list):
            rule = "lists.pages-complete" if len(listing.exchanges) > 1 else "lists.limit"
            raise RuleBroken(
                rule, f"GET {url}: HTTP 200 with a '{key}' list", answer(exchange), listing.exchanges[-2:]
            )
        if len(items) > (limit or LIMIT_DEFAULT):
            raise RuleBroken(
                "lists.limit",
                f"GET {url}: at most {limit or LIMIT_DEFAULT} items",
                f"{len(items)} items",
                [exchange],
            )
        listing.items += [item for item in items if isinstance(item, dict)]
        if "nextUrl" not in body:
            raise RuleBroken(
                "lists.next-url", f"GET {url}: a nextUrl (null on the last page)", "none", [exchange]
            )
        url = _next(body["nextUrl"], url, limit, path, exchange)
    listing.complete = url is None
    return listing


def _next(next_url: Any, url: str, limit: int | None, path: str, exchange: Exchange) -> str | None:
    if next_url is None:
        return None
    parts = urlsplit(next_url) if isinstance(next_url, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
        raise RuleBroken(
            "lists.next-url", f"GET {url}: nextUrl absolute or null", f"nextUrl {next_url!r}", [exchange]
        )
    query = parse_qs(parts.query)
    kept = {name: values for name, values in parse_qs(urlsplit(path).query).items()}
    if limit:
        kept["limit"] = [str(limit)]
    lost = sorted(name for name, values in kept.items() if query.get(name) != values)
    if lost:
        raise RuleBroken(
            "lists.pages-complete", f"GET {url}: nextUrl keeping {lost}", f"nextUrl {next_url!r}", [exchange]
        )
    return next_url


def _reference(ctx: CheckContext, path: str, key: str) -> Listing:
    """The list at the largest limit: what the smaller pages must add up to."""
    return page_through(ctx, path, key, LIMIT_MAX, MAX_PAGES)


@promise("lists.pages-complete", "lists.next-url", "lists.limit")
def pages_visit_every_item_once(ctx: CheckContext) -> str:
    """Lists and reports paged by nextUrl show each item once; no page holds more than limit.

    Followed from the first page at limits 1 and 2 (larger for long lists), each shows the items it
    shows at the largest limit; nextUrl is absolute, keeps limit and filters, and is null at the end;
    a page without limit holds at most 50.
    """
    lists = [("/courses", "courses", "id"), ("/users", "users", "id")]
    lists += [(f"/reports/learners/{segment(u)}", "courses", "courseId") for u in ctx.profile.users]
    lists += [(f"/reports/courses/{segment(c)}", "learners", "userId") for c in ctx.profile.courses]
    references = {path: _reference(ctx, path, key) for path, key, _ in lists}
    learner = max(lists[2 : 2 + len(ctx.profile.users)], key=lambda item: len(references[item[0]].items))
    course = max(lists[2 + len(ctx.profile.users) :], key=lambda item: len(references[item[0]].items))
    seen = []
    for path, key, by in (lists[0], lists[1], learner, course):
        reference = references[path]
        if not reference.complete:
            seen.append(f"{path}: more than {MAX_PAGES} pages, not paged")
            continue
        _expect_once(reference.ids(by), set(reference.ids(by)), path, LIMIT_MAX, reference)
        total = len(reference.items)
        limits = [1, 2] if total <= SMALL_LIST else [math.ceil(total / 10)]
        for limit in limits if total > 1 else []:
            small = page_through(ctx, path, key, limit, total + 3)
            if not small.complete:
                raise RuleBroken(
                    "lists.next-url",
                    f"GET {path}?limit={limit}: a null nextUrl after the last of {total} items",
                    f"still a nextUrl after {total + 3} pages",
                    small.exchanges[-2:],
                )
            _expect_once(small.ids(by), set(reference.ids(by)), path, limit, small)
        page_through(ctx, path, key, None, 1)
        seen.append(f"{path}: {total} items, limits {limits if total > 1 else []} and the default")
    return "; ".join(seen)


def _expect_once(ids: list[str], expected: set[str], path: str, limit: int, listing: Listing) -> None:
    repeated = sorted({item for item in ids if ids.count(item) > 1})
    missing, extra = sorted(expected - set(ids)), sorted(set(ids) - expected)
    if repeated or missing or extra:
        problems = [
            f"{name} {values}"
            for name, values in (("repeated", repeated), ("missing", missing), ("extra", extra))
            if values
        ]
        raise RuleBroken(
            "lists.pages-complete",
            f"GET {path} at limit {limit} page by page: each item once",
            "; ".join(problems),
            listing.exchanges[-3:],
        )


def _same(listed: dict[str, Any], one: Any, fields: tuple[str, ...]) -> list[str]:
    if not isinstance(one, dict):
        return ["the body"]
    return [name for name in fields if (name in listed or name in one) and listed.get(name) != one.get(name)]


@promise("courses.lists-unpublished", "courses.read", "courses.source")
def courses_listed_and_read_alike(ctx: CheckContext) -> str:
    """GET /courses lists each profile course once, drafts too, as GET /courses/{id} answers it.

    A course's source, where given, says who authored it: rise, or third_party for imported content.
    """
    listing = _reference(ctx, "/courses", "courses")
    if not listing.complete:
        raise Skip(f"GET /courses has more than {MAX_PAGES} pages of {LIMIT_MAX}")
    ids = listing.ids("id")
    for course in ctx.profile.courses:
        if ids.count(course) != 1:
            raise RuleBroken(
                "courses.lists-unpublished",
                f"GET /courses to list {course} once",
                f"listed {ids.count(course)} times",
                listing.exchanges,
            )
    listed = {str(item.get("id")): item for item in listing.items}
    for course in ctx.profile.courses:
        exchange = read(ctx, f"/courses/{segment(course)}")
        changed = (
            _same(listed[course], exchange.json(), COURSE_FIELDS) if exchange.status == 200 else ["status"]
        )
        if changed:
            raise RuleBroken(
                "courses.read",
                f"GET /courses/{course} as GET /courses lists it",
                f"{answer(exchange)}, differs in {changed}",
                [*listing.exchanges[-1:], exchange],
            )
        kind = ctx.profile.kind_of(course)
        source = listed[course].get("source")
        if kind in SOURCES and source is not None and source != SOURCES[kind]:
            raise RuleBroken(
                "courses.source",
                f"{course} ({kind}): source {SOURCES[kind]!r}",
                f"source {source!r}",
                [exchange],
            )
    return f"{len(ctx.profile.courses)} profile courses listed once among {len(ids)} and read back alike"


@promise("users.read")
def users_listed_and_read_alike(ctx: CheckContext) -> str:
    """GET /users lists each user once, as GET /users/{id} answers them.

    The profile's users and the authors the courses name (by authorUrl) must all be listed.
    """
    listing = _reference(ctx, "/users", "users")
    if not listing.complete:
        raise Skip(f"GET /users has more than {MAX_PAGES} pages of {LIMIT_MAX}")
    ids = listing.ids("id")
    listed = {str(item.get("id")): item for item in listing.items}
    authors = _authors(ctx)
    for user in [*ctx.profile.users, *sorted(authors - set(ctx.profile.users))]:
        exchange = read(ctx, f"/users/{segment(user)}")
        if user in authors and exchange.status == 404 and user not in listed:
            continue
        if ids.count(user) != 1:
            raise RuleBroken(
                "users.read",
                f"GET /users to list {user} once",
                f"listed {ids.count(user)} times ({answer(exchange)})",
                [*listing.exchanges, exchange],
            )
        changed = _same(listed[user], exchange.json(), USER_FIELDS) if exchange.status == 200 else ["status"]
        if changed:
            raise RuleBroken(
                "users.read",
                f"GET /users/{user} as GET /users lists it",
                f"{answer(exchange)}, differs in {changed}",
                [*listing.exchanges[-1:], exchange],
            )
    read_back = f"{len(ctx.profile.users)} profile users and {len(authors)} authors read back"
    return f"{len(ids)} users listed once; {read_back}"


def _authors(ctx: CheckContext) -> set[str]:
    """Users the profile courses name as their authors (by authorUrl), which GET /users must list too."""
    found = set()
    for course in ctx.profile.courses:
        body = read(ctx, f"/courses/{segment(course)}").json()
        url = body.get("authorUrl") if isinstance(body, dict) else None
        path = urlsplit(url).path if isinstance(url, str) else ""
        if path.startswith("/users/") and path.count("/") == 2:
            found.add(path.removeprefix("/users/"))
    return found


@promise("users.email-filter")
def email_filter_is_exact_and_case_blind(ctx: CheckContext) -> str:
    """GET /users?email= lists exactly the users with that email, ignoring case.

    The email in another case finds the user; a part of it, or an unknown address, finds nobody else.
    """
    user = ctx.profile.users[0]
    exchange = read(ctx, f"/users/{segment(user)}")
    body = exchange.json()
    email = body.get("email") if isinstance(body, dict) else None
    if exchange.status != 200 or not isinstance(email, str) or "@" not in email:
        raise Skip(f"GET /users/{user} shows no email address to filter by")
    local = email.split("@")[0]
    values = {
        "the email": (email, True),
        "the email in another case": (email.swapcase(), True),
        "the email without its first character": (email[1:], False),
        "the part before @": (local, False),
        "an unknown address": (f"nobody-{ctx.rng.randrange(16**8):08x}@example.invalid", False),
    }
    seen = []
    for name, (value, finds_user) in values.items():
        listing = page_through(ctx, f"/users?email={quote(value, safe='')}", "users", LIMIT_MAX, MAX_PAGES)
        emails = {str(item.get("id")): item.get("email") for item in listing.items}
        strays = sorted(
            i for i, e in emails.items() if not isinstance(e, str) or e.casefold() != value.casefold()
        )
        if strays or (finds_user and user not in emails):
            observed = f"listed {sorted(emails)}" + (
                f", of which {strays} have another email" if strays else ""
            )
            expected = f"email={value!r} ({name}) to list " + (
                f"{user}" if finds_user else "only users with exactly that email"
            )
            raise RuleBroken("users.email-filter", expected, observed, listing.exchanges)
        seen.append(f"{name}: {len(emails)}")
    return "; ".join(seen)


LIST_CHECKS = (
    pages_visit_every_item_once,
    courses_listed_and_read_alike,
    users_listed_and_read_alike,
    email_filter_is_exact_and_case_blind,
)
