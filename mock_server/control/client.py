"""A Python client of the control API (`/__mock/`): what a test needs to drive and inspect one running mock.

The `rise_mock` pytest fixture is one of these; it also works against a mock started any other way
(`rise-mock serve`, the container). Everything it returns is typed: journal entries, faults, import
requests and report rows are dataclasses.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import datetime
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import httpx

from mock_server.model.dates import parse_import_date
from mock_server.model.errors import MockError
from mock_server.store.faults import Fault, fault_from_json, fault_json
from mock_server.store.journal import JournalEntry, entry_from_json

__all__ = [
    "ControlError",
    "Fault",
    "ImportRequest",
    "JournalEntry",
    "ReportTimeout",
    "RiseMock",
    "TrackedRow",
]

POLL_SECONDS = 0.05
"""How often `wait_for_report` asks again."""
_IMPORT_PATH = re.compile(r"^/courses/([^/]+)/users/([^/]+)/completions$")


class ControlError(MockError):
    """The control API refused a call (the message has its status and answer)."""


class ReportTimeout(ControlError):
    """The reports did not show what `wait_for_report` waited for before its timeout."""


@dataclass(frozen=True)
class ImportRequest:
    """One `POST /courses/{courseId}/users/{userId}/completions` the mock received, and its answer."""

    course_id: str
    user_id: str
    body: Any
    """The body as sent (a dict for JSON)."""
    status: int
    code: str | None
    """The error code of a refused import."""
    at: datetime
    entry: JournalEntry

    @property
    def accepted(self) -> bool:
        return self.status == 202


@dataclass(frozen=True)
class TrackedRow:
    """A pair's report row as its records stand, and whether the Rise API's reports show it yet."""

    course_id: str
    course_title: str
    user_id: str
    email: str
    status: str
    """"Not Started", "In Progress" or "Complete"."""
    enrolled_at: datetime | None
    started_at: datetime | None
    completed_at: datetime | None
    duration: str | None
    quiz_score_percent: float | None
    is_quiz_passed: bool | None
    in_reports: bool
    shown_from: datetime | None
    """When the last write to the pair reaches the reports (with `--report-lag`)."""


def _instant(value: str | datetime | None) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return parse_import_date("date", value)


def _camel(snake: str) -> str:
    head, *rest = snake.split("_")
    return head + "".join(part.title() for part in rest)


def _tracked_row(document: Mapping[str, Any]) -> TrackedRow:
    values = {field.name: document.get(_camel(field.name)) for field in fields(TrackedRow)}
    for name in ("enrolled_at", "started_at", "completed_at", "shown_from"):
        values[name] = _instant(values[name])
    return TrackedRow(**values)


class RiseMock:
    """A running mock: where it is (`url`), the key it accepts (`api_key`, `headers`), and its control API
    as methods."""

    def __init__(self, url: str, api_key: str, *, control_headers: Mapping[str, str] | None = None) -> None:
        self.url = url.rstrip("/")
        self.api_key = api_key
        self.headers = {"Authorization": f"Bearer {api_key}"}
        self._seed_replaced = False
        self._control = httpx.Client(
            base_url=f"{self.url}/__mock", headers=dict(control_headers or {}), timeout=30
        )

    # -- the tenant -----------------------------------------------------------------------------

    def reset(self) -> None:
        """Back to the seed, with an empty journal and no pending fault."""
        self._call("POST", "/reset")

    def seed(self, state: Mapping[str, Any] | str | Path) -> None:
        """Serve this tenant (a document shaped like `state()`, or a YAML seed file) and reset to it."""
        if isinstance(state, str | Path):
            from mock_server.model.seed import load_seed_file, state_to_document

            state = state_to_document(load_seed_file(state))
        self._call("POST", "/seed", json=dict(state))
        self._seed_replaced = True

    def restore(self, seed: Mapping[str, Any]) -> None:
        """Back to `seed` (the session's), with an empty journal and no pending fault: a reset, or a
        re-seed when `seed()` replaced it since."""
        if self._seed_replaced:
            self.seed(seed)
            self._seed_replaced = False
        else:
            self.reset()

    def state(self) -> dict[str, Any]:
        """The whole tenant as a seed-shaped document: courses, users, enrollments and completions."""
        return self._call("GET", "/state").json()

    def completion(self, course_id: str, user_id: str) -> dict[str, Any] | None:
        """The pair's completion record as `state()` has it, or None."""
        found = [
            c for c in self.state()["completions"] if (c["courseId"], c["userId"]) == (course_id, user_id)
        ]
        return found[0] if found else None

    def report_rows(self) -> list[TrackedRow]:
        """Every enrolled pair's report row, with whether the reports show it yet (read without going
        through the Rise API, so the journal does not see it)."""
        return [_tracked_row(row) for row in self._call("GET", "/reports").json()["rows"]]

    # -- the journal ----------------------------------------------------------------------------

    def journal(
        self,
        since: int = 0,
        *,
        method: str | None = None,
        path: str | None = None,
        status: int | None = None,
    ) -> list[JournalEntry]:
        """The requests the mock received (outside the control API), oldest first; `path` is a glob
        such as `/courses/*/users/*/completions`."""
        entries = [
            entry_from_json(e)
            for e in self._call("GET", "/journal", params={"since": since}).json()["entries"]
        ]
        return [
            entry
            for entry in entries
            if (method is None or entry.method == method.upper())
            and (path is None or fnmatchcase(entry.path, path))
            and (status is None or entry.status == status)
        ]

    def clear_journal(self) -> None:
        self._call("DELETE", "/journal")

    def imports(
        self, course: str | None = None, user: str | None = None, *, status: int | None = None
    ) -> list[ImportRequest]:
        """The completion imports the mock received, oldest first, for one course and/or user; in the
        spirit of WireMock's `verify`: `assert len(rise_mock.imports("c", "u", status=202)) == 1`."""
        found = []
        for entry in self.journal(method="POST", status=status):
            match = _IMPORT_PATH.match(entry.path)
            if match is None:
                continue
            course_id, user_id = unquote(match.group(1)), unquote(match.group(2))
            if course in (None, course_id) and user in (None, user_id):
                found.append(
                    ImportRequest(course_id, user_id, entry.body, entry.status, entry.code, entry.at, entry)
                )
        return found

    # -- faults ---------------------------------------------------------------------------------

    def add_fault(self, fault: Fault | None = None, /, **options: Any) -> None:
        """Make the next matching requests fail, be rate-limited or slow down:
        `add_fault(status=429, times=1, retry_after=1)` (the fields of `Fault`, or a `Fault`)."""
        self._call("POST", "/faults", json=fault_json(fault if fault is not None else Fault(**options)))

    def faults(self) -> list[Fault]:
        """The faults still waiting to fire, in the order they fire."""
        return [fault_from_json(f) for f in self._call("GET", "/faults").json()["faults"]]

    def clear_faults(self) -> None:
        self._call("DELETE", "/faults")

    # -- waiting for the reports ----------------------------------------------------------------

    def wait_for_report(
        self,
        course: str,
        user: str,
        *,
        completed_at: str | datetime | None = None,
        timeout: float = 10.0,
    ) -> TrackedRow:
        """Poll until the Rise reports show the pair as Complete with `completed_at` (default: that of
        the pair's last accepted import), and return the row; ReportTimeout after `timeout` seconds.

        With a report lag (`--rise-mock-report-lag`) this is how a test waits out the lag without a
        fixed sleep."""
        expected = _instant(completed_at) or self._last_completed_at(course, user)
        deadline = time.monotonic() + timeout
        while True:
            row = next((r for r in self.report_rows() if (r.course_id, r.user_id) == (course, user)), None)
            if row and row.in_reports and row.status == "Complete" and row.completed_at == expected:
                return row
            if time.monotonic() >= deadline:
                seen = (
                    "no row"
                    if row is None
                    else f"{row.status}, completedAt {row.completed_at}, in reports: {row.in_reports}"
                )
                raise ReportTimeout(
                    f"after {timeout:g} s the reports still do not show ({course}, {user}) as Complete with "
                    f"completedAt {expected} (they show: {seen}); import the pair first, or wait longer "
                    "(the mock's report lag may exceed the timeout)"
                )
            time.sleep(POLL_SECONDS)

    def _last_completed_at(self, course: str, user: str) -> datetime:
        accepted = [i for i in self.imports(course, user, status=202) if isinstance(i.body, dict)]
        if not accepted:
            raise ControlError(
                f"no accepted import of ({course}, {user}) in the journal to wait for: import the pair "
                "first, or pass completed_at="
            )
        found = _instant(accepted[-1].body.get("completedAt"))
        assert found is not None
        return found

    # -- plumbing -------------------------------------------------------------------------------

    def close(self) -> None:
        self._control.close()

    def _call(self, method: str, path: str, **options: Any) -> httpx.Response:
        response = self._control.request(method, path, **options)
        if response.is_error:
            raise ControlError(
                f"rise-mock control API {method} /__mock{path} answered {response.status_code}: "
                f"{response.text}"
            )
        return response
