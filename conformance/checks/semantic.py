"""The semantic checks: one documented rule each, observed only through the Rise API (never /__mock/).

Each check is batched (see `engine/batch.py`): it claims the pairs it needs and reads, yields `Send(...)`
with its writes and gets their answers, yields an `Await` and gets the reports once they have caught up,
and returns its evidence, or raises `CheckFailed` naming the rule broken, or `Skip` when the target leaves
no safe way to test it. Each writes only to profile pairs (or to IDs that must not exist) and never
assumes a reset state: the planner picks pairs that fit the rule from the reports read before the run.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from datetime import timedelta
from email.utils import parsedate_to_datetime
from typing import Any

from conformance.checks.dates import parse_any_duration, parse_duration, parse_instant
from conformance.checks.expect import (
    dates_of,
    error_failures,
    expect_accepted,
    expect_error,
    raise_worst,
    same_instant,
)
from conformance.checks.rows import (
    COMPLETE,
    OUTCOME_FIELDS,
    Row,
    lacks_completed_at,
    quiz_problems,
    shows_import,
)
from conformance.engine.batch import Steps
from conformance.engine.client import Exchange
from conformance.engine.context import (
    WRONG_KEY,
    Await,
    CheckContext,
    Seen,
    Send,
    SentWrite,
    Snapshot,
    Write,
    comparable,
    completions_path,
)
from conformance.engine.pairs import Pair, PairsExhausted
from conformance.engine.results import Check, CheckFailed, CourseKind, Part, Skip, check

ENROLLMENT_CLOCK_TOLERANCE = timedelta(minutes=2)
"""How far an import-made enrollment date may be from the import's own `Date` header."""


def _body(ctx: CheckContext, length: timedelta = timedelta(hours=1, minutes=30)) -> dict[str, str]:
    started, completed = ctx.fresh_dates(length)
    return {"startedAt": started, "completedAt": completed}


def _import(course: str, user: str, body: Any, **extra: Any) -> Write:
    return Write("POST", completions_path(course, user), body, **extra)


def _an_import(
    ctx: CheckContext, name: str, fits: Callable[[Pair], bool], claim: Callable[[], Pair | None]
) -> Generator[Send, list[Exchange], tuple[Pair, list[Exchange]] | None]:
    """A pair with an accepted import of this round to judge: another check's, when one fits (this check
    then only reads), else one of its own into the pair `claim` gives (None when it gives none)."""
    # Under --dry-run every check lists writes of its own: there is no other check's import to read.
    pair = None if ctx.dry_run else ctx.planner.observe(name, fits)
    if pair is not None:
        return pair, []
    pair = claim()
    if pair is None:
        return None
    sent = yield Send(_import(*pair, _body(ctx)))
    expect_accepted(sent[0])
    return pair, sent


def _evidence(ctx: CheckContext, pair: Pair, sent: list[Exchange]) -> list[Exchange]:
    """This check's writes, or when it read another check's import, that import's exchange."""
    last = ctx.last_import(pair)
    return sent or ([last.exchange] if last else [])


def _imported_body(ctx: CheckContext, pair: Pair) -> dict[str, Any]:
    """The body of the pair's last accepted import (this check's or the one it reads)."""
    last = ctx.last_import(pair)
    if last is None:
        raise Skip(f"the import into {pair} this check reads was refused (another check reports it)")
    return last.write.body


def _user(ctx: CheckContext) -> str:
    return ctx.rng.choice(ctx.profile.users)


def _expect_shown(ctx: CheckContext, seen: Seen, pair: Pair, body: Any, sent: list[Exchange]) -> Row:
    """The pair's learner row shows the import, or the check fails naming --report-timeout."""
    course, user = pair
    row = next((r for r in seen.pair(course, user) if shows_import(r, body)), None)
    if row is None and lacks_completed_at(seen.row(course, user), body):
        raise CheckFailed(
            f"the row of ({course}, {user}) to carry completedAt {body['completedAt']}",
            dates_of(seen.row(course, user)),
            sent + seen.snapshot.evidence(user),
            rule="report.completed-at",
        )
    if row is None:
        raise CheckFailed(
            f"the learner report to show ({course}, {user}) with startedAt={body['startedAt']}, "
            f"completedAt={body['completedAt']} within --report-timeout {ctx.report_timeout:g} s",
            dates_of(seen.row(course, user)),
            sent + seen.snapshot.evidence(user),
            rule="import.shows-in-reports",
        )
    return row


