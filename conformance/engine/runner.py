"""A run: preflight, then each part in order; it emits events and returns the results. Consumers (console,
JUnit, the Markdown report) only listen; nothing here prints."""

from __future__ import annotations

import random
import time
from collections.abc import Sequence
from dataclasses import replace

from conformance.checks.behaviour import BEHAVIOUR_PARTS
from conformance.checks.differential import DifferentialSettings, run_differential
from conformance.checks.differential.verdict import DIFFERENTIAL_CHECK, as_results, planned
from conformance.checks.observed import OBSERVED_CHECKS
from conformance.checks.outside import OutsideProfile
from conformance.checks.promises import contract_rule
from conformance.checks.protocol import protocol_checks
from conformance.checks.semantic import SEMANTIC_CHECKS
from conformance.engine.client import Exchange, RiseClient
from conformance.engine.context import CheckContext, DryRun, segment
from conformance.engine.events import (
    CheckFinished,
    CheckStarted,
    Listener,
    PartStarted,
    Progress,
    RunFinished,
    RunStarted,
)
from conformance.engine.results import (
    Answer,
    Check,
    CheckFailed,
    Outcome,
    Part,
    Result,
    RunReport,
    Skip,
)
from conformance.engine.settings import RunSettings
from conformance.errors import TargetError
from conformance.profile import Profile
from conformance.schemathesis.phase import (
    PHASES,
    SCHEMA_CHECKS,
    SchemaOutcome,
    SchemaSettings,
    run_schema_phase,
)


def run(settings: RunSettings, emit: Listener) -> RunReport:
    """Run every part against the target; raises `ConformanceError` only for set-up problems."""
    seed = settings.seed if settings.seed is not None else random.randrange(2**31)
    report = RunReport(settings, seed)
    started = time.monotonic()
    emit(RunStarted(settings, seed))
    with RiseClient(
        settings.base_url, settings.api_key, rate=settings.effective_rate, transport=settings.transport
    ) as client:
        preflight(client, settings.profile)
        ctx = CheckContext(
            client, settings.profile, settings.report_timeout, settings.dry_run, random.Random(seed)
        )
        # Read before any write, so that the protocol part can show the run left these users alone.
        watch = OutsideProfile.take(ctx) if Part.PROTOCOL in settings.parts else None
        parts = [
            *BEHAVIOUR_PARTS.items(),
            (Part.SEMANTIC, SEMANTIC_CHECKS),
            (Part.OBSERVED, OBSERVED_CHECKS),
            (Part.PROTOCOL, protocol_checks(watch)),
        ]
        for part, checks in parts:
            if part in settings.parts:
                _run_part(part, checks, ctx, report, emit)
        if Part.DIFFERENTIAL in settings.parts:
            _differential_part(ctx, settings, seed, report, emit)
    if Part.SCHEMA in settings.parts:
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


def _run_part(
    part: Part, checks: Sequence[Check], ctx: CheckContext, report: RunReport, emit: Listener
) -> None:
    emit(PartStarted(part, len(checks)))
    for index, check in enumerate(checks, 1):
        emit(CheckStarted(check, index, len(checks)))
        result = judge(check, ctx)
        report.results.append(result)
        emit(CheckFinished(result))


def judge(check: Check, ctx: CheckContext) -> Result:
    """Run one check and turn how it ended into a result; set-up errors propagate."""
    started = time.monotonic()
    first_exchange = len(ctx.client.exchanges)

    def result(
        outcome: Outcome,
        observed: str,
        exchanges: Sequence[Exchange] = (),
        expected: str = "",
        writes: tuple[str, ...] = (),
    ) -> Result:
        seconds = time.monotonic() - started
        return Result(check, outcome, expected, observed, tuple(exchanges), seconds=seconds, writes=writes)

    try:
        found = check(ctx)
    except CheckFailed as failure:
        exchanges = failure.exchanges or ctx.client.exchanges[first_exchange:][-3:]
        found = result(Outcome.FAILURE, failure.observed, exchanges, expected=failure.expected)
        # Until the rule catalogue classifies findings: the rule a check names rides on its result.
        return replace(found, rule=contract_rule(failure.rule)) if failure.rule else found
    except Skip as skip:
        return result(Outcome.SKIP, str(skip))
    except DryRun as planned:
        writes = tuple(write.describe() for write in planned.writes)
        return result(Outcome.PLANNED, f"would send {len(writes)} write(s)", writes=writes)
    if isinstance(found, Answer):
        return result(found.outcome, found.observed, found.exchanges)
    return result(Outcome.PASS, str(found))


