"""The tenant's records: courses, users, enrollments and completions, as plain immutable values.

No rule lives here (see `rules.py`) and nothing here knows about HTTP or storage.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class Source(StrEnum):
    """Who authored a course's content."""

    RISE = "rise"
    THIRD_PARTY = "third_party"


class Role(StrEnum):
    LEARNER = "learner"
    AUTHOR = "author"
    REPORTER = "reporter"
    ADMIN = "admin"


class Status(StrEnum):
    """A report row's status."""

    NOT_STARTED = "Not Started"
    IN_PROGRESS = "In Progress"
    COMPLETE = "Complete"


@dataclass(frozen=True)
class Course:
    id: str
    title: str
    source: Source = Source.RISE
    published_version: int | None = None
    """The version learners get; None while the course has never been published."""
    quiz_required: bool = False
    author_id: str | None = None
    cover_image_url: str | None = None

    @property
    def published(self) -> bool:
        return self.published_version is not None


@dataclass(frozen=True)
class User:
    id: str
    email: str
    role: Role = Role.LEARNER
    first_name: str | None = None
    last_name: str | None = None
    last_active_at: datetime | None = None


@dataclass(frozen=True)
class Enrollment:
    course_id: str
    user_id: str
    enrolled_at: datetime


@dataclass(frozen=True)
class Completion:
    """The one completion record of a (course, user) pair."""

    course_id: str
    user_id: str
    started_at: datetime
    completed_at: datetime
    course_version: int
    quiz_score_percent: float | None = None
    imported_at: datetime | None = None
    shown_before: Completion | None = None
    """What the reports show for the pair until this record reaches them (see the report lag)."""

    @property
    def quiz_passed(self) -> bool | None:
        return None if self.quiz_score_percent is None else self.quiz_score_percent >= 100

    def without_history(self) -> Completion:
        """This record without its own `shown_before`: `dataclasses.replace(self, shown_before=None)`,
        made without its look at the fields, since every repeated import of a pair asks for it."""
        if self.shown_before is None:
            return self
        clone = object.__new__(Completion)
        clone.__dict__.update(self.__dict__, shown_before=None)
        return clone


Pair = tuple[str, str]
"""(course ID, user ID)."""


@dataclass
class TenantState:
    """Everything a tenant holds; what a seed describes and `/__mock/state` shows."""

    courses: dict[str, Course] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    enrollments: dict[Pair, Enrollment] = field(default_factory=dict)
    completions: dict[Pair, Completion] = field(default_factory=dict)

    def copy(self) -> TenantState:
        """A copy whose dicts can change without touching this one (the records are immutable)."""
        return TenantState(
            dict(self.courses), dict(self.users), dict(self.enrollments), dict(self.completions)
        )
