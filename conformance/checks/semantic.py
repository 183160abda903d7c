"""The semantic checks: one documented rule each, observed only through the Rise API (never /__mock/).

Each check takes the run's `CheckContext`, returns its evidence when the rule holds, and raises
`CheckFailed` when it does not or `Skip` when the target leaves no safe way to test it. Each writes
only to profile pairs (or to IDs that must not exist), and never assumes a reset state: it reads the
pair first and picks pairs that fit the rule.
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from conformance.checks.dates import parse_duration, parse_instant
from conformance.checks.expect import dates_of, expect_accepted, expect_error, same_instant, shows_dates
from conformance.engine.client import Exchange
from conformance.engine.context import (
    WRONG_KEY,
    CheckContext,
    Pair,
    Row,
    Write,
    completions_path,
    import_write,
)
from conformance.engine.results import Check, CheckFailed, Part, Skip, check

SETTLE_SECONDS = 1.0
"""How long a check waits before confirming that a rejected write changed nothing (capped by the timeout)."""
FRESH_ENROLLMENT_SECONDS = 1.5
"""An enrollment this run made is this old before a check relies on its date (one-second clocks)."""
COMPARED_FIELDS = (
    "status",
    "enrolledAt",
    "startedAt",
    "completedAt",
    "duration",
    "quizScorePercent",
    "isQuizPassed",
)


# -- helpers ------------------------------------------------------------------------------------------


def _user(ctx: CheckContext) -> str:
    return ctx.rng.choice(ctx.profile.users)


def _import_and_wait(ctx: CheckContext, course: str, user: str, started: str, completed: str) -> Row:
    """Import one completion, wait for the pair's row to show it, and return the row."""
    [sent] = ctx.send_all([import_write(course, user, started, completed)])
    expect_accepted(sent)
    return _wait_for_dates(ctx, course, user, started, completed, [sent])


def _wait_for_dates(
    ctx: CheckContext, course: str, user: str, started: str, completed: str, sent: list[Exchange]
) -> Row:
    rows, exchanges, lag = ctx.wait_for(
        lambda: ctx.pair_rows(course, user),
        lambda found: any(shows_dates(r, started, completed) for r in found),
    )
    if lag is None:
        row = rows[0] if rows else None
        raise CheckFailed(
            f"the learner report to show ({course}, {user}) with startedAt={started}, "
            f"completedAt={completed} "
            f"within --report-timeout {ctx.report_timeout:g} s",
            dates_of(row),
            sent + exchanges,
        )
    return next(r for r in rows if shows_dates(r, started, completed))


def _row_of(rows: list[Row], course: str, user: str) -> Row | None:
    return next((r for r in rows if r.get("courseId") == course and r.get("userId", user) == user), None)


def _expect_unchanged(
    ctx: CheckContext, course: str, user: str, before: list[Row], sent: list[Exchange]
) -> None:
    """After rejected writes, the pair's report row is what it was (read once the writes had time to show)."""
    time.sleep(min(SETTLE_SECONDS, ctx.report_timeout))
    after, exchanges = ctx.pair_rows(course, user)
    if [_comparable(r) for r in before] != [_comparable(r) for r in after]:
        raise CheckFailed(
            "no change to the pair's report row", dates_of(after[0] if after else None), sent + exchanges
        )


def _comparable(row: Row) -> tuple[Any, ...]:
    return tuple(
        str(parse_instant(v) or v) if isinstance(v, str) else v for v in map(row.get, COMPARED_FIELDS)
    )


def _missing_id(ctx: CheckContext, prefix: str) -> str:
    return f"{prefix}-{ctx.rng.randrange(16**8):08x}"


# -- the rules -----------------------------------------------------------------------------------------


@check(Part.SEMANTIC, "import.accepted", "import.shows-in-reports")
def import_shows_in_reports(ctx: CheckContext) -> str:
    """An accepted import shows in the learner and the course report (polled up to --report-timeout)."""
    course, user = ctx.profile.no_quiz, _user(ctx)
    started, completed = ctx.fresh_dates()
    [sent] = ctx.send_all([import_write(course, user, started, completed)])
    expect_accepted(sent)
    _wait_for_dates(ctx, course, user, started, completed, [sent])
    learner_lag = ctx.report_lags[-1]
    rows, exchanges, lag = ctx.wait_for(
        lambda: ctx.course_rows(course),
        lambda found: any(r.get("userId") == user and shows_dates(r, started, completed) for r in found),
    )
    if lag is None:
        observed = dates_of(next((r for r in rows if r.get("userId") == user), None))
        raise CheckFailed(
            f"the course report of {course} to show {user} with the import", observed, [sent, *exchanges]
        )
    return f"({course}, {user}) shown after {learner_lag:.2f} s (learner report), {lag:.2f} s (course report)"


