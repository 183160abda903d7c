"""Reading the dates and durations a target answers with, so checks compare instants, not spellings."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

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
    except ValueError:
        return None
    return parsed + timedelta(seconds=1) if leap else parsed


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
