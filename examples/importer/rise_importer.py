"""Import course completions from a CSV file into Rise: one
`POST /courses/{courseId}/users/{userId}/completions` per row.

    RISE_API_KEY=... python rise_importer.py completions.csv [--base-url URL] [--verify SECONDS]

The CSV has a header and the columns `course_id,user_id,started_at,completed_at` (dates as RFC 3339
date-times with an offset, or YYYY-MM-DD). The importer

- is idempotent: Rise keeps one completion per (course, user) and replaces its dates on a second import,
  so running a file again changes nothing; a pair listed twice with the same dates is sent once, and with
  different dates is reported as an error (the file cannot say which is right) and not sent;
- retries a 429 after the `Retry-After` it names (seconds or an HTTP date), and a 5xx or a network error
  with exponential backoff, up to `RetryPolicy.attempts` tries;
- never retries another 4xx: the row is reported with the API's `code` and `message`, and the next row
  goes on;
- with `--verify SECONDS`, reads the learner reports back until each imported row shows (Rise documents
  up to 5 minutes of report lag) and reports the rows that did not.

Exit status: 0 every row imported, 1 some rows failed (each is printed), 2 the file or the options are
unusable. It uses only httpx and the standard library: this is an integrator's program, not part of
rise-contract, and its tests (tests/) run it against the `rise_mock` fixture.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import quote

import httpx

COLUMNS = ("course_id", "user_id", "started_at", "completed_at")
DEFAULT_BASE_URL = "https://api.rise.com"
Sleep = Callable[[float], None]


class ImporterError(Exception):
    """The file cannot be imported at all (missing, unreadable, wrong columns)."""


@dataclass(frozen=True)
class Row:
    line: int
    course_id: str
    user_id: str
    started_at: str
    completed_at: str

    @property
    def pair(self) -> tuple[str, str]:
        return self.course_id, self.user_id


@dataclass(frozen=True)
class RowError:
    """A row that was not imported, and why."""

    line: int
    course_id: str
    user_id: str
    message: str
    status: int | None = None
    code: str | None = None

    def __str__(self) -> str:
        answer = " ".join(str(part) for part in (self.status, self.code) if part is not None)
        where = f"line {self.line} ({self.course_id}, {self.user_id})"
        return f"{where}: {answer}: {self.message}" if answer else f"{where}: {self.message}"


@dataclass
class ImportResult:
    imported: list[Row] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    duplicates: list[int] = field(default_factory=list)
    """Lines that repeat an earlier row exactly, and were not sent again."""

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 5
    """Tries per row, the first included."""
    backoff: float = 0.5
    """Seconds before the first retry of a 5xx or network error; doubled at each further one."""
    max_backoff: float = 30.0
    max_retry_after: float = 300.0
    """A longer Retry-After is waited for this long only."""

    def delay(self, attempt: int) -> float:
        """Seconds to wait after failed try number `attempt` (1-based)."""
        return min(self.backoff * 2 ** (attempt - 1), self.max_backoff)


def read_rows(path: Path) -> tuple[list[Row], list[RowError], list[int]]:
    """The rows to send, the rows refused before sending, and the lines that repeat an earlier row."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            records = list(csv.DictReader(handle))
            columns = records[0].keys() if records else ()
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise ImporterError(f"cannot read {path}: {error}") from None
    missing = [column for column in COLUMNS if records and column not in columns]
    if missing:
        raise ImporterError(
            f"{path} has no column {', '.join(missing)}: the header must be {','.join(COLUMNS)}"
        )
    rows: list[Row] = []
    errors: list[RowError] = []
    duplicates: list[int] = []
    first: dict[tuple[str, str], Row] = {}
    for line, record in enumerate(records, start=2):
        values = [(record.get(column) or "").strip() for column in COLUMNS]
        row = Row(line, *values)
        empty = [column for column, value in zip(COLUMNS, values, strict=True) if not value]
        if empty:
            errors.append(RowError(line, row.course_id, row.user_id, f"empty {', '.join(empty)}: fill it in"))
            continue
        earlier = first.get(row.pair)
        if earlier is None:
            first[row.pair] = row
            rows.append(row)
        elif (earlier.started_at, earlier.completed_at) == (row.started_at, row.completed_at):
            duplicates.append(line)
        else:
            errors.append(
                RowError(
                    line,
                    row.course_id,
                    row.user_id,
                    f"conflicts with line {earlier.line} (Rise keeps one completion per course and user): "
                    "keep one of the two rows",
                )
            )
    return rows, errors, duplicates