@check(Part.SEMANTIC, "import.one-record-per-pair")
def upsert_keeps_one_record(ctx: CheckContext) -> str:
    """A second import of a pair replaces the dates of the first and never adds a second record."""
    course, user = ctx.profile.quiz, _user(ctx)
    first, second = ctx.fresh_dates(), ctx.fresh_dates(timedelta(hours=2))
    sent = ctx.send_all([import_write(course, user, *first), import_write(course, user, *second)])
    for exchange in sent:
        expect_accepted(exchange)
    rows, exchanges, lag = ctx.wait_for(
        lambda: ctx.pair_rows(course, user), lambda found: any(shows_dates(r, *second) for r in found)
    )
    if lag is None:
        kept_old = any(shows_dates(r, *first) for r in rows)
        observed = (
            "the row kept the first import's dates" if kept_old else dates_of(rows[0] if rows else None)
        )
        raise CheckFailed(f"the row to show the second import {second}", observed, sent + exchanges)
    course_rows, course_exchanges = ctx.course_rows(course)
    in_course = [r for r in course_rows if r.get("userId") == user]
    if len(rows) != 1 or len(in_course) != 1:
        raise CheckFailed(
            "exactly one row for the pair in each report",
            f"{len(rows)} in the learner report, {len(in_course)} in the course report",
            sent + exchanges + course_exchanges,
        )
    return f"({course}, {user}) imported twice: one row, with the second dates"


@check(Part.SEMANTIC, "report.duration")
def duration_is_completed_minus_started(ctx: CheckContext) -> str:
    """The report's duration equals completedAt - startedAt."""
    course, user = ctx.profile.third_party, _user(ctx)
    length = timedelta(days=2, hours=3, minutes=30)
    started, completed = ctx.fresh_dates(length)
    row = _import_and_wait(ctx, course, user, started, completed)
    reported = row.get("duration")
    if parse_duration(reported) != length:
        raise CheckFailed(
            f"duration P2DT3H30M ({length})", f"duration {reported!r}", ctx.client.exchanges[-2:]
        )
    return f"({course}, {user}): duration {reported} for {started} .. {completed}"


@check(Part.SEMANTIC, "import.quiz-score", "report.quiz-passed")
def quiz_course_scores_100(ctx: CheckContext) -> str:
    """An import into a Rise course that requires a quiz scores 100 and passes the quiz."""
    course, user = ctx.profile.quiz, _user(ctx)
    row = _import_and_wait(ctx, course, user, *ctx.fresh_dates())
    score, passed = row.get("quizScorePercent"), row.get("isQuizPassed")
    if score != 100 or passed is not True:
        raise CheckFailed(
            "quizScorePercent 100 and isQuizPassed true",
            f"quizScorePercent {score!r}, isQuizPassed {passed!r}",
            ctx.client.exchanges[-2:],
        )
    return f"({course}, {user}): quizScorePercent {score}, isQuizPassed {passed}"


@check(Part.SEMANTIC, "import.no-third-party-score", "report.quiz-null-otherwise")
def no_quiz_score_without_rise_quiz(ctx: CheckContext) -> str:
    """Imports into third-party and quiz-less courses carry no quiz score."""
    pairs = [(ctx.profile.third_party, _user(ctx)), (ctx.profile.no_quiz, _user(ctx))]
    dates = [ctx.fresh_dates() for _ in pairs]
    sent = ctx.send_all([import_write(c, u, *d) for (c, u), d in zip(pairs, dates, strict=True)])
    for exchange, (course, user), (started, completed) in zip(sent, pairs, dates, strict=True):
        expect_accepted(exchange)
        row = _wait_for_dates(ctx, course, user, started, completed, [exchange])
        score, passed = row.get("quizScorePercent"), row.get("isQuizPassed")
        if score is not None or passed is not None:
            raise CheckFailed(
                f"no quiz score for {course} (quizScorePercent and isQuizPassed null)",
                f"quizScorePercent {score!r}, isQuizPassed {passed!r}",
                [exchange, *ctx.client.exchanges[-1:]],
            )
    return f"{' and '.join(f'({c}, {u})' for c, u in pairs)}: quizScorePercent and isQuizPassed null"


