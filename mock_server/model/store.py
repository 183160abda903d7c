"""Where a tenant's records live: a small interface and its in-memory implementation."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from contextlib import AbstractContextManager
from itertools import islice
from typing import NamedTuple, Protocol

from sortedcontainers import SortedList

from mock_server.model.records import Completion, Course, Enrollment, TenantState, User


class PairRecords(NamedTuple):
    """What an import or an enrollment of a (course, user) pair reads, each None when there is none."""

    course: Course | None
    user: User | None
    completion: Completion | None
    enrollment: Enrollment | None


class Store(Protocol):
    """What the tenant needs from storage.

    Lists come sorted by ID and are read a page at a time (keyset paging): `after` is the ID the list
    continues after (None: from the first), `limit` how many at most (None: all). A store answers such
    a query in time proportional to what it returns, not to how much it holds.
    """

    def replace(self, state: TenantState) -> None:
        """Drop everything and hold `state` instead (reset, seed)."""

    def seed(self) -> TenantState | None:
        """What reset goes back to; None until one is set."""

    def set_seed(self, state: TenantState) -> None: ...

    def snapshot(self) -> TenantState:
        """Everything held, as one consistent copy."""

    def atomic(self) -> AbstractContextManager[object]:
        """Reads and writes inside happen as one step for every other client."""

    def course(self, course_id: str) -> Course | None: ...
    def user(self, user_id: str) -> User | None: ...
    def courses(self, after: str | None = None, limit: int | None = None) -> list[Course]: ...
    def users(self, after: str | None = None, limit: int | None = None) -> list[User]: ...
    def enrollment(self, course_id: str, user_id: str) -> Enrollment | None: ...
    def enrollments_of_course(
        self, course_id: str, after: str | None = None, limit: int | None = None
    ) -> list[Enrollment]:
        """The course's enrollments by user ID."""

    def enrollments_of_user(
        self, user_id: str, after: str | None = None, limit: int | None = None
    ) -> list[Enrollment]:
        """The user's enrollments by course ID."""

    def completion(self, course_id: str, user_id: str) -> Completion | None: ...

    def pair_records(self, course_id: str, user_id: str) -> PairRecords:
        """The course, the user, and the pair's completion and enrollment, read together (as one
        consistent view: a store over a database reads them in one statement). Reading the same records
        twice gives equal results, cheaply compared: `Tenant` checks so that a decision made without the
        tenant's lock still holds under it."""

    def save_enrollment(self, enrollment: Enrollment) -> None: ...
    def save_completion(self, completion: Completion) -> None: ...

    def save_if_unchanged(
        self,
        course_id: str,
        user_id: str,
        seen: PairRecords,
        enrollment: Enrollment | None,
        completion: Completion | None,
    ) -> bool:
        """Save the pair's new enrollment and completion (either may be None) if its records are still
        `seen`, as one step for every other client; False, with nothing written, when they changed. A
        store may answer False also when it cannot tell cheaply: the tenant then decides again under its
        lock. `SavesUnderLock` is the plain way; a store over a database may make it one statement,
        so that the lock is held for no Python work."""


def save_pair(store: Store, enrollment: Enrollment | None, completion: Completion | None) -> None:
    """Save those of a pair's new records that are not None."""
    if enrollment is not None:
        store.save_enrollment(enrollment)
    if completion is not None:
        store.save_completion(completion)


class SavesUnderLock:
    """`Store.save_if_unchanged` the plain way, for a store to inherit: under the store's lock, read the
    pair again, compare, write."""

    def save_if_unchanged(
        self: Store,
        course_id: str,
        user_id: str,
        seen: PairRecords,
        enrollment: Enrollment | None,
        completion: Completion | None,
    ) -> bool:
        with self.atomic():
            if self.pair_records(course_id, user_id) != seen:
                return False
            save_pair(self, enrollment, completion)
        return True


