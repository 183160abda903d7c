"""A run: preflight, then every batched check, the Schemathesis phase and one report wait for all of them,
then the checks that read what the run saw, then the parts that run on their own. It emits events and
returns the report; nothing here prints.

The order, and why:
1. Preflight, and every profile user's learner report read once: the state before the run writes.
2. Every batched check claims its pairs and reads (reads before writes, for all of them), then every
   write is sent, paced, refused-first (so the last accepted one is the sentinel).
3. The Schemathesis phase runs meanwhile, on the pairs no check holds, its imports recorded in a ledger
   instead of polled one by one; the lag elapses while it sends.
4. One wait: the reports are polled until every check's rows have caught up (or --report-timeout), and
   each check is judged as soon as its rows have; the Schemathesis imports are judged in the same wait.
5. The checks that read the run's own exchanges (error envelopes, rate limits, report rows), then the
   separate parts (`SEPARATE_PARTS`, e.g. the differential phase).
"""

from __future__ import annotations

import inspect
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

from conformance.checks.behaviour import BEHAVIOUR_PARTS
from conformance.checks.differential import DifferentialSettings, run_differential
from conformance.checks.differential.verdict import DIFFERENTIAL_CHECK, as_results, planned
from conformance.checks.observed import OBSERVED_CHECKS
from conformance.checks.outside import OutsideProfile
from conformance.checks.protocol import ProtocolPromises, protocol_checks
from conformance.checks.refusals import ProtocolRun
from conformance.checks.rows import row_problems
from conformance.checks.semantic import SEMANTIC_CHECKS
from conformance.checks.sweeps import Sweeps
from conformance.engine.baseline import compare
from conformance.engine.batch import Batch, Marker
from conformance.engine.catalogue import broken_rule, finding_outcome
from conformance.engine.catalogue import rule as catalogue_rule
from conformance.engine.client import Budget, BudgetSpent, Exchange, RiseClient
from conformance.engine.context import CheckContext, DryRun, Seen, Snapshot
from conformance.engine.events import (
    CheckFinished,
    Listener,
    PartStarted,
    Progress,
    RunFinished,
    RunStarted,
    Status,
)
from conformance.engine.pairs import Pair
from conformance.engine.reports import segment
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
    SCHEMA_CHECKS,
    SchemaOutcome,
    SchemaSettings,
    run_schema_phase,
)

PART_CHECKS: dict[Part, tuple[Check, ...]] = {
    **BEHAVIOUR_PARTS,
    Part.SEMANTIC: SEMANTIC_CHECKS,
    Part.OBSERVED: OBSERVED_CHECKS,
    Part.PROTOCOL: protocol_checks(),
    Part.DIFFERENTIAL: (DIFFERENTIAL_CHECK,),
    Part.SCHEMA: SCHEMA_CHECKS,
}
"""Every check of every part; `rise-conformance rules` and the catalogue test read it."""


@dataclass
class RunContext:
    """What a separate part gets: the settings, the paced and budgeted client, the check context (its
    profile, reports read before the run, pairs the batched checks hold), the seed and the listener."""

    settings: RunSettings
    client: RiseClient
    checks: CheckContext
    seed: int
    emit: Listener


PartRunner = Callable[[RunContext], Sequence[Result]]
LAG_SEEN_SECONDS = 1.0
"""A report that took longer than this to show a write of the earlier parts: the target lags."""


def differential_part(run: RunContext) -> list[Result]:
    """The differential phase, after every other write has shown: its model starts from what the target
    shows then, and under lag it waits once, at its end."""
    settings = run.settings
    if settings.dry_run:
        return [planned(settings.profile)]
    shrink_examples, shrink_replays = settings.shrink_effort
    chosen = DifferentialSettings(
        examples=settings.effective_differential_examples,
        steps=settings.differential_steps,
        seed=run.seed,
        report_timeout=settings.report_timeout,
        clock_tolerance=settings.effective_clock_tolerance,
        shrink_examples=shrink_examples,
        shrink_replays=shrink_replays,
        lags=any(lag > LAG_SEEN_SECONDS for lag in run.checks.report_lags),
    )
    return as_results(run_differential(run.client, settings.profile, chosen), run.seed)