@check(Part.SEMANTIC, "import.enrolls")
def enrollment_created_when_none(ctx: CheckContext) -> str:
    """Importing for a user not enrolled in the course enrolls them (the reports show an enrollment date)."""
    pair = _find_pair(ctx, enrolled=False)
    if pair is None:
        raise Skip(
            "no unenrolled user left: every profile user is enrolled in every published profile course"
        )
    course, user = pair
    row = _import_and_wait(ctx, course, user, *ctx.fresh_dates())
    if parse_instant(row.get("enrolledAt")) is None:
        raise CheckFailed(
            "an enrollment date (enrolledAt) for the new enrollment",
            f"enrolledAt {row.get('enrolledAt')!r}",
            ctx.client.exchanges[-2:],
        )
    return f"({course}, {user}) was not enrolled; after the import enrolledAt is {row['enrolledAt']}"


@check(Part.SEMANTIC, "import.keeps-enrollment")
def enrollment_keeps_enrolled_at(ctx: CheckContext) -> str:
    """Importing for a user already enrolled keeps the enrollment and its date."""
    pair = _find_pair(ctx, enrolled=True)
    if pair is None:
        raise Skip("no enrolled pair: no profile user is enrolled in a published profile course")
    course, user = pair
    before, _ = ctx.pair_rows(course, user)
    enrolled_at = before[0].get("enrolledAt")
    row = _import_and_wait(ctx, course, user, *ctx.fresh_dates())
    if not same_instant(row.get("enrolledAt"), enrolled_at):
        raise CheckFailed(
            f"enrolledAt to stay {enrolled_at}",
            f"enrolledAt {row.get('enrolledAt')!r}",
            ctx.client.exchanges[-3:],
        )
    return f"({course}, {user}) enrolled at {enrolled_at}; after the import still {row.get('enrolledAt')}"


def _find_pair(ctx: CheckContext, *, enrolled: bool) -> Pair | None:
    """A profile pair (published course) that is, or is not, enrolled; a pair this run enrolled only
    once its enrollment is old enough for a second-resolution clock to tell a rewrite."""
    users = list(ctx.profile.users)
    ctx.rng.shuffle(users)
    for user in users:
        rows, _ = ctx.learner_rows(user)
        dated = {r.get("courseId") for r in rows if parse_instant(r.get("enrolledAt")) is not None}
        listed = {r.get("courseId") for r in rows}
        for course in ctx.profile.published_courses:
            if not enrolled and course not in listed:
                return course, user
            if enrolled and course in dated:
                _let_enrollment_age(ctx, (course, user))
                return course, user
    return None


def _let_enrollment_age(ctx: CheckContext, pair: Pair) -> None:
    made = ctx.enrolled_by_run.get(pair)
    if made is not None:
        time.sleep(max(0.0, made + FRESH_ENROLLMENT_SECONDS - time.monotonic()))


@check(Part.SEMANTIC, "errors.course-not-found", "errors.not-found-status")
def unknown_course_is_course_not_found(ctx: CheckContext) -> str:
    """An import into a course that does not exist is course_not_found (ASCII and non-ASCII IDs alike)."""
    user = _user(ctx)
    courses = [_missing_id(ctx, "conformance-missing"), _missing_id(ctx, "kurs-ünïcødé-фыва")]
    sent = ctx.send_all([import_write(course, user, *ctx.fresh_dates()) for course in courses])
    for exchange in sent:
        expect_error(
            exchange,
            "course_not_found",
            rule="errors.course-not-found",
            status_rule="errors.not-found-status",
        )
    return f"{', '.join(courses)}: HTTP {sent[0].status} course_not_found"


@check(Part.SEMANTIC, "errors.user-not-found", "errors.not-found-status")
def unknown_user_is_user_not_found(ctx: CheckContext) -> str:
    """An import for a user who does not exist, into a published course, is user_not_found."""
    course, user = ctx.profile.no_quiz, _missing_id(ctx, "conformance-missing-user")
    [sent] = ctx.send_all([import_write(course, user, *ctx.fresh_dates())])
    expect_error(sent, "user_not_found", rule="errors.user-not-found", status_rule="errors.not-found-status")
    return f"({course}, {user}): HTTP {sent.status} user_not_found"


