"""SQLite storage: the tenant, its journal and its faults in one file, kept across restarts and shared by
several worker processes (each class implements the protocol of its memory twin)."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Any, TypeVar

from mock_server.model.records import Completion, Course, Enrollment, TenantState, User
from mock_server.model.seed import state_to_document
from mock_server.store.faults import Fault, take
from mock_server.store.journal import CAPACITY, JournalEntry
from mock_server.store.rows import completion_fields as _completion_fields
from mock_server.store.rows import text_of_time as _time
from mock_server.store.sql import SQLStore

_SCHEMA = """
CREATE TABLE IF NOT EXISTS courses (id TEXT PRIMARY KEY, title TEXT NOT NULL, source TEXT NOT NULL,
    published_version INTEGER, quiz_required INTEGER NOT NULL, author_id TEXT, cover_image_url TEXT);
CREATE TABLE IF NOT EXISTS users (id TEXT PRIMARY KEY, email TEXT NOT NULL, role TEXT NOT NULL,
    first_name TEXT, last_name TEXT, last_active_at TEXT);
CREATE TABLE IF NOT EXISTS enrollments (course_id TEXT NOT NULL, user_id TEXT NOT NULL,
    enrolled_at TEXT NOT NULL, PRIMARY KEY (course_id, user_id));
CREATE INDEX IF NOT EXISTS enrollments_by_user ON enrollments (user_id, course_id);
CREATE TABLE IF NOT EXISTS completions (course_id TEXT NOT NULL, user_id TEXT NOT NULL,
    started_at TEXT NOT NULL, completed_at TEXT NOT NULL, course_version INTEGER NOT NULL,
    quiz_score_percent REAL, imported_at TEXT, shown_before TEXT, PRIMARY KEY (course_id, user_id));