def _expect_in_course_report(
    ctx: CheckContext, seen: Seen, pair: Pair, body: Any, sent: list[Exchange]
) -> None:
    course, user = pair
    if not any(shows_import(r, body) for r in seen.snapshot.in_course(course, user)):
        rows = seen.snapshot.in_course(course, user)
        raise CheckFailed(
            f"the course report of {course} to show {user} with the import",
            dates_of(rows[0] if rows else None),
            sent + seen.snapshot.evidence(course),
            rule="import.shows-in-reports",
        )


def _shown_in_both(
    ctx: CheckContext,
    pair: Pair,
    sent: list[Exchange],
    written_of: Callable[[Pair], SentWrite | None],
) -> Generator[Await, Seen, tuple[Seen, Row, list[Exchange], SentWrite | None]]:
    """Wait until the pair's last accepted import shows; its learner row, which must show it, as must the
    course report. `sent` is the evidence, else the exchange of the import `written_of` names (read once
    the reports have been polled, when every write has gone out)."""
    seen = yield ctx.shows_last(pair, course_report=True)
    body = _imported_body(ctx, pair)
    written = written_of(pair)
    sent = sent or ([written.exchange] if written else [])
    row = _expect_shown(ctx, seen, pair, body, sent)
    _expect_in_course_report(ctx, seen, pair, body, sent)
    return seen, row, sent, written


def _expect_unchanged(
    ctx: CheckContext, seen: Seen, pair: Pair, own: list[tuple[Write, str]], sent: list[Exchange], rule: str
) -> None:
    """After rejected writes, the pair's report row is what it was before the run; a change that shows the
    dates of another check's write is that check's to judge. `own` pairs each write with the rule it
    breaks if it was applied."""
    course, user = pair
    before, after = ctx.before.pair(course, user), seen.pair(course, user)
    if [comparable(r, OUTCOME_FIELDS) for r in before] == [comparable(r, OUTCOME_FIELDS) for r in after]:
        return
    row = after[0] if after else None
    applied = next(((w, r) for w, r in own if row is not None and _shows_any_date(row, w.body)), None)
    if applied is None and row is not None and _shown_by_other_write(ctx, row, [w for w, _ in own]):
        return
    raise CheckFailed(
        f"no change to the report row of ({course}, {user}) once the sentinel import showed"
        + (f" (rejected: {applied[0].describe()})" if applied else ""),
        f"{dates_of(before[0] if before else None)} became {dates_of(row)}",
        sent + seen.snapshot.evidence(user),
        rule=applied[1] if applied else rule,
    )


def _shows_any_date(row: Row, body: Any) -> bool:
    if not isinstance(body, dict):
        return False
    return any(
        isinstance(body.get(key), str) and same_instant(row.get(key), body[key])
        for key in ("startedAt", "completedAt")
    )


def _shown_by_other_write(ctx: CheckContext, row: Row, own: list[Write]) -> bool:
    others = [sent.write for sent in ctx.sent if sent.write not in own]
    return any(shows_import(row, write.body) for write in others)


# -- the rules -----------------------------------------------------------------------------------------


@check(Part.SEMANTIC, "import.enrolls", "import.enrollment-dated")
def enrollment_created_when_none(ctx: CheckContext) -> Steps:
    """Importing for a user not enrolled in the course enrolls them (the reports show an enrollment date)."""
    name = "enrollment_created_when_none"
    planner = ctx.planner
    found = yield from _an_import(
        ctx, name, lambda p: not planner.was_enrolled(p), lambda: planner.claim_unenrolled(name)
    )
    if found is None:
        raise Skip(
            "no unenrolled user left: every profile user is enrolled in every published profile course; "
            "list users nobody has enrolled yet under spare_users in the profile to test this rule again",
            short="no unenrolled pair left",
        )
    pair, sent = found
    course, user = pair
    seen, row, sent, _ = yield from _shown_in_both(ctx, pair, sent, ctx.first_import)
    enrolled = parse_instant(row.get("enrolledAt"))
    if enrolled is None:
        raise CheckFailed(
            "an enrollment date (enrolledAt) for the new enrollment",
            f"enrolledAt {row.get('enrolledAt')!r}",
            [*sent, *seen.snapshot.evidence(user)],
            rule="report.enrolled-at",
        )
    answered = _date_header(sent[0]) if sent else None
    if (
        answered is not None
        and abs(enrolled - answered.astimezone(enrolled.tzinfo)) > ENROLLMENT_CLOCK_TOLERANCE
    ):
        raise CheckFailed(
            f"enrolledAt at the import (its answer is dated {answered.isoformat()})",
            f"enrolledAt {row['enrolledAt']}",
            [*sent, *seen.snapshot.evidence(user)],
            rule="import.enrollment-dated",
        )
    spare = ctx.planner.spare_runs_left()
    left = f"; spare users leave {spare} more run(s) of this check" if ctx.profile.spare_users else ""
    return f"({course}, {user}) was not enrolled; after the import enrolledAt is {row['enrolledAt']}{left}"


