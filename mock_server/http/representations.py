"""JSON shapes of the records, with the absolute URLs Rise puts in every object."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

from mock_server.model.dates import format_datetime
from mock_server.model.pagination import Page
from mock_server.model.records import Course, User
from mock_server.model.reports import ReportRow


def _segment(value: str) -> str:
    return quote(value, safe="")


@dataclass(frozen=True)
class Urls:
    """Absolute URLs under one base (the mock's `--base-url`, or the address it serves on)."""

    base: str

    def course(self, course_id: str) -> str:
        return f"{self.base}/courses/{_segment(course_id)}"

    def course_report(self, course_id: str) -> str:
        return f"{self.base}/reports/courses/{_segment(course_id)}"

    def user(self, user_id: str) -> str:
        return f"{self.base}/users/{_segment(user_id)}"

    def learner_report(self, user_id: str) -> str:
        return f"{self.base}/reports/learners/{_segment(user_id)}"

    def groups(self, user_id: str) -> str:
        return f"{self.user(user_id)}/groups"

    def next_page(self, path: str, cursor: str | None, query: dict[str, Any]) -> str | None:
        """The page after this one: the same query with the new cursor; None when there is none."""
        if cursor is None:
            return None
        params = {key: value for key, value in query.items() if value is not None and key != "cursor"}
        return f"{self.base}{path}?{urlencode({**params, 'cursor': cursor})}"


def date_json(value: Any) -> str | None:
    return None if value is None else format_datetime(value)


def course_json(course: Course, urls: Urls) -> dict[str, Any]:
    return {
        "id": course.id,
        "title": course.title,
        "url": urls.course(course.id),
        "courseReportUrl": urls.course_report(course.id),
        "authorUrl": urls.user(course.author_id) if course.author_id else None,
        "coverImageUrl": course.cover_image_url,
        "source": course.source.value,
    }


def user_json(user: User, urls: Urls) -> dict[str, Any]:
    return {
        "id": user.id,
        "email": user.email,
        "role": user.role.value,
        "firstName": user.first_name,
        "lastName": user.last_name,
        "lastActiveAt": date_json(user.last_active_at),
        "url": urls.user(user.id),
        "learnerReportUrl": urls.learner_report(user.id),
        "groupsUrl": urls.groups(user.id),
    }


def report_row_values(row: ReportRow) -> dict[str, Any]:
    """A row's own fields, without the URLs that depend on where it is served."""
    course, user = row.course, row.user
    return {
        "courseId": course.id,
        "courseTitle": course.title,
        "userId": user.id,
        "email": user.email,
        "firstName": user.first_name,
        "lastName": user.last_name,
        "status": row.status.value,
        "enrolledAt": date_json(row.enrolled_at),
        "startedAt": date_json(row.started_at),
        "completedAt": date_json(row.completed_at),
        "duration": row.duration,
        "quizScorePercent": row.quiz_score_percent,
        "isQuizPassed": row.quiz_passed,
    }


def report_row_json(row: ReportRow, urls: Urls) -> dict[str, Any]:
    course, user = row.course, row.user
    return {
        **report_row_values(row),
        "courseUrl": urls.course(course.id),
        "courseReportUrl": urls.course_report(course.id),
        "userUrl": urls.user(user.id),
        "learnerReportUrl": urls.learner_report(user.id),
    }


def page_json(
    key: str, page: Page[Any], item_json: Any, urls: Urls, path: str, query: dict[str, Any]
) -> dict[str, Any]:
    """`{"<key>": [...], "nextUrl": ...}` as every Rise list has it."""
    return {
        key: [item_json(item, urls) for item in page.items],
        "nextUrl": urls.next_page(path, page.next_cursor, query),
    }
