"""What every SQL store shares: the reads of `model.store.Store`, keyset-paged, over the tables of
`rows.py`. A store of one database (sqlite.py, postgres.py) says how its driver writes a parameter, which
IDs its tables can hold, and how it writes."""

from __future__ import annotations

import asyncio
import functools
import json
import threading
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from mock_server.model.errors import MockError
from mock_server.model.records import Completion, Course, Enrollment, TenantState, User
from mock_server.model.seed import state_from_document
from mock_server.model.store import PairRecords, SavesUnderLock
from mock_server.store.faults import Fault, take
from mock_server.store.journal import CAPACITY, JournalEntry, entry_from_json, entry_json, new_entry
from mock_server.store.keyset import after_clause, limit_clause
from mock_server.store.rows import (
    Row,
    completion_from_row,
    course_from_row,
    enrollment_from_row,
    user_from_row,
)


class DatabaseError(MockError):
    """A database (a SQLite file, a PostgreSQL database) that cannot be opened or used; the message names
    it and says what to do."""


COLUMNS = {
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
"""The tables a SQL store writes and their columns, to tell rise-mock's database from another program's."""


def foreign_table(found: dict[str, list[str]], place: str) -> str | None:
    """Why a database whose tables have the `found` columns is another program's, else None: a table of
    one of rise-mock's names with other columns is left untouched. `place` is "file" or "database"."""
    for table, columns in COLUMNS.items():
        if found.get(table) and found[table] != columns:
            return (
                f"it holds a table {table!r} with the columns {found[table]}, not rise-mock's {columns}: "
                f"choose another {place}"
            )
    return None


_PAIR_PARTS = (
    ("c", "courses", course_from_row),
    ("u", "users", user_from_row),
    ("k", "completions", completion_from_row),
    ("e", "enrollments", enrollment_from_row),
)
"""The parts of a pair's records as `pair_records` selects them: alias, table, and how a row is read."""
_PAIR_ALIASES = {
    alias: [(column, f"{alias}_{column}") for column in COLUMNS[table]] for alias, table, _ in _PAIR_PARTS
}


class _PairAsRead(PairRecords):
    """A pair's records with the row they were read from (`row`), which a write can check is still there."""

    row: tuple[Any, ...]


_PAIRS_KEPT = 1024
"""How many rows a SQL store keeps with the pair's records read from them (see `pair_records`)."""


@functools.cache
def _pair_select(placeholder: str) -> str:
    """One SELECT of a (course, user) pair's records, each table's columns named after its alias."""
    columns = ", ".join(
        f"{alias}.{column} AS {name}" for alias, names in _PAIR_ALIASES.items() for column, name in names
    )
    pair = (
        f"(SELECT CAST({placeholder} AS TEXT) AS course_id, CAST({placeholder} AS TEXT) AS user_id) AS pair"
    )
    return (
        f"SELECT {columns} FROM {pair} "
        "LEFT JOIN courses c ON c.id = pair.course_id "
        "LEFT JOIN users u ON u.id = pair.user_id "
        "LEFT JOIN completions k ON k.course_id = pair.course_id AND k.user_id = pair.user_id "
        "LEFT JOIN enrollments e ON e.course_id = pair.course_id AND e.user_id = pair.user_id"
    )


@functools.cache
def pair_unchanged(placeholder: str) -> str:
    """A condition true while the pair's row (as `pair_records` selects it, the course and user IDs its two
    parameters) still holds the values given next, one parameter per column (NULL-safe)."""
    marks = ", ".join([placeholder] * sum(len(names) for names in _PAIR_ALIASES.values()))
    return f"({_pair_select(placeholder)}) IS ({marks})"


@functools.cache
def _select(table: str, columns: tuple[str, ...], placeholder: str) -> str:
    """SELECT of the rows of `table` whose `columns` equal the parameters."""
    return " AND ".join([f"SELECT * FROM {table} WHERE TRUE", *(f"{c} = {placeholder}" for c in columns)])


class SQLStore(SavesUnderLock):
    """The reads of a SQL store over `database` (an object with `rows`, `execute`, `executemany`, `atomic`
    and `transaction`, as sqlite.Database has)."""

    placeholder = "?"
    """How the driver marks a parameter in SQL."""

    def __init__(self, database: Any) -> None:
        self._db = database
        self._pairs: dict[tuple[Any, ...], PairRecords] = {}

    def storable(self, *ids: str) -> bool:
        """Whether the tables can hold these IDs at all (else no record has them)."""
        return True

    def atomic(self) -> Any:
        return self._db.atomic()

    def snapshot(self) -> TenantState:
        with self._db.atomic():
            return TenantState(
                courses={c.id: c for c in self.courses()},
                users={u.id: u for u in self.users()},
                enrollments={
                    (e.course_id, e.user_id): e
                    for e in map(enrollment_from_row, self._db.rows("SELECT * FROM enrollments"))
                },
                completions={
                    (c.course_id, c.user_id): c
                    for c in map(completion_from_row, self._db.rows("SELECT * FROM completions"))
                },
            )

    def holds_tenant(self) -> bool:
        """Whether the database already holds a tenant (it has a seed), without reading it."""
        return bool(self._db.rows("SELECT 1 FROM seed WHERE id = 1"))

    def seed(self) -> TenantState | None:
        rows = self._db.rows("SELECT document FROM seed WHERE id = 1")
        return state_from_document(json.loads(rows[0]["document"])) if rows else None

    def course(self, course_id: str) -> Course | None:
        row = self._one("courses", id=course_id)
        return None if row is None else course_from_row(row)

    def user(self, user_id: str) -> User | None:
        row = self._one("users", id=user_id)
        return None if row is None else user_from_row(row)

    def enrollment(self, course_id: str, user_id: str) -> Enrollment | None:
        row = self._one("enrollments", course_id=course_id, user_id=user_id)
        return None if row is None else enrollment_from_row(row)

    def completion(self, course_id: str, user_id: str) -> Completion | None:
        row = self._one("completions", course_id=course_id, user_id=user_id)
        return None if row is None else completion_from_row(row)

    def pair_records(self, course_id: str, user_id: str) -> PairRecords:
        """Read in one statement; the same row read again gives back the same records (the last
        `_PAIRS_KEPT` rows read are kept with their records), so that comparing them is cheap."""
        if not self.storable(course_id, user_id):  # then the pair has no records; the course or user may
            return PairRecords(self.course(course_id), self.user(user_id), None, None)
        (row,) = self._db.rows(_pair_select(self.placeholder), course_id, user_id)
        values = self._values(row)
        found = self._pairs.get(values)
        if found is None:
            parts = []
            for alias, _, from_row in _PAIR_PARTS:
                names = _PAIR_ALIASES[alias]
                parts.append(None if row[names[0][1]] is None else from_row({c: row[n] for c, n in names}))
            if len(self._pairs) >= _PAIRS_KEPT:
                self._pairs.clear()
            found = self._pairs[values] = _PairAsRead(*parts)
            found.row = values
        return found

    @staticmethod
    def row_of(records: PairRecords) -> tuple[Any, ...] | None:
        """The values of the row `pair_records` read `records` from, in its SELECT's column order (None
        for records it did not read from a row)."""
        return getattr(records, "row", None)

    def _values(self, row: Any) -> tuple[Any, ...]:
        """A row's values in column order (the driver's rows iterate over them)."""
        return tuple(row)

    def courses(self, after: str | None = None, limit: int | None = None) -> list[Course]:
        return [course_from_row(row) for row in self._page("courses", "id", after, limit)]

    def users(self, after: str | None = None, limit: int | None = None) -> list[User]:
        return [user_from_row(row) for row in self._page("users", "id", after, limit)]

    def enrollments_of_course(
        self, course_id: str, after: str | None = None, limit: int | None = None
    ) -> list[Enrollment]:
        rows = self._page("enrollments", "user_id", after, limit, course_id=course_id)
        return [enrollment_from_row(row) for row in rows]

    def enrollments_of_user(
        self, user_id: str, after: str | None = None, limit: int | None = None
    ) -> list[Enrollment]:
        rows = self._page("enrollments", "course_id", after, limit, user_id=user_id)
        return [enrollment_from_row(row) for row in rows]

    def _one(self, table: str, **equal: str) -> Row | None:
        if not self.storable(*equal.values()):
            return None
        rows = self._db.rows(_select(table, tuple(equal), self.placeholder), *equal.values())
        return rows[0] if rows else None

    def _page(self, table: str, key: str, after: str | None, limit: int | None, **equal: str) -> list[Row]:
        """The rows of `table` matching `equal`, by `key`, after `after`, at most `limit` of them."""
        if not self.storable(*equal.values()):
            return []
        condition, after_params = after_clause(key, after, self.placeholder)
        limited, limit_params = limit_clause(limit, self.placeholder)
        sql = f"{_select(table, tuple(equal), self.placeholder)}{condition} ORDER BY {key}{limited}"
        return self._db.rows(sql, *equal.values(), *after_params, *limit_params)


JOURNAL_TRIM_EVERY = 100
"""The journal drops entries past its capacity every this many entries."""


class SQLJournal:
    """The request journal in a database several processes share (see `Journal`); a subclass names its
    driver's parameter placeholder. Each entry is kept in its control-API form, so that the table reads
    as the journal does, in one statement; older entries are dropped now and then (`entries` never shows
    more than the capacity).

    An entry recorded lazily inside an event loop is written at the loop's next turn, together with the
    others of its turn, in one transaction: under load one write serves several requests, and the
    processes seldom wait for each other's. Anything this process reads or writes in the journal writes
    those waiting first."""

    placeholder = "?"

    def __init__(self, database: Any, capacity: int = CAPACITY) -> None:
        self.capacity = capacity
        self._db = database
        self._lock = threading.Lock()
        self._waiting: list[Callable[[], dict[str, Any]]] = []
        self._flush_on: asyncio.AbstractEventLoop | None = None
        """The loop a write of the waiting entries is scheduled on."""

    def record(self, **fields: Any) -> JournalEntry:
        mark = self.placeholder
        document = _document(fields)
        with self._lock, self._db.transaction():
            self._write_waiting()
            (row,) = self._db.rows(f"INSERT INTO journal (entry) VALUES ({mark}) RETURNING id", document)
            self._trim(row["id"], 1)
        return new_entry(row["id"], fields)

    def record_lazily(self, make: Callable[[], dict[str, Any]]) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        with self._lock:
            self._waiting.append(make)
            if loop is None:
                self._write_waiting()
                return
            if self._flush_on is loop:
                return
            self._flush_on = loop
        loop.call_soon(self.flush)

    def flush(self) -> None:
        """Write the entries recorded lazily and not written yet."""
        with self._lock:
            self._flush_on = None
            self._write_waiting()

    def entries(self, since: int = 0) -> list[JournalEntry]:
        self.flush()
        mark = self.placeholder
        sql = (
            f"SELECT id, entry FROM journal WHERE id > {mark} "
            f"AND id > (SELECT coalesce(max(id), 0) FROM journal) - {mark} ORDER BY id"
        )
        rows = self._db.rows(sql, since, self.capacity)
        return [entry_from_json({**json.loads(row["entry"]), "id": row["id"]}) for row in rows]

    def clear(self) -> None:
        with self._lock:
            self._waiting.clear()  # recorded before the clear: cleared with the rest
            self._db.execute("DELETE FROM journal")

    def _write_waiting(self) -> None:
        """Write the waiting entries in one transaction (the caller holds `_lock`)."""
        if not self._waiting:
            return
        batch, self._waiting = self._waiting, []
        documents = [(_document(make()),) for make in batch]
        with self._db.transaction():
            self._db.executemany(f"INSERT INTO journal (entry) VALUES ({self.placeholder})", documents)
            (row,) = self._db.rows("SELECT max(id) AS id FROM journal")
            self._trim(row["id"], len(batch))

    def _trim(self, last_id: int, written: int) -> None:
        """Drop the entries past the capacity when the IDs just written passed a multiple of
        JOURNAL_TRIM_EVERY."""
        if last_id // JOURNAL_TRIM_EVERY != (last_id - written) // JOURNAL_TRIM_EVERY:
            self._db.execute(f"DELETE FROM journal WHERE id <= {self.placeholder}", last_id - self.capacity)


def _document(fields: dict[str, Any]) -> str:
    """An entry's fields in the form the journal table keeps."""
    return json.dumps(entry_json(new_entry(0, fields)), default=str)


class SQLFaults:
    """Pending faults in a database several processes share, so that a fault fires once whichever process
    takes the request (see `Faults`). A subclass names its driver's parameter placeholder and the clause
    that locks the rows it reads; a take runs in the database's `transaction()`."""

    placeholder = "?"
    row_lock = ""

    def __init__(self, database: Any) -> None:
        self._db = database

    def add(self, fault: Fault) -> None:
        self._db.execute(f"INSERT INTO faults (fault) VALUES ({self.placeholder})", json.dumps(asdict(fault)))

    def clear(self) -> None:
        self._db.execute("DELETE FROM faults")

    def pending(self) -> list[Fault]:
        return [fault for _, fault in self._rows("")]

    def take(self, method: str, path: str) -> Fault | None:
        if take(self.pending(), method, path) is None:
            return None  # the common case, read without a lock; a fault added meanwhile comes later
        mark = self.placeholder
        with self._db.transaction():
            rows = self._rows(self.row_lock)
            taken = take([fault for _, fault in rows], method, path)
            if taken is None:
                return None
            row_id = rows[taken.index][0]
            if taken.left is None:
                self._db.execute(f"DELETE FROM faults WHERE id = {mark}", row_id)
            else:
                left = json.dumps(asdict(taken.left))
                self._db.execute(f"UPDATE faults SET fault = {mark} WHERE id = {mark}", left, row_id)
            return taken.fault

    def _rows(self, lock: str) -> list[tuple[int, Fault]]:
        rows = self._db.rows(f"SELECT id, fault FROM faults ORDER BY id{lock}")
        return [(row["id"], Fault(**json.loads(row["fault"]))) for row in rows]
