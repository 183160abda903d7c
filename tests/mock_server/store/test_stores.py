"""Every store behaves alike (memory, SQLite, PostgreSQL); the SQL ones keep the tenant across restarts
and share it, with its journal and faults, between processes."""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import multiprocessing
import sqlite3
import threading
import time
from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from mock_server.model.pagination import decode_cursor
from mock_server.model.records import Completion, Course, Enrollment, TenantState, User
from mock_server.model.seed import DEMO_SEED_PATH, load_seed_file
from mock_server.model.store import MemoryStore
from mock_server.model.tenant import Tenant
from mock_server.store.backend import open_backend
from mock_server.store.faults import (
    DEFAULT_RETRY_AFTER,
    Fault,
    MemoryFaults,
    Network,
    fault_from_json,
    fault_json,
)
from mock_server.store.journal import CAPACITY, Disconnect, JournalEntry, MemoryJournal, new_entry
from mock_server.store.postgres import (
    PostgresDatabase,
    PostgresError,
    PostgresFaults,
    PostgresJournal,
    PostgresStore,
)
from mock_server.store.sql import DatabaseError, SQLJournal
from mock_server.store.sqlite import _CHECKPOINT_EVERY, _Checkpointer, open_sqlite

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
    return open_sqlite(database)


def _opened(request, tmp_path, memory: tuple):
    """The store, journal and faults of the fixture's medium: `memory` or a fresh SQL database."""
    if request.param == "memory":
        return memory
    if request.param == "sqlite":
        return _parts(str(tmp_path / "t.sqlite3"))
    return _parts(request.getfixturevalue("postgres_url"))


@pytest.fixture(params=["memory", *SQL])
def store(request, tmp_path):
    return _opened(request, tmp_path, (MemoryStore(), None, None))[0]


@pytest.fixture(params=["memory", *SQL])
def make_journal(request, tmp_path):
    """A journal of the fixture's medium holding at most `capacity` entries: `make_journal(capacity)`."""

    def make(capacity: int = CAPACITY):
        journal = _opened(request, tmp_path, (None, MemoryJournal(capacity), None))[1]
        journal.capacity = capacity  # the SQL journals read it at each write
        return journal

    return make


@pytest.fixture
def journal(make_journal):
    return make_journal()


@pytest.fixture(params=["memory", *SQL])
def faults(request, tmp_path):
    return _opened(request, tmp_path, (None, None, MemoryFaults()))[2]