def _quiz_of(row: Row) -> str:
    return f"quizScorePercent {row.get('quizScorePercent')!r}, isQuizPassed {row.get('isQuizPassed')!r}"


def _date_header(exchange: Exchange) -> Any:
    text = exchange.response_headers.get("date")
    try:
        return parsedate_to_datetime(text) if text else None
    except (TypeError, ValueError):
        return None


@check(
    Part.SEMANTIC, "import.accepted", "import.shows-in-reports", "import.row-complete", "report.completed-at"
)
def import_shows_in_reports(ctx: CheckContext) -> Steps:
    """An accepted import shows in the learner and the course report (polled up to --report-timeout)."""
    name = "import_shows_in_reports"
    found = yield from _an_import(
        ctx, name, lambda p: True, lambda: ctx.planner.claim(name, ctx.profile.no_quiz)
    )
    assert found is not None  # claim() gives a pair or raises
    pair, sent = found
    course, user = pair
    seen, row, sent, written = yield from _shown_in_both(ctx, pair, sent, ctx.last_import)
    lag = seen.at - written.at if written else 0.0
    if row.get("status") != COMPLETE:
        raise CheckFailed(
            f"status {COMPLETE!r} for the imported pair",
            f"status {row.get('status')!r}",
            sent,
            rule="import.row-complete",
        )
    ctx.report_lags.append(lag)
    return f"({course}, {user}) shown after {lag:.2f} s (learner report), {lag:.2f} s (course report)"


@check(Part.SEMANTIC, "import.one-record-per-pair")
def upsert_keeps_one_record(ctx: CheckContext) -> Steps:
    """A second import of a pair replaces the dates of the first and never adds a second record."""
    pair = ctx.planner.claim("upsert_keeps_one_record")
    course, user = pair
    first, second = _body(ctx), _body(ctx, timedelta(hours=2))
    sent = yield Send(_import(course, user, first), _import(course, user, second))
    for exchange in sent:
        expect_accepted(exchange)
    seen = yield ctx.shows(course, user, second, course_report=True)
    rows, in_course = seen.pair(course, user), seen.snapshot.in_course(course, user)
    if not seen.caught_up:
        kept_old = any(shows_import(r, first) for r in rows)
        raise CheckFailed(
            f"the row to show the second import {second}",
            "the row kept the first import's dates" if kept_old else dates_of(rows[0] if rows else None),
            sent + seen.snapshot.evidence(user, course),
            rule="import.one-record-per-pair" if kept_old else "import.shows-in-reports",
        )
    if len(rows) != 1 or len(in_course) != 1:
        raise CheckFailed(
            "exactly one row for the pair in each report",
            f"{len(rows)} in the learner report, {len(in_course)} in the course report",
            sent + seen.snapshot.evidence(user, course),
        )
    return f"({course}, {user}) imported twice: one row, with the second dates"


@check(Part.SEMANTIC, "report.duration", "report.duration-form")
def duration_is_completed_minus_started(ctx: CheckContext) -> Steps:
    """The report's duration equals completedAt - startedAt."""
    pair = ctx.planner.claim("duration_is_completed_minus_started", ctx.profile.third_party)
    course, user = pair
    length = timedelta(days=2, hours=3, minutes=30)
    body = _body(ctx, length)
    [sent] = yield Send(_import(course, user, body))
    expect_accepted(sent)
    seen = yield ctx.shows(course, user, body)
    row = _expect_shown(ctx, seen, pair, body, [sent])
    reported = row.get("duration")
    if parse_duration(reported) != length:
        rule = "report.duration-form" if parse_any_duration(reported) == length else "report.duration"
        raise CheckFailed(
            f"duration P2DT3H30M ({length})",
            f"duration {reported!r}",
            [sent, *seen.snapshot.evidence(user)],
            rule=rule,
        )
    return f"({course}, {user}): duration {reported} for {body['startedAt']} .. {body['completedAt']}"


