"""The date forms of an import, read back: an offset, a fraction of a second, a full date and equal
dates each name one instant, and the reports show that instant and the duration between the two."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from conformance.checks.dates import parse_duration, parse_instant
from conformance.checks.expect import dates_of, shows_dates
from conformance.checks.promises import RuleBroken, answer, promise
from conformance.engine.batch import Steps
from conformance.engine.context import Await, CheckContext, Pair, Seen, Send, import_write
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
def import_dates_name_their_instants(ctx: CheckContext) -> Steps:
    """Offsets, fractions of a second, full dates and equal dates each read as the instant named.

    Each import is accepted; the reports show those instants and the duration between them, in the
    contract's form.
    """
    cases = date_cases(ctx)
    pairs = [ctx.planner.claim("import_dates_name_their_instants") for _ in cases]
    together = list(zip(cases, pairs, strict=True))
    writes = [import_write(course, user, case.started, case.completed) for case, (course, user) in together]
    sent = yield Send(*writes)
    for case, exchange in zip(cases, sent, strict=True):
        if exchange.status != 202:
            raise RuleBroken(
                case.accepted_by, f"an import with {case.name} accepted (202)", answer(exchange), [exchange]
            )
    waits = [ctx.shows(course, user, {"startedAt": case.started, "completedAt": case.completed})
             for case, (course, user) in zip(cases, pairs, strict=True)]  # fmt: skip
    seen = yield Await(
        lambda snapshot: all(wait.ready(snapshot) for wait in waits), frozenset(user for _, user in pairs)
    )
    return "; ".join(
        _read_back(ctx, case, pair, [exchange], seen)
        for case, pair, exchange in zip(cases, pairs, sent, strict=True)
    )


def _read_back(ctx: CheckContext, case: DateCase, pair: Pair, sent: list, seen: Seen) -> str:
    course, user = pair
    rows = seen.pair(course, user)
    evidence = sent + seen.snapshot.evidence(user)
    row = next((r for r in rows if shows_dates(r, case.started, case.completed)), None)
    if row is None:
        raise RuleBroken(
            case.read_by,
            f"({course}, {user}) to show the instants of {case.started} .. {case.completed}",
            dates_of(rows[0] if rows else None),
            evidence,
        )
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
