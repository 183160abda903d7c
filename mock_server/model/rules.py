"""The documented Rise rules (and this project's decisions), as plain functions over plain records.

Each function is one rule; `tests/mock_server/test_rules.py` names a test after each.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from mock_server.model.dates import check_order, parse_import_date
from mock_server.model.errors import RiseError
from mock_server.model.records import Completion, Course, Enrollment, Source, User

QUIZ_SCORE_FOR_IMPORT = 100.0


def course_not_found(course_id: str) -> RiseError:
    return RiseError("course_not_found", f"No course with ID {course_id!r}: check the ID with GET /courses.")


def user_not_found(user_id: str) -> RiseError:
    return RiseError("user_not_found", f"No user with ID {user_id!r}: check the ID with GET /users.")


def require_course(course: Course | None, course_id: str) -> Course:
    """An unknown course is `course_not_found` (404)."""
    if course is None:
        raise course_not_found(course_id)
    return course


def require_user(user: User | None, user_id: str) -> User:
    """An unknown user is `user_not_found` (404)."""
    if user is None:
        raise user_not_found(user_id)
    return user


def require_published(course: Course) -> int:
    """A completion needs a published version to be tied to; a never-published course is 409."""
    if course.published_version is None:
        raise RiseError(
            "course_not_published",
            f"Course {course.id!r} has no published version: publish it in Rise, then import again.",
        )
    return course.published_version


def import_target(
    course: Course | None, user: User | None, course_id: str, user_id: str
) -> tuple[Course, User]:
    """Check order for an import: course_not_found, then course_not_published, then user_not_found."""
    found = require_course(course, course_id)
    require_published(found)
    return found, require_user(user, user_id)


def enrollment_target(
    course: Course | None, user: User | None, course_id: str, user_id: str
) -> tuple[Course, User]:
    """Check order for an enrollment: course_not_found, then user_not_found (publication not needed)."""
    return require_course(course, course_id), require_user(user, user_id)


def import_dates(body: Mapping[str, str]) -> tuple[datetime, datetime]:
    """The two dates of an import body, read and checked: completedAt may not precede startedAt."""
    started_at = parse_import_date("startedAt", body["startedAt"])
    completed_at = parse_import_date("completedAt", body["completedAt"])
    check_order(started_at, completed_at)
    return started_at, completed_at


def quiz_score_for_import(course: Course) -> float | None:
    """Rise-authored courses that require a quiz get 100; third-party and quiz-less courses get none."""
    if course.source is Source.RISE and course.quiz_required:
        return QUIZ_SCORE_FOR_IMPORT
    return None


def imported_completion(
    course: Course,
    user: User,
    started_at: datetime,
    completed_at: datetime,
    now: datetime,
    shown_before: Completion | None = None,
) -> Completion:
    """The pair's single completion record after an import: new dates, tied to the published version.

    It replaces any earlier record of the pair as a whole, so a second import never adds a record.
    `shown_before` is what the reports showed for the pair at the import, kept for the report lag.
    """
    if shown_before is not None:
        shown_before = shown_before.without_history()  # one generation back is all a read needs
    return Completion(
        course_id=course.id,
        user_id=user.id,
        started_at=started_at,
        completed_at=completed_at,
        course_version=require_published(course),
        quiz_score_percent=quiz_score_for_import(course),
        imported_at=now,
        shown_before=shown_before,
    )


def kept_or_new_enrollment(
    existing: Enrollment | None, course_id: str, user_id: str, now: datetime
) -> Enrollment:
    """An existing enrollment is kept as it is (with its date); otherwise a learner enrollment dated now."""
    if existing is not None:
        return existing
    return Enrollment(course_id=course_id, user_id=user_id, enrolled_at=now)