@check(Part.SEMANTIC, "import.quiz-score", "report.quiz-passed")
def quiz_course_scores_100(ctx: CheckContext) -> Steps:
    """An import into a Rise course that requires a quiz scores 100 and passes the quiz."""
    name, quiz = "quiz_course_scores_100", ctx.profile.quiz
    found = yield from _an_import(ctx, name, lambda p: p[0] == quiz, lambda: ctx.planner.claim(name, quiz))
    assert found is not None
    pair, sent = found
    course, user = pair
    seen = yield ctx.shows_last(pair)
    body = _imported_body(ctx, pair)
    sent = _evidence(ctx, pair, sent)
    row = _expect_shown(ctx, seen, pair, body, sent)
    problems = quiz_problems(row, CourseKind.QUIZ)
    if problems:
        raise CheckFailed(
            "quizScorePercent 100 and isQuizPassed true",
            _quiz_of(row),
            [*sent, *seen.snapshot.evidence(user)],
            rule=problems[0].rule,
        )
    return f"({course}, {user}): {_quiz_of(row)}"


@check(Part.SEMANTIC, "import.no-third-party-score", "report.quiz-null-otherwise")
def no_quiz_score_without_rise_quiz(ctx: CheckContext) -> Steps:
    """Imports into third-party and quiz-less courses carry no quiz score."""
    name = "no_quiz_score_without_rise_quiz"
    kinds = {CourseKind.THIRD_PARTY: ctx.profile.third_party, CourseKind.NO_QUIZ: ctx.profile.no_quiz}
    pairs: dict[CourseKind, Pair] = {}
    sent: dict[CourseKind, list[Exchange]] = {}
    for kind, course in kinds.items():
        found = yield from _an_import(
            ctx,
            name,
            lambda p, course=course: p[0] == course,
            lambda course=course: ctx.planner.claim(name, course),
        )
        assert found is not None
        pairs[kind], sent[kind] = found
    waits = [ctx.shows_last(pair) for pair in pairs.values()]
    seen = yield Await(
        lambda snapshot: all(w.ready(snapshot) for w in waits), frozenset(u for _, u in pairs.values())
    )
    problems = []
    for kind, pair in pairs.items():
        sent[kind] = _evidence(ctx, pair, sent[kind])
        row = _expect_shown(ctx, seen, pair, _imported_body(ctx, pair), sent[kind])
        for problem in quiz_problems(row, kind):
            problems.append(
                CheckFailed(
                    f"no quiz score for {pair[0]} (quizScorePercent and isQuizPassed null)",
                    _quiz_of(row),
                    [*sent[kind], *seen.snapshot.evidence(pair[1])],
                    rule=problem.rule,
                )
            )
    raise_worst(problems)
    return f"{' and '.join(f'({c}, {u})' for c, u in pairs.values())}: quizScorePercent and isQuizPassed null"


@check(Part.SEMANTIC, "import.keeps-enrollment")
def enrollment_keeps_enrolled_at(ctx: CheckContext) -> Steps:
    """Importing for a user already enrolled keeps the enrollment and its date."""
    name, planner = "enrollment_keeps_enrolled_at", ctx.planner
    dated = lambda p: planner.enrolled_at(p) is not None  # noqa: E731
    try:
        found = yield from _an_import(ctx, name, lambda p: False, lambda: planner.claim_enrolled(name))
    except PairsExhausted:
        # Every enrollment made before the run is held: read the import another check sends into one.
        observed = None if ctx.dry_run else planner.observe(name, dated)
        if observed is None:
            raise
        found = (observed, [])
    if found is None:
        raise Skip(
            "no enrolled pair: no profile user is enrolled in a published profile course",
            short="no enrolled pair",
        )
    pair, sent = found
    course, user = pair
    enrolled_at = planner.enrolled_at(pair)
    seen = yield ctx.shows_last(pair)
    body = _imported_body(ctx, pair)
    sent = _evidence(ctx, pair, sent)
    row = _expect_shown(ctx, seen, pair, body, sent)
    if not same_instant(row.get("enrolledAt"), str(enrolled_at)):
        raise CheckFailed(
            f"enrolledAt to stay {enrolled_at}",
            f"enrolledAt {row.get('enrolledAt')!r}",
            [*sent, *seen.snapshot.evidence(user)],
        )
    return f"({course}, {user}) enrolled at {enrolled_at}; after the import still {row.get('enrolledAt')}"


