"""The tenant's records as SQL rows and back, the same for every SQL store (SQLite, PostgreSQL).

Times are kept as ISO 8601 text, so that the offset a client sent comes back as it was sent. A
completion's `shown_before` (what the reports show until the record reaches them) is kept as the JSON
of its columns.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from mock_server.model.records import Completion, Course, Enrollment, Role, Source, User

Row = Mapping[str, Any]


def text_of_time(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def time_of_text(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def course_from_row(row: Row) -> Course:
    return Course(
        id=row["id"],
        title=row["title"],
        source=Source(row["source"]),
        published_version=row["published_version"],
        quiz_required=bool(row["quiz_required"]),
        author_id=row["author_id"],
        cover_image_url=row["cover_image_url"],
    )


def user_from_row(row: Row) -> User:
    return User(
        id=row["id"],
        email=row["email"],
        role=Role(row["role"]),
        first_name=row["first_name"],
        last_name=row["last_name"],
        last_active_at=time_of_text(row["last_active_at"]),
    )


def enrollment_from_row(row: Row) -> Enrollment:
    return Enrollment(row["course_id"], row["user_id"], datetime.fromisoformat(row["enrolled_at"]))


def completion_from_row(row: Row) -> Completion:
    shown_before = row["shown_before"]
    return Completion(
        course_id=row["course_id"],
        user_id=row["user_id"],
        started_at=datetime.fromisoformat(row["started_at"]),
        completed_at=datetime.fromisoformat(row["completed_at"]),
        course_version=row["course_version"],
        quiz_score_percent=row["quiz_score_percent"],
        imported_at=time_of_text(row["imported_at"]),
        shown_before=None if shown_before is None else completion_from_row(json.loads(shown_before)),
    )


def completion_fields(c: Completion) -> dict[str, Any]:
    """A completion as the columns of its row (without its own `shown_before`)."""
    return {
        "course_id": c.course_id,
        "user_id": c.user_id,
        "started_at": text_of_time(c.started_at),
        "completed_at": text_of_time(c.completed_at),
        "course_version": c.course_version,
        "quiz_score_percent": c.quiz_score_percent,
        "imported_at": text_of_time(c.imported_at),
        "shown_before": None,
    }


def course_values(c: Course) -> tuple[Any, ...]:
    """The columns of a course row, in table order."""
    source = c.source.value
    return (c.id, c.title, source, c.published_version, c.quiz_required, c.author_id, c.cover_image_url)


def user_values(u: User) -> tuple[Any, ...]:
    return (u.id, u.email, u.role.value, u.first_name, u.last_name, text_of_time(u.last_active_at))


def enrollment_values(e: Enrollment) -> tuple[Any, ...]:
    return (e.course_id, e.user_id, text_of_time(e.enrolled_at))


def completion_values(c: Completion) -> tuple[Any, ...]:
    shown_before = None if c.shown_before is None else json.dumps(completion_fields(c.shown_before))
    return (*tuple(completion_fields(c).values())[:-1], shown_before)
