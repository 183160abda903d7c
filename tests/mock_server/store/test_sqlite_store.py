"""SQLite storage: the same behaviour as memory, kept across restarts, shared between processes."""

from __future__ import annotations

import multiprocessing
from datetime import UTC, datetime

import pytest

from mock_server.model.records import Completion, Enrollment
from mock_server.model.seed import DEMO_SEED_PATH, load_seed_file
from mock_server.model.store import MemoryStore
from mock_server.model.tenant import Tenant
from mock_server.store.faults import Fault
from mock_server.store.sqlite import Database, SQLiteFaults, SQLiteJournal, SQLiteStore

DEMO = load_seed_file(DEMO_SEED_PATH)
WHEN = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)
DATES = {"startedAt": "2023-05-01T08:00:00.250+02:00", "completedAt": "2023-05-03"}


@pytest.fixture(params=["memory", "sqlite"])
def store(request, tmp_path):
    return MemoryStore() if request.param == "memory" else SQLiteStore(Database(tmp_path / "t.sqlite3"))


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


def test_sqlite_store_atomic_rolls_back_every_write_when_it_fails(tmp_path):
    store = SQLiteStore(Database(tmp_path / "rollback.sqlite3"))
    store.replace(DEMO)
    with pytest.raises(RuntimeError), store.atomic():
        store.save_enrollment(Enrollment("rise-intro-102", "user-ada", WHEN))
        raise RuntimeError("boom")
    assert store.enrollment("rise-intro-102", "user-ada") is None


def test_sqlite_tenant_is_kept_across_restarts(tmp_path):
    path = tmp_path / "kept.sqlite3"
    Tenant(DEMO, store=SQLiteStore(Database(path)), keep_existing=True).import_completion(
        "rise-intro-102", "user-alan", DATES
    )
    reopened = Tenant(DEMO, store=SQLiteStore(Database(path)), keep_existing=True)
    assert ("rise-intro-102", "user-alan") in reopened.state().completions
    reopened.reset()
    assert reopened.state() == DEMO


def test_sqlite_seed_is_shared_so_reset_anywhere_goes_back_to_the_loaded_seed(tmp_path):
    path = tmp_path / "seed.sqlite3"
    first = Tenant(DEMO, store=SQLiteStore(Database(path)), keep_existing=True)
    smaller = DEMO.copy()
    del smaller.courses["draft-301"]
    first.load(smaller)
    second = Tenant(DEMO, store=SQLiteStore(Database(path)), keep_existing=True)
    second.reset()
    assert "draft-301" not in second.state().courses


def test_sqlite_journal_keeps_the_last_entries_up_to_its_capacity(tmp_path):
    journal = SQLiteJournal(Database(tmp_path / "j.sqlite3"), capacity=3)
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
    for _ in range(5):
        journal.record(**fields)
    entries = journal.entries()
    assert [entry.id for entry in entries] == [3, 4, 5]
    assert entries[0].body == {"a": 1}
    assert entries[0].at == datetime(2024, 5, 2, 9, 0, 0, 125000, tzinfo=UTC)
    (row,) = journal._db.rows("SELECT entry FROM journal WHERE id = 3")
    assert '"at": "2024-05-02T09:00:00.125000Z"' in row["entry"]
    assert [entry.id for entry in journal.entries(since=4)] == [5]
    journal.clear()
    assert journal.entries() == []


def _take(path: str, queue) -> None:
    queue.put(SQLiteFaults(Database(path)).take("POST", "/courses/x/users/y/completions"))


def test_sqlite_faults_fire_once_each_across_processes(tmp_path):
    path = str(tmp_path / "f.sqlite3")
    SQLiteFaults(Database(path)).add(Fault(method="POST", path="/courses/*", status=503, times=2))
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    workers = [context.Process(target=_take, args=(path, queue)) for _ in range(3)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=30)
    taken = [queue.get(timeout=5) for _ in workers]
    assert sorted(f.status if f else 0 for f in taken) == [0, 503, 503]
    assert SQLiteFaults(Database(path)).pending() == []
