"""What a run concludes, as types: rules and checks, how a check ends, and the result it leaves.

    Rule        one behavioural statement of openapi.yaml (`x-rules`): id, basis, statement, where it stands
    Check       one named check: its part of the run, the rule IDs it tests, the function that runs it
    Result      a check's verdict: outcome, expected, observed, the exchanges that show it, the rule broken
    CheckFailed raised by a check when the target breaks a rule (becomes a failure or a drift)
    Skip        raised by a check that cannot run safely on this target (becomes a skip)
    Answer      returned by an observed check that records what it saw (pass or recorded)

Reporters render these fields as they are; nothing downstream re-parses a string.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from conformance.engine.client import Exchange

if TYPE_CHECKING:
    from conformance.engine.baseline import Change
    from conformance.engine.context import CheckContext
    from conformance.engine.settings import RunSettings


class Outcome(StrEnum):
    """How one check ended."""

    PASS = "pass"
    FAILURE = "failure"
    """The target broke a documented fact of the contract (or a rule the run cannot classify)."""
    DRIFT = "drift"
    """The target differs on a decision of this contract (`basis: assumption`)."""
    SKIP = "skip"
    """The check could not run safely on this target; the observed text says why."""
    RECORDED = "recorded"
    """Observed section: the answer is recorded; the contract makes no promise to judge it by."""
    PLANNED = "planned"
    """--dry-run: the check listed its writes and made none."""


class Part(StrEnum):
    """The parts of a run, in the order they run."""

    ENROLLMENT = "enrollment"
    REPORTS = "reports"
    LISTS = "lists"
    SEMANTIC = "semantic"
    OBSERVED = "observed"
    PROTOCOL = "protocol"
    DIFFERENTIAL = "differential"
    SCHEMA = "schema"


class Basis(StrEnum):
    """Where a rule comes from: Rise's documentation, or a decision of this contract."""

    DOCUMENTED = "documented"
    ASSUMPTION = "assumption"


class CourseKind(StrEnum):
    """The kinds of course a profile names, each with the quiz rule an import follows."""

    QUIZ = "quiz"
    """Rise-authored, published, quiz required: an import scores 100."""
    NO_QUIZ = "no_quiz"
    """Rise-authored, published, no quiz: no score."""
    THIRD_PARTY = "third_party"
    """Imported content (e.g. SCORM), published: no score even with a quiz requirement."""
    UNPUBLISHED = "unpublished"
    """Never published: an import is course_not_published."""


@dataclass(frozen=True)
class Rule:
    """One behavioural statement of the contract, where it stands in openapi.yaml."""

    id: str
    basis: Basis
    statement: str
    pointer: str
    """JSON pointer of the node that carries the rule, e.g. `/components/parameters/Limit`."""
    line: int
    """Line of the rule's entry in openapi.yaml (1-based)."""
    keywords: tuple[str, ...] = ()
    """Schema keywords whose out-of-contract values this rule decides (e.g. `minLength`)."""

    @property
    def where(self) -> str:
        return f"openapi.yaml:{self.line} {self.pointer}"


CheckFunction = Callable[["CheckContext"], Any]
"""A check's body: returns its evidence (a string or an `Answer`), or raises `CheckFailed` or `Skip`."""


@dataclass(frozen=True)
class Check:
    """One named check, the part of the run it belongs to and the rules it tests."""

    name: str
    part: Part
    rules: tuple[str, ...]
    run: CheckFunction | None = None
    """None for checks judged elsewhere (the Schemathesis phase)."""
    summary: str = ""

    @property
    def description(self) -> str:
        """The check's rule in one line: its summary, else the first line of its function's docstring."""
        if self.summary or self.run is None:
            return self.summary
        return (self.run.__doc__ or "").strip().splitlines()[0] if self.run.__doc__ else self.name

    def __call__(self, ctx: CheckContext) -> Any:
        if self.run is None:
            raise TypeError(f"check {self.name} is judged by its part, not called")
        return self.run(ctx)


