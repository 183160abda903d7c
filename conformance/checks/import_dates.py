"""The date forms of an import, read back: an offset, a fraction of a second, a full date and equal
dates each name one instant, and the reports show that instant and the duration between the two."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from conformance.checks.dates import parse_duration, parse_instant
from conformance.checks.expect import dates_of, shows_dates
from conformance.checks.pairs import enrolled_pairs, learner_listing, poll
from conformance.checks.promises import RuleBroken, answer, promise
from conformance.engine.context import CheckContext, Pair, import_write
from mock_server.model.contract import load_contract

DURATION_FORM = re.compile(
    load_contract()["components"]["schemas"]["ReportRow"]["properties"]["duration"]["pattern"]
)


@dataclass(frozen=True)
class DateCase:
    name: str
    started: str
    completed: str
    accepted_by: str
    """The rule that says the form is accepted."""
    read_by: str
    """The rule that says which instant the form names."""


def spelled(instant: datetime, hours: float, fraction: str = "") -> str:
    """`instant` written in the zone `hours` from UTC, e.g. 2023-05-02T11:00:00+02:00."""
    zone = timezone(timedelta(hours=hours))
    local = instant.astimezone(zone)
    offset = local.strftime("%z")
    return f"{local:%Y-%m-%dT%H:%M:%S}{fraction}{offset[:3]}:{offset[3:]}"


def date_cases(ctx: CheckContext) -> list[DateCase]:
    started, _ = ctx.fresh_dates()
    start = parse_instant(started)
    assert start is not None
    day = start.date()
    return [
        DateCase(
            "offsets", spelled(start, 2), spelled(start + timedelta(days=1, hours=1, minutes=30), -3.5),
            "dates.forms", "dates.offset-honoured",
        ),
        DateCase(
            "fractions of a second", spelled(start, 0, ".250").replace("+00:00", "Z"),
            spelled(start + timedelta(minutes=45), 5.75, ".750"), "dates.forms", "dates.offset-honoured",
        ),
        DateCase(
            "full dates", day.isoformat(), (day + timedelta(days=2)).isoformat(),
            "dates.forms", "dates.date-only",
        ),
        DateCase(
            "equal dates", spelled(start, 0), spelled(start, 0), "import.dates-ordered", "import.row-complete"
        ),
    ]  # fmt: skip


@promise(
    "dates.forms",
    "dates.offset-honoured",
    "dates.date-only",
    "import.dates-ordered",
    "report.duration",
    "report.duration-form",
)
def import_dates_name_their_instants(ctx: CheckContext) -> str:
    """Offsets, fractions of a second, full dates and equal dates each read as the instant named.

    Each import is accepted; the reports show those instants and the duration between them, in the
    contract's form.
    """
    cases = date_cases(ctx)
    pairs = enrolled_pairs(ctx, learner_listing(ctx)) or [(ctx.profile.no_quiz, ctx.profile.users[0])]
    seen = []
    for start in range(0, len(cases), len(pairs)):
        batch = list(zip(cases[start : start + len(pairs)], pairs, strict=False))
        writes = [import_write(course, user, case.started, case.completed) for case, (course, user) in batch]
        for (case, pair), sent in zip(batch, ctx.send_all(writes), strict=True):
            if sent.status != 202:
                raise RuleBroken(
                    case.accepted_by, f"an import with {case.name} accepted (202)", answer(sent), [sent]
                )
            seen.append(_read_back(ctx, case, pair, [sent]))
    return "; ".join(seen)


def _read_back(ctx: CheckContext, case: DateCase, pair: Pair, sent: list) -> str:
    course, user = pair
    rows, exchanges, lag = poll(
        ctx,
        lambda: ctx.pair_rows(course, user),
        lambda found: any(shows_dates(r, case.started, case.completed) for r in found),
    )
    evidence = sent + exchanges
    if lag is None:
        row = rows[0] if rows else None
        raise RuleBroken(
            case.read_by,
            f"({course}, {user}) to show the instants of {case.started} .. {case.completed}",
            dates_of(row),
            evidence,
        )
    row = next(r for r in rows if shows_dates(r, case.started, case.completed))
    length = parse_instant(case.completed) - parse_instant(case.started)  # type: ignore[operator]
    duration = row.get("duration")
    if isinstance(duration, str) and not DURATION_FORM.match(duration):
        raise RuleBroken(
            "report.duration-form",
            f"{case.name}: a duration in days, hours, minutes, seconds",
            repr(duration),
            evidence,
        )
    if parse_duration(duration) != length:
        raise RuleBroken(
            "report.duration", f"{case.name}: duration {length}", f"duration {duration!r}", evidence
        )
    return f"{case.name}: {row.get('startedAt')} .. {row.get('completedAt')}, {duration}"


DATE_CHECKS = (import_dates_name_their_instants,)
