"""Report contents: which rows a report lists, a row's status, and the same row in both reports."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.types import ASGIApp, Scope

from mock_server.model.pagination import Page, paginate
from mock_server.model.records import Source
from mock_server.model.reports import ReportRow, report_row
from mock_server.model.tenant import Tenant
from servers.base import Server, app_of, json_rewriter, report_rows

EVERYTHING = 10_000
"""A page size that holds a whole report of the demo tenant."""


def rows_of(report: str, change: Callable[[dict[str, Any]], Any]) -> Callable[[ASGIApp], ASGIApp]:
    """A wrapper applying `change` to every row of one report kind ('courses', 'learners' or '')."""

    def each(scope: Scope, document: Any) -> Any:
        if scope["path"].startswith(f"/reports/{report}"):
            for row in report_rows(document):
                change(row)
        return document

    return json_rewriter(each)


def _set(**values: Any) -> Callable[[dict[str, Any]], None]:
    return lambda row: row.update(values)


class ListsEveryCourseToLearners(Tenant):
    """A learner report lists every course of the tenant, Not Started where the learner is not enrolled."""

    def learner_report(self, user_id: str, limit: int, cursor: str | None = None) -> Page[ReportRow]:
        rows = super().learner_report(user_id, EVERYTHING).items
        listed = {row.course.id for row in rows}
        user = self.user(user_id)
        rows += [report_row(c, user, None, None) for c in self._store.courses() if c.id not in listed]
        return paginate(sorted(rows, key=lambda r: r.course.id), lambda r: r.course.id, limit, cursor)


class ListsEveryLearnerInCourses(Tenant):
    """A course report lists every user of the tenant, Not Started where the user is not enrolled."""

    def course_report(self, course_id: str, limit: int, cursor: str | None = None) -> Page[ReportRow]:
        rows = super().course_report(course_id, EVERYTHING).items
        listed = {row.user.id for row in rows}
        course = self.course(course_id)
        rows += [report_row(course, u, None, None) for u in self._store.users() if u.id not in listed]
        return paginate(sorted(rows, key=lambda r: r.user.id), lambda r: r.user.id, limit, cursor)


class LearnerReportWithClassmates(Tenant):
    """A learner report also lists the rows of the other learners of the learner's courses."""

    def learner_report(self, user_id: str, limit: int, cursor: str | None = None) -> Page[ReportRow]:
        own = super().learner_report(user_id, EVERYTHING).items
        rows = [row for mine in own for row in self.course_report(mine.course.id, EVERYTHING).items]
        key = lambda row: f"{row.course.id}/{row.user.id}"  # noqa: E731
        return paginate(sorted(rows, key=key), key, limit, cursor)


class LearnerReportWithoutThirdParty(Tenant):
    """A learner report leaves out third-party courses (the course report still lists them)."""

    def learner_report(self, user_id: str, limit: int, cursor: str | None = None) -> Page[ReportRow]:
        rows = [
            r
            for r in super().learner_report(user_id, EVERYTHING).items
            if r.course.source is not Source.THIRD_PARTY
        ]
        return paginate(rows, lambda r: r.course.id, limit, cursor)


def _doubled(scope: Scope, document: Any) -> Any:
    if scope["path"].startswith("/reports/courses/") and isinstance(document, dict):
        document["learners"] = [row for row in document.get("learners", []) for row in (row, row)]
    return document


def _not_started_dropped(scope: Scope, document: Any) -> Any:
    if scope["path"].startswith("/reports/courses/") and isinstance(document, dict):
        document["learners"] = [r for r in document.get("learners", []) if r.get("status") != "Not Started"]
    return document


def _status_lowercase(row: dict[str, Any]) -> None:
    row["status"] = str(row.get("status")).lower()


def _started_as_enrolled(row: dict[str, Any]) -> None:
    if row.get("startedAt"):
        row["enrolledAt"] = row["startedAt"]


def _not_started_scores_zero(row: dict[str, Any]) -> None:
    if row.get("status") == "Not Started":
        row.update(quizScorePercent=0, isQuizPassed=False)


def _complete_in_progress(row: dict[str, Any]) -> None:
    if row.get("status") == "Complete":
        row["status"] = "In Progress"


def _without_completed_at(row: dict[str, Any]) -> None:
    if row.get("status") == "Complete":
        row["completedAt"] = None


SERVERS: dict[str, Server] = {
    "course report leaves out Not Started rows": Server(
        lambda: json_rewriter(_not_started_dropped)(app_of()), "enrollment", "enroll.creates"
    ),
    "learner report lists courses the learner is not enrolled in": Server(
        lambda: app_of(ListsEveryCourseToLearners), "reports", "report.membership"
    ),
    "course report lists users who are not enrolled": Server(
        lambda: app_of(ListsEveryLearnerInCourses), "reports", "report.membership"
    ),
    "learner report lists other learners' rows": Server(
        lambda: app_of(LearnerReportWithClassmates), "enrollment,reports", "report.membership"
    ),
    "learner report leaves out third-party courses": Server(
        lambda: app_of(LearnerReportWithoutThirdParty), "enrollment", "enroll.creates"
    ),
    "course report lists each learner twice": Server(
        lambda: json_rewriter(_doubled)(app_of()), "reports", "report.membership"
    ),
    "an imported row is In Progress": Server(
        lambda: rows_of("", _complete_in_progress)(app_of()), "enrollment", "import.row-complete"
    ),
    "status literals in lower case": Server(
        lambda: rows_of("", _status_lowercase)(app_of()), "reports", "report.status-literals"
    ),
    "course report without quiz scores": Server(
        lambda: rows_of("courses", _set(quizScorePercent=None, isQuizPassed=None))(app_of()),
        "reports",
        "report.same-row",
    ),
    "course report without enrolledAt": Server(
        lambda: rows_of("courses", _set(enrolledAt=None))(app_of()), "reports", "report.same-row"
    ),
    "course report shows startedAt as enrolledAt": Server(
        lambda: rows_of("courses", _started_as_enrolled)(app_of()), "reports", "report.same-row"
    ),
    "Not Started rows score 0 and failed": Server(
        lambda: rows_of("", _not_started_scores_zero)(app_of()), "enrollment", "report.quiz-null-otherwise"
    ),
    "Complete rows without completedAt": Server(
        lambda: rows_of("", _without_completed_at)(app_of()), "reports", "report.completed-at"
    ),
}