@check(Part.SEMANTIC, "errors.course-not-found", "errors.not-found-status")
def unknown_course_is_course_not_found(ctx: CheckContext) -> Steps:
    """An import into a course that does not exist is course_not_found (ASCII and non-ASCII IDs alike)."""
    user = _user(ctx)
    courses = [ctx.missing_id("conformance-missing"), ctx.missing_id("kurs-ünïcødé-фыва")]
    sent = yield Send(*(_import(course, user, _body(ctx)) for course in courses))
    raise_worst(
        error_failures(
            sent, "course_not_found", rule="errors.course-not-found", status_rule="errors.not-found-status"
        )
    )
    return f"{', '.join(courses)}: HTTP {sent[0].status} course_not_found"


@check(Part.SEMANTIC, "errors.user-not-found", "errors.not-found-status")
def unknown_user_is_user_not_found(ctx: CheckContext) -> Steps:
    """An import for a user who does not exist, into a published course, is user_not_found."""
    course, user = ctx.profile.no_quiz, ctx.missing_id("conformance-missing-user")
    [sent] = yield Send(_import(course, user, _body(ctx)))
    expect_error(sent, "user_not_found", rule="errors.user-not-found", status_rule="errors.not-found-status")
    return f"({course}, {user}): HTTP {sent.status} user_not_found"


@check(
    Part.SEMANTIC, "errors.course-not-published", "errors.not-published-status", "import.published-version"
)
def unpublished_course_is_course_not_published(ctx: CheckContext) -> Steps:
    """An import into a course that was never published is course_not_published and records nothing."""
    course = ctx.profile.unpublished
    if course is None:
        raise Skip(
            "the profile names no unpublished course (courses.unpublished)", short="no unpublished course"
        )
    pair = (course, _user(ctx))
    write = _import(*pair, _body(ctx))
    [sent] = yield Send(write)
    expect_error(
        sent,
        "course_not_published",
        rule="errors.course-not-published",
        status_rule="errors.not-published-status",
    )
    seen = yield ctx.settled(pair)
    _expect_unchanged(
        ctx, seen, pair, [(write, "import.published-version")], [sent], "import.published-version"
    )
    return f"{pair}: HTTP {sent.status} course_not_published, report unchanged"


@check(Part.SEMANTIC, "auth.bearer", "auth.unauthorized")
def missing_or_wrong_key_is_unauthorized(ctx: CheckContext) -> Steps:
    """An import without a key or with a wrong key is 401 unauthorized and changes nothing."""
    pair = ctx.planner.claim_untouched("missing_or_wrong_key_is_unauthorized")
    writes = [_import(*pair, _body(ctx), token=token) for token in (None, WRONG_KEY)]
    sent = yield Send(*writes)
    raise_worst(error_failures(sent, "unauthorized", rule="auth.unauthorized", accepted_rule="auth.bearer"))
    seen = yield ctx.settled(pair)
    _expect_unchanged(ctx, seen, pair, [(w, "auth.bearer") for w in writes], sent, "auth.bearer")
    return f"{pair}: no key and a wrong key both HTTP {sent[0].status} unauthorized, no change"


_INVALID_BODIES: dict[str, tuple[str, str]] = {
    "no startedAt": ("validation.invalid-request", "import.fields-required"),
    "no completedAt": ("validation.invalid-request", "import.fields-required"),
    "startedAt not a date": ("validation.invalid-request", "dates.forms"),
    "completedAt before startedAt": ("import.dates-ordered", "import.dates-ordered"),
    "an unknown field": ("validation.invalid-request", "import.unknown-fields-rejected"),
}
"""Each body the contract refuses, with the rule a refusal of another kind breaks and the rule an
acceptance breaks."""


@check(
    Part.SEMANTIC,
    "import.fields-required",
    "dates.forms",
    "import.dates-ordered",
    "import.unknown-fields-rejected",
    "validation.invalid-request",
)
def invalid_body_is_rejected(ctx: CheckContext) -> Steps:
    """An import whose body breaks the contract is 400 invalid_request and changes nothing."""
    pair = ctx.planner.claim_untouched("invalid_body_is_rejected")
    started, completed = ctx.fresh_dates()
    bodies = {
        "no startedAt": {"completedAt": completed},
        "no completedAt": {"startedAt": started},
        "startedAt not a date": {"startedAt": "last tuesday", "completedAt": completed},
        "completedAt before startedAt": {"startedAt": completed, "completedAt": started},
        "an unknown field": {"startedAt": started, "completedAt": completed, "score": 50},
    }
    writes = {name: Write("POST", completions_path(*pair), body) for name, body in bodies.items()}
    sent = yield Send(*writes.values())
    found = []
    for name, exchange in zip(writes, sent, strict=True):
        rule, accepted_rule = _INVALID_BODIES[name]
        try:
            expect_error(exchange, "invalid_request", rule=rule, accepted_rule=accepted_rule)
        except CheckFailed as failure:
            found.append(failure)
    raise_worst(found)
    seen = yield ctx.settled(pair)
    own = [(writes[name], _INVALID_BODIES[name][1]) for name in writes]
    _expect_unchanged(ctx, seen, pair, own, list(sent), "validation.invalid-request")
    return f"{pair}: {', '.join(bodies)}: each HTTP 400 invalid_request, report unchanged"


