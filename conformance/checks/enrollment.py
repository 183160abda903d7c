"""The enrollment endpoint, seen through the reports: `PUT /courses/{courseId}/users/{userId}` enrolls,
dates the enrollment at the request, keeps an existing one, and takes an unpublished course."""

from __future__ import annotations

from conformance.checks.expect import expect_accepted, shows_dates
from conformance.checks.pairs import (
    barrier,
    dated_near,
    differences,
    enrolled_pairs,
    is_fresh,
    learner_listing,
    normal,
    now,
    rows_of_pair,
    unenrolled_pair,
    wait_in_both,
)
from conformance.checks.promises import Probe, RuleBroken, answer, promise, send
from conformance.engine.client import Exchange
from conformance.engine.context import CheckContext, Pair, Row, import_write, segment
from conformance.engine.results import Skip

NO_COMPLETION = ("startedAt", "completedAt", "duration", "quizScorePercent", "isQuizPassed")


def enrollment_path(course: str, user: str) -> str:
    return f"/courses/{segment(course)}/users/{segment(user)}"


def _enroll(ctx: CheckContext, pair: Pair) -> Exchange:
    [sent] = send(ctx, [Probe("PUT", enrollment_path(*pair))])
    return sent


def _expect_204(exchange: Exchange, rule: str, pair: Pair) -> None:
    if exchange.status != 204 or exchange.response_body.strip():
        raise RuleBroken(
            rule, f"PUT for ({', '.join(pair)}): HTTP 204 with no body", answer(exchange), [exchange]
        )


@promise(
    "enroll.creates",
    "enroll.dated-at-request",
    "report.same-row",
    "report.completed-at",
    "report.quiz-null-otherwise",
)
def enrolling_lists_the_pair(ctx: CheckContext) -> str:
    """PUT enrolls a pair nobody enrolled: both reports list it Not Started, dated at the request.

    204 with no body, then the same row in both reports, with no completion fields.
    """
    profile = ctx.profile
    pair = unenrolled_pair(ctx, learner_listing(ctx), (profile.third_party, profile.no_quiz, profile.quiz))
    if pair is None:
        raise Skip(
            "no unenrolled pair left: every profile user is enrolled in every published profile course"
        )
    before = now()
    sent = _enroll(ctx, pair)
    after = now()
    _expect_204(sent, "enroll.creates", pair)
    mine, theirs, exchanges, shown = wait_in_both(ctx, *pair, lambda row: True)
    exchanges = [sent, *exchanges]
    if not shown or mine is None or theirs is None:
        where = "the learner report" if mine is None else "the course report"
        raise RuleBroken(
            "enroll.creates",
            f"both reports to list ({', '.join(pair)}) within --report-timeout {ctx.report_timeout:g} s",
            f"{where} did not",
            exchanges,
        )
    for row in (mine, theirs):
        _expect_not_started(row, pair, before, after, exchanges)
    changed = differences(mine, theirs)
    if changed:
        raise RuleBroken(
            "report.same-row", "the same row in both reports", f"they differ in {changed}", exchanges
        )
    enrolled_at = mine.get("enrolledAt")
    return f"({', '.join(pair)}) enrolled by PUT: Not Started, enrolledAt {enrolled_at}, in both reports"


def _expect_not_started(
    row: Row, pair: Pair, before: object, after: object, exchanges: list[Exchange]
) -> None:
    if row.get("status") != "Not Started":
        raise RuleBroken(
            "enroll.dated-at-request",
            "status Not Started until a completion",
            f"status {row.get('status')!r}",
            exchanges,
        )
    if not dated_near(row.get("enrolledAt"), before, after):  # type: ignore[arg-type]
        raise RuleBroken(
            "enroll.dated-at-request",
            f"enrolledAt at the request ({before:%Y-%m-%dT%H:%M:%SZ})",
            f"enrolledAt {row.get('enrolledAt')!r}",
            exchanges,
        )
    filled = [name for name in NO_COMPLETION if row.get(name) is not None]
    if filled:
        rule = (
            "report.quiz-null-otherwise"
            if set(filled) <= {"quizScorePercent", "isQuizPassed"}
            else "report.completed-at"
        )
        raise RuleBroken(
            rule,
            f"no completion fields on a new enrollment of ({', '.join(pair)})",
            f"{filled} set",
            exchanges,
        )


@promise("enroll.keeps-existing")
def enrolling_again_keeps_the_enrollment(ctx: CheckContext) -> str:
    """PUT for an enrolled, completed pair keeps its enrollment date, status and completion.

    The pair is completed first; once a later import shows, both of its rows are as before the PUT.
    """
    listing = learner_listing(ctx)
    pairs = enrolled_pairs(ctx, listing)
    if not pairs:
        raise Skip("no enrolled pair: no profile user is enrolled in a published profile course")
    pair = next((p for p in pairs if not is_fresh(listing[p])), pairs[0])
    fresh = is_fresh(listing[pair])
    started, completed = ctx.fresh_dates()
    [imported] = ctx.send_all([import_write(*pair, started, completed)])
    expect_accepted(imported)
    before, before_theirs, read, shown = wait_in_both(
        ctx, *pair, lambda row: shows_dates(row, started, completed)
    )
    if not shown or before is None or before_theirs is None:
        raise RuleBroken(
            "import.shows-in-reports",
            f"both reports to show the import into ({', '.join(pair)})",
            "they did not",
            [imported, *read],
        )
    sent = _enroll(ctx, pair)
    _expect_204(sent, "enroll.keeps-existing", pair)
    spare = [p for p in pairs if p != pair] + [
        (c, u) for c in ctx.profile.published_courses for u in ctx.profile.users if (c, u) != pair
    ]
    exchanges = [sent, *barrier(ctx, spare[0])]
    mine, theirs, read = rows_of_pair(ctx, *pair)
    fields = ["status", "startedAt", "completedAt"] + ([] if fresh else ["enrolledAt"])
    for old, new in ((before, mine), (before_theirs, theirs)):
        changed = [n for n in fields if new is None or normal(new.get(n)) != normal(old.get(n))]
        if changed:
            raise RuleBroken(
                "enroll.keeps-existing",
                f"({', '.join(pair)}) as before the PUT: {', '.join(f'{n} {old.get(n)!r}' for n in fields)}",
                "no row" if new is None else f"changed {', '.join(f'{n} {new.get(n)!r}' for n in changed)}",
                exchanges + read,
            )
    return f"PUT again for ({', '.join(pair)}), enrolled and complete: HTTP 204, its rows unchanged"


@promise("enroll.unpublished-accepted")
def enrolling_in_an_unpublished_course_is_accepted(ctx: CheckContext) -> str:
    """PUT into a course that was never published is accepted with 204."""
    course = ctx.profile.unpublished
    if course is None:
        raise Skip("the profile names no unpublished course (courses.unpublished)")
    listing = learner_listing(ctx)
    pair = unenrolled_pair(ctx, listing, [course]) or (course, ctx.profile.users[0])
    sent = _enroll(ctx, pair)
    _expect_204(sent, "enroll.unpublished-accepted", pair)
    return f"PUT ({', '.join(pair)}): HTTP 204"
