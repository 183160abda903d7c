"""A run: preflight, semantic checks, observed answers, the differential phase, then the Schemathesis
phase; it emits events and returns the results. Consumers (console, JUnit, the Markdown report) only
listen; nothing here prints."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from conformance.checks.differential import DifferentialSettings, run_differential
from conformance.checks.differential.verdict import NAME as DIFFERENTIAL_NAME
from conformance.checks.differential.verdict import as_results, planned
from conformance.checks.observed import QUESTIONS, Answer
from conformance.checks.semantic import SEMANTIC_CHECKS
from conformance.engine.client import Exchange, RiseClient, is_loopback
from conformance.engine.context import CheckContext, DryRun, segment
from conformance.engine.results import CheckFailed, CheckResult, Kind, Outcome, Skip
from conformance.errors import TargetError
from conformance.profile import Profile
from conformance.schemathesis.phase import (
    CHECKS,
    PHASES,
    RULES,
    SchemaOutcome,
    SchemaSettings,
    run_schema_phase,
)

DIFFERENTIAL_EXTRA_EXAMPLES = 5
DIFFERENTIAL_OFF_LOOPBACK = 5
"""Differential sequences: on loopback --max-examples plus 5 (30 by default, about 10 s for the mock), so
that a quick run stays quick; off loopback 5 (paced at 2/s, about 2 minutes)."""
DIFFERENTIAL_STEPS = 20
CLOCK_TOLERANCE = {True: 2.0, False: 120.0}
DEFAULT_RATE = 2.0
"""Requests per second against a target that is not loopback, unless --rate-limit says otherwise."""
DEFAULT_REPORT_TIMEOUT = 300.0
"""Rise documents that reports can take up to 5 minutes to show an import."""
DEFAULT_MAX_EXAMPLES = 25
PARTS = ("semantic", "observed", "differential", "schema")


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
    parts: tuple[str, ...] = PARTS
    differential_examples: int | None = None
    """Sequences of the differential phase; None picks the default for the target."""
    differential_steps: int = DIFFERENTIAL_STEPS
    clock_tolerance: float | None = None
    """Seconds a date set "at the request" may differ from this machine's clock; None: by target."""

    @property
    def effective_rate(self) -> float | None:
        if self.rate is not None:
            return self.rate
        return None if is_loopback(self.base_url) else DEFAULT_RATE


# -- events --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RunStarted:
    settings: RunSettings
    seed: int


@dataclass(frozen=True)
class PartStarted:
    part: str
    total: int


@dataclass(frozen=True)
class CheckStarted:
    name: str
    index: int
    total: int


@dataclass(frozen=True)
class CheckFinished:
    result: CheckResult


@dataclass(frozen=True)
class Progress:
    """A line of Schemathesis output."""

    text: str


@dataclass
class RunReport:
    settings: RunSettings
    seed: int
    results: list[CheckResult] = field(default_factory=list)
    seconds: float = 0.0
    schema_summary: str = ""

    @property
    def failed(self) -> list[CheckResult]:
        return [r for r in self.results if r.outcome is Outcome.FAILED]

    @property
    def conforms(self) -> bool:
        return not self.failed


@dataclass(frozen=True)
class RunFinished:
    report: RunReport


Event = RunStarted | PartStarted | CheckStarted | CheckFinished | Progress | RunFinished
Listener = Callable[[Event], None]


# -- the run -------------------------------------------------------------------------------------------


def run(settings: RunSettings, emit: Listener) -> RunReport:
    """Run every part against the target; raises `ConformanceError` only for set-up problems."""
    seed = settings.seed if settings.seed is not None else random.randrange(2**31)
    report = RunReport(settings, seed)
    started = time.monotonic()
    emit(RunStarted(settings, seed))
    with RiseClient(settings.base_url, settings.api_key, rate=settings.effective_rate) as client:
        preflight(client, settings.profile)
        ctx = CheckContext(
            client, settings.profile, settings.report_timeout, settings.dry_run, random.Random(seed)
        )
        if "semantic" in settings.parts:
            _run_part(
                "semantic", [(c.name, c.description, c.run) for c in SEMANTIC_CHECKS], ctx, report, emit
            )
        if "observed" in settings.parts:
            _run_part("observed", [(q.name, q.description, q.ask) for q in QUESTIONS], ctx, report, emit)
        if "differential" in settings.parts:
            _differential_part(ctx, settings, seed, report, emit)
    if "schema" in settings.parts:
        _schema_part(settings, seed, report, emit)
    report.seconds = time.monotonic() - started
    emit(RunFinished(report))
    return report


def preflight(client: RiseClient, profile: Profile) -> None:
    """Stop early (exit 2) when the target is unreachable, refuses the key, or lacks a profile ID."""
    probe = client.get("/courses?limit=1")
    if probe.status == 401:
        raise TargetError(
            f"{client.base_url} refused the API key (401): pass a valid key with --api-key or RISE_API_KEY"
        )
    if probe.status != 200:
        raise TargetError(
            f"GET {probe.url} answered {probe.status}, not 200: is --base-url the Rise API root?"
        )
    missing = [f"course {c}" for c in profile.courses if client.get(f"/courses/{segment(c)}").status == 404]
    missing += [f"user {u}" for u in profile.users if client.get(f"/users/{segment(u)}").status == 404]
    if missing:
        raise TargetError(
            f"the target has no {', '.join(missing)} named by the profile: fix the profile (--profile FILE)"
        )


CheckFunction = Callable[[CheckContext], "str | Answer"]


