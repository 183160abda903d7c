"""The phase's own record of what it sent and what each report must come to show, across examples.

Reports may lag (Rise: up to 5 minutes). Every accepted write adds a version of its pair's row; a report
read may show any version from the last one that report confirmed up to the newest, as long as the write
that replaced it is younger than --report-timeout. A version still shown after that is a finding: the
report never caught up. Nothing here waits; the phase polls once, at its end, for what is still pending.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from conformance.checks.differential.compare import AsRead, ExpectedRow, Instant, Window
from conformance.checks.differential.findings import Step
from mock_server.model.records import Completion, Enrollment, Pair

REPORTS = ("learner", "course")
_MARKER_EPOCH = datetime(1, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Write:
    """The accepted write that made a version."""

    kind: str
    """`import` or `enroll`."""
    step: Step
    answered_at: float
    """time.monotonic() when the target answered it."""
    body: Mapping[str, str] | None
    created_enrollment: bool
    promise: str
    """The rule broken if the reports never come to show the version it made."""


@dataclass(frozen=True)
class Version:
    """One state of a pair's row: None when the pair is not enrolled."""

    row: ExpectedRow | None
    enrollment: Enrollment | None
    completion: Completion | None
    write: Write | None = None
    """None for a state read from the target."""
    rebased: bool = False
    """Read after the target diverged from the model: what it showed, not what a write should show."""


@dataclass
class History:
    versions: list[Version]
    confirmed: dict[str, int] = field(default_factory=lambda: dict.fromkeys(REPORTS, 0))

    @property
    def latest(self) -> Version:
        return self.versions[-1]

    def acceptable(self, report: str, now: float, timeout: float) -> list[int]:
        """Indexes of the versions `report` may show at `now`, newest first."""
        last = len(self.versions) - 1
        return [
            i
            for i in range(last, self.confirmed[report] - 1, -1)
            if i == last or _younger(self.versions[i + 1], now, timeout)
        ]

    def pending(self, report: str) -> bool:
        return self.confirmed[report] < len(self.versions) - 1

    def confirm(self, report: str, index: int) -> None:
        self.confirmed[report] = max(self.confirmed[report], index)

    def rebase(self, version: Version) -> None:
        """Forget the past: the pair is now what was read."""
        self.versions = [replace(version, rebased=True)]
        self.confirmed = dict.fromkeys(REPORTS, 0)

    def writes(self) -> list[Step]:
        return [v.write.step for v in self.versions if v.write is not None]


def _younger(version: Version, now: float, timeout: float) -> bool:
    return version.write is not None and now < version.write.answered_at + timeout


@dataclass
class RejectedWrite:
    """A write the target had to refuse: it must change nothing."""

    pair: Pair
    started_at: datetime | None
    completed_at: datetime | None
    rule: str
    step: Step


@dataclass
class Ledger:
    """Every pair's row history, the dates stood for by markers, and the refused writes."""

    histories: dict[Pair, History] = field(default_factory=dict)
    rejected: list[RejectedWrite] = field(default_factory=list)
    accepted_dates: dict[Pair, set[tuple[datetime, datetime]]] = field(default_factory=dict)
    quarantined: set[Pair] = field(default_factory=set)
    """Pairs with a lag finding: no longer judged, so one defect is reported once."""
    validation_first_seen: bool = False
    """The target refused an invalid body with 400 where a lookup would also have failed: it validates
    before the lookups, so a lookup error for another invalid body means that body's rule is not kept."""
    _dates: dict[datetime, Instant] = field(default_factory=dict)
    _markers: int = 0

    def marker(self, stands_for: Instant) -> datetime:
        """A datetime that cannot be a real one (year 1), standing for a date known only as a window or as
        read; the model carries it like any date."""
        self._markers += 1
        value = _MARKER_EPOCH + timedelta(seconds=self._markers)
        self._dates[value] = stands_for
        return value

    def settle_marker(self, marker: datetime, window: Window) -> None:
        self._dates[marker] = window

    def expectation(self, value: datetime | None) -> Instant:
        """What a model date means for the target: itself, or the window or value its marker stands for."""
        if value is None:
            return None
        return self._dates.get(value, value)

    def as_model_date(self, expected: Instant) -> datetime:
        """A model datetime for an expected date: itself when exact, else a marker standing for it."""
        if isinstance(expected, datetime):
            return expected
        return self.marker(expected if expected is not None else AsRead(None))

    def pending_pairs(self) -> dict[Pair, History]:
        return {
            pair: h
            for pair, h in self.histories.items()
            if pair not in self.quarantined and any(h.pending(r) for r in REPORTS)
        }

    def deadline(self) -> float:
        """When the last pending write must have shown (monotonic), 0 when nothing is pending."""
        times = [h.latest.write.answered_at if h.latest.write else 0.0 for h in self.pending_pairs().values()]
        return max(times, default=0.0)
