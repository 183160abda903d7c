"""Every store behaves alike (memory, SQLite, PostgreSQL); the SQL ones keep the tenant across restarts
and share it, with its journal and faults, between processes."""

from __future__ import annotations

import base64
import multiprocessing
from datetime import UTC, datetime, timedelta

import pytest

from mock_server.model.pagination import decode_cursor
from mock_server.model.records import Completion, Course, Enrollment, TenantState, User
from mock_server.model.seed import DEMO_SEED_PATH, load_seed_file
from mock_server.model.store import MemoryStore
from mock_server.model.tenant import Tenant
from mock_server.store.backend import open_backend
from mock_server.store.faults import Fault
from mock_server.store.postgres import (
    PostgresDatabase,
    PostgresError,
    PostgresFaults,
    PostgresJournal,
    PostgresStore,
)
from mock_server.store.sqlite import Database, SQLiteFaults, SQLiteJournal, SQLiteStore

DEMO = load_seed_file(DEMO_SEED_PATH)
WHEN = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)
DATES = {"startedAt": "2023-05-01T08:00:00.250+02:00", "completedAt": "2023-05-03"}
SQL = ["sqlite", "postgresql"]


def _processes() -> multiprocessing.context.BaseContext:
    """Processes of their own, each opening the database anew. Not forked from this one: a child that
    inherits an open SQLite file and closes it drops its own locks on that file (POSIX locks are per
    process), and one that closes an inherited PostgreSQL connection ends it for the parent. A fork
    server that has loaded the stores starts them quickly."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["mock_server.store.backend", "pytest"])
    return context


@pytest.fixture
def database(request, tmp_path) -> str:
    """Where a SQL store keeps its tenant: a SQLite file or a PostgreSQL URL (its own schema)."""
    if request.param == "sqlite":
        return str(tmp_path / "t.sqlite3")
    return request.getfixturevalue("postgres_url")


def _parts(database: str):
    """The store, journal and faults of one opening of `database`."""
    if database.startswith("postgresql://"):
        db = PostgresDatabase(database)
        return PostgresStore(db), PostgresJournal(db), PostgresFaults(db)
    db = Database(database)
    return SQLiteStore(db), SQLiteJournal(db), SQLiteFaults(db)


@pytest.fixture(params=["memory", *SQL])
def store(request, tmp_path):
    if request.param == "memory":
        return MemoryStore()
    if request.param == "sqlite":
        return _parts(str(tmp_path / "t.sqlite3"))[0]
    return _parts(request.getfixturevalue("postgres_url"))[0]


def test_store_replace_and_snapshot_round_trip_the_demo_tenant(store):
    store.replace(DEMO)
    assert store.snapshot() == DEMO


def test_store_keeps_offsets_and_fractions_of_dates(store):
    store.replace(DEMO)
    completion = Tenant(DEMO, store=store, clock=lambda: WHEN).import_completion(
        "rise-quiz-101", "user-ada", DATES
    )
    assert store.completion("rise-quiz-101", "user-ada") == completion
    assert store.completion("rise-quiz-101", "user-ada").started_at.utcoffset().total_seconds() == 7200


def test_store_lists_come_sorted_by_id(store):
    store.replace(DEMO)
    store.save_enrollment(Enrollment("rise-intro-102", "user-grace", WHEN))
    assert [c.id for c in store.courses()] == sorted(DEMO.courses)
    assert [u.id for u in store.users()] == sorted(DEMO.users)
    assert [e.course_id for e in store.enrollments_of_user("user-grace")] == [
        "rise-intro-102",
        "rise-quiz-101",
    ]


def test_store_save_completion_replaces_the_record_of_the_pair(store):
    store.replace(DEMO)
    first = Completion("rise-quiz-101", "user-ada", WHEN, WHEN, 3, 100.0, WHEN)
    second = Completion("rise-quiz-101", "user-ada", WHEN, WHEN.replace(hour=13), 3, 100.0, WHEN)
    store.save_completion(first)
    store.save_completion(second)
    assert store.snapshot().completions == {("rise-quiz-101", "user-ada"): second}


def _wide_tenant() -> TenantState:
    """One course whose learners' IDs sort in ways byte order and locale order disagree on."""
    ids = ["a", "B", "b", "é", "z", "Z9", "ß", "ü-1", "日本", "x y", "a-b", "a_b", "\U0001f600"]
    state = TenantState(courses={"c": Course("c", "C", published_version=1)})
    for user_id in ids:
        state.users[user_id] = User(user_id, f"{len(user_id)}@example.com")
        state.enrollments[("c", user_id)] = Enrollment("c", user_id, WHEN)
    return state