def _run_part(
    part: str,
    checks: Sequence[tuple[str, str, CheckFunction]],
    ctx: CheckContext,
    report: RunReport,
    emit: Listener,
) -> None:
    emit(PartStarted(part, len(checks)))
    kind = Kind.SEMANTIC if part == "semantic" else Kind.OBSERVED
    for index, (name, description, function) in enumerate(checks, 1):
        emit(CheckStarted(name, index, len(checks)))
        result = _judge(name, kind, description, function, ctx)
        report.results.append(result)
        emit(CheckFinished(result))


def _judge(
    name: str, kind: Kind, description: str, function: CheckFunction, ctx: CheckContext
) -> CheckResult:
    """Run one check and turn how it ended into a result; set-up errors propagate."""
    started = time.monotonic()
    first_exchange = len(ctx.client.exchanges)

    def result(outcome: Outcome, evidence: str, exchanges: Sequence[Exchange] = ()) -> CheckResult:
        return CheckResult(
            name, kind, description, outcome, evidence, list(exchanges), time.monotonic() - started
        )

    try:
        found = function(ctx)
    except CheckFailed as failure:
        evidence = f"expected {failure.expected}; observed {failure.observed}"
        return result(
            Outcome.FAILED, evidence, failure.exchanges or ctx.client.exchanges[first_exchange:][-3:]
        )
    except Skip as skip:
        return result(Outcome.SKIPPED, f"skipped: {skip}")
    except DryRun as planned:
        writes = "".join(f"\n{write.describe()}" for write in planned.writes)
        return result(Outcome.PLANNED, f"would send {len(planned.writes)} write(s):{writes}")
    if isinstance(found, Answer):
        return result(found.outcome, found.text, found.exchanges)
    return result(Outcome.PASSED, found)


LAG_SEEN_SECONDS = 1.0
"""A report that took longer than this to show a write of the earlier parts: the target lags."""


def _differential_part(
    ctx: CheckContext, settings: RunSettings, seed: int, report: RunReport, emit: Listener
) -> None:
    emit(PartStarted("differential", 1))
    emit(CheckStarted(DIFFERENTIAL_NAME, 1, 1))
    if settings.dry_run:
        pairs = ", ".join(f"({c}, {u})" for c in settings.profile.courses for u in settings.profile.users)
        results = [planned(pairs)]
    else:
        loopback = is_loopback(settings.base_url)
        examples = settings.differential_examples or (
            settings.max_examples + DIFFERENTIAL_EXTRA_EXAMPLES if loopback else DIFFERENTIAL_OFF_LOOPBACK
        )
        chosen = DifferentialSettings(
            examples=examples,
            steps=settings.differential_steps,
            seed=seed,
            report_timeout=settings.report_timeout,
            clock_tolerance=settings.clock_tolerance or CLOCK_TOLERANCE[loopback],
            shrink_examples=60 if loopback else 8,
            shrink_replays=30 if loopback else 8,
            lags=any(lag > LAG_SEEN_SECONDS for lag in ctx.report_lags),
        )
        results = as_results(run_differential(ctx.client, settings.profile, chosen), seed)
    for result in results:
        report.results.append(result)
        emit(CheckFinished(result))


def _schema_part(settings: RunSettings, seed: int, report: RunReport, emit: Listener) -> None:
    emit(PartStarted("schema", len(CHECKS)))
    description = f"Schemathesis phases {', '.join(PHASES)} over every operation of the contract"
    if settings.dry_run:
        pairs = ", ".join(
            f"({c}, {u})" for c in settings.profile.published_courses for u in settings.profile.users
        )
        evidence = (
            f"would send up to {settings.max_examples} generated cases per operation and phase; its positive "
            "imports (POST .../completions) and enrollments (PUT /courses/{courseId}/users/{userId}) go only "
            f"to the profile pairs {pairs}; negative ones to IDs the contract rejects"
        )
        result = CheckResult("schemathesis", Kind.SCHEMA, description, Outcome.PLANNED, evidence)
        report.results.append(result)
        emit(CheckFinished(result))
        return
    schema_settings = SchemaSettings(
        settings.base_url,
        settings.api_key,
        settings.profile,
        settings.max_examples,
        seed,
        settings.effective_rate,
    )
    emit(CheckStarted(f"schemathesis: phases {', '.join(PHASES)}", 1, 1))
    started = time.monotonic()
    outcome = run_schema_phase(schema_settings, lambda line: emit(Progress(line)))
    report.schema_summary = outcome.summary
    for check in CHECKS:
        result = _schema_result(check, outcome, time.monotonic() - started)
        report.results.append(result)
        emit(CheckFinished(result))
    for extra in sorted({c for f in outcome.failures for c in f.checks} - set(CHECKS)):
        result = _schema_result(extra, outcome, 0.0)
        report.results.append(result)
        emit(CheckFinished(result))


def _schema_result(check: str, outcome: SchemaOutcome, seconds: float) -> CheckResult:
    failures = [f for f in outcome.failures if check in f.checks]
    description = RULES.get(check, f"Schemathesis check {check}")
    if not failures:
        evidence = f"no failure over {len(outcome.operations)} operations"
        return CheckResult(check, Kind.SCHEMA, description, Outcome.PASSED, evidence, seconds=seconds)
    where = sorted({f.operation for f in failures})
    evidence = f"{len(failures)} failure(s) on {', '.join(where)}\n\n" + "\n\n".join(
        f"{f.operation} ({f.code}):\n{f.text}" for f in failures
    )
    return CheckResult(check, Kind.SCHEMA, description, Outcome.FAILED, evidence, seconds=seconds)
