"""The profile: which courses and users of the target the suite may touch, and what kind each course is."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from conformance.engine.results import CourseKind
from conformance.errors import ProfileError
from mock_server.model.records import Course, Role, Source
from mock_server.model.seed import DEMO_SEED_PATH, load_seed_file

REQUIRED_COURSES = (CourseKind.QUIZ, CourseKind.NO_QUIZ, CourseKind.THIRD_PARTY)
OPTIONAL_COURSES = (CourseKind.UNPUBLISHED,)
_EXAMPLE = (
    "courses: {quiz: ID, no_quiz: ID, third_party: ID, unpublished: ID (optional)}, users: [ID, ...], "
    "spare_users: [ID, ...] (optional)"
)


@dataclass(frozen=True)
class Profile:
    """Course IDs by kind and the user IDs that positive writes may go to."""

    quiz: str
    no_quiz: str
    third_party: str
    users: tuple[str, ...]
    unpublished: str | None = None
    spare_users: tuple[str, ...] = ()
    """Users kept for the checks that need a pair nobody is enrolled in (one pair each run)."""

    @property
    def published_courses(self) -> tuple[str, ...]:
        """The courses an import may succeed on."""
        return (self.quiz, self.no_quiz, self.third_party)

    @property
    def all_users(self) -> tuple[str, ...]:
        """The users the run reads: the regular ones, then the spare ones."""
        return self.users + self.spare_users

    @property
    def courses(self) -> tuple[str, ...]:
        return self.published_courses + ((self.unpublished,) if self.unpublished else ())

    def kind_of(self, course_id: str) -> CourseKind | None:
        """The profile's kind of a course, None for a course it does not name."""
        kinds = {
            self.quiz: CourseKind.QUIZ,
            self.no_quiz: CourseKind.NO_QUIZ,
            self.third_party: CourseKind.THIRD_PARTY,
        }
        if self.unpublished:
            kinds[self.unpublished] = CourseKind.UNPUBLISHED
        return kinds.get(course_id)


def demo_profile() -> Profile:
    """The default profile: the mock's demo tenant, read from its seed so that its IDs live in one place.

    Each kind is the first course of the seed that fits it; the users are the seed's learners.
    """
    state = load_seed_file(DEMO_SEED_PATH)
    courses = list(state.courses.values())

    def first(fits: Callable[[Course], bool]) -> str:
        return next(course.id for course in courses if fits(course))

    return Profile(
        quiz=first(lambda c: c.published and c.source is Source.RISE and c.quiz_required),
        no_quiz=first(lambda c: c.published and c.source is Source.RISE and not c.quiz_required),
        third_party=first(lambda c: c.published and c.source is Source.THIRD_PARTY),
        unpublished=first(lambda c: not c.published),
        users=tuple(user.id for user in state.users.values() if user.role is Role.LEARNER),
    )


def load_profile(path: str | Path | None = None) -> Profile:
    """Read a profile file; without a path, the default profile (the mock's demo tenant)."""
    if path is None:
        return demo_profile()
    source = Path(path)
    try:
        text = source.read_text(encoding="utf-8")
    except OSError as error:
        raise ProfileError(f"cannot read profile {source}: {error.strerror}; pass an existing file") from None
    except UnicodeDecodeError:
        raise ProfileError(
            f"profile {source} is not UTF-8 text; save it as UTF-8 YAML ({_EXAMPLE})"
        ) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise ProfileError(f"profile {source} is not valid YAML ({error}); expected {_EXAMPLE}") from None
    return parse_profile(data, str(source))


def parse_profile(data: Any, source: str = "profile") -> Profile:
    """Check a loaded profile document and turn it into a `Profile`; every problem names the key."""
    if not isinstance(data, dict):
        raise ProfileError(f"{source} must be a mapping, got {type(data).__name__}; expected {_EXAMPLE}")
    unknown = sorted(set(data) - {"courses", "users", "spare_users"})
    if unknown:
        raise ProfileError(
            f"{source} has unknown keys {unknown}; only 'courses', 'users' and 'spare_users' are read"
        )
    courses = data.get("courses")
    if not isinstance(courses, dict):
        raise ProfileError(f"{source}: 'courses' must be a mapping; expected {_EXAMPLE}")
    unknown = sorted(set(courses) - set(REQUIRED_COURSES) - set(OPTIONAL_COURSES))
    if unknown:
        kinds = [kind.value for kind in (*REQUIRED_COURSES, *OPTIONAL_COURSES)]
        raise ProfileError(f"{source}: unknown course kinds {unknown}; use {kinds}")
    for kind in REQUIRED_COURSES:
        _require_id(courses.get(kind), f"{source}: courses.{kind}")
    unpublished = courses.get("unpublished")
    if unpublished is not None:
        _require_id(unpublished, f"{source}: courses.unpublished")
    ids = [courses[kind] for kind in REQUIRED_COURSES] + ([unpublished] if unpublished else [])
    if len(set(ids)) != len(ids):
        raise ProfileError(f"{source}: each course kind needs its own course, got {ids}")
    users = _users(data.get("users"), source, "users")
    spare = _users(data["spare_users"], source, "spare_users") if data.get("spare_users") is not None else ()
    both = sorted(set(users) & set(spare))
    if both:
        raise ProfileError(f"{source}: {both} listed in both 'users' and 'spare_users'; list each user once")
    return Profile(
        quiz=courses["quiz"],
        no_quiz=courses["no_quiz"],
        third_party=courses["third_party"],
        unpublished=unpublished,
        users=users,
        spare_users=spare,
    )


def _users(users: Any, source: str, key: str) -> tuple[str, ...]:
    if not isinstance(users, list) or not users:
        raise ProfileError(f"{source}: '{key}' must be a non-empty list of user IDs, got {users!r}")
    for index, user in enumerate(users):
        _require_id(user, f"{source}: {key}[{index}]")
    if len(set(users)) != len(users):
        raise ProfileError(f"{source}: '{key}' lists an ID twice: {users}")
    return tuple(users)


def _require_id(value: Any, where: str) -> None:
    if not isinstance(value, str) or not value.strip():
        raise ProfileError(f"{where} must be a non-empty ID string, got {value!r}")
