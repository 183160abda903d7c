"""SQLite storage: the tenant, its journal and its faults in one file, kept across restarts and shared by
several worker processes (each class implements the protocol of its memory twin)."""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, closing, contextmanager, suppress
from pathlib import Path
from typing import Any, TypeVar

try:
    import fcntl
except ImportError:  # Windows has no flock: writers there meet only SQLite's own lock
    fcntl = None  # type: ignore[assignment]

from mock_server.model.records import Completion, Enrollment, TenantState
from mock_server.model.seed import state_to_document
from mock_server.model.store import PairRecords
from mock_server.store.rows import completion_values, course_values, enrollment_values, user_values
from mock_server.store.sql import (
    COLUMNS,
    DatabaseError,
    SQLFaults,
    SQLJournal,
    SQLStore,
    foreign_table,
    pair_unchanged,
)

__all__ = ["Database", "DatabaseError", "SQLiteFaults", "SQLiteJournal", "SQLiteStore", "open_sqlite"]

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
CREATE TABLE IF NOT EXISTS faults (id INTEGER PRIMARY KEY AUTOINCREMENT, fault TEXT NOT NULL);
"""
_JOURNAL_SCHEMA = """
CREATE TABLE IF NOT EXISTS journal (id INTEGER PRIMARY KEY AUTOINCREMENT, entry TEXT NOT NULL);
"""
JOURNAL_SUFFIX = ".requests"
"""The request journal lives in a file of its own beside the tenant's (`FILE.requests`): SQLite lets one
writer at a time into a file, and a journal entry written after each request would otherwise wait behind
the other workers' imports, and they behind it."""


_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLAC")
"""How the statements that write begin (REPLACE cut to the six characters compared)."""
_CHECKPOINT_EVERY = 500
"""Transactions of a thread between checkpoints of the write-ahead log into the file (SQLite's own would
run inside a commit, every 1,000 pages, while the other workers wait for the write lock)."""
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


class _Checkpointer:
    """Checkpoints a file's write-ahead log into the file, in a thread of its own, when asked. A checkpoint
    syncs the file to disk, which can take tens of milliseconds: the event loop that asked goes on serving
    meanwhile (SQLite lets go of Python's lock while it works), and the other processes' writers do not
    wait for it. Another process checkpointing at the same moment refuses this one; the next request
    comes soon. The thread ends (its connection closed) when it has not been asked for `idle_seconds`,
    and the next request starts another."""

    idle_seconds = 10.0

    def __init__(self, path: str) -> None:
        self._path = path
        self._asked = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def ask(self) -> None:
        self._asked.set()
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="rise-mock-checkpoint", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        try:
            with closing(sqlite3.connect(self._path, timeout=0, isolation_level=None)) as connection:
                while self._asked.wait(self.idle_seconds) or self._asked_meanwhile():
                    self._asked.clear()
                    with suppress(sqlite3.Error):
                        connection.execute("PRAGMA wal_checkpoint(PASSIVE)")
        finally:  # on an error too (the file gone): the next request starts another thread
            with self._lock:
                if self._thread is threading.current_thread():
                    self._thread = None

    def _asked_meanwhile(self) -> bool:
        """Whether a request came as the wait ended; else this thread is done, and said so under the lock."""
        with self._lock:
            if self._asked.is_set():
                return True
            self._thread = None
            return False