def _entry_fields(**changes) -> dict:
    """The fields of a journal entry (all but its id)."""
    fields = dict(
        at=datetime(2024, 5, 2, 9, 0, 0, 125000, tzinfo=UTC),
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
    return {**fields, **changes}


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


def test_store_reads_a_pairs_records_together_as_it_reads_them_one_by_one(store):
    state = _wide_tenant()
    state.courses["c'; --"] = Course("c'; --", "Quoted", published_version=None)
    state.enrollments[("c'; --", "日本")] = Enrollment("c'; --", "日本", WHEN)
    history = Completion("c", "a", WHEN, WHEN, 1, None, None)
    state.completions[("c", "é")] = Completion("c", "é", WHEN, WHEN, 1, 87.5, WHEN, shown_before=history)
    state.completions[("c", "B")] = Completion("c", "B", WHEN, WHEN, 1, None, None)
    store.replace(state)
    pairs = [("c", "é"), ("c", "B"), ("c", "a"), ("c'; --", "日本"), ("c", "nobody"), ("none", "a")]
    pairs += [("none", "nobody"), ("c", "a\x00"), ("c\x00", "a"), ("", "")]
    for course_id, user_id in pairs:
        one_by_one = (
            store.course(course_id),
            store.user(user_id),
            store.completion(course_id, user_id),
            store.enrollment(course_id, user_id),
        )
        assert store.pair_records(course_id, user_id) == one_by_one, (course_id, user_id)
    found = store.pair_records("c", "é")
    assert found.completion.shown_before == history and found.enrollment.enrolled_at == WHEN
    if not isinstance(store, MemoryStore):  # what Tenant compares under the lock: the same, cheaply
        assert store.pair_records("c", "é") is found
    store.save_completion(Completion("c", "é", WHEN, WHEN, 2, None, None))
    assert store.pair_records("c", "é").completion.course_version == 2
    assert store.pair_records("c'; --", "日本").course.published_version is None


def _changes_since_a_read() -> dict:
    """Writes another client may make to the pair (rise-quiz-101, user-ada) between a read and a write."""
    course = DEMO.courses["rise-quiz-101"]
    user = DEMO.users["user-ada"]

    def replaced(**parts) -> TenantState:
        state = DEMO.copy()
        for name, records in parts.items():
            getattr(state, name).clear()
            getattr(state, name).update(records)
        return state

    return {
        "completion saved": lambda store: store.save_completion(
            Completion("rise-quiz-101", "user-ada", WHEN, WHEN, 3, 50.0, WHEN)
        ),
        "enrollment made": lambda store: store.save_enrollment(Enrollment("rise-quiz-101", "user-ada", WHEN)),
        "course republished": lambda store: store.replace(
            replaced(courses={**DEMO.courses, course.id: dataclasses.replace(course, published_version=4)})
        ),
        "course gone": lambda store: store.replace(
            replaced(courses={i: c for i, c in DEMO.courses.items() if i != course.id})
        ),
        "user renamed": lambda store: store.replace(
            replaced(users={**DEMO.users, user.id: dataclasses.replace(user, last_name="Byron")})
        ),
    }


@pytest.mark.parametrize("change", list(_changes_since_a_read()))
def test_store_saves_a_pairs_new_records_only_while_they_are_as_read(store, change):
    """What `Tenant` relies on to write a decision made without the lock: written when the pair is as
    read (a lone completion, or an enrollment with it), refused with nothing written after any change."""
    store.replace(DEMO)
    pair = ("rise-quiz-101", "user-ada")
    enrollment = Enrollment(*pair, WHEN.replace(hour=13))
    first = Completion(*pair, WHEN, WHEN, 3, 100.0, WHEN)
    seen = store.pair_records(*pair)
    assert store.save_if_unchanged(*pair, seen, enrollment, first)
    assert store.pair_records(*pair)[2:] == (first, enrollment)

    second = dataclasses.replace(first, completed_at=WHEN.replace(hour=14), shown_before=first)
    seen = store.pair_records(*pair)
    _changes_since_a_read()[change](store)
    before = store.snapshot()
    assert not store.save_if_unchanged(*pair, seen, None, second)
    assert not store.save_if_unchanged(*pair, seen, enrollment, second)
    assert store.snapshot() == before
    seen = store.pair_records(*pair)
    if seen.course is not None:  # read again, it is written
        assert store.save_if_unchanged(*pair, seen, None, second)
        assert store.completion(*pair) == second


def test_sqlite_store_saves_a_lone_completion_in_one_statement_that_checks_the_pair(tmp_path, monkeypatch):
    """Every import after a pair's first: the writers' lock is held for that statement, no transaction
    around Python work; the rows compared are what was read, so a change in between refuses it."""
    store, _, _ = open_sqlite(tmp_path / "one.sqlite3")
    other, _, _ = open_sqlite(tmp_path / "one.sqlite3")
    store.replace(DEMO)
    pair = ("rise-quiz-101", "user-grace")
    seen = store.pair_records(*pair)
    completion = Completion(*pair, WHEN, WHEN, 3, 90.0, WHEN)

    def no_transaction():
        raise AssertionError("a lone completion takes no transaction")

    monkeypatch.setattr(store._db, "atomic", no_transaction)
    assert store.save_if_unchanged(*pair, seen, None, completion)
    assert other.completion(*pair) == completion
    seen = store.pair_records(*pair)
    other.save_completion(dataclasses.replace(completion, quiz_score_percent=10.0))  # another process
    assert not store.save_if_unchanged(*pair, seen, None, dataclasses.replace(completion, course_version=2))
    assert other.completion(*pair).quiz_score_percent == 10.0


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


def test_journal_keeps_the_last_entries_up_to_its_capacity(make_journal):
    journal = make_journal(3)
    for _ in range(5):
        journal.record(**_entry_fields())
    entries = journal.entries()
    assert [entry.id for entry in entries] == [3, 4, 5]
    assert entries[0].body == {"a": 1}
    assert entries[0].at == datetime(2024, 5, 2, 9, 0, 0, 125000, tzinfo=UTC)
    assert [entry.id for entry in journal.entries(since=4)] == [5]
    journal.clear()
    assert journal.entries() == []


def test_journal_gives_back_each_entry_as_recorded_with_how_its_connection_ended(journal):
    hung_up = _entry_fields(
        method="POST", body='{"startedAt": ', status=None, code=None, disconnected=Disconnect.CLIENT
    )
    dropped = _entry_fields(status=None, disconnected=Disconnect.FAULT, at=datetime(2024, 5, 2, tzinfo=UTC))
    refused = _entry_fields(status=401, code="unauthorized", authorization="none", body=None)
    recorded = [journal.record(**fields) for fields in (hung_up, dropped, refused)]
    entries = journal.entries()
    assert entries == recorded
    sent = [hung_up, dropped, refused]
    assert entries == [JournalEntry(id=e.id, **fields) for e, fields in zip(entries, sent, strict=True)]
    assert [type(entry.disconnected) for entry in entries] == [Disconnect, Disconnect, type(None)]
    assert entries[1].at.tzinfo is not None and entries[1].at == datetime(2024, 5, 2, tzinfo=UTC)


def test_journal_entries_recorded_lazily_read_as_recorded_ones_in_their_order(make_journal):
    journal = make_journal(3)
    made: list[int] = []

    def maker(number: int):
        return lambda: made.append(number) or _entry_fields(status=200 + number)

    journal.record(**_entry_fields(status=200))
    for number in (1, 2, 3):
        journal.record_lazily(maker(number))
    journal.record(**_entry_fields(status=204))
    entries = journal.entries(since=2)
    assert [entry.id for entry in entries] == [3, 4, 5]
    assert [entry.status for entry in entries] == [202, 203, 204]
    assert entries[0] == JournalEntry(id=3, **_entry_fields(status=202))
    assert journal.entries() == journal.entries()  # each entry is made once, then kept as made
    # Kept in this process, an entry is made when first read, and one dropped unread is never made; a
    # shared database's journal outside an event loop writes each at once, for the other processes.
    assert made == ([1, 2, 3] if isinstance(journal, SQLJournal) else [2, 3])


@pytest.mark.parametrize("database", SQL, indirect=True)
def test_sql_journal_writes_a_loop_turns_entries_together_at_the_next_turn(database):
    writer, reader = _parts(database)[1], _parts(database)[1]  # two processes' openings of it
    writer.capacity = 3
    transactions = []
    opened = writer._db.transaction
    writer._db.transaction = lambda: transactions.append(1) or opened()

    def lazily(*statuses: int) -> None:
        for status in statuses:
            writer.record_lazily(lambda status=status: _entry_fields(status=status))

    async def turns() -> dict[str, list[int]]:
        seen: dict[str, list[int]] = {}
        lazily(*range(200, 350))  # IDs 1 to 150: past a trimming point
        seen["other process, same turn"] = [entry.status for entry in reader.entries()]
        await asyncio.sleep(0)
        seen["other process, next turn"] = [entry.status for entry in reader.entries()]
        seen["rows kept"] = [row["id"] for row in reader._db.rows("SELECT id FROM journal ORDER BY id")]
        lazily(401, 402)
        seen["this process, same turn"] = [entry.status for entry in writer.entries()]
        lazily(403)
        writer.clear()  # recorded before the clear, written or not
        await asyncio.sleep(0)
        seen["after a clear"] = [entry.status for entry in reader.entries()]
        return seen

    seen = asyncio.run(turns())
    assert seen == {
        "other process, same turn": [],
        "other process, next turn": [347, 348, 349],
        "rows kept": [148, 149, 150],
        "this process, same turn": [349, 401, 402],
        "after a clear": [],
    }
    assert transactions == [1, 1]  # 150 entries in one, then 2 in one
    lazily(501)  # no loop running: written at once
    assert [entry.status for entry in reader.entries()] == [501]


def test_new_entry_is_the_dataclass_and_refuses_what_it_refuses():
    fields = _entry_fields()
    assert new_entry(7, fields) == JournalEntry(id=7, **fields)
    assert new_entry(7, fields).disconnected is None
    assert hash(new_entry(7, {**fields, "body": None})) == hash(
        JournalEntry(id=7, **{**fields, "body": None})
    )
    for wrong in (
        {**fields, "colour": "red"},
        {k: v for k, v in fields.items() if k != "status"},
        {**fields, "id": 1},
    ):
        with pytest.raises(TypeError):
            new_entry(7, wrong)


@pytest.mark.parametrize("database", SQL, indirect=True)
def test_sql_journal_keeps_entries_in_their_control_api_form(database):
    journal = _parts(database)[1]
    entry = journal.record(**_entry_fields(status=None, disconnected=Disconnect.CLIENT))
    (row,) = journal._db.rows(f"SELECT entry FROM journal WHERE id = {entry.id}")
    assert '"at": "2024-05-02T09:00:00.125000Z"' in row["entry"]
    assert '"disconnected": "client"' in row["entry"] and '"durationMs": 1.0' in row["entry"]


def test_faults_take_counts_down_in_the_order_they_were_added_and_then_forgets_them(faults):
    faults.add(Fault(path="/users", status=500))
    faults.add(Fault(status=503, times=2))
    assert faults.take("GET", "/courses").status == 503
    assert [(f.status, f.times) for f in faults.pending()] == [(500, 1), (503, 1)]
    assert faults.take("GET", "/users").status == 500
    assert faults.take("GET", "/users").status == 503
    assert faults.take("GET", "/courses") is None
    assert faults.pending() == []


def test_faults_keep_network_faults_and_the_retry_after_a_429_gets(faults):
    imports = "/courses/*/users/*/completions"
    faults.add(fault_from_json({"method": "POST", "path": imports, "network": "drop"}))
    faults.add(fault_from_json({"status": 429}))
    faults.add(fault_from_json({"method": "POST", "path": imports, "network": "truncate", "delayMs": 5}))
    dropped, limited, truncated = faults.pending()
    assert dropped.network is Network.DROP and dropped.status == 0
    assert truncated.network is Network.TRUNCATE and truncated.delay_ms == 5
    assert limited.retry_after is None and limited.retry_after_header == DEFAULT_RETRY_AFTER
    assert fault_json(limited)["retryAfter"] == DEFAULT_RETRY_AFTER
    assert faults.take("GET", "/courses") == limited
    assert faults.take("POST", "/courses/c/users/u/completions").network is Network.DROP
    assert faults.take("POST", "/courses/c/users/u/completions") == truncated
    faults.add(Fault(status=503))
    faults.clear()
    assert faults.pending() == []


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


def _crowd(learners: int = LEARNERS) -> TenantState:
    state = TenantState(courses={"c": Course("c", "C", published_version=1)})
    for index in range(learners):
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
    first.journal.record(**_entry_fields(status=401, code="unauthorized", authorization="none", body=None))
    other = open_backend(database=database)
    assert other.kept
    assert ("rise-intro-102", "user-alan") in other.tenant.state().completions
    assert [f.status for f in other.faults.pending()] == [503]
    assert [e.code for e in other.journal.entries()] == ["unauthorized"]


def _one_course_seed(tmp_path, course: str):
    seed = tmp_path / f"{course}.yaml"
    seed.write_text(
        f"courses: [{{id: {course}, title: One, publishedVersion: 1}}]\n"
        "users: [{id: u1, email: u1@x.test}]\n"
    )
    return seed


@pytest.mark.parametrize("database", SQL, indirect=True)
def test_open_backend_keeps_a_stored_tenant_over_the_seed_unless_reseeded(database, tmp_path):
    first = open_backend(seed=_one_course_seed(tmp_path, "stored"), database=database)
    assert not first.kept
    first.tenant.import_completion("stored", "u1", DATES)
    first.faults.add(Fault(status=503))
    first.journal.record(**_entry_fields())
    kept = open_backend(seed=_one_course_seed(tmp_path, "new"), database=database)
    assert kept.kept
    assert list(kept.tenant.state().courses) == ["stored"]
    assert ("stored", "u1") in kept.tenant.state().completions
    assert len(kept.faults.pending()) == 1 and len(kept.journal.entries()) == 1
    replaced = open_backend(seed=_one_course_seed(tmp_path, "new"), database=database, reseed=True)
    assert not replaced.kept
    assert list(replaced.tenant.state().courses) == ["new"]
    assert replaced.tenant.state().completions == {}
    assert replaced.faults.pending() == [] and replaced.journal.entries() == []
    replaced.tenant.reset()
    assert list(replaced.tenant.state().courses) == ["new"]  # the seed stored is the new one


def _add_foreign_table(database: str) -> None:
    """Another program's `courses` table, as rise-mock would never make it."""
    if database.startswith("postgresql://"):
        with psycopg.connect(database, autocommit=True) as connection:
            connection.execute("CREATE TABLE courses (code INTEGER)")
            connection.execute("INSERT INTO courses VALUES (7)")
        return
    with sqlite3.connect(database) as connection:
        connection.execute("CREATE TABLE courses (code INTEGER)")
        connection.execute("INSERT INTO courses VALUES (7)")


def _foreign_rows(database: str) -> list:
    if database.startswith("postgresql://"):
        with psycopg.connect(database, autocommit=True) as connection:
            return [tuple(row) for row in connection.execute("SELECT * FROM courses")]
    with sqlite3.connect(database) as connection:
        return [tuple(row) for row in connection.execute("SELECT * FROM courses")]


@pytest.mark.parametrize("database", SQL, indirect=True)
def test_open_backend_refuses_a_database_holding_another_programs_tables_and_leaves_them(database):
    _add_foreign_table(database)
    with pytest.raises(DatabaseError) as error:
        open_backend(database=database)
    message = str(error.value)
    assert "it holds a table 'courses' with the columns ['code'], not rise-mock's" in message
    assert "choose another" in message
    assert _foreign_rows(database) == [(7,)]


def test_postgres_database_whose_schema_is_missing_says_what_to_check(postgres_server_url):
    url = f"{postgres_server_url}?options=-csearch_path%3Dno_such_schema"
    with pytest.raises(PostgresError) as error:
        open_backend(database=url)
    assert isinstance(error.value, DatabaseError)  # rise-mock serve exits 2 on it, as on a bad SQLite file
    assert "cannot create rise-mock's tables" in str(error.value)
    assert "schema" in str(error.value)


def test_sqlite_journal_has_its_own_file_so_that_its_writes_never_wait_behind_the_tenants(tmp_path):
    database = tmp_path / "tenant.sqlite3"
    store, journal, _ = open_sqlite(database)
    assert (tmp_path / "tenant.sqlite3.requests").exists()
    with sqlite3.connect(database, isolation_level=None) as other_process:
        other_process.execute("BEGIN IMMEDIATE")  # another worker in the middle of an import
        entry = journal.record(**_entry_fields())
        other_process.execute("ROLLBACK")
    assert [e.id for e in journal.entries()] == [entry.id]
    with sqlite3.connect(database) as tenant_file:
        tables = {
            row[0] for row in tenant_file.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        }
    assert "journal" not in tables and {"completions", "faults"} <= tables
    assert store.holds_tenant() is False


def _file_reaches(path, size: int) -> bool:
    """Whether the file grows to `size` bytes within 30 s: the log's pages were checkpointed into it."""
    deadline = time.monotonic() + 30
    while path.stat().st_size < size and time.monotonic() < deadline:
        time.sleep(0.01)
    return path.stat().st_size >= size


def test_sqlite_log_is_checkpointed_into_the_file_by_a_thread_of_its_own(tmp_path, monkeypatch):
    monkeypatch.setattr(_Checkpointer, "idle_seconds", 0.2)
    database = tmp_path / "tenant.sqlite3"
    store, _, faults = open_sqlite(database)
    before = database.stat().st_size
    store.replace(_crowd(5000))  # a whole tenant: checkpointed at once
    assert _file_reaches(database, before + 5000 * 40)
    assert "rise-mock-checkpoint" in {thread.name for thread in threading.enumerate()}
    before = database.stat().st_size
    for _ in range(_CHECKPOINT_EVERY):  # single writes, each its own transaction
        faults.add(Fault(path="/" + "x" * 2000, status=503))
    assert _file_reaches(database, before + _CHECKPOINT_EVERY * 2000)
    assert len(faults.pending()) == _CHECKPOINT_EVERY
    checkpointer = store._db._checkpointer[1]
    deadline = time.monotonic() + 30  # idle, the thread ends, and is started again when asked
    while checkpointer._thread is not None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert checkpointer._thread is None
    before = database.stat().st_size
    store.replace(_crowd(10000))
    assert _file_reaches(database, before + 5000 * 40)


def test_sqlite_says_at_opening_when_the_journal_or_the_lock_file_cannot_be_made(tmp_path):
    (tmp_path / "a.sqlite3.requests").mkdir()
    with pytest.raises(DatabaseError, match=r"a\.sqlite3\.requests, which is a folder: rename or remove"):
        open_backend(database=str(tmp_path / "a.sqlite3"))
    (tmp_path / "b.sqlite3-writers").mkdir()
    with pytest.raises(DatabaseError, match=r"b\.sqlite3-writers cannot be made \(Is a directory\): free"):
        open_backend(database=str(tmp_path / "b.sqlite3"))
