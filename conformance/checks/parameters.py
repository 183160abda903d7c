"""Query parameters outside the contract: an empty email filter, a limit outside 1..100, a cursor the
server never issued."""

from __future__ import annotations

from conformance.checks.promises import RuleBroken, answer, expect_code, promise, read
from conformance.engine.context import CheckContext, segment


@promise("users.email-not-empty")
def empty_email_filter_is_rejected(ctx: CheckContext) -> str:
    """GET /users?email= (an empty filter) is 400 invalid_request."""
    expect_code(read(ctx, "/users?email="), "invalid_request", "users.email-not-empty", "GET /users?email=")
    return "GET /users?email=: HTTP 400 invalid_request"


@promise("lists.limit-outside-rejected")
def limit_outside_range_is_rejected(ctx: CheckContext) -> str:
    """limit 0 or 101 is 400 invalid_request on every list and report."""
    lists = [
        "/courses",
        "/users",
        f"/reports/courses/{segment(ctx.profile.quiz)}",
        f"/reports/learners/{segment(ctx.profile.users[0])}",
    ]
    for path in lists:
        for limit in (0, 101):
            expect_code(
                read(ctx, f"{path}?limit={limit}"),
                "invalid_request",
                "lists.limit-outside-rejected",
                f"GET {path}?limit={limit}",
            )
    return f"limit 0 and 101 on {len(lists)} lists: each HTTP 400 invalid_request"


@promise("lists.cursor-opaque")
def unissued_cursor_is_refused_or_read(ctx: CheckContext) -> str:
    """A cursor the server did not issue is 400 invalid_request or read as a position, never a 5xx."""
    seen = []
    for path, key in (("/courses", "courses"), ("/users", "users")):
        exchange = read(ctx, f"{path}?cursor=conformance-not-issued%21")
        body = exchange.json()
        listed = exchange.status == 200 and isinstance(body, dict) and isinstance(body.get(key), list)
        if not listed and (exchange.status, exchange.error_code) != (400, "invalid_request"):
            raise RuleBroken(
                "lists.cursor-opaque",
                f"GET {path} with a made-up cursor: HTTP 400 invalid_request or a page",
                answer(exchange),
                [exchange],
            )
        seen.append(f"{path}: HTTP {exchange.status}")
    return "a made-up cursor: " + ", ".join(seen)