def _after(keys: SortedList, after: str | None, limit: int | None) -> list[str]:
    """The keys after `after`, at most `limit` of them."""
    found = keys if after is None else keys.irange(minimum=after, inclusive=(False, True))
    return list(found if limit is None else islice(found, limit))


class MemoryStore(SavesUnderLock):
    """The default store: one process, gone when it stops. Sorted indexes of the IDs (of courses, users,
    and of each course's learners and each learner's courses) make every list a page read."""

    def __init__(self, state: TenantState | None = None) -> None:
        self._seed: TenantState | None = None
        self._lock = threading.RLock()
        self._hold((state or TenantState()).copy())

    def _hold(self, state: TenantState) -> None:
        self._state = state
        self._course_ids = SortedList(state.courses)
        self._user_ids = SortedList(state.users)
        self._learners: dict[str, SortedList] = {}
        self._courses_of: dict[str, SortedList] = {}
        for course_id, user_id in state.enrollments:
            self._learners.setdefault(course_id, []).append(user_id)
            self._courses_of.setdefault(user_id, []).append(course_id)
        for index in (self._learners, self._courses_of):
            for key, ids in index.items():
                index[key] = SortedList(ids)

    def seed(self) -> TenantState | None:
        return None if self._seed is None else self._seed.copy()

    def set_seed(self, state: TenantState) -> None:
        self._seed = state.copy()

    def replace(self, state: TenantState) -> None:
        with self._lock:
            self._hold(state.copy())

    def snapshot(self) -> TenantState:
        with self._lock:
            return self._state.copy()

    def atomic(self) -> AbstractContextManager[object]:
        """The store's re-entrant lock itself, which `with` takes and releases (every import passes here:
        no generator-based context manager per call)."""
        return self._lock

    def course(self, course_id: str) -> Course | None:
        return self._state.courses.get(course_id)

    def user(self, user_id: str) -> User | None:
        return self._state.users.get(user_id)

    def courses(self, after: str | None = None, limit: int | None = None) -> list[Course]:
        return [self._state.courses[i] for i in _after(self._course_ids, after, limit)]

    def users(self, after: str | None = None, limit: int | None = None) -> list[User]:
        return [self._state.users[i] for i in _after(self._user_ids, after, limit)]

    def enrollment(self, course_id: str, user_id: str) -> Enrollment | None:
        return self._state.enrollments.get((course_id, user_id))

    def enrollments_of_course(
        self, course_id: str, after: str | None = None, limit: int | None = None
    ) -> list[Enrollment]:
        user_ids = _after(self._learners.get(course_id, _NONE), after, limit)
        return self._enrollments((course_id, user_id) for user_id in user_ids)

    def enrollments_of_user(
        self, user_id: str, after: str | None = None, limit: int | None = None
    ) -> list[Enrollment]:
        course_ids = _after(self._courses_of.get(user_id, _NONE), after, limit)
        return self._enrollments((course_id, user_id) for course_id in course_ids)

    def _enrollments(self, pairs: Iterable[tuple[str, str]]) -> list[Enrollment]:
        return [self._state.enrollments[pair] for pair in pairs]

    def completion(self, course_id: str, user_id: str) -> Completion | None:
        return self._state.completions.get((course_id, user_id))

    def pair_records(self, course_id: str, user_id: str) -> PairRecords:
        pair = (course_id, user_id)
        with self._lock:
            state = self._state
            return PairRecords(
                state.courses.get(course_id),
                state.users.get(user_id),
                state.completions.get(pair),
                state.enrollments.get(pair),
            )

    def save_enrollment(self, enrollment: Enrollment) -> None:
        pair = (enrollment.course_id, enrollment.user_id)
        with self._lock:
            if pair not in self._state.enrollments:
                self._learners.setdefault(pair[0], SortedList()).add(pair[1])
                self._courses_of.setdefault(pair[1], SortedList()).add(pair[0])
            self._state.enrollments[pair] = enrollment

    def save_completion(self, completion: Completion) -> None:
        with self._lock:
            self._state.completions[(completion.course_id, completion.user_id)] = completion


_NONE = SortedList()