class Database:
    """One SQLite file; a connection per thread; `atomic()` is an immediate transaction, re-entrant.
    Statements wait for other processes' writes as `_patiently` says."""

    def __init__(self, path: str | Path, schema: str = _SCHEMA) -> None:
        """Open (or create) the file; a file that cannot be used raises DatabaseError saying why."""
        self.path = str(path)
        self._local = threading.local()
        self._checkpointer: tuple[int | None, _Checkpointer | None] = (None, None)
        reason = _unusable_path(Path(path))
        if reason is None:
            try:
                reason = self._foreign_table()
                if reason is None:
                    connection = self._connection()
                    _patiently(lambda: connection.executescript(schema))
                    self._writer_lock()  # made now, so that a folder that refuses it is said at start-up
            except sqlite3.Error as error:
                reason = _advice(error)
            except OSError as error:
                reason = (
                    f"its writers' lock file {self.path}-writers cannot be made ({error.strerror}): free "
                    "that name, make the folder writable or choose another file"
                )
        if reason is not None:
            raise DatabaseError(f"cannot use the database file {self.path}: {reason}.")

    def _foreign_table(self) -> str | None:
        found = {table: [row[1] for row in self.rows(f"PRAGMA table_info({table})")] for table in COLUMNS}
        return foreign_table(found, "file")

    def _connection(self) -> sqlite3.Connection:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            connection = sqlite3.connect(self.path, timeout=0, isolation_level=None)
            _patiently(lambda: connection.execute("PRAGMA journal_mode=WAL"))
            connection.execute("PRAGMA synchronous=NORMAL")  # durable when the process dies, not the OS
            # A seed of 100,000 completions is one transaction; a larger page cache keeps it from
            # spilling to the log page by page (the cache grows only as far as it is used).
            connection.execute("PRAGMA cache_size=-65536")
            # Every commit of another worker empties this connection's page cache: mapped, the file's
            # pages are read again without a system call each.
            connection.execute("PRAGMA mmap_size=268435456")
            # Checkpoints run in a thread of their own (see _Checkpointer), not inside a commit.
            connection.execute("PRAGMA wal_autocheckpoint=0")
            connection.row_factory = sqlite3.Row
            self._local.connection, self._local.depth = connection, 0
        return connection

    def _writer_lock(self) -> int | None:
        """This thread's handle on the file beside the database that writers queue on (flock): a waiting
        writer sleeps in the kernel and wakes as soon as the lock is free, where a retry loop would poll
        and let the holder take the lock again and again first."""
        if fcntl is None:
            return None
        pid, handle = getattr(self._local, "writer_lock", (None, None))
        if pid != os.getpid():  # a forked child shares its parent's handle, and with it the lock: its own
            handle = os.open(self.path + "-writers", os.O_RDWR | os.O_CREAT, 0o600)
            self._local.writer_lock = (os.getpid(), handle)
        return handle

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
        with self._queued():
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
        self._committed()

    def transaction(self) -> AbstractContextManager[sqlite3.Connection]:
        """A transaction for the journal and the faults: SQLite locks the whole file, as `atomic` does."""
        return self.atomic()

    @contextmanager
    def _queued(self) -> Iterator[None]:
        """Hold the writers' lock (see `_writer_lock`) for what is inside."""
        queue = self._writer_lock()
        if queue is None:
            yield
            return
        fcntl.flock(queue, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(queue, fcntl.LOCK_UN)

    def _committed(self) -> None:
        """Count a write; every `_CHECKPOINT_EVERY`th, have the log checkpointed."""
        self._local.commits = commits = getattr(self._local, "commits", 0) + 1
        if commits % _CHECKPOINT_EVERY == 0:
            self.checkpoint_soon()

    def checkpoint_soon(self) -> None:
        """Have the write-ahead log checkpointed into the file, by a thread of its own (`_Checkpointer`):
        after every `_CHECKPOINT_EVERY` transactions, and after a write of a whole tenant, whose pages
        are read faster from the file than from the log."""
        pid, checkpointer = self._checkpointer
        if pid != os.getpid():  # none yet, or a forked parent's, whose thread is not in this process
            checkpointer = _Checkpointer(self.path)
            self._checkpointer = (os.getpid(), checkpointer)
        checkpointer.ask()

    def rows(self, sql: str, *params: Any) -> list[sqlite3.Row]:
        connection = self._connection()
        return self._run(sql, lambda: connection.execute(sql, params).fetchall())

    def execute(self, sql: str, *params: Any) -> None:
        connection = self._connection()
        self._run(sql, lambda: connection.execute(sql, params))

    def changed(self, sql: str, *params: Any) -> int:
        """Run a statement that writes; how many rows it changed."""
        connection = self._connection()
        return self._run(sql, lambda: connection.execute(sql, params).rowcount)

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        connection = self._connection()
        self._run(sql, lambda: connection.executemany(sql, rows))

    def _run(self, sql: str, statement: Callable[[], T]) -> T:
        """Inside a transaction the lock is held already; outside, a write queues for it as a transaction
        does, and a read waits only for what SQLite itself refuses."""
        if self._local.depth:
            return statement()
        if sql.lstrip()[:6].upper() in _WRITES:  # one statement is a transaction of its own
            with self._queued():
                done = _patiently(statement)
            self._committed()
            return done
        return _patiently(statement)


class SQLiteStore(SQLStore):
    """The tenant's records in SQLite (see `store.Store`; the reads are `sql.SQLStore`'s)."""

    def replace(self, state: TenantState) -> None:
        with self._db.atomic():
            for table in ("courses", "users", "enrollments", "completions"):
                self._db.execute(f"DELETE FROM {table}")
            self._db.executemany(_INSERT_COURSE, map(course_values, state.courses.values()))
            self._db.executemany(_INSERT_USER, map(user_values, state.users.values()))
            self._db.executemany(_INSERT_ENROLLMENT, map(enrollment_values, state.enrollments.values()))
            self._db.executemany(_INSERT_COMPLETION, map(completion_values, state.completions.values()))
        self._db.checkpoint_soon()

    def set_seed(self, state: TenantState) -> None:
        document = json.dumps(state_to_document(state))
        self._db.execute("INSERT OR REPLACE INTO seed (id, document) VALUES (1, ?)", document)

    def save_if_unchanged(
        self,
        course_id: str,
        user_id: str,
        seen: PairRecords,
        enrollment: Enrollment | None,
        completion: Completion | None,
    ) -> bool:
        """A completion alone (the pair's enrollment kept: every import after the first) is written in
        one statement that checks the pair's row first: the writers' lock is held while SQLite runs it,
        for no Python work, so that the other workers seldom wait for it (nor for this process when the
        scheduler puts it aside). Anything else takes the lock for a read and the writes."""
        row = self.row_of(seen)
        if enrollment is not None or completion is None or row is None:
            return super().save_if_unchanged(course_id, user_id, seen, enrollment, completion)
        values = completion_values(completion)
        return self._db.changed(_SAVE_COMPLETION_IF_UNCHANGED, *values, course_id, user_id, *row) == 1

    def save_enrollment(self, enrollment: Enrollment) -> None:
        self._db.execute(_INSERT_ENROLLMENT, *enrollment_values(enrollment))

    def save_completion(self, completion: Completion) -> None:
        self._db.execute(_INSERT_COMPLETION, *completion_values(completion))


_INSERT_COURSE = "INSERT INTO courses VALUES (?, ?, ?, ?, ?, ?, ?)"
_INSERT_USER = "INSERT INTO users VALUES (?, ?, ?, ?, ?, ?)"
_INSERT_ENROLLMENT = "INSERT OR REPLACE INTO enrollments VALUES (?, ?, ?)"
_UPDATE_COMPLETION = " ON CONFLICT (course_id, user_id) DO UPDATE SET " + ", ".join(
    f"{column} = excluded.{column}" for column in COLUMNS["completions"][2:]
)
_INSERT_COMPLETION = "INSERT INTO completions VALUES (?, ?, ?, ?, ?, ?, ?, ?)" + _UPDATE_COMPLETION
"""A completion replaces the pair's record in place: an update leaves the primary key's index as it is,
where a replace deletes the row and inserts it anew, in the table and in that index, so that the commit
writes more pages while the other workers wait for the write lock."""
_SAVE_COMPLETION_IF_UNCHANGED = (
    f"INSERT INTO completions SELECT ?, ?, ?, ?, ?, ?, ?, ? WHERE {pair_unchanged('?')}{_UPDATE_COMPLETION}"
)
"""`_INSERT_COMPLETION` while the pair's row is as read (the WHERE also tells SQLite that ON CONFLICT
begins the upsert, not a join's constraint)."""


class SQLiteJournal(SQLJournal):
    """The request journal in a file the workers share, so that every worker's requests show (see
    `Journal`); `open_sqlite` opens it."""

    placeholder = "?"


class SQLiteFaults(SQLFaults):
    """Pending faults in the shared file, so that a fault fires once whichever worker takes the request
    (see `Faults`); a take runs under the file's write lock."""

    placeholder = "?"


def open_sqlite(path: str | Path) -> tuple[SQLiteStore, SQLiteJournal, SQLiteFaults]:
    """The tenant and its faults in the file `path`, the request journal in its own file beside it
    (JOURNAL_SUFFIX); a file that cannot be used raises DatabaseError saying why."""
    journal_path = Path(str(path) + JOURNAL_SUFFIX)
    if journal_path.is_dir():
        raise DatabaseError(
            f"cannot use the database file {path}: its request journal goes in {journal_path}, which is a "
            "folder: rename or remove that folder, or choose another file."
        )
    tenant = Database(path)
    journal = Database(journal_path, schema=_JOURNAL_SCHEMA)
    return SQLiteStore(tenant), SQLiteJournal(journal), SQLiteFaults(tenant)