SEPARATE_PARTS: dict[Part, PartRunner] = {Part.DIFFERENTIAL: differential_part}
"""Parts that run on their own after the batched ones, with their own writes and waits (their checks
are in PART_CHECKS too, for the catalogue)."""
DIFFERENTIAL_REQUESTS_PER_STEP = 3
"""About what a differential step sends (the operation and the pages of a report it follows): the share
of the budget the Schemathesis phase leaves it."""
IMPORT_ROW_CHECK = "import_row_matches_report"


def all_checks() -> tuple[Check, ...]:
    return tuple(check for checks in PART_CHECKS.values() for check in checks)


def run(settings: RunSettings, emit: Listener, *, http: httpx.Client | None = None) -> RunReport:
    """Run every selected part against the target; raises `ConformanceError` only for set-up problems.

    `http` replaces the network client (an in-process one over an ASGI app, in tests); the Schemathesis
    phase always needs a real server.
    """
    seed = settings.seed if settings.seed is not None else random.randrange(2**31)
    report = RunReport(settings, seed)
    started = time.monotonic()
    emit(RunStarted(settings, seed))
    budget = Budget(settings.effective_budget)
    status = _Status(emit, budget, settings.effective_rate)
    done: dict[str, list[Result]] = {}
    try:
        client = RiseClient(
            settings.base_url,
            settings.api_key,
            rate=settings.effective_rate,
            http=http,
            transport=settings.transport,
            budget=budget,
        )
        with client:
            preflight(client, settings.profile)
            ctx = CheckContext(
                client,
                settings.profile,
                settings.report_timeout,
                settings.dry_run,
                random.Random(seed),
                before_the_run(client, settings.profile),
            )
            _run_parts(settings, seed, ctx, status, emit, done, report)
            for part, part_runner in SEPARATE_PARTS.items():
                if part in settings.parts:
                    emit(PartStarted(part, len(PART_CHECKS.get(part, ()))))
                    status(f"{part.value} phase")
                    results = part_runner(RunContext(settings, client, ctx, seed, emit))
                    done.setdefault(PART_CHECKS[part][0].name, []).extend(results)
    except KeyboardInterrupt:
        report.notes.append("Interrupted (Ctrl-C): the checks not judged by then are listed as skipped.")
        report.interrupted = True
    except BudgetSpent as spent:
        report.notes.append(f"Stopped: {spent}; the checks not judged by then are listed as skipped.")
    report.results = _in_order(settings, done, report.interrupted)
    if settings.baseline is not None:
        report.changes = compare(settings.baseline, report.results)
    report.requests = budget.sent
    report.seconds = time.monotonic() - started
    for result in report.results:
        emit(CheckFinished(result))
    emit(RunFinished(report))
    return report


