"""The enrollment endpoint, seen through the reports: `PUT /courses/{courseId}/users/{userId}` enrolls,
dates the enrollment at the request, keeps an existing one, and takes an unpublished course."""

from __future__ import annotations

from conformance.checks.expect import expect_accepted, shown_in_both
from conformance.checks.pairs import (
    dated_near,
    differences,
    is_fresh,
    learner_listing,
    normal,
    now,
    unenrolled_pair,
)
from conformance.checks.promises import Probe, RuleBroken, answer, promise, send
from conformance.engine.batch import Steps
from conformance.engine.client import Exchange
from conformance.engine.context import Await, CheckContext, Pair, Row, Send, Write, completions_path, segment
from conformance.engine.pairs import PairsExhausted
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
def enrolling_lists_the_pair(ctx: CheckContext) -> Steps:
    """PUT enrolls a pair nobody enrolled: both reports list it Not Started, dated at the request.

    204 with no body, then the same row in both reports, with no completion fields.
    """
    pair = ctx.planner.claim_unenrolled("enrolling_lists_the_pair", imports=False)
    if pair is None:
        raise Skip(
            "no unenrolled pair left: every profile user is enrolled in every published profile course",
            short="no unenrolled pair left",
        )
    course, user = pair
    ctx.planner.enrolling.add(pair)
    before = now()
    [sent] = yield Send(Write("PUT", enrollment_path(*pair)))
    after = now()
    _expect_204(sent, "enroll.creates", pair)
    seen = yield Await(
        lambda snapshot: bool(snapshot.pair(course, user)) and bool(snapshot.in_course(course, user)),
        frozenset({user}),
        frozenset({course}),
    )
    mine, theirs = seen.row(course, user), next(iter(seen.snapshot.in_course(course, user)), None)
    exchanges = [sent, *seen.snapshot.evidence(user, course)]
    if not seen.caught_up or mine is None or theirs is None:
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
def enrolling_again_keeps_the_enrollment(ctx: CheckContext) -> Steps:
    """PUT for an enrolled, completed pair keeps its enrollment date, status and completion.

    The pair is completed by an import, then enrolled again; once a later import shows, both of its rows
    still show that completion, Complete, and the enrollment date they had.
    """
    planner, name = ctx.planner, "enrolling_again_keeps_the_enrollment"
    # An enrollment made before the run, so that its date can be held to; else a pair this run enrolls
    # (whose date a second-resolution clock could not tell from a rewrite, so only the rest is judged).
    try:
        pair = planner.claim_enrolled(name) or planner.claim(name)
    except PairsExhausted:
        pair = planner.claim(name)
    planner.enrolling.add(pair)
    enrolled_at = planner.enrolled_at(pair)
    fresh = enrolled_at is None or is_fresh(ctx.before.pair(*pair)[0])
    started, completed = ctx.fresh_dates()
    body = {"startedAt": started, "completedAt": completed}
    imported, sent = yield Send(
        Write("POST", completions_path(*pair), body), Write("PUT", enrollment_path(*pair))
    )
    expect_accepted(imported)
    _expect_204(sent, "enroll.keeps-existing", pair)
    course, user = pair
    seen = yield Await(
        shown_in_both(course, user, started, completed),
        frozenset({user}),
        frozenset({course}),
        sentinel=True,
    )
    mine, theirs = seen.row(course, user), next(iter(seen.snapshot.in_course(course, user)), None)
    exchanges = [imported, sent, *seen.snapshot.evidence(user, course)]
    expected = {"status": "Complete", "startedAt": started, "completedAt": completed}
    if not fresh:
        expected["enrolledAt"] = str(enrolled_at)
    kept = ", ".join(f"{n} {v!r}" for n, v in expected.items())
    for new in (mine, theirs):
        changed = [n for n in expected if new is None or normal(new.get(n)) != normal(expected[n])]
        if changed:
            raise RuleBroken(
                "enroll.keeps-existing",
                f"({', '.join(pair)}) as before the PUT: {kept}",
                "no row" if new is None else f"changed {', '.join(f'{n} {new.get(n)!r}' for n in changed)}",
                exchanges,
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
