"""Dates as the import endpoint takes them and as the reports give them back."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

from mock_server.model.errors import RiseError

_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$", re.ASCII)
_DATE_TIME = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$",
    re.ASCII,
)
_EXPECTED = "an RFC 3339 date-time with an offset (2023-05-02T09:00:00Z) or a date (2023-05-02)"


def parse_import_date(field: str, value: str) -> datetime:
    """Read an import date: an RFC 3339 date-time with offset, or YYYY-MM-DD meaning 00:00:00Z.

    The offset is kept as sent, so that no valid value overflows near year 1 or 9999.
    """
    try:
        return _parse(value)
    except ValueError as error:
        raise RiseError("invalid_request", f"{field} must be {_EXPECTED}, got {value!r} ({error}).") from None


_COMMON = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:[0-5]\d(?:\.\d{1,6})?(?:Z|[+-]\d{2}:\d{2})$", re.ASCII)
"""The form nearly every date-time takes (no leap second, at most microseconds), which Python's own
reader turns into the same value as the exact reader below, thirty times faster: seeds hold 100,000s."""


def _common(value: str) -> datetime | None:
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None  # out of range (a 31st of April, an offset of 24 hours): the exact reader says why


def _parse(value: str) -> datetime:
    if _COMMON.match(value) and (parsed := _common(value)) is not None:
        return parsed
    if match := _DATE.match(value):
        year, month, day = (int(part) for part in match.groups())
        return datetime(year, month, day, tzinfo=UTC)
    match = _DATE_TIME.match(value)
    if not match:
        raise ValueError("not in either form")
    year, month, day, hour, minute, second = (int(part) for part in match.groups()[:6])
    fraction, zulu, sign, offset_hours, offset_minutes = match.groups()[6:]
    tz = UTC
    if not zulu:
        offset = timedelta(hours=int(offset_hours), minutes=int(offset_minutes))
        tz = timezone(-offset if sign == "-" else offset)
    microsecond = int((fraction or "0")[:6].ljust(6, "0"))
    leap = second == 60  # RFC 3339 allows a leap second; Python's datetime does not
    parsed = datetime(year, month, day, hour, minute, 59 if leap else second, microsecond, tzinfo=tz)
    return parsed + timedelta(seconds=1) if leap else parsed


def check_order(started_at: datetime, completed_at: datetime) -> None:
    """completedAt may equal startedAt but not come before it."""
    if completed_at < started_at:
        raise RiseError(
            "invalid_request",
            f"completedAt ({format_datetime(completed_at)}) is earlier than startedAt "
            f"({format_datetime(started_at)}): send a completedAt at or after startedAt.",
        )


def format_datetime(value: datetime) -> str:
    """RFC 3339, `Z` for UTC, fractions only when present."""
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def iso_duration(delta: timedelta) -> str:
    """ISO 8601 duration in days, hours, minutes and seconds: PT1H30M, P2DT3H, PT0S."""
    if delta < timedelta(0):
        raise ValueError(f"a duration cannot be negative, got {delta}")
    hours, rest = divmod(delta.seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    day_part = f"{delta.days}D" if delta.days else ""
    second_part = _seconds(seconds, delta.microseconds)
    time_part = (
        "".join(f"{amount}{unit}" for amount, unit in ((hours, "H"), (minutes, "M")) if amount) + second_part
    )
    if not day_part and not time_part:
        return "PT0S"
    return f"P{day_part}" + (f"T{time_part}" if time_part else "")


def _seconds(seconds: int, microseconds: int) -> str:
    if not seconds and not microseconds:
        return ""
    if not microseconds:
        return f"{seconds}S"
    return f"{seconds}.{microseconds:06d}".rstrip("0") + "S"