def test_store_pages_enrollments_after_a_key_in_code_point_order(store):
    store.replace(_wide_tenant())
    everyone = sorted(_wide_tenant().users)
    assert [e.user_id for e in store.enrollments_of_course("c")] == everyone
    assert [e.user_id for e in store.enrollments_of_course("c", None, 3)] == everyone[:3]
    assert [e.user_id for e in store.enrollments_of_course("c", everyone[3], 4)] == everyone[4:8]
    assert [u.id for u in store.users(everyone[-2])] == everyone[-1:]
    assert store.enrollments_of_course("c", everyone[-1]) == []
    assert store.enrollments_of_course("no-such-course") == []


@pytest.mark.parametrize("raw", [b"\xff", b"a\xff", b"a\x00", b"\x00", b"\xc3", b"z\xed\xa0\x80"])
def test_store_pages_after_any_key_a_cursor_can_carry_as_python_compares_them(store, raw):
    """A hand-made cursor may carry bytes that are no UTF-8, or NUL: the page is still what comparing
    the strings gives."""
    store.replace(_wide_tenant())
    after = decode_cursor(base64.urlsafe_b64encode(raw).decode().rstrip("="))
    expected = [user_id for user_id in sorted(_wide_tenant().users) if user_id > after]
    assert [e.user_id for e in store.enrollments_of_course("c", after)] == expected


def test_store_lookups_of_ids_no_record_can_have_find_nothing(store):
    store.replace(DEMO)
    assert store.course("rise\x00quiz") is None
    assert store.completion("rise-quiz-101", "user\x00ada") is None
    assert store.enrollments_of_user("user\x00grace") == []


@pytest.mark.parametrize("database", SQL, indirect=True)
def test_sql_store_atomic_rolls_back_every_write_when_it_fails(database):
    store = _parts(database)[0]
    store.replace(DEMO)
    with pytest.raises(RuntimeError), store.atomic():
        store.save_enrollment(Enrollment("rise-intro-102", "user-ada", WHEN))
        raise RuntimeError("boom")
    assert store.enrollment("rise-intro-102", "user-ada") is None


@pytest.mark.parametrize("database", SQL, indirect=True)
def test_sql_tenant_is_kept_across_restarts(database):
    Tenant(DEMO, store=_parts(database)[0], keep_existing=True).import_completion(
        "rise-intro-102", "user-alan", DATES
    )
    reopened = Tenant(DEMO, store=_parts(database)[0], keep_existing=True)
    assert ("rise-intro-102", "user-alan") in reopened.state().completions
    reopened.reset()
    assert reopened.state() == DEMO


@pytest.mark.parametrize("database", SQL, indirect=True)
def test_sql_seed_is_shared_so_reset_anywhere_goes_back_to_the_loaded_seed(database):
    first = Tenant(DEMO, store=_parts(database)[0], keep_existing=True)
    smaller = DEMO.copy()
    del smaller.courses["draft-301"]
    first.load(smaller)
    second = Tenant(DEMO, store=_parts(database)[0], keep_existing=True)
    second.reset()
    assert "draft-301" not in second.state().courses


@pytest.mark.parametrize("database", SQL, indirect=True)
def test_sql_journal_keeps_the_last_entries_up_to_its_capacity(database):
    journal = _parts(database)[1]
    journal.capacity = 3
    fields = dict(
        at=0.0,
        method="GET",
        path="/courses",
        query="",
        content_type=None,
        api_version=None,
        authorization="bearer",
        body={"a": 1},
        status=200,
        code=None,
        duration_ms=1.0,
    )
    for _ in range(5):
        journal.record(**fields)
    entries = journal.entries()
    assert [entry.id for entry in entries] == [3, 4, 5]
    assert entries[0].body == {"a": 1}
    assert [entry.id for entry in journal.entries(since=4)] == [5]
    journal.clear()
    assert journal.entries() == []


