"""Reading the dates and durations a target answers with, so checks compare instants, not spellings."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$", re.ASCII)
_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$", re.ASCII)
_DURATION = re.compile(
    r"^P(?:(?P<days>\d+)D)?(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?$",
    re.ASCII,
)


def parse_instant(value: str) -> datetime | None:
    """An RFC 3339 date-time with offset, or a YYYY-MM-DD date read as 00:00:00Z; None when neither."""
    if not isinstance(value, str):
        return None
    if _DATE.match(value):
        try:
            return datetime.fromisoformat(value).replace(tzinfo=UTC)
        except ValueError:
            return None
    if not _DATE_TIME.match(value):
        return None
    text = value.upper().replace("Z", "+00:00")
    leap = text[17:19] == "60"  # RFC 3339 allows a leap second; datetime does not
    if leap:
        text = text[:17] + "59" + text[19:]
    try:
        parsed = datetime.fromisoformat(text)
        return parsed + timedelta(seconds=1) if leap else parsed
    except (ValueError, OverflowError):
        return None


_FIELDS = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})(?:[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([Zz])|([+-])(\d{2}):(\d{2})))?$",
    re.ASCII,
)


def instant_us(value: Any) -> int | None:
    """The instant a date or date-time names, as microseconds since 0001-01-01T00:00:00Z (negative before):
    comparable and subtractable for every value the contract allows, even at year 1 with an offset or at
    a leap second of 9999, where datetime arithmetic overflows. None when the value is neither form."""
    if not isinstance(value, str) or (parse_instant(value) is None and not _leap_at_the_end(value)):
        return None
    match = _FIELDS.match(value)
    if match is None:
        return None
    year, month, day = (int(part) for part in match.groups()[:3])
    hour, minute, second = (int(part or 0) for part in match.groups()[3:6])
    fraction, _zulu, sign, offset_hours, offset_minutes = match.groups()[6:]
    days = datetime(year, month, day).toordinal() - 1
    micro = ((days * 24 + hour) * 60 + minute) * 60 + second
    micro = micro * 1_000_000 + int((fraction or "0")[:6].ljust(6, "0"))
    offset = (int(offset_hours or 0) * 60 + int(offset_minutes or 0)) * 60 * 1_000_000
    return micro - offset if sign != "-" else micro + offset


def _leap_at_the_end(value: str) -> bool:
    return value.upper().startswith("9999-12-31T23:59:60")


def parse_duration(value: str) -> timedelta | None:
    """An ISO 8601 duration in days, hours, minutes and seconds (the contract's form); None otherwise."""
    match = _DURATION.match(value) if isinstance(value, str) else None
    if not match or value in ("P", "PT") or value.endswith("T"):
        return None
    parts = {name: float(amount) for name, amount in match.groupdict().items() if amount}
    return timedelta(**parts)


_ANY_DURATION = re.compile(
    r"^P(?:(?P<years>0+)Y)?(?:(?P<months>0+)M)?(?:(?P<weeks>\d+(?:\.\d+)?)W)?(?:(?P<days>\d+(?:\.\d+)?)D)?"
    r"(?:T(?:(?P<hours>\d+(?:\.\d+)?)H)?(?:(?P<minutes>\d+(?:\.\d+)?)M)?(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?$",
    re.ASCII,
)


def parse_any_duration(value: str) -> timedelta | None:
    """An ISO 8601 duration in any unambiguous spelling (weeks, zero years or months, fractions), so that
    a report in another form of the right length is told apart from a wrong length."""
    match = _ANY_DURATION.match(value) if isinstance(value, str) else None
    if not match or value in ("P", "PT") or value.endswith("T"):
        return None
    parts = {name: float(amount) for name, amount in match.groupdict().items() if amount}
    parts.pop("years", None)
    parts.pop("months", None)
    return timedelta(**parts)


def rfc3339(value: datetime) -> str:
    """The spelling the suite sends: UTC with `Z`, whole seconds."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
