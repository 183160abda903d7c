"""Where a tenant's records live: a small interface and its in-memory implementation."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol

from mock_server.model.records import Completion, Course, Enrollment, TenantState, User


class Store(Protocol):
    """What the tenant needs from storage. Lists come sorted by ID."""

    def replace(self, state: TenantState) -> None:
        """Drop everything and hold `state` instead (reset, seed)."""

    def seed(self) -> TenantState | None:
        """What reset goes back to; None until one is set."""

    def set_seed(self, state: TenantState) -> None: ...

    def snapshot(self) -> TenantState:
        """Everything held, as one consistent copy."""

    @contextmanager
    def atomic(self) -> Iterator[None]:
        """Reads and writes inside happen as one step for every other client."""

    def course(self, course_id: str) -> Course | None: ...
    def user(self, user_id: str) -> User | None: ...
    def courses(self) -> list[Course]: ...
    def users(self) -> list[User]: ...
    def enrollment(self, course_id: str, user_id: str) -> Enrollment | None: ...
    def enrollments_of_course(self, course_id: str) -> list[Enrollment]: ...
    def enrollments_of_user(self, user_id: str) -> list[Enrollment]: ...
    def completion(self, course_id: str, user_id: str) -> Completion | None: ...
    def save_enrollment(self, enrollment: Enrollment) -> None: ...
    def save_completion(self, completion: Completion) -> None: ...


class MemoryStore:
    """The default store: one process, gone when it stops."""

    def __init__(self, state: TenantState | None = None) -> None:
        self._state = (state or TenantState()).copy()
        self._seed: TenantState | None = None
        self._lock = threading.RLock()

    def seed(self) -> TenantState | None:
        return None if self._seed is None else self._seed.copy()

    def set_seed(self, state: TenantState) -> None:
        self._seed = state.copy()

    def replace(self, state: TenantState) -> None:
        with self._lock:
            self._state = state.copy()

    def snapshot(self) -> TenantState:
        with self._lock:
            return self._state.copy()

    @contextmanager
    def atomic(self) -> Iterator[None]:
        with self._lock:
            yield

    def course(self, course_id: str) -> Course | None:
        return self._state.courses.get(course_id)

    def user(self, user_id: str) -> User | None:
        return self._state.users.get(user_id)

    def courses(self) -> list[Course]:
        return sorted(self._state.courses.values(), key=lambda course: course.id)

    def users(self) -> list[User]:
        return sorted(self._state.users.values(), key=lambda user: user.id)

    def enrollment(self, course_id: str, user_id: str) -> Enrollment | None:
        return self._state.enrollments.get((course_id, user_id))

    def enrollments_of_course(self, course_id: str) -> list[Enrollment]:
        found = [e for (c, _), e in self._state.enrollments.items() if c == course_id]
        return sorted(found, key=lambda enrollment: enrollment.user_id)

    def enrollments_of_user(self, user_id: str) -> list[Enrollment]:
        found = [e for (_, u), e in self._state.enrollments.items() if u == user_id]
        return sorted(found, key=lambda enrollment: enrollment.course_id)

    def completion(self, course_id: str, user_id: str) -> Completion | None:
        return self._state.completions.get((course_id, user_id))

    def save_enrollment(self, enrollment: Enrollment) -> None:
        with self._lock:
            self._state.enrollments[(enrollment.course_id, enrollment.user_id)] = enrollment

    def save_completion(self, completion: Completion) -> None:
        with self._lock:
            self._state.completions[(completion.course_id, completion.user_id)] = completion
