"""Shortening a failing sequence by replaying it against the target with steps left out.

Hypothesis shrinks first, but it expects a replayed example to behave as it did; a tenant that cannot be
reset remembers every earlier example, so its shrinking often stops early. This pass relies on nothing
but the failure itself: a shorter sequence is kept when, replayed from a fresh read of the starting
state, it still breaks the same rule."""

from __future__ import annotations

from conformance.checks.differential.driver import Call, Driver, Phase
from conformance.checks.differential.findings import Mismatch


def replay(phase: Phase, calls: list[Call]) -> Mismatch | None:
    """Run `calls` as one sequence (starting state read, steps, end-of-sequence check); its failure."""
    try:
        driver = Driver(phase)
        for name, arguments in calls:
            getattr(driver, name)(*arguments)
        driver.finish()
    except Mismatch as found:
        return found
    return None


def shorten(phase: Phase, found: Mismatch, replays: int) -> Mismatch:
    """The shortest sequence found, within `replays` replays, that still breaks `found`'s rule: the
    failing step alone first, then every other step left out in turn."""
    best = found
    if replays <= 0 or len(best.calls) <= 1:
        return best
    replays -= 1
    alone = replay(phase, best.calls[-1:])
    if alone is not None and alone.rule_id == best.rule_id:
        return alone
    index = 0
    while index < len(best.calls) - 1 and replays > 0:
        replays -= 1
        again = replay(phase, best.calls[:index] + best.calls[index + 1 :])
        if again is not None and again.rule_id == best.rule_id and len(again.calls) < len(best.calls):
            best = again
        else:
            index += 1
    return best
