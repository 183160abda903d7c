"""What the differential phase reports: a finding names the rule it breaks, what the contract promised,
what the target did, and the steps (requests and responses) that show it."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any

from conformance.engine.client import Exchange

MAX_SHOWN_EXCHANGES = 24
"""Exchanges attached to one finding; a shrunk sequence is short, a lag finding lists its writes."""


@dataclass(frozen=True)
class Step:
    """One step of a sequence: what it did, in words, and the exchanges it took."""

    description: str
    exchanges: tuple[Exchange, ...] = ()

    def describe(self) -> str:
        answers = ", ".join(f"{e.method} {e.url} -> {e.status}" for e in self.exchanges)
        return f"{self.description}: {answers}" if answers else self.description


@dataclass(frozen=True)
class Finding:
    """A broken rule, with the shortest sequence found that shows it."""

    rule_id: str
    expected: str
    observed: str
    exchanges: list[Exchange] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)

    def describe(self) -> str:
        lines = [f"{self.rule_id}: expected {self.expected}; observed {self.observed}"]
        if self.steps:
            lines.append(f"sequence ({len(self.steps)} steps):")
            lines += [f"  {index}. {step.describe()}" for index, step in enumerate(self.steps, 1)]
        return "\n".join(lines)


@dataclass(frozen=True)
class Discrepancy:
    """One way an answer differs from the model's prediction, and the rule that difference breaks."""

    rule_id: str
    expected: str
    observed: str


class Mismatch(AssertionError):
    """Raised inside a Hypothesis example when the target differs from the model; Hypothesis shrinks it.

    Each rule gets its own subclass (see `mismatch`), so that Hypothesis keeps one minimal example per
    broken rule instead of folding them into one.
    """

    rule_id = ""

    def __init__(self, discrepancy: Discrepancy, exchanges: list[Exchange]) -> None:
        super().__init__(
            f"{discrepancy.rule_id}: expected {discrepancy.expected}; observed {discrepancy.observed}"
        )
        self.discrepancy = discrepancy
        self.exchanges = list(exchanges)
        self.steps: list[Step] = []
        self.calls: list[tuple[str, tuple[Any, ...]]] = []
        """The driver operations of the sequence that failed, for a replay."""

    def finding(self) -> Finding:
        d = self.discrepancy
        shown = [e for step in self.steps for e in step.exchanges] or self.exchanges
        return Finding(d.rule_id, d.expected, d.observed, shown[-MAX_SHOWN_EXCHANGES:], list(self.steps))


@cache
def _mismatch_class(rule_id: str) -> type[Mismatch]:
    name = "Mismatch_" + "".join(ch if ch.isalnum() else "_" for ch in rule_id)
    return type(name, (Mismatch,), {"rule_id": rule_id})


def mismatch(discrepancy: Discrepancy, exchanges: list[Exchange]) -> Mismatch:
    """The exception for a discrepancy, of the class of the rule it breaks."""
    return _mismatch_class(discrepancy.rule_id)(discrepancy, exchanges)
