"""A run's settings and their defaults, each defined once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from conformance.engine.client import is_loopback
from conformance.engine.results import Part
from conformance.profile import Profile

DEFAULT_RATE = 2.0
"""Requests per second against a target that is not loopback, unless --rate-limit says otherwise."""
DEFAULT_REPORT_TIMEOUT = 300.0
"""Rise documents that reports can take up to 5 minutes to show an import."""
DEFAULT_MAX_EXAMPLES = 25
SCHEMA_PHASES = ("examples", "coverage", "fuzzing", "stateful")
"""Schemathesis' phases, in the order it runs them; the schema part runs all of them unless told fewer."""
DEFAULT_BUDGET = 1000
"""Requests a run sends to a target that is not loopback, unless --budget says otherwise: at the default
2/s and Rise's 5-minute report lag, such a run ends within 15 minutes."""
PARTS: tuple[Part, ...] = (
    Part.ENROLLMENT,
    Part.REPORTS,
    Part.LISTS,
    Part.SEMANTIC,
    Part.OBSERVED,
    Part.PROTOCOL,
    Part.DIFFERENTIAL,
    Part.SCHEMA,
)
"""The parts a run offers, in run order."""
DIFFERENTIAL_EXTRA_EXAMPLES = 5
DIFFERENTIAL_PACED = 5
"""Differential sequences: unpaced (loopback) --max-examples plus 5 (30 by default, about 10 s for the
mock), so that a quick run stays quick; paced (off loopback, or --rate-limit) 5, about 2 minutes at 2/s."""
DIFFERENTIAL_STEPS = 20
SHRINK_PACED = 8
"""Paced, a failure is shrunk by at most 8 more sequences and 8 replays (each costs a sequence's requests at
2/s); unpaced, by twice as many sequences as the search ran and as many replays, so that shrinking stays in
proportion to the search (60 and 30 at the defaults)."""
CLOCK_TOLERANCE = {True: 2.0, False: 120.0}
"""Seconds a date the target sets at a request may lie outside it, on loopback and off it."""


@dataclass(frozen=True)
class RunSettings:
    base_url: str
    api_key: str | None
    profile: Profile
    max_examples: int = DEFAULT_MAX_EXAMPLES
    report_timeout: float = DEFAULT_REPORT_TIMEOUT
    rate: float | None = None
    """Requests per second; None picks the default for the target (unlimited on loopback)."""
    seed: int | None = None
    dry_run: bool = False
    parts: tuple[Part, ...] = PARTS
    schema_phases: tuple[str, ...] = SCHEMA_PHASES
    """The Schemathesis phases the schema part runs."""
    allow_drift: bool = False
    """A finding on a decision of the contract is listed as drift and does not fail the run."""
    budget: int | None = None
    """Requests the run may send; None picks the default for the target (no cap on loopback)."""
    command: str = ""
    """The command line that replays this run (its seed filled in, no key)."""
    baseline: dict[str, Any] | None = None
    """An earlier run's report.json, to list what changed since."""
    differential_examples: int | None = None
    """Sequences of the differential part; None picks the default for the target."""
    differential_steps: int = DIFFERENTIAL_STEPS
    clock_tolerance: float | None = None
    """Seconds a date set "at the request" may differ from this machine's clock; None: by target."""
    transport: httpx.BaseTransport | None = None
    """Requests of the in-process parts go here instead of to `base_url` (the schema phase needs a server)."""

    @property
    def effective_rate(self) -> float | None:
        if self.rate is not None:
            return self.rate
        return None if is_loopback(self.base_url) else DEFAULT_RATE

    @property
    def effective_budget(self) -> int | None:
        if self.budget is not None:
            return self.budget
        return None if is_loopback(self.base_url) else DEFAULT_BUDGET

    @property
    def effective_differential_examples(self) -> int:
        if self.differential_examples is not None:
            return self.differential_examples
        if self.effective_rate is None:
            return self.max_examples + DIFFERENTIAL_EXTRA_EXAMPLES
        return DIFFERENTIAL_PACED

    @property
    def shrink_effort(self) -> tuple[int, int]:
        """Sequences Hypothesis may spend shrinking a differential failure, and replays leaving steps out."""
        if self.effective_rate is not None:
            return SHRINK_PACED, SHRINK_PACED
        examples = self.effective_differential_examples
        return 2 * examples, examples

    @property
    def effective_clock_tolerance(self) -> float:
        if self.clock_tolerance is not None:
            return self.clock_tolerance
        return CLOCK_TOLERANCE[is_loopback(self.base_url)]