def _run_parts(
    settings: RunSettings,
    seed: int,
    ctx: CheckContext,
    status: _Status,
    emit: Listener,
    done: dict[str, list[Result]],
    report: RunReport,
) -> None:
    """The named parts: the plain checks of the parts before the first batched one (they need the pairs
    as the target has them), the batch with its one wait, then the plain checks of the later parts."""
    # Read before any write, so that the protocol part can show the run left these users alone.
    watch = OutsideProfile.take(ctx) if Part.PROTOCOL in settings.parts else None
    protocol = ProtocolRun(watch)
    sweeps = {function.__name__ for function in Sweeps(protocol).functions()}
    checks_of = {**PART_CHECKS, Part.PROTOCOL: ProtocolPromises(protocol).checks()}
    started = [part for part in settings.parts if part not in SEPARATE_PARTS]
    for part in started:
        emit(PartStarted(part, len(checks_of[part])))
    parts = [part for part in started if part is not Part.SCHEMA]
    selected = [check for part in parts for check in checks_of[part]]
    # Writes that wait for nothing go first (the protocol probes before any accepted write, so that
    # they need no barrier); checks that read what the run did go after the one report wait.
    first = [c for c in selected if not _batched(c) and c.part in _WRITE_FIRST and c.name not in sweeps]
    first.sort(key=lambda c: c.part is not Part.PROTOCOL)
    batched = [c for c in selected if _batched(c)]
    later = [c for c in selected if not _batched(c) and c not in first and c.name not in sweeps]
    later += [c for c in selected if c.name in sweeps]
    for check in first:
        status(f"{check.part.value}: {check.name}")
        done.setdefault(check.name, []).append(judge(check, ctx))
    if protocol.pair is not None:
        ctx.kept_clear[protocol.pair] = Part.PROTOCOL.value
    for pair, _ in protocol.unlisted:
        ctx.kept_clear[pair] = Part.PROTOCOL.value
    if first and batched:
        ctx.before = before_the_run(ctx.client, settings.profile)
        ctx.new_round()
    wants_schema = Part.SCHEMA in settings.parts and not settings.dry_run
    schema: _SchemaRun | None = None
    pending, rounds = batched, 0
    while pending:
        rounds += 1
        if rounds > 1:
            ctx.before = before_the_run(ctx.client, settings.profile)
            ctx.new_round()
        batch = Batch(ctx, status)
        try:
            status("planning: reading the reports before any write")
            batch.start(pending)
            batch.send_all()
            if wants_schema and not batch.deferred and ctx.planner.unclaimed():
                schema = _SchemaRun(settings, seed, ctx, status, emit, report)
                schema.run(tuple(ctx.planner.unclaimed()), batch)
            batch.wait()
        finally:
            for result in batch.results():
                done.setdefault(result.name, []).append(result)
        _notes(ctx, batch, report)
        if len(batch.deferred) == len(pending):
            for check in batch.deferred:
                why = "no pair fits it: every profile pair it could use is held by another check"
                done[check.name] = [Result(check, Outcome.SKIP, observed=why, reason="too few profile pairs")]
            break
        pending = batch.deferred
    if rounds > 1:
        report.notes.append(
            f"The named checks ran in {rounds} rounds, each with its own report wait: the profile has too "
            "few pairs for all of them at once; more users in the profile make it one wait."
        )
    for check in later:
        status(f"{check.part.value}: {check.name}")
        done.setdefault(check.name, []).append(judge(check, ctx))
    if Part.SCHEMA in settings.parts:
        if settings.dry_run:
            done["schemathesis"] = [_planned_schema(settings)]
            return
        if schema is None:
            schema = _SchemaRun(settings, seed, ctx, status, emit, report)
            after = Batch(ctx, status)
            schema.run(tuple(ctx.planner.regular()), after)
            after.sends_done_at = time.monotonic()
            after.wait()
        for result in schema.results():
            done.setdefault(result.name, []).append(result)


_WRITE_FIRST = (Part.PROTOCOL, Part.ENROLLMENT)
"""Parts whose checks that are not batched write without waiting: they run before the batch."""


def _batched(check: Check) -> bool:
    """A check written as steps (`Send`, `Await`) joins the batch; a plain function runs on its own."""
    return check.run is not None and inspect.isgeneratorfunction(check.run)


def _in_order(settings: RunSettings, done: dict[str, list[Result]], interrupted: bool) -> list[Result]:
    """Every result in part and check order; a selected check that has none was not judged."""
    results = []
    for part in settings.parts:
        for check in PART_CHECKS.get(part, ()):
            found = done.pop(check.name, None)
            if found:
                results += found
            elif part is not Part.SCHEMA or interrupted:
                why = (
                    "interrupted before it was judged" if interrupted else "not judged: the run stopped first"
                )
                results.append(Result(check, Outcome.SKIP, observed=why, reason=why))
    for extra in done.values():
        results += extra
    return results


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
    missing += [f"user {u}" for u in profile.all_users if client.get(f"/users/{segment(u)}").status == 404]
    if missing:
        raise TargetError(
            f"the target has no {', '.join(missing)} named by the profile: fix the profile (--profile FILE)"
        )


def before_the_run(client: RiseClient, profile: Profile) -> Snapshot:
    """Every profile user's learner report, read once before the run writes anything."""
    check = CheckContext(client, profile, 0.0)
    snapshot = Snapshot()
    for user in profile.all_users:
        snapshot.learners[user], snapshot.exchanges[user] = check.learner_rows(user)
    return snapshot