LAG_SEEN_SECONDS = 1.0
"""A report that took longer than this to show a write of the earlier parts: the target lags."""


def _differential_part(
    ctx: CheckContext, settings: RunSettings, seed: int, report: RunReport, emit: Listener
) -> None:
    emit(PartStarted(Part.DIFFERENTIAL, 1))
    emit(CheckStarted(DIFFERENTIAL_CHECK, 1, 1))
    if settings.dry_run:
        results = [planned(settings.profile)]
    else:
        unpaced = settings.effective_rate is None
        chosen = DifferentialSettings(
            examples=settings.effective_differential_examples,
            steps=settings.differential_steps,
            seed=seed,
            report_timeout=settings.report_timeout,
            clock_tolerance=settings.effective_clock_tolerance,
            shrink_examples=60 if unpaced else 8,
            shrink_replays=30 if unpaced else 8,
            lags=any(lag > LAG_SEEN_SECONDS for lag in ctx.report_lags),
        )
        results = as_results(run_differential(ctx.client, settings.profile, chosen), seed)
    for result in results:
        report.results.append(result)
        emit(CheckFinished(result))


def _schema_part(settings: RunSettings, seed: int, report: RunReport, emit: Listener) -> None:
    emit(PartStarted(Part.SCHEMA, len(SCHEMA_CHECKS)))
    if settings.dry_run:
        pairs = ", ".join(
            f"({c}, {u})" for c in settings.profile.published_courses for u in settings.profile.users
        )
        observed = (
            f"would send up to {settings.max_examples} generated cases per operation and phase; its positive "
            "imports (POST .../completions) and enrollments (PUT /courses/{courseId}/users/{userId}) go only "
            f"to the profile pairs {pairs}; negative ones to IDs the contract rejects"
        )
        summary = f"Schemathesis phases {', '.join(PHASES)} over every operation of the contract"
        phase = Check(
            "schemathesis", Part.SCHEMA, tuple(r for c in SCHEMA_CHECKS for r in c.rules), summary=summary
        )
        result = Result(phase, Outcome.PLANNED, observed=observed)
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
    emit(CheckStarted(SCHEMA_CHECKS[0], 1, 1))
    started = time.monotonic()
    outcome = run_schema_phase(schema_settings, lambda line: emit(Progress(line)))
    report.schema_summary = outcome.summary
    known = {check.name for check in SCHEMA_CHECKS}
    extras = sorted({c for f in outcome.failures for c in f.checks} - known)
    checks = [
        *SCHEMA_CHECKS,
        *(
            Check(name, Part.SCHEMA, ("responses.declared",), summary=f"Schemathesis check {name}")
            for name in extras
        ),
    ]
    for check in checks:
        result = _schema_result(check, outcome, time.monotonic() - started)
        report.results.append(result)
        emit(CheckFinished(result))


def _schema_result(check: Check, outcome: SchemaOutcome, seconds: float) -> Result:
    failures = [f for f in outcome.failures if check.name in f.checks]
    if not failures:
        observed = f"no failure over {len(outcome.operations)} operations"
        return Result(check, Outcome.PASS, observed=observed, seconds=seconds)
    where = sorted({f.operation for f in failures})
    return Result(
        check,
        Outcome.FAILURE,
        expected=check.description,
        observed=f"{len(failures)} failure(s) on {', '.join(where)}",
        details=tuple(f"{f.operation} ({f.code}):\n{f.text}" for f in failures),
        seconds=seconds,
    )