def check(part: Part, *rules: str) -> Callable[[CheckFunction], Check]:
    """Decorator: `@check(Part.SEMANTIC, "import.accepted")` makes a function a named `Check`."""
    if not rules:
        raise ValueError("a check names at least one rule ID it tests")

    def make(function: CheckFunction) -> Check:
        return Check(function.__name__, part, tuple(rules), function)

    return make


class CheckFailed(Exception):
    """The target broke a rule: `expected` is what the contract promises, `observed` what came.

    `rule` names the rule broken; without it, the check's only rule (or, conservatively, its first
    documented one) is taken.
    """

    def __init__(
        self,
        expected: str,
        observed: str,
        exchanges: list[Exchange] | tuple[Exchange, ...] | None = None,
        *,
        rule: str | None = None,
    ) -> None:
        super().__init__(f"expected {expected}; observed {observed}")
        self.expected = expected
        self.observed = observed
        self.exchanges = list(exchanges or [])
        self.rule = rule


class Skip(Exception):
    """The check cannot run on this target without risking a false verdict; the reason says why.

    `short` is the reason in a few words, for the run's headline ("no unenrolled pair left").
    """

    def __init__(self, reason: str, *, short: str | None = None) -> None:
        super().__init__(reason)
        self.short = short or reason


@dataclass(frozen=True)
class Answer:
    """What an observed check saw: PASS where the contract's promise held, RECORDED where it has none."""

    outcome: Outcome
    observed: str
    exchanges: tuple[Exchange, ...] = ()


@dataclass(frozen=True)
class Result:
    """One check's verdict with the evidence for it."""

    check: Check
    outcome: Outcome
    expected: str = ""
    observed: str = ""
    exchanges: tuple[Exchange, ...] = ()
    rule: Rule | None = None
    """The rule broken (failures and drift)."""
    seconds: float = 0.0
    writes: tuple[str, ...] = ()
    """--dry-run: the writes the check would have sent."""
    details: tuple[str, ...] = ()
    """Further findings, one text each (e.g. every Schemathesis failure behind a result)."""
    reason: str = ""
    """A skip's reason in a few words, for the headline."""

    @property
    def name(self) -> str:
        return self.check.name

    @property
    def part(self) -> Part:
        return self.check.part

    @property
    def is_finding(self) -> bool:
        return self.outcome in (Outcome.FAILURE, Outcome.DRIFT)

    def to_dict(self) -> dict[str, Any]:
        """The result in machine form (report.json)."""
        return {
            "check": self.check.name,
            "part": self.check.part.value,
            "rules": list(self.check.rules),
            "outcome": self.outcome.value,
            "expected": self.expected,
            "observed": self.observed,
            "rule": self.rule.id if self.rule else None,
            "basis": self.rule.basis.value if self.rule else None,
            "seconds": round(self.seconds, 3),
            "writes": list(self.writes),
            "details": list(self.details),
            "reason": self.reason,
            "exchanges": [exchange.to_dict() for exchange in self.exchanges],
        }


@dataclass
class RunReport:
    """A whole run: its settings and seed, every result in run order, and what the run itself noted."""

    settings: RunSettings
    seed: int
    results: list[Result] = field(default_factory=list)
    seconds: float = 0.0
    schema_summary: str = ""
    notes: list[str] = field(default_factory=list)
    """Facts the verdict rests on (the lag measured, what a proof relied on), one sentence each."""
    requests: int = 0
    """Requests the run sent, the Schemathesis phase's included."""
    interrupted: bool = False
    """Ctrl-C stopped the run; what ran is reported, the rest is listed as skipped."""
    changes: list[Change] = field(default_factory=list)
    """What changed since the --baseline run."""

    def of(self, *outcomes: Outcome) -> list[Result]:
        return [result for result in self.results if result.outcome in outcomes]

    @property
    def failed(self) -> list[Result]:
        """Failures, and drift unless --allow-drift: what makes the run exit 1."""
        if self.settings.allow_drift:
            return self.of(Outcome.FAILURE)
        return self.of(Outcome.FAILURE, Outcome.DRIFT)

    @property
    def conforms(self) -> bool:
        return not self.failed