@check(Part.SEMANTIC, "import.stays-in-pair")
def writes_stay_in_their_pair(ctx: CheckContext) -> Steps:
    """An import changes its own pair's row and no other profile user's report row."""
    name = "writes_stay_in_their_pair"
    found = yield from _an_import(ctx, name, lambda p: True, lambda: ctx.planner.claim(name))
    assert found is not None
    pair, sent = found
    course, user = pair
    users = frozenset(ctx.profile.all_users)
    own = ctx.shows_last(pair)
    seen = yield Await(own.ready, users, sentinel=True)
    sent = _evidence(ctx, pair, sent)
    _expect_shown(ctx, seen, pair, _imported_body(ctx, pair), sent)
    named = ctx.written_pairs()
    changed = sorted(f"{c}/{u}" for c, u in _changed_pairs(ctx.before, seen.snapshot) if (c, u) not in named)
    leaked = sorted(f"{c}/{u}" for c, u in _leaked_into(ctx, seen.snapshot))
    if changed or leaked:
        observed = []
        if changed:
            observed.append(f"rows changed for {changed}, which no write of this run named")
        if leaked:
            observed.append(f"rows of {leaked} show the dates of an import sent to another pair")
        raise CheckFailed(
            f"only the pairs this run wrote to (({course}, {user}) among them) to change, each by its writes",
            "; ".join(observed),
            [*sent, *seen.snapshot.evidence(*sorted(users))][-4:],
        )
    others = len((_pairs(ctx.before) | _pairs(seen.snapshot)) - named)
    return f"({course}, {user}) imported; the other {others} rows no write of the run named are unchanged"


def _leaked_into(ctx: CheckContext, snapshot: Snapshot) -> list[Pair]:
    """Pairs whose row changed in this run to the dates of an accepted import sent to a different pair
    (and not to the pair's own last import: an earlier run may have sent the same dates to it)."""
    accepted = [sent.write for sent in ctx.sent if sent.accepted and sent.write.pair]
    last_own = {write.pair: write.body for write in accepted}
    changed = set(_changed_pairs(ctx.before, snapshot))
    leaked = []
    for user, rows in snapshot.learners.items():
        for row in rows:
            pair = (str(row.get("courseId")), user)
            if pair not in changed or shows_import(row, last_own.get(pair)):
                continue
            if any(write.pair != pair and shows_import(row, write.body) for write in accepted):
                leaked.append(pair)
    return leaked


def _pairs(snapshot: Snapshot) -> set[Pair]:
    return {(str(row.get("courseId")), user) for user, rows in snapshot.learners.items() for row in rows}


def _changed_pairs(before: Snapshot, after: Snapshot) -> list[Pair]:
    changed = []
    for pair in _pairs(before) | _pairs(after):
        if pair[1] not in after.learners:
            continue
        old = [comparable(r, OUTCOME_FIELDS) for r in before.pair(*pair)]
        new = [comparable(r, OUTCOME_FIELDS) for r in after.pair(*pair)]
        if old != new:
            changed.append(pair)
    return changed


SEMANTIC_CHECKS: tuple[Check, ...] = (
    enrollment_created_when_none,
    enrollment_keeps_enrolled_at,
    import_shows_in_reports,
    upsert_keeps_one_record,
    duration_is_completed_minus_started,
    quiz_course_scores_100,
    no_quiz_score_without_rise_quiz,
    unknown_course_is_course_not_found,
    unknown_user_is_user_not_found,
    unpublished_course_is_course_not_published,
    missing_or_wrong_key_is_unauthorized,
    invalid_body_is_rejected,
    writes_stay_in_their_pair,
)
"""In run order: the enrollment checks first, so that they claim the pairs they need (unenrolled, and
enrolled before the run) before any other check takes them."""
