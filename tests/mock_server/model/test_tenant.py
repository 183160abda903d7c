"""The tenant of `tenant.py` over a MemoryStore with a fixed clock: writes, reads, reports, reset, load."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from mock_server.model.errors import RiseError
from mock_server.model.records import Course, Enrollment, Status, TenantState, User
from mock_server.model.seed import DEMO_SEED_PATH, load_seed_file
from mock_server.model.store import MemoryStore
from mock_server.model.tenant import Tenant

NOW = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)
GRACE_ENROLLED = datetime(2024, 1, 15, 9, 0, tzinfo=UTC)
SAME_DAY = {"startedAt": "2023-05-02T09:00:00Z", "completedAt": "2023-05-02T10:30:00Z"}
TWO_DAYS = {"startedAt": "2023-05-01", "completedAt": "2023-05-03"}


class StepClock:
    """A clock that stands still until told to move."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> StepClock:
    return StepClock(NOW)


@pytest.fixture
def tenant(clock: StepClock) -> Tenant:
    return Tenant(load_seed_file(DEMO_SEED_PATH), store=MemoryStore(), clock=clock)


def _ids(items: list) -> list[str]:
    return [item.id for item in items]


# -- import ----------------------------------------------------------------------------------------------


def test_tenant_import_completion_records_the_dates_and_the_published_version(tenant: Tenant) -> None:
    completion = tenant.import_completion("rise-quiz-101", "user-ada", SAME_DAY)
    assert completion.started_at == datetime(2023, 5, 2, 9, 0, tzinfo=UTC)
    assert completion.completed_at == datetime(2023, 5, 2, 10, 30, tzinfo=UTC)
    assert completion.course_version == 3
    assert completion.imported_at == NOW
    assert tenant.state().completions[("rise-quiz-101", "user-ada")] == completion


def test_tenant_import_completion_upserts_one_record_with_the_new_dates(
    tenant: Tenant, clock: StepClock
) -> None:
    tenant.import_completion("rise-quiz-101", "user-ada", SAME_DAY)
    clock.now = NOW + timedelta(hours=1)
    tenant.import_completion("rise-quiz-101", "user-ada", TWO_DAYS)
    completions = tenant.state().completions
    assert list(completions) == [("rise-quiz-101", "user-ada")]
    record = completions[("rise-quiz-101", "user-ada")]
    assert (record.started_at, record.completed_at) == (
        datetime(2023, 5, 1, tzinfo=UTC),
        datetime(2023, 5, 3, tzinfo=UTC),
    )
    assert record.imported_at == NOW + timedelta(hours=1)


def test_tenant_import_completion_enrolls_an_unenrolled_user_dated_now(tenant: Tenant) -> None:
    tenant.import_completion("rise-intro-102", "user-ada", SAME_DAY)
    assert tenant.state().enrollments[("rise-intro-102", "user-ada")].enrolled_at == NOW


def test_tenant_import_completion_keeps_an_existing_enrollment_and_its_date(tenant: Tenant) -> None:
    tenant.import_completion("rise-quiz-101", "user-grace", SAME_DAY)
    assert tenant.state().enrollments[("rise-quiz-101", "user-grace")].enrolled_at == GRACE_ENROLLED


def test_tenant_import_completion_keeps_the_enrollment_made_by_the_first_import(
    tenant: Tenant, clock: StepClock
) -> None:
    tenant.import_completion("rise-intro-102", "user-ada", SAME_DAY)
    clock.now = NOW + timedelta(days=1)
    tenant.import_completion("rise-intro-102", "user-ada", TWO_DAYS)
    assert tenant.state().enrollments[("rise-intro-102", "user-ada")].enrolled_at == NOW


@pytest.mark.parametrize(
    ("course_id", "user_id", "code"),
    [
        ("course-404", "user-404", "course_not_found"),
        ("draft-301", "user-404", "course_not_published"),
        ("rise-quiz-101", "user-404", "user_not_found"),
        ("rise-quiz-101", "user-ada", None),
    ],
)
def test_tenant_import_lookups_answer_as_an_import_would_and_write_nothing(
    tenant: Tenant, course_id: str, user_id: str, code: str | None
) -> None:
    before = tenant.state()
    if code is None:
        tenant.import_lookups(course_id, user_id)
    else:
        with pytest.raises(RiseError) as error:
            tenant.import_lookups(course_id, user_id)
        assert error.value.code == code
    assert tenant.state() == before


