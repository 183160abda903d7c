"""What the differential machine sends, as Hypothesis strategies: IDs (the profile's, or made up to be
unknown), import bodies with every date form the contract allows and the invalid ones it refuses, page
sizes, email filters, and the ways a request's key or version header can be wrong."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from hypothesis import strategies as st

from mock_server.model.contract import API_VERSION, LIMIT_MAX, LIMIT_MIN

FIRST_DAY = datetime(2012, 1, 1, tzinfo=UTC)
LAST_DAY = datetime(2024, 12, 31, tzinfo=UTC)
OFFSETS = ("+00:00", "+02:00", "-05:30", "+05:45", "-08:00", "+13:00", "-11:00", "+09:30")
GAPS = (
    timedelta(0),
    timedelta(seconds=1),
    timedelta(minutes=90),
    timedelta(hours=2),
    timedelta(days=2, hours=3),
    timedelta(days=1),
)
FRACTION_DIGITS = (1, 2, 3, 6)
BAD_VERSIONS = ("2019-01-01", "2030-01-01", "latest", "2020-7-16", "v1")
WRONG_KEYS = ("missing", "wrong", "suffix", "scheme")
"""Only variants that never show the real key in evidence: a prefix or another case of it would."""
BAD_LIMITS: tuple[Any, ...] = (0, -1, LIMIT_MAX + 1, 1000, "ten")
UNKNOWN_PATTERNS = ("{kind}-unknown-{n:08x}", "{near}-x{n:06x}", "unbekannt-ü-{n:06x}", "未知-{n:06x}")


def weighted(
    common: st.SearchStrategy[Any], rare: st.SearchStrategy[Any], one_in: int
) -> st.SearchStrategy[Any]:
    """`rare` about once in `one_in` draws; shrinks towards `common`."""
    return st.integers(0, one_in - 1).flatmap(lambda n: rare if n == one_in - 1 else common)


def unknown_ids(kind: str, near: Sequence[str], known: frozenset[str]) -> st.SearchStrategy[str]:
    """IDs made up to name nothing on the target: random, a known ID with a suffix, non-ASCII ones."""
    made = st.builds(
        lambda pattern, base, n: pattern.format(kind=kind, near=base, n=n),
        st.sampled_from(UNKNOWN_PATTERNS),
        st.sampled_from(list(near) or [kind]),
        st.integers(0, 2**32 - 1),
    )
    return made.filter(lambda value: value not in known)


def ids(profile_ids: Sequence[str], kind: str, known: frozenset[str]) -> st.SearchStrategy[str]:
    return weighted(st.sampled_from(list(profile_ids)), unknown_ids(kind, profile_ids, known), 6)


# -- dates ---------------------------------------------------------------------------------------


def instants(fraction: bool = True) -> st.SearchStrategy[datetime]:
    whole = st.integers(0, int((LAST_DAY - FIRST_DAY).total_seconds())).map(
        lambda seconds: FIRST_DAY + timedelta(seconds=seconds)
    )
    if not fraction:
        return whole
    return st.one_of(
        whole, st.builds(_with_fraction, whole, st.sampled_from(FRACTION_DIGITS), st.integers(0, 999_999))
    )


def _with_fraction(instant: datetime, digits: int, value: int) -> datetime:
    micro = (value % 10**digits) * 10 ** (6 - digits)
    return instant.replace(microsecond=micro)


def spell(instant: datetime, offset: str, lower: bool = False) -> str:
    """`instant` as an RFC 3339 date-time in the given offset (Z spelled as such), fractions as needed."""
    if offset in ("Z", "z"):
        local, suffix = instant.astimezone(UTC), offset
    else:
        sign = -1 if offset.startswith("-") else 1
        hours, minutes = int(offset[1:3]), int(offset[4:6])
        zone = timezone(sign * timedelta(hours=hours, minutes=minutes))
        local, suffix = instant.astimezone(zone), offset
    text = local.strftime("%Y-%m-%dT%H:%M:%S")
    if local.microsecond:
        text += "." + f"{local.microsecond:06d}".rstrip("0")
    if lower:
        text = text.replace("T", "t")
    return text + suffix


_SPELLINGS = (
    st.just(("Z",)),
    st.tuples(st.just("offset"), st.sampled_from(("z", *OFFSETS))),
    st.just(("lower z",)),
)
_RECIPES = st.one_of(_SPELLINGS)
_RECIPES_AT_MIDNIGHT = st.one_of(st.just(("date",)), *_SPELLINGS)
"""How an instant is spelled, as data. This module's strategies are made once, not per draw: Hypothesis
checks a new strategy on its first draw, which cost more than the drawing."""


def _recipes(instant: datetime) -> st.SearchStrategy[tuple[str, ...]]:
    return _RECIPES_AT_MIDNIGHT if instant.astimezone(UTC).time() == datetime.min.time() else _RECIPES


def _spelled(instant: datetime, recipe: tuple[str, ...]) -> str:
    form = recipe[0]
    if form == "date":
        return instant.astimezone(UTC).strftime("%Y-%m-%d")
    if form == "offset":
        return spell(instant, recipe[1])
    return spell(instant, "z", lower=True) if form == "lower z" else spell(instant, "Z")


def _spelling(draw: st.DrawFn, instant: datetime) -> str:
    """Any spelling the contract allows for an instant: Z or z, any offset, a date when at midnight UTC."""
    return _spelled(instant, draw(_recipes(instant)))


def midnights() -> st.SearchStrategy[datetime]:
    return st.integers(0, (LAST_DAY - FIRST_DAY).days).map(lambda days: FIRST_DAY + timedelta(days=days))


_STARTS = st.one_of(instants(), midnights())
_GAPS = st.one_of(st.sampled_from(GAPS), st.integers(0, 40 * 86_400).map(lambda s: timedelta(seconds=s)))
_REVERSED_GAPS = st.one_of(
    st.sampled_from(GAPS[1:]), st.integers(1, 3 * 86_400).map(lambda s: timedelta(seconds=s))
)
_INSTANTS = instants()
_WHOLE_INSTANTS = instants(fraction=False)
_FIELDS = st.sampled_from(("startedAt", "completedAt"))
_INVALID_KINDS = st.sampled_from(("form", "reversed", "missing", "unknown", "not-object"))
_UNKNOWN_FIELDS = st.sampled_from(("score", "courseVersion", "status", "startedat", "userId"))


@st.composite
def valid_bodies(draw: st.DrawFn) -> dict[str, str]:
    """A body the contract accepts: completedAt at or after startedAt, each in any allowed spelling."""
    return _valid_body(draw)


def _valid_body(draw: st.DrawFn) -> dict[str, str]:
    started = draw(_STARTS)
    completed = started + draw(_GAPS)
    return {"startedAt": _spelling(draw, started), "completedAt": _spelling(draw, completed)}


def _reversed_body(draw: st.DrawFn) -> dict[str, str]:
    """completedAt before startedAt, though perhaps not to the eye (offsets)."""
    completed = draw(_INSTANTS)
    gap = draw(_REVERSED_GAPS)
    return {"startedAt": _spelling(draw, completed + gap), "completedAt": _spelling(draw, completed)}


def bad_date_forms(instant: datetime) -> list[Any]:
    """Values the contract refuses as an import date: no offset, ISO 8601 forms RFC 3339 lacks, impossible
    dates and times, and values that are not strings at all."""
    day = instant.strftime("%Y-%m-%d")
    return [
        instant.strftime("%Y-%m-%dT%H:%M:%S"),
        instant.strftime("%Y%m%dT%H%M%SZ"),
        instant.strftime("%Y%m%d"),
        instant.strftime("%Y-%m-%dT%H:%MZ"),
        instant.strftime("%Y/%m/%d"),
        instant.strftime("%d.%m.%Y"),
        f"{instant.year}-13-0{instant.day % 9 + 1}",
        f"{instant.year}-02-30",
        f"{day}T24:00:00Z",
        f"{day}T09:00:00+2:00",
        "",
        "yesterday",
        int(instant.strftime("%Y%m%d")),
        None,
        True,
        {"date": day},
    ]


_BAD_FORMS = st.integers(0, len(bad_date_forms(FIRST_DAY)) - 1)


@st.composite
def invalid_bodies(draw: st.DrawFn) -> Any:
    """A body the contract refuses: a bad date form, reversed dates, a field missing or unknown, or not an
    object at all."""
    valid = _valid_body(draw)
    choice = draw(_INVALID_KINDS)
    if choice == "form":
        field = draw(_FIELDS)
        return {**valid, field: bad_date_forms(draw(_WHOLE_INSTANTS))[draw(_BAD_FORMS)]}
    if choice == "reversed":
        return _reversed_body(draw)
    if choice == "missing":
        return draw(
            st.sampled_from(({}, {"startedAt": valid["startedAt"]}, {"completedAt": valid["completedAt"]}))
        )
    if choice == "unknown":
        extra = draw(_UNKNOWN_FIELDS)
        return {**valid, extra: draw(st.sampled_from((valid["startedAt"], 90, None, "Complete")))}
    return draw(st.sampled_from(([], "completed", 42, None, [valid])))


def bodies() -> st.SearchStrategy[Any]:
    return weighted(valid_bodies(), invalid_bodies(), 2)


# -- lists ---------------------------------------------------------------------------------------


def limits() -> st.SearchStrategy[int | None]:
    return st.one_of(
        st.sampled_from((1, 2, 3)),
        st.none(),
        st.sampled_from((LIMIT_MAX, 5)),
        st.integers(LIMIT_MIN, LIMIT_MAX),
    )


def bad_limits() -> st.SearchStrategy[Any]:
    return st.sampled_from(BAD_LIMITS)


def email_filters(emails: Sequence[str]) -> st.SearchStrategy[str]:
    """An email to filter by: a known one exactly or in another case, a part of one, or none of them."""
    if not emails:
        return st.builds("nobody-{:08x}@example.invalid".format, st.integers(0, 2**32 - 1))
    variants = (
        lambda e: e,
        str.upper,
        str.swapcase,
        str.upper,
        str.title,
        lambda e: e.split("@")[0],
        lambda e: e.split("@")[-1],
        lambda e: "@" + e.split("@")[-1],
        lambda e: e[:-1],
        lambda e: e + "x",
        lambda e: "x" + e,
    )
    derived = st.builds(
        lambda email, change: change(email), st.sampled_from(list(emails)), st.sampled_from(variants)
    )
    made_up = st.builds("nobody-{:08x}@example.invalid".format, st.integers(0, 2**32 - 1))
    return weighted(derived.filter(bool), made_up, 8)


# -- credentials and version ---------------------------------------------------------------------


def spoils() -> st.SearchStrategy[tuple[str | None, str | None]]:
    """(wrong key label or None, Rise-API-Version value or None): mostly neither."""
    wrong = st.tuples(st.sampled_from(WRONG_KEYS), st.one_of(st.none(), st.sampled_from(BAD_VERSIONS)))
    version = st.tuples(st.none(), st.sampled_from((API_VERSION, *BAD_VERSIONS)))
    return weighted(st.just((None, None)), st.one_of(version, wrong), 7)