CREATE TABLE IF NOT EXISTS seed (id INTEGER PRIMARY KEY CHECK (id = 1), document TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS journal (id INTEGER PRIMARY KEY AUTOINCREMENT, entry TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS faults (id INTEGER PRIMARY KEY AUTOINCREMENT, fault TEXT NOT NULL);
"""


_LOCK_WAIT_SECONDS = 30
_LOCK_STEP_SECONDS = 0.00005
T = TypeVar("T")


def _patiently(run: Callable[[], T]) -> T:
    """Run a statement, waiting for another process's write in steps of 50 µs. SQLite's own wait sleeps
    a millisecond or more at a time, far longer than a write here holds the lock, so that workers would
    mostly wait for each other. A statement refused as busy has done nothing, so it can run again."""
    deadline = time.monotonic() + _LOCK_WAIT_SECONDS
    while True:
        try:
            return run()
        except sqlite3.OperationalError as error:
            if error.sqlite_errorcode != sqlite3.SQLITE_BUSY or time.monotonic() > deadline:
                raise
        time.sleep(_LOCK_STEP_SECONDS)


class Database:
    """One SQLite file; a connection per thread; `atomic()` is an immediate transaction, re-entrant.
    Statements wait for other processes' writes as `_patiently` says."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        self._local = threading.local()
        connection = self._connection()
        _patiently(lambda: connection.executescript(_SCHEMA))

    def _connection(self) -> sqlite3.Connection:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            connection = sqlite3.connect(self.path, timeout=0, isolation_level=None)
            _patiently(lambda: connection.execute("PRAGMA journal_mode=WAL"))
            connection.execute("PRAGMA synchronous=NORMAL")
            self._local.connection, self._local.depth = connection, 0
        return connection

    @contextmanager
    def atomic(self) -> Iterator[sqlite3.Connection]:
        connection = self._connection()
        if self._local.depth:
            self._local.depth += 1
            try:
                yield connection
            finally:
                self._local.depth -= 1
            return
        _patiently(lambda: connection.execute("BEGIN IMMEDIATE"))
        self._local.depth = 1
        try:
            yield connection
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        else:
            connection.execute("COMMIT")
        finally:
            self._local.depth = 0

    def rows(self, sql: str, *params: Any) -> list[sqlite3.Row]:
        connection = self._connection()
        connection.row_factory = sqlite3.Row
        return self._run(lambda: connection.execute(sql, params).fetchall())

    def execute(self, sql: str, *params: Any) -> None:
        connection = self._connection()
        self._run(lambda: connection.execute(sql, params))

    def _run(self, statement: Callable[[], T]) -> T:
        """Inside a transaction the lock is held already; outside, a statement waits for it."""
        return statement() if self._local.depth else _patiently(statement)


class SQLiteStore(SQLStore):
    """The tenant's records in SQLite (see `store.Store`; the reads are `sql.SQLStore`'s)."""

    def replace(self, state: TenantState) -> None:
        with self._db.atomic():
            for table in ("courses", "users", "enrollments", "completions"):
                self._db.execute(f"DELETE FROM {table}")
            for course in state.courses.values():
                self._save_course(course)
            for user in state.users.values():
                self._save_user(user)
            for enrollment in state.enrollments.values():
                self.save_enrollment(enrollment)
            for completion in state.completions.values():
                self.save_completion(completion)

    def set_seed(self, state: TenantState) -> None:
        document = json.dumps(state_to_document(state))
        self._db.execute("INSERT OR REPLACE INTO seed (id, document) VALUES (1, ?)", document)

    def save_enrollment(self, enrollment: Enrollment) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO enrollments VALUES (?, ?, ?)",
            enrollment.course_id,
            enrollment.user_id,
            _time(enrollment.enrolled_at),
        )

    def save_completion(self, completion: Completion) -> None:
        c = completion
        self._db.execute(
            "INSERT OR REPLACE INTO completions VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            c.course_id,
            c.user_id,
            _time(c.started_at),
            _time(c.completed_at),
            c.course_version,
            c.quiz_score_percent,
            _time(c.imported_at),
            None if c.shown_before is None else json.dumps(_completion_fields(c.shown_before)),
        )

    def _save_course(self, c: Course) -> None:
        self._db.execute(
            "INSERT INTO courses VALUES (?, ?, ?, ?, ?, ?, ?)",
            c.id,
            c.title,
            c.source.value,
            c.published_version,
            int(c.quiz_required),
            c.author_id,
            c.cover_image_url,
        )

    def _save_user(self, u: User) -> None:
        self._db.execute(
            "INSERT INTO users VALUES (?, ?, ?, ?, ?, ?)",
            u.id,
            u.email,
            u.role.value,
            u.first_name,
            u.last_name,
            _time(u.last_active_at),
        )


_TRIM_EVERY = 100
"""The journal drops entries past its capacity every this many entries."""


class SQLiteJournal:
    """The request journal in the shared file, so that every worker's requests show (see `Journal`)."""

    def __init__(self, database: Database, capacity: int = CAPACITY) -> None:
        self.capacity = capacity
        self._db = database

    def record(self, **fields: Any) -> JournalEntry:
        """One statement, so that workers seldom wait for each other; older entries are dropped now and
        then (`entries` never shows more than the capacity)."""
        sql = "INSERT INTO journal (entry) VALUES (?) RETURNING id"
        (row,) = self._db.rows(sql, json.dumps(fields, default=str))
        if row["id"] % _TRIM_EVERY == 0:
            self._db.execute("DELETE FROM journal WHERE id <= ?", row["id"] - self.capacity)
        return JournalEntry(id=row["id"], **fields)

    def entries(self, since: int = 0) -> list[JournalEntry]:
        sql = (
            "SELECT id, entry FROM journal WHERE id > ? "
            "AND id > (SELECT coalesce(max(id), 0) FROM journal) - ? ORDER BY id"
        )
        rows = self._db.rows(sql, since, self.capacity)
        return [JournalEntry(id=row["id"], **json.loads(row["entry"])) for row in rows]

    def clear(self) -> None:
        self._db.execute("DELETE FROM journal")


class SQLiteFaults:
    """Pending faults in the shared file, so that a fault fires once whichever worker takes the request
    (see `Faults`)."""

    def __init__(self, database: Database) -> None:
        self._db = database

    def add(self, fault: Fault) -> None:
        self._db.execute("INSERT INTO faults (fault) VALUES (?)", json.dumps(asdict(fault)))

    def clear(self) -> None:
        self._db.execute("DELETE FROM faults")

    def pending(self) -> list[Fault]:
        return [fault for _, fault in self._rows()]

    def take(self, method: str, path: str) -> Fault | None:
        if take(self.pending(), method, path) is None:
            return None  # the common case, read without the write lock; a fault added meanwhile is later
        with self._db.atomic():
            rows = self._rows()
            taken = take([fault for _, fault in rows], method, path)
            if taken is None:
                return None
            row_id = rows[taken.index][0]
            if taken.left is None:
                self._db.execute("DELETE FROM faults WHERE id = ?", row_id)
            else:
                self._db.execute(
                    "UPDATE faults SET fault = ? WHERE id = ?", json.dumps(asdict(taken.left)), row_id
                )
            return taken.fault

    def _rows(self) -> list[tuple[int, Fault]]:
        rows = self._db.rows("SELECT id, fault FROM faults ORDER BY id")
        return [(row["id"], Fault(**json.loads(row["fault"]))) for row in rows]