@pytest.mark.parametrize(
    ("course_id", "user_id", "body", "code"),
    [
        ("course-404", "user-404", SAME_DAY, "course_not_found"),
        ("draft-301", "user-404", SAME_DAY, "course_not_published"),
        ("rise-quiz-101", "user-404", SAME_DAY, "user_not_found"),
        (
            "course-404",
            "user-404",
            {"startedAt": "2023-05-03", "completedAt": "2023-05-02"},
            "invalid_request",
        ),
        ("rise-quiz-101", "user-ada", {"startedAt": "bad", "completedAt": "2023-05-02"}, "invalid_request"),
    ],
)
def test_tenant_import_completion_refuses_and_changes_nothing(
    tenant: Tenant, course_id: str, user_id: str, body: dict[str, str], code: str
) -> None:
    before = tenant.state()
    with pytest.raises(RiseError) as error:
        tenant.import_completion(course_id, user_id, body)
    assert error.value.code == code
    assert tenant.state() == before


# -- enroll ----------------------------------------------------------------------------------------------


def test_tenant_enroll_creates_an_enrollment_dated_now(tenant: Tenant) -> None:
    enrollment = tenant.enroll("rise-intro-102", "user-alan")
    assert enrollment.enrolled_at == NOW
    assert tenant.state().enrollments[("rise-intro-102", "user-alan")] == enrollment


def test_tenant_enroll_keeps_an_existing_enrollment_and_its_date(tenant: Tenant) -> None:
    assert tenant.enroll("rise-quiz-101", "user-grace").enrolled_at == GRACE_ENROLLED


def test_tenant_enroll_accepts_an_unpublished_course(tenant: Tenant) -> None:
    tenant.enroll("draft-301", "user-ada")
    assert ("draft-301", "user-ada") in tenant.state().enrollments


@pytest.mark.parametrize(
    ("course_id", "user_id", "code"),
    [("course-404", "user-404", "course_not_found"), ("rise-quiz-101", "user-404", "user_not_found")],
)
def test_tenant_enroll_checks_the_course_then_the_user(
    tenant: Tenant, course_id: str, user_id: str, code: str
) -> None:
    before = tenant.state()
    with pytest.raises(RiseError) as error:
        tenant.enroll(course_id, user_id)
    assert error.value.code == code
    assert tenant.state() == before


# -- reads -----------------------------------------------------------------------------------------------


def test_tenant_course_and_user_read_one_record_or_raise_not_found(tenant: Tenant) -> None:
    assert tenant.course("draft-301").title == "Data Privacy Basics (draft)"
    assert tenant.user("user-ada").email == "ada@example.com"
    with pytest.raises(RiseError, match="course-404") as course_error:
        tenant.course("course-404")
    assert course_error.value.code == "course_not_found"
    with pytest.raises(RiseError, match="user-404") as user_error:
        tenant.user("user-404")
    assert user_error.value.code == "user_not_found"


def test_tenant_courses_lists_every_course_by_id_including_unpublished(tenant: Tenant) -> None:
    page = tenant.courses(50)
    assert _ids(page.items) == ["draft-301", "rise-intro-102", "rise-quiz-101", "scorm-forklift-201"]
    assert page.next_cursor is None


def test_tenant_courses_pages_with_a_cursor(tenant: Tenant) -> None:
    first = tenant.courses(3)
    second = tenant.courses(3, first.next_cursor)
    assert _ids(first.items) + _ids(second.items) == _ids(tenant.courses(50).items)
    assert second.next_cursor is None


def test_tenant_users_filters_by_email_ignoring_case(tenant: Tenant) -> None:
    assert _ids(tenant.users(50, email="GRACE@Example.com").items) == ["user-grace"]
    assert tenant.users(50, email="nobody@example.com").items == []
    assert len(tenant.users(50).items) == 5


# -- reports ---------------------------------------------------------------------------------------------


