"""What the reports list and what a row says: only enrolled pairs, the same row in both reports, a
status from the contract's literals, the enrollment date, and an imported pair's row Complete."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from conformance.checks.dates import parse_duration, parse_instant
from conformance.checks.expect import expect_accepted, shown_in_both, shows_dates
from conformance.checks.pairs import (
    dated_near,
    differences,
    now,
    poll,
)
from conformance.checks.promises import RuleBroken, promise
from conformance.engine.batch import Steps
from conformance.engine.client import Exchange
from conformance.engine.context import Await, CheckContext, Row, Send, import_write
from conformance.engine.results import Skip
from mock_server.model.contract import load_contract

STATUSES = tuple(load_contract()["components"]["schemas"]["ReportRow"]["properties"]["status"]["enum"])
COMPLETION_FIELDS = ("startedAt", "completedAt", "duration", "quizScorePercent", "isQuizPassed")


@promise("import.enrolls", "import.enrollment-dated", "import.row-complete", "report.same-row")
def import_enrolls_at_the_import(ctx: CheckContext) -> Steps:
    """An import for a pair nobody enrolled lists it in both reports, Complete, enrolled at the import.

    The row shows the imported dates and is the same in both reports.
    """
    pair = ctx.planner.claim_unenrolled("import_enrolls_at_the_import")
    if pair is None:
        raise Skip(
            "no unenrolled pair left: every profile user is enrolled in every published profile course",
            short="no unenrolled pair left",
        )
    course, user = pair
    started, completed = ctx.fresh_dates()
    before = now()
    [sent] = yield Send(import_write(course, user, started, completed))
    after = now()
    expect_accepted(sent)
    seen = yield Await(
        shown_in_both(course, user, started, completed),
        frozenset({user}),
        frozenset({course}),
    )
    mine, theirs = seen.row(course, user), next(iter(seen.snapshot.in_course(course, user)), None)
    exchanges = [sent, *seen.snapshot.evidence(user, course)]
    if not seen.caught_up or mine is None or theirs is None:
        missing = "the learner report" if not shows_dates(mine, started, completed) else "the course report"
        raise RuleBroken(
            "import.enrolls",
            f"both reports to list ({course}, {user}) with {started} .. {completed} within "
            f"--report-timeout {ctx.report_timeout:g} s",
            f"{missing} did not",
            exchanges,
        )
    for row in (mine, theirs):
        if row.get("status") != "Complete":
            raise RuleBroken(
                "import.row-complete", "status Complete", f"status {row.get('status')!r}", exchanges
            )
        if not dated_near(row.get("enrolledAt"), before, after):
            raise RuleBroken(
                "import.enrollment-dated",
                f"enrolledAt at the import ({before:%Y-%m-%dT%H:%M:%SZ})",
                f"enrolledAt {row.get('enrolledAt')!r}",
                exchanges,
            )
    changed = differences(mine, theirs)
    if changed:
        raise RuleBroken(
            "report.same-row", "the same row in both reports", f"they differ in {changed}", exchanges
        )
    return f"({course}, {user}) imported: Complete, enrolledAt {mine.get('enrolledAt')}, in both reports"


@promise(
    "reports.course",
    "reports.learner",
    "report.membership",
    "report.same-row",
    "report.enrolled-at",
    "report.status-literals",
    "report.completed-at",
    "report.duration",
    "report.quiz-null-otherwise",
)
def report_rows_agree(ctx: CheckContext) -> str:
    """Both reports list the same enrolled pairs, once each, with the same row and fitting fields.

    The learner reports of the profile users and the course reports of the profile courses: each lists
    a pair once and only its own, a pair in one is in the other with the same row, and each row has an
    enrollment date, a status literal and completion fields that fit its status. (Read again until they
    agree or --report-timeout passes: one report may show a write before the other.)
    """
    reports, exchanges, _ = poll(
        ctx, lambda: _all_reports(ctx), lambda found: _problem(ctx, found, []) is None
    )
    problem = _problem(ctx, reports, exchanges)
    if problem is not None:
        raise problem
    rows = [row for found in (*reports[0].values(), *reports[1].values()) for row in found]
    statuses = Counter(str(row.get("status")) for row in rows)
    return f"{len(rows)} rows in {len(reports[0]) + len(reports[1])} reports agree; statuses {dict(statuses)}"


Reports = tuple[dict[str, list[Row]], dict[str, list[Row]]]


def _all_reports(ctx: CheckContext) -> tuple[Reports, list[Exchange]]:
    """The profile users' learner reports and the profile courses' course reports, by ID."""
    exchanges: list[Exchange] = []
    learner: dict[str, list[Row]] = {}
    course: dict[str, list[Row]] = {}
    for user in ctx.profile.users:
        learner[user], found = ctx.learner_rows(user)
        exchanges += found
    for course_id in ctx.profile.courses:
        course[course_id], found = ctx.course_rows(course_id)
        exchanges += found
    return (learner, course), exchanges


def _problem(ctx: CheckContext, reports: Reports, exchanges: list[Exchange]) -> RuleBroken | None:
    """The first way the reports disagree with each other or with the contract, or None."""
    learner, course = reports
    for problem in _membership(ctx, learner, course):
        return RuleBroken(
            "report.membership", "each report to list a pair once, and only its own pairs", problem, exchanges
        )
    for user in ctx.profile.users:
        mine = {str(r.get("courseId")): r for r in learner[user]}
        for course_id in ctx.profile.courses:
            theirs = {str(r.get("userId")): r for r in course[course_id]}
            a, b = mine.get(course_id), theirs.get(user)
            if (a is None) != (b is None):
                where = "learner" if a is not None else "course"
                return RuleBroken(
                    "report.membership",
                    f"({course_id}, {user}) in both reports or in neither",
                    f"only the {where} report lists it",
                    exchanges,
                )
            if a is not None and b is not None and differences(a, b):
                return RuleBroken(
                    "report.same-row",
                    f"the same row for ({course_id}, {user}) in both reports",
                    f"they differ in {differences(a, b)}: {_fields(a, b, differences(a, b))}",
                    exchanges,
                )
    rows = [row for found in (*learner.values(), *course.values()) for row in found]
    profile_pairs = {(c, u) for c in ctx.profile.courses for u in ctx.profile.users}
    for row in rows:
        try:
            _judge_row(row, (str(row.get("courseId")), str(row.get("userId"))) in profile_pairs, exchanges)
        except RuleBroken as broken:
            return broken
    return None


def _membership(
    ctx: CheckContext, learner: dict[str, list[Row]], course: dict[str, list[Row]]
) -> Iterator[str]:
    for user, rows in learner.items():
        strangers = sorted({str(r.get("userId")) for r in rows if r.get("userId", user) != user})
        if strangers:
            yield f"the learner report of {user} lists rows of {strangers}"
        twice = sorted(c for c, n in Counter(str(r.get("courseId")) for r in rows).items() if n > 1)
        if twice:
            yield f"the learner report of {user} lists {twice} more than once"
    for course_id, rows in course.items():
        strangers = sorted(
            {str(r.get("courseId")) for r in rows if r.get("courseId", course_id) != course_id}
        )
        if strangers:
            yield f"the course report of {course_id} lists rows of {strangers}"
        twice = sorted(u for u, n in Counter(str(r.get("userId")) for r in rows).items() if n > 1)
        if twice:
            yield f"the course report of {course_id} lists {twice} more than once"


def _judge_row(row: Row, profile_pair: bool, exchanges: list[Exchange]) -> None:
    pair = f"({row.get('courseId')}, {row.get('userId')})"
    status = row.get("status")
    if status not in STATUSES:
        raise RuleBroken(
            "report.status-literals",
            f"{pair}: a status among {list(STATUSES)}",
            f"status {status!r}",
            exchanges,
        )
    if parse_instant(row.get("enrolledAt")) is None:
        bare = all(row.get(name) is None for name in COMPLETION_FIELDS)
        rule = "report.membership" if bare else "report.enrolled-at"
        expected = f"{pair} listed only when enrolled, with its enrollment date"
        raise RuleBroken(rule, expected, f"enrolledAt {row.get('enrolledAt')!r}", exchanges)
    dates = [row.get("startedAt"), row.get("completedAt")]
    if status == "Complete" and None in dates:
        raise RuleBroken(
            "report.completed-at",
            f"{pair}: a Complete row with its startedAt and completedAt",
            f"{dates}",
            exchanges,
        )
    if status != "Not Started" and dates == [None, None]:
        raise RuleBroken(
            "report.status-literals",
            f"{pair}: Not Started without a completion",
            f"status {status!r}",
            exchanges,
        )
    if status == "Not Started":
        if row.get("startedAt") is not None or row.get("completedAt") is not None:
            raise RuleBroken(
                "report.completed-at",
                f"{pair}: no dates while Not Started",
                _fields(row, row, ["startedAt", "completedAt"]),
                exchanges,
            )
        if row.get("quizScorePercent") is not None or row.get("isQuizPassed") is not None:
            raise RuleBroken(
                "report.quiz-null-otherwise",
                f"{pair}: no quiz score while Not Started",
                _fields(row, row, ["quizScorePercent", "isQuizPassed"]),
                exchanges,
            )
    started, completed = parse_instant(row.get("startedAt")), parse_instant(row.get("completedAt"))
    if profile_pair and started and completed and parse_duration(row.get("duration")) != completed - started:
        raise RuleBroken(
            "report.duration",
            f"{pair}: duration {completed - started}",
            f"duration {row.get('duration')!r}",
            exchanges,
        )


def _fields(first: Row, second: Row, names: list[str]) -> str:
    return ", ".join(
        f"{name} {first.get(name)!r}" + (f" / {second.get(name)!r}" if first is not second else "")
        for name in names
    )
