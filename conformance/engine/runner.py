"""A run: preflight, then each part in order; it emits events and returns the results. Consumers (console,
JUnit, the Markdown report) only listen; nothing here prints."""

from __future__ import annotations

import random
import time
from collections.abc import Sequence
from urllib.parse import urlsplit

from conformance.checks.observed import OBSERVED_CHECKS
from conformance.checks.semantic import SEMANTIC_CHECKS
from conformance.engine.catalogue import broken_rule, finding_outcome
from conformance.engine.catalogue import rule as catalogue_rule
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
    Rule,
    RunReport,
    Skip,
)
from conformance.engine.settings import RunSettings
from conformance.errors import TargetError
from conformance.profile import Profile
from conformance.schemathesis.classify import classify
from conformance.schemathesis.findings import SchemaFinding
from conformance.schemathesis.phase import (
    PHASES,
    SCHEMA_CHECKS,
    SchemaOutcome,
    SchemaSettings,
    run_schema_phase,
)

PART_CHECKS: dict[Part, tuple[Check, ...]] = {
    Part.SEMANTIC: SEMANTIC_CHECKS,
    Part.OBSERVED: OBSERVED_CHECKS,
    Part.SCHEMA: SCHEMA_CHECKS,
}
"""Every check of every part; `rise-conformance rules` and the catalogue test read it."""


def all_checks() -> tuple[Check, ...]:
    return tuple(check for checks in PART_CHECKS.values() for check in checks)


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
        for part, checks in ((Part.SEMANTIC, SEMANTIC_CHECKS), (Part.OBSERVED, OBSERVED_CHECKS)):
            if part in settings.parts:
                _run_part(part, checks, ctx, report, emit)
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
        rule: Rule | None = None,
    ) -> Result:
        seconds = time.monotonic() - started
        return Result(check, outcome, expected, observed, tuple(exchanges), rule, seconds, writes)

    try:
        found = check(ctx)
    except CheckFailed as failure:
        exchanges = failure.exchanges or ctx.client.exchanges[first_exchange:][-3:]
        broken = broken_rule(check, failure.rule)
        return result(finding_outcome(broken), failure.observed, exchanges, failure.expected, rule=broken)
    except Skip as skip:
        return result(Outcome.SKIP, str(skip))
    except DryRun as planned:
        writes = tuple(write.describe() for write in planned.writes)
        return result(Outcome.PLANNED, f"would send {len(writes)} write(s)", writes=writes)
    if isinstance(found, Answer):
        return result(found.outcome, found.observed, found.exchanges)
    return result(Outcome.PASS, str(found))


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
        settings.report_timeout,
    )
    emit(CheckStarted(SCHEMA_CHECKS[0], 1, 1))
    started = time.monotonic()
    outcome = run_schema_phase(schema_settings, lambda line: emit(Progress(line)))
    report.schema_summary = outcome.summary
    seconds = time.monotonic() - started
    for result in schema_results(outcome, seconds):
        report.results.append(result)
        emit(CheckFinished(result))


def schema_results(outcome: SchemaOutcome, seconds: float = 0.0) -> list[Result]:
    """One result per Schemathesis check: a pass, or one finding per rule its failures break."""
    known = {check.name: check for check in SCHEMA_CHECKS}
    for name in sorted({f.check for f in outcome.findings} - set(known)):
        known[name] = Check(name, Part.SCHEMA, ("responses.declared",), summary=f"Schemathesis check {name}")
    results = []
    for check in known.values():
        findings = [f for f in outcome.findings if f.check == check.name]
        if not findings:
            observed = f"no failure over {len(outcome.operations)} operations"
            results.append(Result(check, Outcome.PASS, observed=observed, seconds=seconds))
            continue
        groups: dict[str | None, list[SchemaFinding]] = {}
        for finding in findings:
            groups.setdefault(classify(check.name, finding.evidence()), []).append(finding)
        for rule_id, group in groups.items():
            results.append(_schema_finding(check, rule_id, group, seconds))
    return results


def _schema_finding(check: Check, rule_id: str | None, group: list[SchemaFinding], seconds: float) -> Result:
    """Findings traced to a rule are failures or drift by its basis; untraced ones count as failures."""
    broken = catalogue_rule(rule_id) if rule_id else None
    where = ", ".join(sorted({f.operation for f in group}))
    example = next((f.exchange for f in group if f.exchange is not None), None)
    seen = f"; e.g. {example.method} {_path_of(example.url)} answered {example.status}" if example else ""
    return Result(
        check,
        finding_outcome(broken) if broken else Outcome.FAILURE,
        expected=broken.statement if broken else check.description,
        observed=f"{len(group)} failure(s) on {where}: {group[0].title}{seen}",
        exchanges=tuple(f.exchange for f in group[:3] if f.exchange is not None),
        rule=broken,
        seconds=seconds,
        details=tuple(f.describe() for f in group),
    )


def _path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")