def test_tenant_course_report_has_one_row_per_enrolled_learner(tenant: Tenant) -> None:
    tenant.import_completion("rise-quiz-101", "user-ada", SAME_DAY)
    rows = tenant.course_report("rise-quiz-101", 50).items
    assert [row.user.id for row in rows] == ["user-ada", "user-grace"]
    ada, grace = rows
    assert (ada.status, ada.duration, ada.quiz_score_percent, ada.quiz_passed) == (
        Status.COMPLETE,
        "PT1H30M",
        100,
        True,
    )
    assert ada.enrolled_at == NOW
    assert (grace.status, grace.enrolled_at, grace.completed_at) == (Status.NOT_STARTED, GRACE_ENROLLED, None)


def test_tenant_learner_report_has_one_row_per_course_of_the_learner(tenant: Tenant) -> None:
    tenant.import_completion("scorm-forklift-201", "user-ada", TWO_DAYS)
    tenant.import_completion("rise-quiz-101", "user-ada", SAME_DAY)
    rows = tenant.learner_report("user-ada", 50).items
    assert [row.course.id for row in rows] == ["rise-quiz-101", "scorm-forklift-201"]
    scorm = rows[1]
    assert (scorm.status, scorm.duration, scorm.quiz_score_percent, scorm.quiz_passed) == (
        Status.COMPLETE,
        "P2D",
        None,
        None,
    )


def test_tenant_reports_show_the_upserted_record_once_with_the_new_dates(tenant: Tenant) -> None:
    tenant.import_completion("rise-intro-102", "user-ada", SAME_DAY)
    tenant.import_completion("rise-intro-102", "user-ada", TWO_DAYS)
    (course_row,) = tenant.course_report("rise-intro-102", 50).items
    (learner_row,) = tenant.learner_report("user-ada", 50).items
    for row in (course_row, learner_row):
        assert row.started_at == datetime(2023, 5, 1, tzinfo=UTC)
        assert row.duration == "P2D"
        assert (row.quiz_score_percent, row.quiz_passed) == (None, None)


def test_tenant_reports_page_by_id(tenant: Tenant) -> None:
    for user_id in ("user-katherine", "user-alan", "user-ada"):
        tenant.enroll("rise-intro-102", user_id)
    first = tenant.course_report("rise-intro-102", 2)
    second = tenant.course_report("rise-intro-102", 2, first.next_cursor)
    assert [r.user.id for r in first.items + second.items] == ["user-ada", "user-alan", "user-katherine"]
    assert second.next_cursor is None


class CountingStore(MemoryStore):
    """A MemoryStore that counts the records its reads return."""

    def __init__(self, state: TenantState) -> None:
        super().__init__(state)
        self.read = 0

    def enrollments_of_course(self, *args, **kwargs):
        found = super().enrollments_of_course(*args, **kwargs)
        self.read += len(found)
        return found

    def enrollments_of_user(self, *args, **kwargs):
        found = super().enrollments_of_user(*args, **kwargs)
        self.read += len(found)
        return found

    def user(self, user_id):
        self.read += 1
        return super().user(user_id)

    def completion(self, course_id, user_id):
        self.read += 1
        return super().completion(course_id, user_id)


def _big_course(learners: int) -> TenantState:
    state = TenantState(courses={"big": Course("big", "Big", published_version=1)})
    for index in range(learners):
        user_id = f"user-{index:05d}"
        state.users[user_id] = User(user_id, f"{user_id}@example.com")
        state.enrollments[("big", user_id)] = Enrollment("big", user_id, GRACE_ENROLLED)
    return state


def test_tenant_course_report_page_reads_records_in_proportion_to_the_page_not_the_report() -> None:
    store = CountingStore(_big_course(10_000))
    tenant = Tenant(store.snapshot(), store=store, clock=lambda: NOW)
    first = tenant.course_report("big", 50)
    store.read = 0
    second = tenant.course_report("big", 50, first.next_cursor)
    assert [row.user.id for row in second.items] == [f"user-{index:05d}" for index in range(50, 100)]
    assert store.read <= 51 + 2 * 50  # one enrollment past the page, a user and a completion per row


