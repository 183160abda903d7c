"""The tenant: the domain model the API handlers call. It applies `rules.py` to what `store.py` holds.

No HTTP here: methods take plain values, return records or pages, and raise `RiseError`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import NamedTuple, cast

from mock_server.model import rules
from mock_server.model.pagination import Fetch, Page, keyset_page
from mock_server.model.records import Completion, Course, Enrollment, TenantState, User
from mock_server.model.reports import (
    ReportRow,
    RowInReports,
    completion_in_reports,
    enrollment_in_reports,
    report_row,
    row_in_reports,
)
from mock_server.model.store import MemoryStore, PairRecords, Store, save_pair

Clock = Callable[[], datetime]

NO_LAG = timedelta(0)


class _Decision(NamedTuple):
    """A write to a pair: its enrollment (kept or new), whether that is new, and the completion to save."""

    enrollment: Enrollment
    new_enrollment: bool
    completion: Completion | None = None

    @property
    def new(self) -> Enrollment | None:
        """The enrollment to save: None when the pair's is kept."""
        return self.enrollment if self.new_enrollment else None


def utc_now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


class Tenant:
    """One Rise tenant: its seed, its current records and the rules that change them."""

    def __init__(
        self,
        seed: TenantState,
        *,
        store: Store | None = None,
        clock: Clock = utc_now,
        keep_existing: bool = False,
        report_lag: timedelta = NO_LAG,
    ) -> None:
        """`keep_existing` keeps what a persistent store already holds; `seed` only fills an empty one.
        `report_lag` is how long a write takes to reach the reports (Rise: up to 5 minutes)."""
        self._store = store if store is not None else MemoryStore()
        self._clock = clock
        self._report_lag = report_lag
        with self._store.atomic():  # so that of processes opening one new store at once, one seeds it
            if not keep_existing or self._store.seed() is None:
                self.load(seed)

    # -- control --------------------------------------------------------------------------------

    def reset(self) -> None:
        """Back to the seed."""
        seed = self._store.seed()
        self._store.replace(seed if seed is not None else TenantState())

    def load(self, seed: TenantState) -> None:
        """Make `seed` the tenant's seed and its current state."""
        with self._store.atomic():
            self._store.set_seed(seed)
            self._store.replace(seed)

    def state(self) -> TenantState:
        return self._store.snapshot()

    # -- writes ---------------------------------------------------------------------------------

    def import_completion(self, course_id: str, user_id: str, body: Mapping[str, str]) -> Completion:
        """Import one completion: validate, check the pair, upsert the record, keep or add the enrollment."""
        started_at, completed_at = rules.import_dates(body)

        def decide(found: PairRecords) -> _Decision:
            course, user = rules.import_target(found.course, found.user, course_id, user_id)
            now = self._clock()
            shown = completion_in_reports(found.completion, now, self._report_lag)
            completion = rules.imported_completion(course, user, started_at, completed_at, now, shown)
            enrollment = rules.kept_or_new_enrollment(found.enrollment, course_id, user_id, now)
            return _Decision(enrollment, enrollment is not found.enrollment, completion)

        return cast(Completion, self._decided(course_id, user_id, decide).completion)

    def enroll(self, course_id: str, user_id: str) -> Enrollment:
        def decide(found: PairRecords) -> _Decision:
            rules.enrollment_target(found.course, found.user, course_id, user_id)
            enrollment = rules.kept_or_new_enrollment(found.enrollment, course_id, user_id, self._clock())
            return _Decision(enrollment, enrollment is not found.enrollment)

        return self._decided(course_id, user_id, decide).enrollment

    def _decided(self, course_id: str, user_id: str, decide: Callable[[PairRecords], _Decision]) -> _Decision:
        """Decide a write to the pair on its records, and make it.

        The decision is made on the records read without the tenant's lock, and written if they are
        still the same (`Store.save_if_unchanged`); else it is made again, under the lock, on what is
        there now. So the lock (which the processes sharing a database queue for) is held for a read and
        the writes only, or for one statement. A refusal is final at once: the records it was made on
        were there together, and nothing is written."""
        store = self._store
        seen = store.pair_records(course_id, user_id)
        decision = decide(seen)
        if store.save_if_unchanged(course_id, user_id, seen, decision.new, decision.completion):
            return decision
        with store.atomic():
            decision = decide(store.pair_records(course_id, user_id))
            save_pair(store, decision.new, decision.completion)
        return decision

    # -- reads ----------------------------------------------------------------------------------

    def import_lookups(self, course_id: str, user_id: str) -> None:
        """The lookups an import makes, in their order, without the import: raises their RiseError."""
        rules.import_target(self._store.course(course_id), self._store.user(user_id), course_id, user_id)

    def course(self, course_id: str) -> Course:
        return rules.require_course(self._store.course(course_id), course_id)

    def user(self, user_id: str) -> User:
        return rules.require_user(self._store.user(user_id), user_id)

    def courses(self, limit: int, cursor: str | None = None) -> Page[Course]:
        return keyset_page(self._store.courses, lambda course: course.id, limit, cursor)

    def users(self, limit: int, cursor: str | None = None, email: str | None = None) -> Page[User]:
        """Users by ID; with `email`, only those with that address (compared without case)."""
        wanted = None if email is None else email.casefold()
        return keyset_page(
            self._store.users,
            lambda user: user.id,
            limit,
            cursor,
            keep=None if wanted is None else lambda user: user.email.casefold() == wanted,
        )

    def course_report(self, course_id: str, limit: int, cursor: str | None = None) -> Page[ReportRow]:
        """One row per learner enrolled in the course, by user ID; reading a page costs the page."""
        store = self._store
        with store.atomic():
            course = self.course(course_id)
            return self._report(
                lambda after, count: store.enrollments_of_course(course_id, after, count),
                lambda e: e.user_id,
                lambda e: report_row(
                    course, store.user(e.user_id), e, self._shown(store.completion(course_id, e.user_id))
                ),
                limit,
                cursor,
            )

    def learner_report(self, user_id: str, limit: int, cursor: str | None = None) -> Page[ReportRow]:
        """One row per course the user is enrolled in, by course ID; reading a page costs the page."""
        store = self._store
        with store.atomic():
            user = self.user(user_id)
            return self._report(
                lambda after, count: store.enrollments_of_user(user_id, after, count),
                lambda e: e.course_id,
                lambda e: report_row(
                    store.course(e.course_id), user, e, self._shown(store.completion(e.course_id, user_id))
                ),
                limit,
                cursor,
            )

    def _report(
        self,
        enrollments: Fetch[Enrollment],
        key: Callable[[Enrollment], str],
        row: Callable[[Enrollment], ReportRow],
        limit: int,
        cursor: str | None,
    ) -> Page[ReportRow]:
        """A page of a report: the rows of the enrollments the reports show, a page of them at a time."""
        page = keyset_page(enrollments, key, limit, cursor, keep=self._enrollment_shown())
        return Page([row(enrollment) for enrollment in page.items], page.next_cursor)

    def report_rows(self) -> list[RowInReports]:
        """Every enrolled pair's row as its records stand, by course then user, with whether the reports
        show it yet (for the control API: what an import did, before and after the report lag)."""
        state, now = self.state(), self._clock()
        return [
            row_in_reports(
                state.courses[course_id],
                state.users[user_id],
                enrollment,
                state.completions.get((course_id, user_id)),
                now,
                self._report_lag,
            )
            for (course_id, user_id), enrollment in sorted(state.enrollments.items())
        ]

    def _shown(self, completion: Completion | None) -> Completion | None:
        return completion_in_reports(completion, self._clock(), self._report_lag)

    def _enrollment_shown(self) -> Callable[[Enrollment], bool]:
        """Whether the reports show an enrollment yet (judged at one moment for the whole page)."""
        now = self._clock()
        return lambda enrollment: enrollment_in_reports(enrollment, now, self._report_lag)
