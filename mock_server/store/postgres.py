"""PostgreSQL storage: the tenant, its journal and its faults in one database (or one schema of it, chosen
with `?options=-csearch_path%3DNAME`), shared by every rise-mock process on every host that opens it.

The guarantees are SQLite's: `atomic()` is a transaction that holds the tenant's lock (a transaction
advisory lock on the schema), so that a read-then-write such as an import happens as one step for every
other process, and one pair has one record however many processes import it at once; nothing is
acknowledged before its transaction has committed. Each class implements the protocol of its memory twin.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg.rows import dict_row

from mock_server.model.records import Completion, Enrollment, TenantState
from mock_server.model.seed import state_to_document
from mock_server.store.rows import completion_values, course_values, enrollment_values, user_values
from mock_server.store.sql import COLUMNS, DatabaseError, SQLFaults, SQLJournal, SQLStore, foreign_table

_SCHEMA = """
CREATE TABLE IF NOT EXISTS courses (id TEXT COLLATE "C" PRIMARY KEY, title TEXT NOT NULL,
    source TEXT NOT NULL, published_version INTEGER, quiz_required BOOLEAN NOT NULL, author_id TEXT,
    cover_image_url TEXT);
CREATE TABLE IF NOT EXISTS users (id TEXT COLLATE "C" PRIMARY KEY, email TEXT NOT NULL, role TEXT NOT NULL,
    first_name TEXT, last_name TEXT, last_active_at TEXT);
CREATE TABLE IF NOT EXISTS enrollments (course_id TEXT COLLATE "C" NOT NULL,
    user_id TEXT COLLATE "C" NOT NULL, enrolled_at TEXT NOT NULL, PRIMARY KEY (course_id, user_id));
CREATE INDEX IF NOT EXISTS enrollments_by_user ON enrollments (user_id, course_id);
CREATE TABLE IF NOT EXISTS completions (course_id TEXT COLLATE "C" NOT NULL,
    user_id TEXT COLLATE "C" NOT NULL, started_at TEXT NOT NULL, completed_at TEXT NOT NULL,
    course_version INTEGER NOT NULL, quiz_score_percent DOUBLE PRECISION, imported_at TEXT,
    shown_before TEXT, PRIMARY KEY (course_id, user_id));