def test_tenant_learner_report_page_reads_records_in_proportion_to_the_page() -> None:
    state = TenantState(users={"ada": User("ada", "ada@example.com")})
    for index in range(3_000):
        course_id = f"course-{index:05d}"
        state.courses[course_id] = Course(course_id, course_id, published_version=1)
        state.enrollments[(course_id, "ada")] = Enrollment(course_id, "ada", GRACE_ENROLLED)
    store = CountingStore(state)
    tenant = Tenant(state, store=store, clock=lambda: NOW)
    store.read = 0
    page = tenant.learner_report("ada", 20)
    assert len(page.items) == 20
    assert store.read <= 1 + 21 + 20  # the learner, one enrollment past the page, a completion per row


def test_tenant_reports_of_unknown_ids_are_not_found(tenant: Tenant) -> None:
    with pytest.raises(RiseError) as course_error:
        tenant.course_report("course-404", 50)
    assert course_error.value.code == "course_not_found"
    with pytest.raises(RiseError) as user_error:
        tenant.learner_report("user-404", 50)
    assert user_error.value.code == "user_not_found"


# -- control ---------------------------------------------------------------------------------------------


def test_tenant_reset_goes_back_to_the_seed(tenant: Tenant) -> None:
    seeded = tenant.state()
    tenant.import_completion("rise-quiz-101", "user-ada", SAME_DAY)
    tenant.enroll("draft-301", "user-alan")
    assert tenant.state() != seeded
    tenant.reset()
    assert tenant.state() == seeded


def test_tenant_load_replaces_the_state_and_what_reset_goes_back_to(tenant: Tenant) -> None:
    other = TenantState(
        courses={"c1": Course("c1", "One", published_version=1)},
        users={"u1": User("u1", "u1@example.com")},
    )
    tenant.load(other)
    assert tenant.state() == other
    tenant.import_completion("c1", "u1", SAME_DAY)
    tenant.reset()
    assert tenant.state() == other


def test_tenant_state_is_a_copy_that_does_not_change_the_tenant(tenant: Tenant) -> None:
    state = tenant.state()
    state.courses.clear()
    assert len(tenant.state().courses) == 4


def test_tenant_does_not_change_the_seed_it_was_given(clock: StepClock) -> None:
    seed = load_seed_file(DEMO_SEED_PATH)
    tenant = Tenant(seed, clock=clock)
    tenant.import_completion("rise-quiz-101", "user-ada", SAME_DAY)
    assert seed.completions == {}
    assert ("rise-quiz-101", "user-ada") not in seed.enrollments


# -- decisions made before the lock ------------------------------------------------------------------------


class RacedStore(MemoryStore):
    """A MemoryStore where another client's write (`race`) lands once, right after a pair's first read
    outside the store's lock, and that notes whether each clock reading was under the lock."""

    def __init__(self, state: TenantState) -> None:
        super().__init__(state)
        self.race = None
        self.clock_under_lock: list[bool] = []

    def pair_records(self, course_id, user_id):
        found = super().pair_records(course_id, user_id)
        if self.race is not None and not self._lock._is_owned():
            race, self.race = self.race, None
            race()
        return found


@pytest.fixture
def raced(clock: StepClock) -> tuple[Tenant, RacedStore]:
    seed = load_seed_file(DEMO_SEED_PATH)
    store = RacedStore(seed)

    def noting_clock() -> datetime:
        store.clock_under_lock.append(store._lock._is_owned())
        return clock()

    return Tenant(seed, store=store, clock=noting_clock), store


def test_tenant_decides_an_import_outside_the_lock_when_nothing_changes(raced) -> None:
    tenant, store = raced
    completion = tenant.import_completion("rise-quiz-101", "user-ada", SAME_DAY)
    assert store.clock_under_lock == [False]
    assert store.snapshot().completions[("rise-quiz-101", "user-ada")] == completion
    assert store.enrollment("rise-quiz-101", "user-ada").enrolled_at == NOW


