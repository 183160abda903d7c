"""The request journal: what an importer sent and what the mock answered, newest last.

It is how an integrator sees what their importer did. No configured key is ever kept: the middleware
that fills it redacts them (`mock_server.model.redaction`), and of the Authorization header only its
kind is kept. This module holds the entry, the `Journal` protocol and its in-memory implementation; the
SQLite one is in `sqlite.py`, and the middleware that fills it in `mock_server/middleware/journal.py`.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from dataclasses import MISSING, dataclass, fields
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from mock_server.model.dates import format_datetime

CAPACITY = 1000
"""Entries kept; older ones are dropped."""


class Disconnect(StrEnum):
    """Who ended the connection before the answer was complete."""

    CLIENT = "client"
    """The client hung up: mid-body (the request was not processed) or while waiting for the answer."""
    FAULT = "fault"
    """A network fault dropped the connection or cut the answer short."""


@dataclass(frozen=True)
class JournalEntry:
    id: int
    at: datetime
    """When the request arrived (UTC); RFC 3339 in the control API."""
    method: str
    path: str
    query: str
    content_type: str | None
    api_version: str | None
    authorization: str
    """"bearer" when a bearer key was sent, "other" for another scheme, "none" without the header."""
    body: Any
    status: int | None
    """The status answered; None when no answer was sent (see `disconnected`)."""
    code: str | None
    """The error code of an error answer."""
    duration_ms: float
    disconnected: Disconnect | None = None
    """Set when the connection ended before a complete answer."""


_NAMES = frozenset(field.name for field in fields(JournalEntry))
_REQUIRED = frozenset(field.name for field in fields(JournalEntry) if field.default is MISSING)
_DEFAULTS = {field.name: field.default for field in fields(JournalEntry) if field.default is not MISSING}


def new_entry(entry_id: int, entry_fields: dict[str, Any]) -> JournalEntry:
    """`JournalEntry(id=entry_id, **entry_fields)`, made without the frozen dataclass's setattr per field
    (a few microseconds on every request the journal records); wrong field names are refused alike."""
    given = entry_fields.keys() | {"id"}
    if "id" in entry_fields or given - _NAMES or _REQUIRED - given:
        return JournalEntry(id=entry_id, **entry_fields)  # raises the TypeError that names the field
    entry = object.__new__(JournalEntry)
    entry.__dict__.update(_DEFAULTS, **entry_fields, id=entry_id)
    return entry


class Journal(Protocol):
    """The last requests, oldest first, each with a rising ID."""

    def record(self, **fields: Any) -> JournalEntry:
        """Add an entry (every field of `JournalEntry` but its ID) and return it."""

    def record_lazily(self, make: Callable[[], dict[str, Any]]) -> None:
        """Add an entry whose fields `make` returns, later, so that a request does not pay for making its
        entry readable: a journal that keeps its entries in this process calls it when the entry is first
        read (or never, once the entry is dropped); one in a shared database, at the event loop's next
        turn, with the other entries of its turn."""

    def entries(self, since: int = 0) -> list[JournalEntry]:
        """The entries with an ID above `since`."""

    def clear(self) -> None: ...


class MemoryJournal:
    """A bounded, thread-safe journal of one process."""

    def __init__(self, capacity: int = CAPACITY) -> None:
        self.capacity = capacity
        self._entries: deque[JournalEntry | tuple[int, Callable[[], dict[str, Any]]]] = deque(maxlen=capacity)
        """Entries, and (ID, make) pairs of those recorded lazily and not read yet."""
        self._lock = threading.Lock()
        self._next_id = 1

    def record(self, **fields: Any) -> JournalEntry:
        with self._lock:
            entry = new_entry(self._next_id, fields)
            self._next_id += 1
            self._entries.append(entry)
        return entry

    def record_lazily(self, make: Callable[[], dict[str, Any]]) -> None:
        with self._lock:
            self._entries.append((self._next_id, make))
            self._next_id += 1

    def entries(self, since: int = 0) -> list[JournalEntry]:
        with self._lock:
            found = []
            for index, entry in enumerate(self._entries):
                if isinstance(entry, tuple):
                    if entry[0] <= since:
                        continue
                    entry = self._entries[index] = new_entry(entry[0], entry[1]())
                if entry.id > since:
                    found.append(entry)
            return found

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def journal_json(entries: list[JournalEntry]) -> list[dict[str, Any]]:
    """Entries in their control-API form (camelCase fields, `at` in RFC 3339)."""
    return [entry_json(entry) for entry in entries]


def entry_json(entry: JournalEntry) -> dict[str, Any]:
    """One entry in its control-API form; `entry_from_json` reads it back. The body is shared, not
    copied: it is JSON data that nothing changes once recorded."""
    document = {_CAMEL[name]: getattr(entry, name) for name in _CAMEL}
    document["at"] = format_datetime(entry.at)
    return document


def entry_from_json(document: dict[str, Any]) -> JournalEntry:
    """An entry from its control-API form (fields this version does not know are left out)."""
    values = {field.name: document.get(_camel(field.name)) for field in fields(JournalEntry)}
    values["at"] = datetime.fromisoformat(document["at"].replace("Z", "+00:00"))
    if values["disconnected"] is not None:
        values["disconnected"] = Disconnect(values["disconnected"])
    return JournalEntry(**values)


def _camel(snake: str) -> str:
    head, *rest = snake.split("_")
    return head + "".join(part.title() for part in rest)


_CAMEL = {field.name: _camel(field.name) for field in fields(JournalEntry)}
