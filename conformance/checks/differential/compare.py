"""The comparator: what the contract fixes in an answer, compared with what the model predicts, and what
it leaves free ignored.

Fixed: the status, the error `code`, `Rise-API-Version` on every answer, `Allow` on 405, an empty 202,
report rows' status, enrollment and completion dates as instants, duration as a length, quiz fields, and
the fields of courses and users. Free: message wording, extra properties, the order of fields and of
list items, the spelling of instants and durations, cursors, and the host of absolute URLs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from conformance.checks.dates import parse_duration, parse_instant
from conformance.checks.differential.findings import Discrepancy
from conformance.engine.client import Exchange
from mock_server.model.contract import API_VERSION, VERSION_HEADER

# -- predicted answers -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Expected:
    """The answer the model predicts: status and error code, and the rule each way of missing it breaks.

    `rule` is the promise the prediction stands for; `alternatives` maps an error code the target might
    answer instead to the rule that answer breaks (e.g. user_not_found for an unknown course and user
    breaks the check order); `status_rule` is broken when the code is right and only the status is not.
    """

    status: int
    rule: str
    code: str | None = None
    alternatives: Mapping[str, str] = field(default_factory=dict)
    status_rule: str = "errors.statuses"
    allow: frozenset[str] = frozenset()
    """On 405: the methods the path has, which Allow must name."""
    empty_body: bool = False

    @property
    def success(self) -> bool:
        return self.code is None


def header(exchange: Exchange, name: str) -> str | None:
    """A response header, whatever the case of its name."""
    wanted = name.lower()
    return next((v for k, v in exchange.response_headers.items() if k.lower() == wanted), None)


def answer_discrepancies(expected: Expected, exchange: Exchange) -> list[Discrepancy]:
    """How an answer misses the prediction on status, code, envelope and promised headers; most telling
    first. Bodies of successful answers are compared by the caller."""
    found = _status_discrepancies(expected, exchange)
    version = header(exchange, VERSION_HEADER)
    if version != API_VERSION:
        found.append(
            Discrepancy(
                "version.on-every-response",
                f"{VERSION_HEADER}: {API_VERSION} on the HTTP {exchange.status} answer",
                f"{VERSION_HEADER}: {version}" if version is not None else "no such header",
            )
        )
    return found


def _status_discrepancies(expected: Expected, exchange: Exchange) -> list[Discrepancy]:
    observed = _observed(exchange)
    want = f"HTTP {expected.status}" + (f" with code {expected.code!r}" if expected.code else "")
    if expected.success:
        if exchange.status != expected.status:
            rule = expected.alternatives.get(exchange.error_code or "", expected.rule)
            return [Discrepancy(rule, want, observed)]
        if expected.empty_body and exchange.response_body.strip():
            return [Discrepancy("import.empty-body", f"HTTP {expected.status} with no body", observed)]
        return []
    code = exchange.error_code
    if code != expected.code:
        rule = expected.alternatives.get(code or "", expected.rule)
        return [Discrepancy(rule, want, observed)]
    if expected.status == 405 and exchange.status != 405:
        return [Discrepancy("protocol.method-not-allowed", want, observed)]
    if exchange.status != expected.status:
        return [Discrepancy(expected.status_rule, want, observed)]
    found = _envelope_discrepancies(exchange)
    if expected.status == 405:
        found += _allow_discrepancies(expected, exchange)
    return found


def _observed(exchange: Exchange) -> str:
    code = exchange.error_code
    text = f"HTTP {exchange.status}" + (f" with code {code!r}" if code else "")
    body = exchange.response_body.strip()
    if body and not code:
        text += f" and body {body[:200]!r}"
    return text


def _envelope_discrepancies(exchange: Exchange) -> list[Discrepancy]:
    body = exchange.json()
    if not isinstance(body, dict) or not isinstance(body.get("code"), str):
        return [Discrepancy("errors.code", "a JSON object with a code property", _observed(exchange))]
    message = body.get("message")
    if not isinstance(message, str) or not message.strip():
        return [Discrepancy("errors.envelope", "a non-empty message beside the code", f"message {message!r}")]
    return []


def _allow_discrepancies(expected: Expected, exchange: Exchange) -> list[Discrepancy]:
    allow = header(exchange, "Allow")
    named = {method.strip().upper() for method in (allow or "").split(",") if method.strip()}
    if allow is None or not expected.allow <= named or exchange.method.upper() in named:
        return [
            Discrepancy(
                "protocol.method-not-allowed",
                f"an Allow header naming {', '.join(sorted(expected.allow))} (and not {exchange.method})",
                f"Allow: {allow}" if allow is not None else "no Allow header",
            )
        ]
    return []


# -- report rows -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    """An instant known to lie between two moments: a date the target set at a request."""

    earliest: datetime
    latest: datetime

    def holds(self, value: datetime) -> bool:
        return self.earliest <= value <= self.latest

    def __str__(self) -> str:
        return f"between {self.earliest.isoformat()} and {self.latest.isoformat()} (at the request)"


@dataclass(frozen=True)
class AsRead:
    """A value the target showed that is not an instant or length; compared as it was."""

    value: Any

    def __str__(self) -> str:
        return repr(self.value)


Instant = datetime | Window | AsRead | None
Length = timedelta | AsRead | None


@dataclass(frozen=True)
class ExpectedRow:
    """What the contract fixes in one report row."""

    course_id: str
    user_id: str
    status: str | AsRead
    enrolled_at: Instant
    started_at: Instant
    completed_at: Instant
    duration: Length
    quiz_score: float | AsRead | None
    quiz_passed: bool | AsRead | None
    names: tuple[tuple[str, Any], ...] = ()
    """(field, value) pairs a row shows when it shows them at all: courseTitle, email, first and last name."""


@dataclass(frozen=True)
class FieldDifference:
    field: str
    expected: str
    observed: Any


def row_from_observed(row: Mapping[str, Any], course_id: str, user_id: str) -> ExpectedRow:
    """A row as the target showed it, as an expectation: what the next read must show again."""
    return ExpectedRow(
        course_id=course_id,
        user_id=user_id,
        status=row["status"] if isinstance(row.get("status"), str) else AsRead(row.get("status")),
        enrolled_at=_instant_as_read(row.get("enrolledAt")),
        started_at=_instant_as_read(row.get("startedAt")),
        completed_at=_instant_as_read(row.get("completedAt")),
        duration=_length_as_read(row.get("duration")),
        quiz_score=_number_as_read(row.get("quizScorePercent")),
        quiz_passed=row.get("isQuizPassed")
        if _is_bool_or_none(row.get("isQuizPassed"))
        else AsRead(row.get("isQuizPassed")),
    )


def _instant_as_read(value: Any) -> Instant:
    if value is None:
        return None
    parsed = parse_instant(value)
    return parsed if parsed is not None else AsRead(value)


def _length_as_read(value: Any) -> Length:
    if value is None:
        return None
    parsed = parse_duration(value)
    return parsed if parsed is not None else AsRead(value)


def _number_as_read(value: Any) -> float | AsRead | None:
    if value is None:
        return None
    return float(value) if _is_number(value) else AsRead(value)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_bool_or_none(value: Any) -> bool:
    return value is None or isinstance(value, bool)


def row_differences(expected: ExpectedRow, observed: Mapping[str, Any]) -> list[FieldDifference]:
    """Every fixed field of `observed` that differs from `expected`, in row order."""
    found = []
    if observed.get("courseId") != expected.course_id or observed.get("userId") != expected.user_id:
        found.append(
            FieldDifference(
                "courseId/userId",
                f"{expected.course_id}/{expected.user_id}",
                f"{observed.get('courseId')}/{observed.get('userId')}",
            )
        )
    checks = (
        ("status", _same_value(expected.status, observed.get("status"))),
        ("enrolledAt", _same_instant(expected.enrolled_at, observed.get("enrolledAt"))),
        ("startedAt", _same_instant(expected.started_at, observed.get("startedAt"))),
        ("completedAt", _same_instant(expected.completed_at, observed.get("completedAt"))),
        ("duration", _same_length(expected.duration, observed.get("duration"))),
        ("quizScorePercent", _same_number(expected.quiz_score, observed.get("quizScorePercent"))),
        ("isQuizPassed", _same_value(expected.quiz_passed, observed.get("isQuizPassed"))),
    )
    wanted = {
        "status": expected.status,
        "enrolledAt": expected.enrolled_at,
        "startedAt": expected.started_at,
        "completedAt": expected.completed_at,
        "duration": expected.duration,
        "quizScorePercent": expected.quiz_score,
        "isQuizPassed": expected.quiz_passed,
    }
    for name, same in checks:
        if not same:
            found.append(FieldDifference(name, describe_value(wanted[name]), observed.get(name)))
    for name, value in expected.names:
        if name in observed and observed[name] != value:
            found.append(FieldDifference(name, repr(value), observed[name]))
    return found


def describe_value(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, timedelta):
        return f"a length of {value}"
    return str(value) if isinstance(value, Window | AsRead) else repr(value)


def _same_value(expected: Any, observed: Any) -> bool:
    if isinstance(expected, AsRead):
        return observed == expected.value and type(observed) is type(expected.value)
    if isinstance(expected, bool) or isinstance(observed, bool):
        return observed is expected
    return observed == expected


PRECISION = timedelta(milliseconds=1)
"""Instants agree to the millisecond: the contract takes fractions of a second but fixes no precision for
what a report shows, and many servers keep milliseconds (a JavaScript Date does)."""


def _same_instant(expected: Instant, observed: Any) -> bool:
    if isinstance(expected, AsRead):
        return observed == expected.value
    if expected is None:
        return observed is None
    instant = parse_instant(observed) if isinstance(observed, str) else None
    if instant is None:
        return False
    if isinstance(expected, Window):
        return expected.holds(instant)
    return abs(instant - expected) < PRECISION


def _same_length(expected: Length, observed: Any) -> bool:
    if isinstance(expected, AsRead):
        return observed == expected.value
    if expected is None:
        return observed is None
    length = parse_duration(observed) if isinstance(observed, str) else None
    return length is not None and abs(length - expected) < 2 * PRECISION


def _same_number(expected: float | AsRead | None, observed: Any) -> bool:
    if isinstance(expected, AsRead):
        return observed == expected.value
    if expected is None:
        return observed is None
    return _is_number(observed) and float(observed) == expected


# -- courses and users -----------------------------------------------------------------------------

COURSE_FIELDS = ("id", "title", "source", "coverImageUrl")
USER_FIELDS = ("id", "email", "role", "firstName", "lastName")
COURSE_URL_FIELDS = ("authorUrl",)
USER_URL_FIELDS = ()


def object_differences(
    expected: Mapping[str, Any], observed: Any, fields: tuple[str, ...], url_fields: tuple[str, ...] = ()
) -> list[FieldDifference]:
    """Fields of a course or user object that differ; URL fields compared without their host."""
    if not isinstance(observed, dict):
        return [FieldDifference("(object)", "a JSON object", observed)]
    found = [
        FieldDifference(name, repr(expected[name]), observed.get(name))
        for name in fields
        if name in expected and not _same_value(expected[name], observed.get(name))
    ]
    found += [
        FieldDifference(name, repr(expected[name]), observed.get(name))
        for name in url_fields
        if name in expected and url_path(expected[name]) != url_path(observed.get(name))
    ]
    return found


def url_path(value: Any) -> Any:
    """An absolute URL without scheme and host (which the contract leaves to the server); others as is."""
    if not isinstance(value, str):
        return value
    parts = urlsplit(value)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def is_absolute_url(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)
