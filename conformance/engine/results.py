"""What a check can conclude, as types: an outcome, the result record, and the two ways a check ends early."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from conformance.engine.client import Exchange


class Outcome(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    SKIPPED = "skipped"
    RECORDED = "recorded"
    """Observed section: the answer is recorded; the contract makes no promise to judge it by."""
    PLANNED = "planned"
    """--dry-run: the check listed its writes and made none."""


class Kind(StrEnum):
    """Which part of a run a result comes from."""

    SEMANTIC = "semantic"
    SCHEMA = "schema"
    OBSERVED = "observed"
    DIFFERENTIAL = "differential"


class CheckFailed(Exception):
    """The target broke the check's rule: `expected` is what the contract promises, `observed` what came."""

    def __init__(self, expected: str, observed: str, exchanges: list[Exchange] | None = None) -> None:
        super().__init__(f"expected {expected}; observed {observed}")
        self.expected = expected
        self.observed = observed
        self.exchanges = list(exchanges or [])


class Skip(Exception):
    """The check cannot run on this target without risking a false verdict; the reason says why."""


@dataclass
class CheckResult:
    """One check's verdict with the evidence for it."""

    name: str
    kind: Kind
    description: str
    outcome: Outcome
    evidence: str
    exchanges: list[Exchange] = field(default_factory=list)
    seconds: float = 0.0
