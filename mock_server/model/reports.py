"""Report rows: what the course and learner reports derive from enrollments and completions, and when.

Rise documents that reports can take up to 5 minutes to show an import; the mock's report lag (0 unless
asked for) plays that: a write reaches the reports only once it is `lag` old.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from mock_server.model.dates import iso_duration
from mock_server.model.records import Completion, Course, Enrollment, Status, User


@dataclass(frozen=True)
class ReportRow:
    """One (course, learner) pair as both reports show it."""

    course: Course
    user: User
    status: Status
    enrolled_at: datetime | None
    started_at: datetime | None
    completed_at: datetime | None
    duration: str | None
    quiz_score_percent: float | None
    quiz_passed: bool | None


def report_row(
    course: Course, user: User, enrollment: Enrollment | None, completion: Completion | None
) -> ReportRow:
    """A completed pair shows its dates, `completedAt - startedAt` as duration and the quiz result;
    an enrolled pair without a completion is Not Started with all of those null."""
    enrolled_at = enrollment.enrolled_at if enrollment else None
    if completion is None:
        return ReportRow(course, user, Status.NOT_STARTED, enrolled_at, None, None, None, None, None)
    return ReportRow(
        course=course,
        user=user,
        status=Status.COMPLETE,
        enrolled_at=enrolled_at,
        started_at=completion.started_at,
        completed_at=completion.completed_at,
        duration=iso_duration(completion.completed_at - completion.started_at),
        quiz_score_percent=completion.quiz_score_percent,
        quiz_passed=completion.quiz_passed,
    )


def reaches_reports(written_at: datetime | None, now: datetime, lag: timedelta) -> bool:
    """A write shows in the reports once it is `lag` old (records without a time always show)."""
    return written_at is None or written_at <= now - lag


def completion_in_reports(completion: Completion | None, now: datetime, lag: timedelta) -> Completion | None:
    """The completion the reports show now: the record once it is `lag` old, before that what they showed
    when it was written (so an upsert shows the old dates until the new ones arrive)."""
    if completion is None or reaches_reports(completion.imported_at, now, lag):
        return completion
    return completion.shown_before


def enrollment_in_reports(enrollment: Enrollment, now: datetime, lag: timedelta) -> bool:
    """A new enrollment (and so its row) shows once it is `lag` old."""
    return reaches_reports(enrollment.enrolled_at, now, lag)


@dataclass(frozen=True)
class RowInReports:
    """A pair's row as its records stand, and whether (and from when) the reports show it so."""

    row: ReportRow
    shown_from: datetime | None
    """When the last write to the pair reaches the reports (None: records without a time)."""
    shown: bool


def row_in_reports(
    course: Course,
    user: User,
    enrollment: Enrollment,
    completion: Completion | None,
    now: datetime,
    lag: timedelta,
) -> RowInReports:
    """The row the reports show once every write to the pair is `lag` old, and whether that is now."""
    writes = [enrollment.enrolled_at, completion.imported_at if completion else None]
    shown_from = max((written + lag for written in writes if written is not None), default=None)
    shown = shown_from is None or shown_from <= now
    return RowInReports(report_row(course, user, enrollment, completion), shown_from, shown)