CREATE TABLE IF NOT EXISTS seed (id INTEGER PRIMARY KEY CHECK (id = 1), document TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS journal (id BIGSERIAL PRIMARY KEY, entry TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS faults (id BIGSERIAL PRIMARY KEY, fault TEXT NOT NULL);
"""
# IDs sort as the model sorts them (by code point) only under the "C" collation.


_LOCK = "SELECT pg_advisory_xact_lock(hashtext('rise-mock ' || current_schema()))"


_COLUMNS_FOUND = """
SELECT table_name, column_name FROM information_schema.columns
WHERE table_schema = current_schema() AND table_name = ANY(%s) ORDER BY table_name, ordinal_position
"""


class PostgresError(DatabaseError):
    """The database cannot be reached or used; the message says where and what to check."""


def printable_url(url: str) -> str:
    """The URL with its password shown as ***, for banners and messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@", 1)))


class PostgresDatabase:
    """One PostgreSQL database (or schema); a connection per thread; `atomic()` is a transaction holding
    the tenant's lock, re-entrant."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._local = threading.local()
        try:
            with self.atomic():
                reason = self._foreign_table()
                if reason is None:
                    self.execute(_SCHEMA)
        except psycopg.Error as error:
            raise PostgresError(
                f"cannot create rise-mock's tables in {printable_url(url)} ({error}): check that the "
                "database (and the schema its search_path names) exists and that this user may create "
                "tables in it."
            ) from None
        if reason is not None:
            raise PostgresError(f"cannot use the PostgreSQL database {printable_url(url)}: {reason}.")

    def _foreign_table(self) -> str | None:
        found: dict[str, list[str]] = {}
        for row in self.rows(_COLUMNS_FOUND, list(COLUMNS)):
            found.setdefault(row["table_name"], []).append(row["column_name"])
        return foreign_table(found, "database (or schema)")

    def _connection(self) -> psycopg.Connection:
        connection = getattr(self._local, "connection", None)
        if connection is None or connection.closed:
            try:
                connection = psycopg.connect(self.url, autocommit=True, row_factory=dict_row)
            except psycopg.Error as error:
                raise PostgresError(
                    f"cannot use the PostgreSQL database {printable_url(self.url)} ({error}): check the "
                    "URL, that the server runs and that it lets this user in."
                ) from None
            self._local.connection, self._local.depth = connection, 0
        return connection

    @contextmanager
    def atomic(self, *, exclusive: bool = True) -> Iterator[psycopg.Connection]:
        """A transaction; `exclusive` (the default) also holds the tenant's lock until it ends."""
        connection = self._connection()
        if self._local.depth:
            self._local.depth += 1
            try:
                yield connection
            finally:
                self._local.depth -= 1
            return
        connection.execute("BEGIN")
        self._local.depth = 1
        try:
            if exclusive:
                connection.execute(_LOCK)
            yield connection
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        else:
            connection.execute("COMMIT")
        finally:
            self._local.depth = 0

    def transaction(self) -> AbstractContextManager[psycopg.Connection]:
        """A transaction without the tenant's lock, for the journal and the faults: their rows' own locks
        are enough."""
        return self.atomic(exclusive=False)

    def rows(self, sql: str, *params: Any) -> list[dict[str, Any]]:
        return self._connection().execute(sql, params).fetchall()

    def execute(self, sql: str, *params: Any) -> None:
        self._connection().execute(sql, params or None)

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        with self._connection().cursor() as cursor:
            cursor.executemany(sql, rows)


class PostgresStore(SQLStore):
    """The tenant's records in PostgreSQL (see `store.Store`; the reads are `sql.SQLStore`'s)."""

    placeholder = "%s"

    def storable(self, *ids: str) -> bool:
        """PostgreSQL text cannot hold NUL, so no stored ID does: an ID with one names no record."""
        return not any("\x00" in value for value in ids)

    def _values(self, row: Any) -> tuple[Any, ...]:
        return tuple(row.values())  # rows are dicts, by column name

    def replace(self, state: TenantState) -> None:
        with self._db.atomic():
            self._db.execute("TRUNCATE courses, users, enrollments, completions")
            for table, to_values, records in (
                ("courses", course_values, state.courses),
                ("users", user_values, state.users),
                ("enrollments", enrollment_values, state.enrollments),
                ("completions", completion_values, state.completions),
            ):
                insert = f"INSERT INTO {table} VALUES ({', '.join(['%s'] * len(COLUMNS[table]))})"
                self._db.executemany(insert, map(to_values, records.values()))

    def set_seed(self, state: TenantState) -> None:
        self._db.execute(
            "INSERT INTO seed (id, document) VALUES (1, %s) ON CONFLICT (id) DO UPDATE SET document = %s",
            *[json.dumps(state_to_document(state))] * 2,
        )

    def save_enrollment(self, enrollment: Enrollment) -> None:
        self._db.execute(
            "INSERT INTO enrollments VALUES (%s, %s, %s) ON CONFLICT (course_id, user_id) "
            "DO UPDATE SET enrolled_at = EXCLUDED.enrolled_at",
            *enrollment_values(enrollment),
        )

    def save_completion(self, completion: Completion) -> None:
        columns = ("started_at", "completed_at", "course_version", "quiz_score_percent", "imported_at")
        updates = ", ".join(f"{column} = EXCLUDED.{column}" for column in (*columns, "shown_before"))
        self._db.execute(
            "INSERT INTO completions VALUES (%s, %s, %s, %s, %s, %s, %s, %s) "
            f"ON CONFLICT (course_id, user_id) DO UPDATE SET {updates}",
            *completion_values(completion),
        )


class PostgresJournal(SQLJournal):
    """The request journal in the shared database, so that every process's requests show (see
    `Journal`)."""

    placeholder = "%s"


class PostgresFaults(SQLFaults):
    """Pending faults in the shared database, so that a fault fires once whichever process takes the
    request (see `Faults`): taking one locks the pending rows until the transaction ends."""

    placeholder = "%s"
    row_lock = " FOR UPDATE"
