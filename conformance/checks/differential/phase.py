"""The differential phase: read the target's starting state, let Hypothesis drive sequences against it
with the model as oracle, then wait once for the reports to catch up with what is still pending."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from hypothesis import HealthCheck, Verbosity, seed, settings
from hypothesis import Phase as HypothesisPhase
from hypothesis.errors import FlakyReplay, FlakyStrategyDefinition, Unsatisfiable
from hypothesis.stateful import run_state_machine_as_test

from conformance.checks.differential.driver import Driver
from conformance.checks.differential.findings import Finding, Mismatch
from conformance.checks.differential.machine import Budget, machine_class
from conformance.checks.differential.shrink import shorten
from conformance.checks.differential.state import POLL_FIRST_SECONDS, POLL_MAX_SECONDS, Lag, Phase, StopPhase
from conformance.checks.differential.world import StartFailed, read_catalogue
from conformance.engine.client import RiseClient
from conformance.profile import Profile


@dataclass(frozen=True)
class DifferentialSettings:
    """How big the phase is and how it judges time.

    `examples` sequences of `steps` operations each; after a failure at most `shrink_examples` more
    sequences shrink it (Hypothesis), then at most `shrink_replays` replays per broken rule leave steps
    out (see shrink.py); no new sequence starts after `max_seconds`. `clock_tolerance` widens the window
    a date set "at the request" must fall in, for a tenant whose clock differs from this machine's.
    """

    examples: int = 40
    steps: int = 20
    seed: int = 0
    report_timeout: float = 300.0
    clock_tolerance: float = 2.0
    shrink_examples: int = 60
    shrink_replays: int = 30
    max_seconds: float = 900.0
    lags: bool = False
    """The target is already known to lag (an earlier part saw it): older report rows are accepted
    within --report-timeout from the start, instead of after the first row seen to catch up late."""


@dataclass
class DifferentialOutcome:
    findings: list[Finding] = field(default_factory=list)
    examples: int = 0
    steps: int = 0
    requests: int = 0
    seconds: float = 0.0
    waited: float = 0.0
    """Seconds spent at the end waiting for lagging reports."""
    lagged: bool = False
    """The target's reports were seen to lag (and caught up within --report-timeout)."""
    budget_spent: bool = False
    """The run's --budget ran out during the phase: what it judged until then stands, unshrunk."""


def run_differential(
    client: RiseClient, profile: Profile, chosen: DifferentialSettings
) -> DifferentialOutcome:
    """Run the phase against the target behind `client`; findings come back, nothing is raised for them.

    Set-up problems (the target unreachable) propagate as `ConformanceError`."""
    started = time.monotonic()
    first_request = len(client.exchanges)
    outcome = DifferentialOutcome()
    try:
        catalogue = read_catalogue(client, profile)
    except StartFailed as failed:
        outcome.findings.append(failed.finding)
        return _finished(outcome, client, first_request, started)
    phase = Phase(client, profile, catalogue, chosen.report_timeout, chosen.clock_tolerance)
    if chosen.lags:
        phase.lag = Lag.LAGS
    try:
        Driver(phase)  # the starting state: every profile report, read once before any write
    except Mismatch as broken:
        outcome.findings.append(broken.finding())
        return _finished(outcome, client, first_request, started)
    except StopPhase:  # the request budget ran out before the first sequence
        outcome.budget_spent = True
        return _finished(outcome, client, first_request, started)
    budget = Budget(chosen.shrink_examples, started + chosen.max_seconds)
    mismatches = _run_machine(phase, budget, chosen)
    if phase.aborted is not None:
        raise phase.aborted
    outcome.budget_spent = phase.budget_spent
    waited_from = time.monotonic()
    if not phase.budget_spent:  # shrinking and the final wait both send requests
        mismatches = [shorten(phase, found, chosen.shrink_replays) for found in mismatches]
        waited_from = time.monotonic()
        settle(phase)
    outcome.waited = time.monotonic() - waited_from
    outcome.lagged = phase.lag is Lag.LAGS
    shrunk = {m.rule_id: m.finding() for m in mismatches}
    outcome.findings = [*shrunk.values(), *(f for r, f in phase.lag_findings.items() if r not in shrunk)]
    outcome.examples, outcome.steps = phase.examples, phase.steps
    return _finished(outcome, client, first_request, started)


def _finished(
    outcome: DifferentialOutcome, client: RiseClient, first: int, started: float
) -> DifferentialOutcome:
    outcome.requests = len(client.exchanges) - first
    outcome.seconds = time.monotonic() - started
    return outcome


def _run_machine(phase: Phase, budget: Budget, chosen: DifferentialSettings) -> list[Mismatch]:
    """Hypothesis over the machine, seeded, with no example database; the minimal failures it ends with."""
    machine = machine_class(phase, budget)
    options = settings(
        max_examples=chosen.examples,
        stateful_step_count=chosen.steps,
        deadline=None,
        database=None,
        derandomize=False,
        suppress_health_check=list(HealthCheck),
        phases=(HypothesisPhase.generate, HypothesisPhase.shrink),
        verbosity=Verbosity.quiet,
        report_multiple_bugs=False,
        print_blob=False,
    )
    factory = seed(chosen.seed)(lambda: machine())
    try:
        run_state_machine_as_test(factory, settings=options)
    except (StopPhase, Unsatisfiable):
        pass
    except BaseException as error:  # the minimal failures, grouped when several
        _surface(error, phase)
    return list(phase.shortest.values())


def _surface(error: BaseException, phase: Phase) -> None:
    """Re-raise what Hypothesis ended with unless it is only the phase's own mismatches: a bug in the
    phase, or Ctrl-C, goes on up.

    Once the target has failed, a replayed sequence may meet a target its first run changed (a tenant
    cannot be reset) and fail elsewhere or not at all; Hypothesis then stops with a Flaky error. The
    shortest failure of each rule is already recorded, so that ends the search, not the phase."""
    if isinstance(error, Mismatch | StopPhase):
        return
    if isinstance(error, FlakyStrategyDefinition | FlakyReplay) and phase.failed:
        return
    if isinstance(error, BaseExceptionGroup):
        for inner in error.exceptions:
            _surface(inner, phase)
        return
    raise error


def settle(phase: Phase) -> None:
    """Poll the reports of every pair still pending until each shows its newest row or its write is
    older than --report-timeout; what never showed becomes a lag finding. One wait for the whole phase,
    and only for a target known to lag: otherwise every row was judged when read."""
    if phase.lag is not Lag.LAGS or not phase.ledger.pending_pairs():
        return
    driver = Driver(phase, read_start=False)
    delay = POLL_FIRST_SECONDS
    while True:
        deadline = phase.ledger.deadline() + phase.report_timeout
        polled_at = time.monotonic()
        try:
            driver.poll_pending()
        except Mismatch:
            return  # recorded as a finding; the report cannot be read
        if not phase.ledger.pending_pairs() or polled_at > deadline:
            return  # a poll after the deadline finds every version left behind stale
        time.sleep(min(delay, deadline - time.monotonic()) + POLL_FIRST_SECONDS)
        delay = min(delay * 2, POLL_MAX_SECONDS)