def judge(check: Check, ctx: CheckContext) -> Result:
    """Run one check that is not batched and turn how it ended into a result; set-up errors propagate."""
    started = time.monotonic()
    first_exchange = len(ctx.client.exchanges)

    def result(
        outcome: Outcome,
        observed: str,
        exchanges: Sequence[Exchange] = (),
        expected: str = "",
        writes: tuple[str, ...] = (),
        rule: Rule | None = None,
        reason: str = "",
    ) -> Result:
        seconds = time.monotonic() - started
        return Result(
            check, outcome, expected, observed, tuple(exchanges), rule, seconds, writes, reason=reason
        )

    try:
        found = check(ctx)
    except CheckFailed as failure:
        exchanges = failure.exchanges or ctx.client.exchanges[first_exchange:][-3:]
        broken = broken_rule(check, failure.rule)
        return result(finding_outcome(broken), failure.observed, exchanges, failure.expected, rule=broken)
    except Skip as skip:
        return result(Outcome.SKIP, str(skip), reason=skip.short)
    except DryRun as planned:
        writes = tuple(write.describe() for write in planned.writes)
        return result(Outcome.PLANNED, f"would send {len(writes)} write(s)", writes=writes)
    if isinstance(found, Answer):
        return result(found.outcome, found.observed, found.exchanges)
    return result(Outcome.PASS, str(found))


def _notes(ctx: CheckContext, batch: Batch, report: RunReport) -> None:
    """What the verdict rests on: the lag measured, the in-order proof, the spare users left."""
    if batch.marker_lag is not None and batch.marker is not None:
        marker = batch.marker
        report.notes.append(
            f"Report lag measured: the run's last accepted import ({marker.course}, {marker.user}) showed in "
            f"the learner report {batch.marker_lag:.1f} s after it was sent."
        )
    elif batch.marker is not None and not ctx.dry_run:
        report.notes.append(
            f"The run's last accepted import did not show within --report-timeout {ctx.report_timeout:g} s."
        )
    if batch.sentinel is not None and ctx.planner.untouched:
        report.notes.append(
            "That refused writes changed nothing is proven without a fixed wait: the sentinel import to "
            f"({batch.sentinel.course}, {batch.sentinel.user}) was sent after every refused write, and a "
            "refused write that had been applied would show once it shows. This relies on the tenant "
            "applying writes in the order they arrive."
        )
    if ctx.profile.spare_users:
        report.notes.append(
            f"Spare users leave {ctx.planner.spare_runs_left()} more run(s) of the checks that need a pair "
            "nobody is enrolled in."
        )


# -- the Schemathesis phase -------------------------------------------------------------------------------


