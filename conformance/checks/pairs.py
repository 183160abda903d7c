"""Profile pairs as the reports show them: which are enrolled, their rows in both reports, waiting for a
write to show, and the barrier that tells when the reports have caught up with earlier writes.

Everything here reads through the Rise API only, so it holds against a tenant that cannot be reset.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import unquote, urlsplit

from conformance.checks.dates import parse_instant
from conformance.checks.expect import expect_accepted, shows_dates
from conformance.checks.promises import RuleBroken
from conformance.engine.client import Exchange
from conformance.engine.context import CheckContext, Pair, Row, import_write
from mock_server.model.contract import load_contract

ROW_FIELDS: tuple[str, ...] = tuple(load_contract()["components"]["schemas"]["ReportRow"]["properties"])
"""The row properties the contract names; extra properties are free and never compared."""
CLOCK_SKEW = timedelta(minutes=5)
"""How far the target's clock may be from ours when a date must be 'at the request'."""
FRESH_ENROLLMENT = timedelta(seconds=2)
"""An enrollment younger than this cannot be told from a rewrite by a clock with one-second steps."""


_PAIR_PATH = re.compile(r"^/courses/([^/]+)/users/([^/]+)(?:/completions)?$")


def now() -> datetime:
    return datetime.now(UTC)


def normal(value: Any) -> Any:
    """A row value as compared: instants as instants (any spelling), everything else as is."""
    instant = parse_instant(value) if isinstance(value, str) else None
    return instant if instant is not None else value


def differences(first: Row, second: Row) -> list[str]:
    """The contract's row fields that both rows carry and that differ between them."""
    return [
        field
        for field in ROW_FIELDS
        if field in first and field in second and normal(first[field]) != normal(second[field])
    ]


def view(row: Row | None) -> tuple[Any, ...] | None:
    """A row reduced to what a write can change, for before/after comparisons."""
    if row is None:
        return None
    return tuple(normal(row.get(field)) for field in ROW_FIELDS)


def learner_listing(ctx: CheckContext, users: Sequence[str] | None = None) -> dict[Pair, Row]:
    """Every row of the learner reports of `users` (default: the profile's), keyed (courseId, userId)."""
    rows: dict[Pair, Row] = {}
    for user in users if users is not None else ctx.profile.users:
        found, _ = ctx.learner_rows(user)
        rows.update({(str(row.get("courseId")), user): row for row in found})
    return rows


def unenrolled_pair(ctx: CheckContext, listing: dict[Pair, Row], courses: Sequence[str]) -> Pair | None:
    """A pair that no learner report lists: of the first of `courses` that has one, with a user chosen
    by the run's seed."""
    users = list(ctx.profile.users)
    ctx.rng.shuffle(users)
    return next(((c, u) for c in courses for u in users if (c, u) not in listing), None)


def enrolled_pairs(ctx: CheckContext, listing: dict[Pair, Row]) -> list[Pair]:
    """Published profile pairs whose row carries an enrollment date, oldest enrollments first."""
    published = set(ctx.profile.published_courses)
    dated = [
        (parse_instant(row.get("enrolledAt")), pair)
        for pair, row in listing.items()
        if pair[0] in published and parse_instant(row.get("enrolledAt")) is not None
    ]
    return [pair for _, pair in sorted(dated, key=lambda item: (item[0], item[1]))]


def is_fresh(row: Row | None) -> bool:
    """The row's enrollment is too recent for a clock with one-second steps to tell a rewrite of its
    date (judged by our clock: a target clock behind ours only makes a rewrite go unseen)."""
    enrolled = parse_instant(row.get("enrolledAt")) if row else None
    return enrolled is not None and enrolled > now() - FRESH_ENROLLMENT


def poll(
    ctx: CheckContext, read: Callable[[], tuple[Any, list[Exchange]]], done: Callable[[Any], bool]
) -> tuple[Any, list[Exchange], float | None]:
    """Read until `done` holds or --report-timeout passes: (last value, its exchanges, lag or None).
    The one place these checks wait on the reports; the context's poller does the waiting."""
    return ctx.wait_for(read, done)


def written_pairs(ctx: CheckContext) -> set[Pair]:
    """Every pair an import or an enrollment of this run named, accepted or not, from its exchanges."""
    found = set()
    for exchange in ctx.client.exchanges:
        match = _PAIR_PATH.match(urlsplit(exchange.url).path) if exchange.method in ("POST", "PUT") else None
        if match:
            found.add((unquote(match.group(1)), unquote(match.group(2))))
    return found


def rows_of_pair(ctx: CheckContext, course: str, user: str) -> tuple[Row | None, Row | None, list[Exchange]]:
    """The pair's row in the learner report and in the course report (None where it is not listed)."""
    learner, first = ctx.learner_rows(user)
    course_rows, second = ctx.course_rows(course)
    mine = next((r for r in learner if r.get("courseId") == course), None)
    theirs = next((r for r in course_rows if r.get("userId") == user), None)
    return mine, theirs, first + second


def wait_in_both(
    ctx: CheckContext, course: str, user: str, done: Callable[[Row], bool]
) -> tuple[Row | None, Row | None, list[Exchange], bool]:
    """Poll both reports until the pair's row satisfies `done` in each, up to --report-timeout."""
    found, exchanges, lag = poll(
        ctx,
        lambda: _pair_and_exchanges(ctx, course, user),
        lambda rows: rows[0] is not None and rows[1] is not None and done(rows[0]) and done(rows[1]),
    )
    return found[0], found[1], exchanges, lag is not None


def _pair_and_exchanges(
    ctx: CheckContext, course: str, user: str
) -> tuple[tuple[Row | None, Row | None], list[Exchange]]:
    mine, theirs, exchanges = rows_of_pair(ctx, course, user)
    return (mine, theirs), exchanges


def barrier(ctx: CheckContext, pair: Pair) -> list[Exchange]:
    """Import fresh dates into `pair` and wait until its learner report shows them. Reports show writes
    in the order they were made, so afterwards every earlier write has had its time to show."""
    if ctx.client.last_write_at <= ctx.caught_up_at:
        return []  # a later import has shown already: every earlier write has had its time to show
    course, user = pair
    started, completed = ctx.fresh_dates()
    [sent] = ctx.send_all([import_write(course, user, started, completed)])
    written_at = ctx.client.last_write_at
    expect_accepted(sent)
    _, exchanges, lag = poll(
        ctx,
        lambda: ctx.pair_rows(course, user),
        lambda found: any(shows_dates(r, started, completed) for r in found),
    )
    if lag is None:
        raise RuleBroken(
            "import.shows-in-reports",
            f"the learner report to show the import into ({course}, {user}) within "
            f"--report-timeout {ctx.report_timeout:g} s",
            "it did not",
            [sent, *exchanges],
        )
    ctx.caught_up_at = max(ctx.caught_up_at, written_at)
    return [sent, *exchanges]


def dated_near(value: Any, before: datetime, after: datetime) -> bool:
    """`value` names an instant between `before` and `after`, give or take the clock skew allowed."""
    instant = parse_instant(value) if isinstance(value, str) else None
    return instant is not None and before - CLOCK_SKEW <= instant <= after + CLOCK_SKEW