@check(
    Part.SEMANTIC, "errors.course-not-published", "errors.not-published-status", "import.published-version"
)
def unpublished_course_is_course_not_published(ctx: CheckContext) -> str:
    """An import into a course that was never published is course_not_published and records nothing."""
    course = ctx.profile.unpublished
    if course is None:
        raise Skip("the profile names no unpublished course (courses.unpublished)")
    user = _user(ctx)
    before, _ = ctx.pair_rows(course, user)
    [sent] = ctx.send_all([import_write(course, user, *ctx.fresh_dates())])
    expect_error(
        sent,
        "course_not_published",
        rule="errors.course-not-published",
        status_rule="errors.not-published-status",
    )
    _expect_unchanged(ctx, course, user, before, [sent])
    return f"({course}, {user}): HTTP {sent.status} course_not_published, report unchanged"


@check(Part.SEMANTIC, "auth.bearer", "auth.unauthorized")
def missing_or_wrong_key_is_unauthorized(ctx: CheckContext) -> str:
    """An import without a key or with a wrong key is 401 unauthorized and changes nothing."""
    course, user = ctx.profile.no_quiz, _user(ctx)
    before, _ = ctx.pair_rows(course, user)
    writes = [import_write(course, user, *ctx.fresh_dates(), token=token) for token in (None, WRONG_KEY)]
    sent = ctx.send_all(writes)
    for exchange in sent:
        expect_error(exchange, "unauthorized", rule="auth.unauthorized", accepted_rule="auth.bearer")
    _expect_unchanged(ctx, course, user, before, sent)
    return f"({course}, {user}): no key and a wrong key both HTTP {sent[0].status} unauthorized, no change"


@check(
    Part.SEMANTIC,
    "import.fields-required",
    "dates.forms",
    "import.dates-ordered",
    "import.unknown-fields-rejected",
    "validation.invalid-request",
)
def invalid_body_is_rejected(ctx: CheckContext) -> str:
    """An import whose body breaks the contract is 400 invalid_request and changes nothing."""
    course, user = ctx.profile.no_quiz, _user(ctx)
    started, completed = ctx.fresh_dates()
    path = completions_path(course, user)
    bodies = {
        "no startedAt": {"completedAt": completed},
        "no completedAt": {"startedAt": started},
        "startedAt not a date": {"startedAt": "last tuesday", "completedAt": completed},
        "completedAt before startedAt": {"startedAt": completed, "completedAt": started},
        "an unknown field": {"startedAt": started, "completedAt": completed, "score": 50},
    }
    before, _ = ctx.pair_rows(course, user)
    sent = ctx.send_all([Write("POST", path, body) for body in bodies.values()])
    for exchange in sent:
        expect_error(exchange, "invalid_request", rule="validation.invalid-request")
    _expect_unchanged(ctx, course, user, before, sent)
    return f"({course}, {user}): {', '.join(bodies)}: each HTTP 400 invalid_request, report unchanged"


@check(Part.SEMANTIC, "import.stays-in-pair")
def writes_stay_in_their_pair(ctx: CheckContext) -> str:
    """An import changes its own pair's row and no other profile user's report row."""
    course, user = ctx.profile.no_quiz, _user(ctx)
    before = _all_rows(ctx)
    started, completed = ctx.fresh_dates()
    _import_and_wait(ctx, course, user, started, completed)
    after = _all_rows(ctx)
    changed = sorted(
        f"{pair[0]}/{pair[1]}"
        for pair in set(before) | set(after)
        if pair != (course, user) and before.get(pair) != after.get(pair)
    )
    if changed:
        raise CheckFailed(
            f"only ({course}, {user}) to change", f"rows changed for {changed}", ctx.client.exchanges[-4:]
        )
    others = len(set(before) - {(course, user)})
    return f"({course}, {user}) imported; the other {others} rows unchanged"


def _all_rows(ctx: CheckContext) -> dict[Pair, tuple[Any, ...]]:
    found: dict[Pair, tuple[Any, ...]] = {}
    for user in ctx.profile.users:
        rows, _ = ctx.learner_rows(user)
        found.update({(str(r.get("courseId")), user): _comparable(r) for r in rows})
    return found


SEMANTIC_CHECKS: tuple[Check, ...] = (
    enrollment_created_when_none,
    import_shows_in_reports,
    upsert_keeps_one_record,
    duration_is_completed_minus_started,
    quiz_course_scores_100,
    no_quiz_score_without_rise_quiz,
    enrollment_keeps_enrolled_at,
    unknown_course_is_course_not_found,
    unknown_user_is_user_not_found,
    unpublished_course_is_course_not_published,
    missing_or_wrong_key_is_unauthorized,
    invalid_body_is_rejected,
    writes_stay_in_their_pair,
)
"""In run order: the enrollment check first, while the target still has unenrolled pairs."""
