"""What a check works with: the client, the profile, report reading with polling, and the write gate
that --dry-run closes."""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

from conformance.checks.dates import rfc3339
from conformance.engine.client import Exchange, RiseClient
from conformance.engine.results import CheckFailed
from conformance.profile import Profile

MAX_PAGES = 50
"""Pages followed per report read; a report longer than 5,000 rows is not a profile's."""
WRONG_KEY = "rise-conformance-wrong-key"
"""The key the checks send to see a wrong key refused; never a real one."""
POLL_FIRST_SECONDS = 0.05
POLL_MAX_SECONDS = 5.0
Row = dict[str, Any]
Pair = tuple[str, str]


def segment(value: str) -> str:
    """A path segment as sent: every reserved character, and any non-ASCII one, percent-encoded."""
    return quote(value, safe="")


def completions_path(course_id: str, user_id: str) -> str:
    return f"/courses/{segment(course_id)}/users/{segment(user_id)}/completions"


@dataclass(frozen=True)
class Write:
    """One request that may change the target; --dry-run lists these instead of sending them."""

    method: str
    path: str
    body: Any = None
    token: str | None = ""
    raw_body: str | None = None
    pause_after: float = 0.0

    def describe(self) -> str:
        key = {"": "", None: " (no key)"}.get(self.token, " (a wrong key)")  # type: ignore[arg-type]
        if self.raw_body is None and self.body is None:
            return f"{self.method} {self.path}{key}"
        body = self.raw_body if self.raw_body is not None else json.dumps(self.body, ensure_ascii=False)
        return f"{self.method} {self.path}{key} {body}"


def import_write(course_id: str, user_id: str, started: str, completed: str, **extra: Any) -> Write:
    return Write(
        "POST",
        completions_path(course_id, user_id),
        {"startedAt": started, "completedAt": completed},
        **extra,
    )


class DryRun(Exception):
    """Raised by `send_all` under --dry-run with the writes the check would have made."""

    def __init__(self, writes: Sequence[Write]) -> None:
        super().__init__(f"{len(writes)} writes planned")
        self.writes = list(writes)


@dataclass
class CheckContext:
    """Shared by the checks of one run; remembers which pairs this run enrolled, and when."""

    client: RiseClient
    profile: Profile
    report_timeout: float
    dry_run: bool = False
    rng: random.Random = field(default_factory=random.Random)
    enrolled_by_run: dict[Pair, float] = field(default_factory=dict)
    report_lags: list[float] = field(default_factory=list)

    # -- writes -----------------------------------------------------------------------------------

    def send_all(self, writes: Sequence[Write]) -> list[Exchange]:
        """Send the writes in order, or under --dry-run stop the check and list them."""
        if self.dry_run:
            raise DryRun(writes)
        sent = []
        for write in writes:
            sent.append(
                self.client.request(
                    write.method,
                    write.path,
                    json_body=write.body,
                    content=write.raw_body,
                    token=write.token,
                    headers={"Content-Type": "application/json"} if write.raw_body is not None else None,
                )
            )
            if sent[-1].status < 300 and write.path.endswith("/completions"):
                self._note_enrollment(write.path)
            if write.pause_after:
                time.sleep(write.pause_after)
        return sent

    def _note_enrollment(self, path: str) -> None:
        parts = path.split("/")
        self.enrolled_by_run.setdefault((parts[2], parts[4]), time.monotonic())

    def fresh_dates(self, length: timedelta = timedelta(hours=1, minutes=30)) -> tuple[str, str]:
        """A (startedAt, completedAt) pair unlikely to equal anything already on the target."""
        start = datetime(2021, 1, 1, tzinfo=UTC) + timedelta(minutes=self.rng.randrange(0, 2_000_000))
        return rfc3339(start), rfc3339(start + length)

    # -- reads ------------------------------------------------------------------------------------

    def learner_rows(self, user_id: str) -> tuple[list[Row], list[Exchange]]:
        return self._rows(f"/reports/learners/{segment(user_id)}?limit=100", "courses")

    def course_rows(self, course_id: str) -> tuple[list[Row], list[Exchange]]:
        return self._rows(f"/reports/courses/{segment(course_id)}?limit=100", "learners")

    def pair_rows(self, course_id: str, user_id: str) -> tuple[list[Row], list[Exchange]]:
        """The learner report's rows for one pair (the contract says: at most one)."""
        rows, exchanges = self.learner_rows(user_id)
        return [row for row in rows if row.get("courseId") == course_id], exchanges

    def _rows(self, url: str, key: str) -> tuple[list[Row], list[Exchange]]:
        rows: list[Row] = []
        exchanges: list[Exchange] = []
        next_url: str | None = url
        for _page in range(MAX_PAGES):
            if next_url is None:
                break
            exchange = self.client.get(next_url)
            exchanges.append(exchange)
            body = exchange.json()
            if exchange.status != 200 or not isinstance(body, dict) or not isinstance(body.get(key), list):
                raise CheckFailed(
                    f"200 with a '{key}' list from the report", f"HTTP {exchange.status}", exchanges
                )
            rows += [row for row in body[key] if isinstance(row, dict)]
            next_url = body.get("nextUrl")
        return rows, exchanges

    def wait_for(
        self, read: Callable[[], tuple[Any, list[Exchange]]], done: Callable[[Any], bool]
    ) -> tuple[Any, list[Exchange], float | None]:
        """Read until `done` holds or --report-timeout passes: (last value, last exchanges, lag or None)."""
        started = time.monotonic()
        delay = POLL_FIRST_SECONDS
        while True:
            value, exchanges = read()
            elapsed = time.monotonic() - started
            if done(value):
                self.report_lags.append(elapsed)
                return value, exchanges, elapsed
            if elapsed >= self.report_timeout:
                return value, exchanges, None
            time.sleep(min(delay, max(self.report_timeout - elapsed, 0.0)))
            delay = min(delay * 2, POLL_MAX_SECONDS)
