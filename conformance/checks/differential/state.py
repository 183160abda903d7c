"""What lasts across the sequences of one phase: the target, what it showed, what was sent, what is
known of its report lag, and what was found."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from conformance.checks.differential.findings import Discrepancy, Finding, Mismatch, Step
from conformance.checks.differential.ledger import Ledger
from conformance.checks.differential.world import Catalogue
from conformance.engine.client import RiseClient
from conformance.profile import Profile
from mock_server.model.records import Pair


class StopPhase(KeyboardInterrupt):
    """Ends the Hypothesis run early (budget spent, target gone); the phase keeps what it found so far.

    An interruption to Hypothesis: it lets one through at once, neither shrinking it nor checking that the
    stopped example drew what an earlier run of it drew. The phase catches it; a real Ctrl-C is not one."""


POLL_FIRST_SECONDS = 0.05
POLL_MAX_SECONDS = 2.0
"""Polls for a lagging report back off to at most this: each poll is a paced request per report."""


class Lag(Enum):
    """What the phase knows of the target's report lag."""

    UNKNOWN = "unknown"
    """No report has yet been seen behind a write: the newest version is expected at once."""
    LAGS = "lags"
    """A report caught up late: older versions are accepted within --report-timeout."""
    NONE = "none"
    """A report left behind never caught up: rows behind a write are wrong."""


class Mode(Enum):
    """When a report is read: at the start of a sequence, by a step, at its end, or in the final wait."""

    START = "start"
    STEP = "step"
    END = "end"
    SETTLE = "settle"


@dataclass
class Phase:
    """What lasts across the examples of one phase: the target, what it showed, and what was sent."""

    client: RiseClient
    profile: Profile
    catalogue: Catalogue
    report_timeout: float
    clock_tolerance: float
    ledger: Ledger = field(default_factory=Ledger)
    reports_fresh: bool = False
    """The last full read of the profile's reports is newer than every write."""
    failed: bool = False
    """A Hypothesis example has failed: starting reads no longer tell new findings from its aftermath."""
    lag_findings: dict[str, Finding] = field(default_factory=dict)
    shortest: dict[str, Mismatch] = field(default_factory=dict)
    """The shortest failing sequence seen for each rule (Hypothesis shrinks towards it)."""
    aborted: BaseException | None = None
    budget_spent: bool = False
    """The run's request budget ran out: the phase stopped, keeping what it had judged."""
    lag: Lag = Lag.UNKNOWN
    examples: int = 0
    steps: int = 0
    replays: int = 0

    @property
    def kinds(self) -> dict[str, str | None]:
        return {course_id: facts.kind for course_id, facts in self.catalogue.courses.items()}

    def enrolled_at_start(self) -> list[Pair]:
        """The profile pairs the reports showed enrolled before the phase wrote anything."""
        return sorted(
            pair
            for pair, history in self.ledger.histories.items()
            if history.versions[0].row is not None
            and pair[0] in self.profile.courses
            and pair[1] in self.profile.users
        )

    def report_owners(self) -> list[tuple[str, str]]:
        return [("learner", u) for u in self.profile.users] + [("course", c) for c in self.profile.courses]

    def failure(self, found: Mismatch) -> None:
        self.failed = True
        best = self.shortest.get(found.rule_id)
        if best is None or len(found.steps) <= len(best.steps):
            self.shortest[found.rule_id] = found

    def lag_finding(self, discrepancy: Discrepancy, pair: Pair, steps: list[Step]) -> None:
        """A report that never caught up (or a change found between examples): reported once per rule,
        with the writes to the pair; the pair is judged no further."""
        history = self.ledger.histories.get(pair)
        shown = [*(history.writes() if history else []), *steps]
        exchanges = [e for step in shown for e in step.exchanges]
        finding = Finding(
            discrepancy.rule_id, discrepancy.expected, discrepancy.observed, exchanges[-24:], shown
        )
        self.lag_findings.setdefault(discrepancy.rule_id, finding)
        self.ledger.quarantined.add(pair)


Call = tuple[str, tuple[Any, ...]]
"""An operation as the driver was asked for it (method name, arguments): what a replay sends again."""