def test_tenant_decides_again_on_what_another_clients_write_left(raced, clock: StepClock) -> None:
    tenant, store = raced

    def enrolled_elsewhere() -> None:
        tenant.enroll("rise-quiz-101", "user-ada")  # at NOW, while this import had read no enrollment
        clock.now = NOW + timedelta(hours=1)

    store.race = enrolled_elsewhere
    tenant.import_completion("rise-quiz-101", "user-ada", SAME_DAY)
    assert store.enrollment("rise-quiz-101", "user-ada").enrolled_at == NOW  # kept, not made anew
    assert store.clock_under_lock == [False, False, True]  # the race's, this import's, its second


def test_tenant_refuses_an_import_whose_course_went_before_the_lock(raced) -> None:
    tenant, store = raced
    seed = load_seed_file(DEMO_SEED_PATH)
    without = TenantState(
        courses={i: c for i, c in seed.courses.items() if i != "rise-quiz-101"},
        users=seed.users,
        enrollments={pair: e for pair, e in seed.enrollments.items() if pair[0] != "rise-quiz-101"},
    )
    store.race = lambda: store.replace(without)
    with pytest.raises(RiseError) as refused:
        tenant.import_completion("rise-quiz-101", "user-ada", SAME_DAY)
    assert refused.value.code == "course_not_found"
    assert store.snapshot() == without


# -- report lag (Rise: reports can take up to 5 minutes to show an import) ---------------------------------

LAG = timedelta(minutes=5)


@pytest.fixture
def lagging(clock: StepClock) -> Tenant:
    return Tenant(load_seed_file(DEMO_SEED_PATH), store=MemoryStore(), clock=clock, report_lag=LAG)


def _learner_rows(tenant: Tenant, user_id: str) -> dict[str, object]:
    return {row.course.id: row for row in tenant.learner_report(user_id, 50).items}


def test_tenant_with_report_lag_shows_an_import_only_once_the_lag_has_passed(
    lagging: Tenant, clock: StepClock
) -> None:
    lagging.import_completion("rise-quiz-101", "user-ada", TWO_DAYS)
    assert "rise-quiz-101" not in _learner_rows(lagging, "user-ada")
    assert ("rise-quiz-101", "user-ada") in lagging.state().completions
    clock.now = NOW + LAG
    row = _learner_rows(lagging, "user-ada")["rise-quiz-101"]
    assert row.status is Status.COMPLETE and row.duration == "P2D"


def test_tenant_with_report_lag_shows_the_old_dates_until_the_new_ones_arrive(
    lagging: Tenant, clock: StepClock
) -> None:
    lagging.import_completion("rise-quiz-101", "user-grace", TWO_DAYS)
    clock.now = NOW + LAG
    lagging.import_completion("rise-quiz-101", "user-grace", SAME_DAY)
    shown = lagging.course_report("rise-quiz-101", 50).items
    assert [row.duration for row in shown if row.user.id == "user-grace"] == ["P2D"]
    clock.now = NOW + 2 * LAG
    shown = lagging.course_report("rise-quiz-101", 50).items
    assert [row.duration for row in shown if row.user.id == "user-grace"] == ["PT1H30M"]


def test_tenant_with_report_lag_still_shows_an_existing_enrollment_as_not_started(
    lagging: Tenant, clock: StepClock
) -> None:
    lagging.import_completion("rise-quiz-101", "user-grace", TWO_DAYS)
    row = _learner_rows(lagging, "user-grace")["rise-quiz-101"]
    assert row.status is Status.NOT_STARTED
    assert row.enrolled_at == GRACE_ENROLLED


def test_tenant_report_rows_say_when_the_reports_show_each_row(lagging: Tenant, clock: StepClock) -> None:
    lagging.import_completion("rise-quiz-101", "user-ada", TWO_DAYS)
    rows = {(r.row.course.id, r.row.user.id): r for r in lagging.report_rows()}
    ada, grace = rows["rise-quiz-101", "user-ada"], rows["rise-quiz-101", "user-grace"]
    assert ada.row.status is Status.COMPLETE and ada.row.duration == "P2D"
    assert (ada.shown, ada.shown_from) == (False, NOW + LAG)
    assert (grace.shown, grace.shown_from) == (True, GRACE_ENROLLED + LAG)
    assert grace.row.status is Status.NOT_STARTED
    clock.now = NOW + LAG
    assert all(r.shown for r in lagging.report_rows())
    assert list(rows) == sorted(rows)
