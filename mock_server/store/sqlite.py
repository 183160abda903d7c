"""SQLite storage: the tenant, its journal and its faults in one file, kept across restarts and shared by
several worker processes (each class implements the protocol of its memory twin)."""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Any

from mock_server.model.errors import MockError
from mock_server.model.records import Completion, Course, Enrollment, Role, Source, TenantState, User
from mock_server.model.seed import state_from_document, state_to_document
from mock_server.store.faults import Fault, take
from mock_server.store.journal import CAPACITY, JournalEntry, entry_from_json, entry_json

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


def _time(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _parse_time(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


class DatabaseError(MockError):
    """A database file that cannot be opened or used; the message names it and says what to do."""


def _unusable_path(path: Path) -> str | None:
    """Why `path` cannot hold the database, when that can be told before SQLite tries; else None."""
    folder = path.parent
    if path.is_dir():
        return f"it is a folder: name a file in it instead, such as {path / 'rise-mock.sqlite3'}"
    if not folder.exists():
        return f"the folder {folder} does not exist: create it first (mkdir -p {folder}) or choose another"
    if not folder.is_dir():
        return f"{folder} is not a folder: choose a file in a folder"
    if not path.exists() and not os.access(folder, os.W_OK | os.X_OK):
        return f"the folder {folder} is not writable: choose a folder you can write to"
    if path.exists() and not os.access(path, os.R_OK | os.W_OK):
        return "the file is not readable and writable by you: change its permissions or choose another"
    return None


def _advice(error: sqlite3.Error) -> str:
    text = str(error)
    if "not a database" in text:
        return (
            "it is not a SQLite database (or it is damaged): choose another file, or delete this one to "
            "start afresh"
        )
    if "readonly" in text or "read-only" in text:
        return "it is read-only: make it (and its folder) writable, or choose another file"
    if "locked" in text:
        return "another program holds it locked: stop that program or choose another file"
    return f"SQLite says {text!r}: check that the file and its folder exist and are writable"


_COLUMNS = {
    "courses": [
        "id",
        "title",
        "source",
        "published_version",
        "quiz_required",
        "author_id",
        "cover_image_url",
    ],
    "users": ["id", "email", "role", "first_name", "last_name", "last_active_at"],
    "enrollments": ["course_id", "user_id", "enrolled_at"],
    "completions": [
        "course_id",
        "user_id",
        "started_at",
        "completed_at",
        "course_version",
        "quiz_score_percent",
        "imported_at",
        "shown_before",
    ],
    "seed": ["id", "document"],
    "journal": ["id", "entry"],
    "faults": ["id", "fault"],
}
"""The tables this module writes and their columns, to tell rise-mock's file from another program's."""


class Database:
    """One SQLite file; a connection per thread; `atomic()` is an immediate transaction, re-entrant."""

    def __init__(self, path: str | Path) -> None:
        """Open (or create) the file; a file that cannot be used raises DatabaseError saying why."""
        self.path = str(path)
        self._local = threading.local()
        reason = _unusable_path(Path(path))
        if reason is None:
            try:
                reason = self._foreign_table()
                if reason is None:
                    self._connection().executescript(_SCHEMA)
            except sqlite3.Error as error:
                reason = _advice(error)
        if reason is not None:
            raise DatabaseError(f"cannot use the database file {self.path}: {reason}.")

    def _foreign_table(self) -> str | None:
        for table, columns in _COLUMNS.items():
            found = [row[1] for row in self._connection().execute(f"PRAGMA table_info({table})")]
            if found and found != columns:
                return (
                    f"it holds a table {table!r} with the columns {found}, not rise-mock's {columns}: "
                    "choose another file"
                )
        return None

    def _connection(self) -> sqlite3.Connection:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            connection = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")  # durable when the process dies, not the OS
            # A seed of 100,000 completions is one transaction; a larger page cache keeps it from
            # spilling to the log page by page (the cache grows only as far as it is used).
            connection.execute("PRAGMA cache_size=-65536")
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
        connection.execute("BEGIN IMMEDIATE")
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
        return connection.execute(sql, params).fetchall()

    def execute(self, sql: str, *params: Any) -> None:
        self._connection().execute(sql, params)

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        self._connection().executemany(sql, rows)


class SQLiteStore:
    """The tenant's records in SQLite (see `store.Store`)."""

    def __init__(self, database: Database) -> None:
        self._db = database

    def atomic(self) -> Any:
        return self._db.atomic()

    def replace(self, state: TenantState) -> None:
        with self._db.atomic():
            for table in ("courses", "users", "enrollments", "completions"):
                self._db.execute(f"DELETE FROM {table}")
            self._db.executemany(_INSERT_COURSE, map(_course_row, state.courses.values()))
            self._db.executemany(_INSERT_USER, map(_user_row, state.users.values()))
            self._db.executemany(_INSERT_ENROLLMENT, map(_enrollment_row, state.enrollments.values()))
            self._db.executemany(_INSERT_COMPLETION, map(_completion_row, state.completions.values()))

    def snapshot(self) -> TenantState:
        with self._db.atomic():
            return TenantState(
                courses={c.id: c for c in self.courses()},
                users={u.id: u for u in self.users()},
                enrollments={
                    (e.course_id, e.user_id): e
                    for e in map(_enrollment, self._db.rows("SELECT * FROM enrollments"))
                },
                completions={
                    (c.course_id, c.user_id): c
                    for c in map(_completion, self._db.rows("SELECT * FROM completions"))
                },
            )

    def holds_tenant(self) -> bool:
        """Whether the file already holds a tenant (it has a seed), without reading it."""
        return bool(self._db.rows("SELECT 1 FROM seed WHERE id = 1"))

    def seed(self) -> TenantState | None:
        rows = self._db.rows("SELECT document FROM seed WHERE id = 1")
        return state_from_document(json.loads(rows[0]["document"])) if rows else None

    def set_seed(self, state: TenantState) -> None:
        document = json.dumps(state_to_document(state))
        self._db.execute("INSERT OR REPLACE INTO seed (id, document) VALUES (1, ?)", document)

    def course(self, course_id: str) -> Course | None:
        rows = self._db.rows("SELECT * FROM courses WHERE id = ?", course_id)
        return _course(rows[0]) if rows else None

    def user(self, user_id: str) -> User | None:
        rows = self._db.rows("SELECT * FROM users WHERE id = ?", user_id)
        return _user(rows[0]) if rows else None

    def courses(self) -> list[Course]:
        return [_course(row) for row in self._db.rows("SELECT * FROM courses ORDER BY id")]

    def users(self) -> list[User]:
        return [_user(row) for row in self._db.rows("SELECT * FROM users ORDER BY id")]

    def enrollment(self, course_id: str, user_id: str) -> Enrollment | None:
        sql = "SELECT * FROM enrollments WHERE course_id = ? AND user_id = ?"
        rows = self._db.rows(sql, course_id, user_id)
        return _enrollment(rows[0]) if rows else None

    def enrollments_of_course(self, course_id: str) -> list[Enrollment]:
        sql = "SELECT * FROM enrollments WHERE course_id = ? ORDER BY user_id"
        return [_enrollment(row) for row in self._db.rows(sql, course_id)]

    def enrollments_of_user(self, user_id: str) -> list[Enrollment]:
        sql = "SELECT * FROM enrollments WHERE user_id = ? ORDER BY course_id"
        return [_enrollment(row) for row in self._db.rows(sql, user_id)]

    def completion(self, course_id: str, user_id: str) -> Completion | None:
        sql = "SELECT * FROM completions WHERE course_id = ? AND user_id = ?"
        rows = self._db.rows(sql, course_id, user_id)
        return _completion(rows[0]) if rows else None

    def save_enrollment(self, enrollment: Enrollment) -> None:
        self._db.execute(_INSERT_ENROLLMENT, *_enrollment_row(enrollment))

    def save_completion(self, completion: Completion) -> None:
        self._db.execute(_INSERT_COMPLETION, *_completion_row(completion))


_INSERT_COURSE = "INSERT INTO courses VALUES (?, ?, ?, ?, ?, ?, ?)"
_INSERT_USER = "INSERT INTO users VALUES (?, ?, ?, ?, ?, ?)"
_INSERT_ENROLLMENT = "INSERT OR REPLACE INTO enrollments VALUES (?, ?, ?)"
_INSERT_COMPLETION = "INSERT OR REPLACE INTO completions VALUES (?, ?, ?, ?, ?, ?, ?, ?)"


def _course_row(c: Course) -> tuple[Any, ...]:
    return (
        c.id,
        c.title,
        c.source.value,
        c.published_version,
        int(c.quiz_required),
        c.author_id,
        c.cover_image_url,
    )


def _user_row(u: User) -> tuple[Any, ...]:
    return (u.id, u.email, u.role.value, u.first_name, u.last_name, _time(u.last_active_at))


def _enrollment_row(e: Enrollment) -> tuple[Any, ...]:
    return (e.course_id, e.user_id, _time(e.enrolled_at))


def _completion_row(c: Completion) -> tuple[Any, ...]:
    return (
        c.course_id,
        c.user_id,
        _time(c.started_at),
        _time(c.completed_at),
        c.course_version,
        c.quiz_score_percent,
        _time(c.imported_at),
        None if c.shown_before is None else json.dumps(_completion_fields(c.shown_before)),
    )


def _course(row: sqlite3.Row) -> Course:
    return Course(
        id=row["id"],
        title=row["title"],
        source=Source(row["source"]),
        published_version=row["published_version"],
        quiz_required=bool(row["quiz_required"]),
        author_id=row["author_id"],
        cover_image_url=row["cover_image_url"],
    )


def _user(row: sqlite3.Row) -> User:
    return User(
        id=row["id"],
        email=row["email"],
        role=Role(row["role"]),
        first_name=row["first_name"],
        last_name=row["last_name"],
        last_active_at=_parse_time(row["last_active_at"]),
    )


def _enrollment(row: sqlite3.Row) -> Enrollment:
    return Enrollment(row["course_id"], row["user_id"], datetime.fromisoformat(row["enrolled_at"]))


def _completion(row: sqlite3.Row | dict[str, Any]) -> Completion:
    shown_before = row["shown_before"]
    return Completion(
        course_id=row["course_id"],
        user_id=row["user_id"],
        started_at=datetime.fromisoformat(row["started_at"]),
        completed_at=datetime.fromisoformat(row["completed_at"]),
        course_version=row["course_version"],
        quiz_score_percent=row["quiz_score_percent"],
        imported_at=_parse_time(row["imported_at"]),
        shown_before=None if shown_before is None else _completion(json.loads(shown_before)),
    )


def _completion_fields(c: Completion) -> dict[str, Any]:
    """A completion as the columns of its row (without its own `shown_before`)."""
    return {
        "course_id": c.course_id,
        "user_id": c.user_id,
        "started_at": _time(c.started_at),
        "completed_at": _time(c.completed_at),
        "course_version": c.course_version,
        "quiz_score_percent": c.quiz_score_percent,
        "imported_at": _time(c.imported_at),
        "shown_before": None,
    }


class SQLiteJournal:
    """The request journal in the shared file, so that every worker's requests show (see `Journal`)."""

    def __init__(self, database: Database, capacity: int = CAPACITY) -> None:
        self.capacity = capacity
        self._db = database

    def record(self, **fields: Any) -> JournalEntry:
        """Kept in the entry's control-API form, so that the file reads as the journal does."""
        with self._db.atomic():
            document = entry_json(JournalEntry(id=0, **fields))
            self._db.execute("INSERT INTO journal (entry) VALUES (?)", json.dumps(document, default=str))
            (row,) = self._db.rows("SELECT last_insert_rowid() AS id")
            self._db.execute("DELETE FROM journal WHERE id <= ?", row["id"] - self.capacity)
        return JournalEntry(id=row["id"], **fields)

    def entries(self, since: int = 0) -> list[JournalEntry]:
        rows = self._db.rows("SELECT id, entry FROM journal WHERE id > ? ORDER BY id", since)
        return [entry_from_json({**json.loads(row["entry"]), "id": row["id"]}) for row in rows]

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
        if not self._db.rows("SELECT 1 FROM faults LIMIT 1"):
            return None  # the usual case, answered without the write lock every worker would wait for
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