class _SchemaRun:
    """The Schemathesis phase on the pairs it may write to, its imports judged in a batch's report wait."""

    def __init__(
        self,
        settings: RunSettings,
        seed: int,
        ctx: CheckContext,
        status: _Status,
        emit: Listener,
        report: RunReport,
    ) -> None:
        self.settings, self.seed, self.ctx, self.status, self.emit, self.report = (
            settings,
            seed,
            ctx,
            status,
            emit,
            report,
        )
        self.outcome: SchemaOutcome | None = None
        self.seen: dict[Pair, Seen] = {}
        self.imports: dict[Pair, object] = {}
        self.seconds = 0.0

    def run(self, pairs: tuple[Pair, ...], batch: Batch) -> None:
        budget = self.ctx.client.budget
        reserve = int(8 + self.settings.report_timeout / 5) + 3 * len(self.ctx.profile.all_users) + 3
        if Part.DIFFERENTIAL in self.settings.parts:
            differential = self.settings.effective_differential_examples * self.settings.differential_steps
            reserve += DIFFERENTIAL_REQUESTS_PER_STEP * differential
        allowed = None if budget.remaining is None else budget.remaining - reserve
        if allowed is not None and allowed < 1:
            raise BudgetSpent(
                f"the request budget of {budget.limit} (--budget) leaves nothing for Schemathesis"
            )
        started = time.monotonic()
        self.status(f"schema: Schemathesis phases {', '.join(self.settings.schema_phases)}")
        schema_settings = SchemaSettings(
            self.settings.base_url,
            self.settings.api_key,
            self.settings.profile,
            self.settings.max_examples,
            self.seed,
            self.settings.effective_rate,
            self.settings.report_timeout,
            pairs=pairs,
            budget=allowed,
            phases=self.settings.schema_phases,
            deferred=True,
        )
        self.outcome = run_schema_phase(schema_settings, self._line)
        budget.count(self.outcome.cases)
        self.seconds = time.monotonic() - started
        self.report.schema_summary = self.outcome.summary
        if self.outcome.budget_spent:
            self.report.notes.append(
                f"The Schemathesis phase stopped at its share of the request budget ({allowed} requests)."
            )
        if self.outcome.interrupted:
            raise KeyboardInterrupt
        for write in self.outcome.ledger:
            pair = (str(write["courseId"]), str(write["userId"]))
            self.ctx.other_writes.add(pair)
            if write["kind"] == "import":
                self.imports[pair] = write["body"]
        for pair, body in self.imports.items():
            batch.add_await(
                self.ctx.shows(*pair, body), lambda seen, pair=pair: self.seen.__setitem__(pair, seen)
            )
        if self.imports:
            course, user = next(reversed(self.imports))
            batch.note_marker(Marker(course, user, self.imports[(course, user)], time.monotonic()))

    def _line(self, line: str) -> None:
        self.emit(Progress(line))

    def results(self) -> list[Result]:
        if self.outcome is None:
            return []
        results = [r for r in schema_results(self.outcome, self.seconds) if r.name != IMPORT_ROW_CHECK]
        results += self._import_rows()
        return results

    def _import_rows(self) -> list[Result]:
        """The one judgement of every pair Schemathesis imported to: its row shows the last import."""
        check = next(c for c in SCHEMA_CHECKS if c.name == IMPORT_ROW_CHECK)
        found: dict[str, list[tuple[Pair, str, list[Exchange]]]] = {}
        for pair, body in self.imports.items():
            seen = self.seen.get(pair)
            if seen is None:
                continue
            kept = self.ctx.planner.enrolled_at(pair)
            rows = seen.pair(*pair)
            problems = row_problems(rows, body, self.ctx.profile.kind_of(pair[0]), enrolled_at=kept)
            if not seen.caught_up and problems:
                problems = problems[:1]
            for problem in problems:
                found.setdefault(problem.rule, []).append(
                    (pair, problem.text, seen.snapshot.evidence(pair[1]))
                )
        if not found:
            observed = f"{len(self.imports)} imported pair(s) show their last import: {sorted(self.imports)}"
            return [Result(check, Outcome.PASS, observed=observed, seconds=self.seconds)]
        results = []
        for rule_id, items in found.items():
            broken = catalogue_rule(rule_id)
            results.append(
                Result(
                    check,
                    finding_outcome(broken),
                    expected=broken.statement,
                    observed=f"{len(items)} pair(s): "
                    + "; ".join(f"{p}: {text}" for p, text, _ in items[:3]),
                    exchanges=tuple(items[0][2][-2:]),
                    rule=broken,
                    seconds=self.seconds,
                    details=tuple(f"{p}: {text}" for p, text, _ in items),
                )
            )
        return results


def _planned_schema(settings: RunSettings) -> Result:
    pairs = ", ".join(
        f"({c}, {u})" for c in settings.profile.published_courses for u in settings.profile.users
    )
    observed = (
        f"would send up to {settings.max_examples} generated cases per operation and phase; its positive "
        "imports (POST .../completions) and enrollments (PUT /courses/{courseId}/users/{userId}) go only "
        f"to the profile pairs {pairs} that no named check holds; negative ones to IDs the contract rejects"
    )
    summary = f"Schemathesis phases {', '.join(settings.schema_phases)} over every operation of the contract"
    rules = tuple(dict.fromkeys(r for c in SCHEMA_CHECKS for r in c.rules))
    return Result(
        Check("schemathesis", Part.SCHEMA, rules, summary=summary), Outcome.PLANNED, observed=observed
    )


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
        rule=broken,
        expected=broken.statement if broken else check.description,
        observed=f"{len(group)} failure(s) on {where}: {group[0].title}{seen}",
        exchanges=tuple(f.exchange for f in group[:3] if f.exchange is not None),
        seconds=seconds,
        details=tuple(f.describe() for f in group),
    )


def _path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


# -- progress --------------------------------------------------------------------------------------------


class _Status:
    """Turns what the run is doing into `Status` events: the phase, requests sent, time left."""

    def __init__(self, emit: Listener, budget: Budget, rate: float | None) -> None:
        self.emit, self.budget, self.rate = emit, budget, rate

    def __call__(self, phase: str, time_left: float | None = None) -> None:
        if time_left is None and self.rate and self.budget.remaining is not None:
            time_left = self.budget.remaining / self.rate
        self.emit(Status(phase, self.budget.sent, self.budget.limit, time_left))
