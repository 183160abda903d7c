"""Shortening a failing sequence by replaying it against the target with steps left out.

Hypothesis shrinks first, but it expects a replayed example to behave as it did; a tenant that cannot be
reset remembers every earlier example, so its shrinking often stops early. This pass relies on nothing
but the failure itself: a shorter sequence is kept when, replayed from a fresh read of the starting
state, it still breaks the same rule."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from conformance.checks.differential.driver import Driver
from conformance.checks.differential.findings import Mismatch
from conformance.checks.differential.state import Call, Phase

_DAY_FIRST = re.compile(r"^(\d{4}-\d{2}-\d{2})(.*)$", re.ASCII | re.DOTALL)


def shifted(value: Any, days: int) -> Any:
    """An import date moved by whole days, spelled as it was (offset, fraction, case); others as they are."""
    match = _DAY_FIRST.match(value) if isinstance(value, str) else None
    if match is None:
        return value
    try:
        day = date.fromisoformat(match.group(1)) + timedelta(days=days)
    except (ValueError, OverflowError):
        return value
    return day.isoformat() + match.group(2)


def with_fresh_dates(calls: list[Call], days: int) -> list[Call]:
    """The calls with every import's dates moved by `days`: a replay then writes rows the target has not
    shown yet, so that what a write does to its pair and to others is seen again."""
    moved = []
    for name, arguments in calls:
        if name == "import_completion" and isinstance(arguments[2], dict):
            body = {key: shifted(value, days) for key, value in arguments[2].items()}
            arguments = (*arguments[:2], body, *arguments[3:])
        moved.append((name, arguments))
    return moved


def replay(phase: Phase, calls: list[Call]) -> Mismatch | None:
    """Run `calls` as one sequence (starting state read, steps, end-of-sequence check); its failure."""
    phase.replays += 1
    calls = with_fresh_dates(calls, phase.replays)
    try:
        driver = Driver(phase)
        for name, arguments in calls:
            getattr(driver, name)(*arguments)
        driver.finish()
    except Mismatch as found:
        return found
    return None


def shorten(phase: Phase, found: Mismatch, replays: int) -> Mismatch:
    """The shortest sequence found, within `replays` replays, that still breaks `found`'s rule.

    Delta debugging: the failing step alone first, then leaving out ever smaller chunks of steps."""
    best = found
    if replays <= 0 or len(best.calls) <= 1:
        return best
    replays -= 1
    alone = _same_failure(phase, best, best.calls[-1:])
    if alone is not None:
        return alone
    parts = 2
    while len(best.calls) > 1 and replays > 0:
        size = -(-len(best.calls) // parts)
        for start in range(0, len(best.calls), size):
            if replays <= 0:
                break
            replays -= 1
            shorter = _same_failure(phase, best, best.calls[:start] + best.calls[start + size :])
            if shorter is not None:
                best, parts = shorter, max(parts - 1, 2)
                break
        else:
            if size == 1:
                break
            parts = min(parts * 2, len(best.calls))
    return best


def _same_failure(phase: Phase, best: Mismatch, calls: list[Call]) -> Mismatch | None:
    """The replay's failure when it breaks the same rule in fewer steps; None otherwise."""
    again = replay(phase, calls)
    if again is not None and again.rule_id == best.rule_id and len(again.calls) < len(best.calls):
        return again
    return None