def run_import(
    path: Path,
    *,
    base_url: str,
    api_key: str,
    policy: RetryPolicy = RetryPolicy(),
    verify_timeout: float | None = None,
    sleep: Sleep = time.sleep,
    transport: httpx.BaseTransport | None = None,
) -> ImportResult:
    """Import every row of `path`; `verify_timeout` also waits for the reports to show each import."""
    rows, errors, duplicates = read_rows(path)
    result = ImportResult(errors=errors, duplicates=duplicates)
    headers = {"Authorization": f"Bearer {api_key}", "Rise-API-Version": "2020-07-16"}
    with httpx.Client(base_url=base_url, headers=headers, timeout=30, transport=transport) as client:
        for row in rows:
            error = _send(client, row, policy, sleep)
            if error is None:
                result.imported.append(row)
            else:
                result.errors.append(error)
        if verify_timeout is not None and result.imported:
            result.errors.extend(_verify(client, result.imported, verify_timeout))
    result.errors.sort(key=lambda error: error.line)
    return result


def _send(client: httpx.Client, row: Row, policy: RetryPolicy, sleep: Sleep) -> RowError | None:
    path = f"/courses/{quote(row.course_id, safe='')}/users/{quote(row.user_id, safe='')}/completions"
    body = {"startedAt": row.started_at, "completedAt": row.completed_at}
    last = ""
    for attempt in range(1, policy.attempts + 1):
        try:
            response = client.post(path, json=body)
        except httpx.TransportError as error:
            last, wait = f"network error ({type(error).__name__}: {error})", policy.delay(attempt)
        else:
            if response.status_code == 202:
                return None
            if response.status_code == 429:
                last = "429 rate limited"
                wait = _retry_after(response, policy) or policy.delay(attempt)
            elif response.status_code >= 500:
                last, wait = f"{response.status_code} server error", policy.delay(attempt)
            else:
                code, message = _error_of(response)
                return RowError(row.line, row.course_id, row.user_id, message, response.status_code, code)
        if attempt < policy.attempts:
            sleep(wait)
    return RowError(
        row.line, row.course_id, row.user_id, f"gave up after {policy.attempts} tries; last: {last}"
    )


def _retry_after(response: httpx.Response, policy: RetryPolicy) -> float | None:
    """Seconds the answer asks to wait (Retry-After in seconds or as an HTTP date), capped."""
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            seconds = (parsedate_to_datetime(value) - datetime.now(UTC)).total_seconds()
        except (TypeError, ValueError):
            return None
    return min(max(seconds, 0.0), policy.max_retry_after)


def _error_of(response: httpx.Response) -> tuple[str | None, str]:
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        return body.get("code"), body["message"]
    return None, response.text[:200] or response.reason_phrase


def _instant(text: str | None) -> datetime | None:
    if not text:
        return None
    value = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _verify(client: httpx.Client, rows: list[Row], timeout: float, interval: float = 0.1) -> list[RowError]:
    """Read the learner reports until each row shows as Complete with its completedAt, or `timeout` ends."""
    waiting = {row.pair: row for row in rows}
    deadline = time.monotonic() + timeout
    while waiting:
        for user_id in sorted({user for _, user in waiting}):
            response = client.get(f"/reports/learners/{quote(user_id, safe='')}", params={"limit": 100})
            if response.status_code != 200:
                continue
            for shown in response.json().get("courses", []):
                row = waiting.get((shown.get("courseId"), user_id))
                if (
                    row
                    and shown.get("status") == "Complete"
                    and _instant(shown.get("completedAt")) == _instant(row.completed_at)
                ):
                    del waiting[row.pair]
        if not waiting or time.monotonic() >= deadline:
            break
        time.sleep(interval)
    return [
        RowError(
            r.line, r.course_id, r.user_id, f"imported, but not in the learner report after {timeout:g} s"
        )
        for r in waiting.values()
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="rise_importer", description="Import completions from a CSV into Rise."
    )
    parser.add_argument("csv", type=Path, help=f"the file, with the columns {','.join(COLUMNS)}")
    parser.add_argument("--base-url", default=os.environ.get("RISE_BASE_URL", DEFAULT_BASE_URL))
    parser.add_argument("--verify", type=float, metavar="SECONDS", help="wait this long for the reports")
    args = parser.parse_args(argv)
    api_key = os.environ.get("RISE_API_KEY")
    if not api_key:
        print("rise_importer: set RISE_API_KEY to your Rise API key", file=sys.stderr)
        return 2
    try:
        result = run_import(args.csv, base_url=args.base_url, api_key=api_key, verify_timeout=args.verify)
    except ImporterError as error:
        print(f"rise_importer: {error}", file=sys.stderr)
        return 2
    for error in result.errors:
        print(error, file=sys.stderr)
    print(
        f"{len(result.imported)} imported, {len(result.errors)} failed, {len(result.duplicates)} duplicate(s)"
    )
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