def _take(database: str, queue) -> None:
    queue.put(_parts(database)[2].take("POST", "/courses/x/users/y/completions"))


@pytest.mark.parametrize("database", SQL, indirect=True)
def test_sql_faults_fire_once_each_across_processes(database):
    _parts(database)[2].add(Fault(method="POST", path="/courses/*", status=503, times=2))
    context = _processes()
    queue = context.Queue()
    workers = [context.Process(target=_take, args=(database, queue)) for _ in range(3)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    taken = [queue.get(timeout=5) for _ in workers]
    assert sorted(f.status if f else 0 for f in taken) == [0, 503, 503]
    assert _parts(database)[2].pending() == []


LEARNERS = 12
ROUNDS = 20


def _crowd() -> TenantState:
    state = TenantState(courses={"c": Course("c", "C", published_version=1)})
    for index in range(LEARNERS):
        state.users[f"u{index:02d}"] = User(f"u{index:02d}", f"u{index}@example.com")
    return state


def _import_everyone(database: str, worker: int, start, queue) -> None:
    """Import every learner's pair ROUNDS times, each with this worker's own dates, starting with the
    other workers; report what was acknowledged (the dates of each import that returned)."""
    tenant = Tenant(_crowd(), store=_parts(database)[0], keep_existing=True)
    start.wait(timeout=60)
    acknowledged = []
    for round_index in range(ROUNDS):
        for index in range(LEARNERS):
            day = datetime(2023, 1, 1, tzinfo=UTC) + timedelta(days=worker * ROUNDS + round_index)
            dates = {"startedAt": day.date().isoformat(), "completedAt": day.date().isoformat()}
            tenant.import_completion("c", f"u{index:02d}", dates)
            acknowledged.append((f"u{index:02d}", day))
    queue.put(acknowledged)


@pytest.mark.parametrize("database", SQL, indirect=True)
def test_sql_concurrent_imports_from_processes_keep_one_record_per_pair_and_lose_none(database):
    Tenant(_crowd(), store=_parts(database)[0], keep_existing=True)
    context = _processes()
    queue, start = context.Queue(), context.Barrier(3)
    workers = [context.Process(target=_import_everyone, args=(database, n, start, queue)) for n in range(3)]
    for worker in workers:
        worker.start()
    acknowledged = [pair for _ in workers for pair in queue.get(timeout=120)]
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0
    state = _parts(database)[0].snapshot()
    assert len(acknowledged) == 3 * ROUNDS * LEARNERS
    assert sorted(state.completions) == [("c", f"u{i:02d}") for i in range(LEARNERS)]
    assert sorted(state.enrollments) == sorted(state.completions)
    start = datetime(2023, 1, 1, tzinfo=UTC)
    last_rounds = {start + timedelta(days=n * ROUNDS + ROUNDS - 1) for n in range(3)}
    for (_, user_id), completion in state.completions.items():
        assert (user_id, completion.completed_at) in acknowledged
        assert completion.completed_at in last_rounds  # the record is some process's last import


@pytest.mark.parametrize("database", SQL, indirect=True)
def test_open_backend_keeps_the_tenant_journal_and_faults_in_the_database(database):
    first = open_backend(database=database)
    first.tenant.import_completion("rise-intro-102", "user-alan", DATES)
    first.faults.add(Fault(status=503))
    first.journal.record(
        at=0.0, method="GET", path="/courses", query="", content_type=None, api_version=None,
        authorization="none", body=None, status=401, code="unauthorized", duration_ms=0.5,
    )  # fmt: skip
    other = open_backend(database=database)
    assert ("rise-intro-102", "user-alan") in other.tenant.state().completions
    assert [f.status for f in other.faults.pending()] == [503]
    assert [e.code for e in other.journal.entries()] == ["unauthorized"]


def test_postgres_database_whose_schema_is_missing_says_what_to_check(postgres_server_url):
    url = f"{postgres_server_url}?options=-csearch_path%3Dno_such_schema"
    with pytest.raises(PostgresError) as error:
        PostgresDatabase(url)
    assert "cannot create rise-mock's tables" in str(error.value)
    assert "schema" in str(error.value)
