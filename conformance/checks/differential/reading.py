"""Reading and judging the reports: the base of the driver. Every pair's row is compared with its history
in the ledger; until the target is known to lag a report must show a write at once, and the first row
seen behind one is polled for up to --report-timeout to learn which it is."""

from __future__ import annotations

import json
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from conformance.checks.dates import parse_instant
from conformance.checks.differential.compare import Expected, Window, answer_discrepancies, row_from_observed
from conformance.checks.differential.findings import Discrepancy, Mismatch, Step, mismatch
from conformance.checks.differential.ledger import History, Version
from conformance.checks.differential.oracle import CLEAN, Oracle, Spoil
from conformance.checks.differential.reconcile import Judgement, Verdict, judge_row, matches
from conformance.checks.differential.state import (
    POLL_FIRST_SECONDS,
    POLL_MAX_SECONDS,
    Call,
    Lag,
    Mode,
    Phase,
    StopPhase,
)
from conformance.checks.differential.walks import MAX_PAGES, Walk, identities, walk
from conformance.checks.differential.world import row_names
from conformance.engine.client import BudgetSpent, Exchange
from conformance.engine.context import WRONG_KEY, segment
from conformance.errors import TargetError
from mock_server.model.contract import LIMIT_DEFAULT, LIMIT_MAX, VERSION_HEADER
from mock_server.model.records import Enrollment, Pair

REPORT_PATHS = {"learner": "/reports/learners/{}", "course": "/reports/courses/{}"}
REPORT_KEYS = {"learner": "courses", "course": "learners"}
REPORT_RULES = {"learner": "reports.learner", "course": "reports.course"}


class Reader:
    """One sequence's state (its oracle, its steps) and how it sends, judges and reads reports."""

    def __init__(self, phase: Phase, read_start: bool = True) -> None:
        self.phase = phase
        self.client = phase.client
        self.steps: list[Step] = []
        self.calls: list[Call] = []
        self.broken = False
        if read_start and not phase.reports_fresh:
            self._full_read(Mode.START)
        self.oracle = Oracle(phase.catalogue, phase.ledger)

    # -- sending --------------------------------------------------------------------------------

    def _send(
        self, method: str, path: str, spoil: Spoil = CLEAN, body: Any = None, has_body: bool = False
    ) -> tuple[Exchange, Window, float]:
        headers: dict[str, str] = {}
        token: str | None = ""
        if spoil.key is not None:
            token, headers = _wrong_credentials(spoil.key, self.client.api_key)
        if spoil.version is not None:
            headers[VERSION_HEADER] = spoil.version
        content = None
        if has_body:
            content = json.dumps(body, ensure_ascii=False)
            headers["Content-Type"] = "application/json"
        sent = datetime.now(UTC)
        try:
            exchange = self.client.request(method, path, content=content, headers=headers, token=token)
        except TargetError as error:
            self.phase.aborted = error
            raise
        except BudgetSpent:
            self.phase.budget_spent = True
            raise StopPhase from None
        received = datetime.now(UTC)
        slack = timedelta(seconds=self.phase.clock_tolerance)
        return exchange, Window(sent - slack, received + slack), time.monotonic()

    def _fail(self, discrepancy: Discrepancy, exchanges: list[Exchange]) -> Mismatch:
        self.broken = True
        error = mismatch(discrepancy, exchanges)
        error.steps = list(self.steps)
        error.calls = list(self.calls)
        self.phase.failure(error)
        return error

    def _judge(self, expected: Expected, exchange: Exchange) -> None:
        found = answer_discrepancies(expected, exchange)
        if found:
            raise self._fail(found[0], [exchange])

    def _step(self, description: str, exchanges: list[Exchange]) -> Step:
        step = Step(description, tuple(exchanges))
        self.steps.append(step)
        self.phase.steps += 1
        return step

    def _judge_report(
        self, kind: str, owner: str, seen: Walk, step: Step, mode: Mode, limit: Any = LIMIT_MAX
    ) -> None:
        """Every pair of this report against its history.

        Until the target is known to lag, a report must show the newest version at once; the first row
        left behind is polled for up to --report-timeout, and either the target lags (older versions are
        accepted from then on, within the timeout, and the final wait judges what is left) or the row is
        wrong. A wrong row read by a step or at the end of a sequence fails the example, for Hypothesis to
        shrink; read at a sequence's start or in the final wait it is a finding of its own."""
        phase, ledger = self.phase, self.phase.ledger
        other = "courseId" if kind == "learner" else "userId"
        rows, duplicate = identities(seen, lambda row: _id(row, other), REPORT_RULES[kind])
        if duplicate is not None:
            if mode in (Mode.STEP, Mode.END):
                raise self._fail(_duplicate_rule(duplicate, seen), seen.exchanges)
            rows = _first_of_each(seen, other)
        index = _owner_index(kind)
        pairs = {pair for pair in ledger.histories if pair[index] == owner}
        pairs |= {_pair(kind, owner, key) for key in rows}
        for pair in sorted(pairs):
            if pair in ledger.quarantined:
                continue
            observed = rows.get(pair[1 - index])
            if observed is None and not seen.finished:
                continue
            if mode is Mode.START and pair not in ledger.histories:
                self._baseline(kind, pair, observed)
                continue
            judged = self._judge_pair(kind, pair, observed)
            if judged.verdict is Verdict.SHOWN or judged.discrepancy is None:
                continue
            if mode is Mode.START:
                if not phase.failed:
                    phase.lag_finding(judged.discrepancy, pair, [step])
                self._rebase(kind, pair, observed)
            elif mode is Mode.SETTLE or (judged.verdict is Verdict.STALE and phase.lag is Lag.LAGS):
                phase.lag_finding(judged.discrepancy, pair, [step])
            elif (
                judged.verdict is Verdict.STALE and phase.lag is Lag.UNKNOWN and self._catches_up(kind, pair)
            ):
                phase.lag = Lag.LAGS
            else:
                if judged.verdict is Verdict.STALE:
                    phase.lag = Lag.NONE
                shown = (
                    ledger.histories[pair].versions[ledger.histories[pair].confirmed[kind]].row is not None
                )
                truncated = _truncation(judged.discrepancy, seen, observed, limit, shown)
                raise self._fail(truncated, list(step.exchanges))

    def _judge_pair(self, kind: str, pair: Pair, observed: dict[str, Any] | None) -> Judgement:
        """Older versions are acceptable only once the target is known to lag."""
        phase = self.phase
        timeout = phase.report_timeout if phase.lag is Lag.LAGS else 0.0
        now = time.monotonic()
        return judge_row(phase.ledger, phase.kinds, kind, pair, observed, now, timeout, phase.report_timeout)

    def _catches_up(self, kind: str, pair: Pair) -> bool:
        """Poll the report until it shows the pair's newest version, up to --report-timeout after the
        write that made it: True when it does (the target lags), False when it never does."""
        history = self.phase.ledger.histories[pair]
        write = history.latest.write
        deadline = (write.answered_at if write else time.monotonic()) + self.phase.report_timeout
        owner = pair[_owner_index(kind)]
        delay = POLL_FIRST_SECONDS
        while time.monotonic() < deadline:
            time.sleep(min(delay, max(deadline - time.monotonic(), 0.0)))
            delay = min(delay * 2, POLL_MAX_SECONDS)
            seen = self._read_whole(kind, owner)
            key = pair[1 - _owner_index(kind)]
            other = "courseId" if kind == "learner" else "userId"
            observed = next((row for row in seen.items if _id(row, other) == key), None)
            if matches(history.latest, observed):
                history.confirm(kind, len(history.versions) - 1)
                return True
        return False

    def _baseline(self, kind: str, pair: Pair, observed: dict[str, Any] | None) -> None:
        history = History([self._version_as_read(pair, observed)])
        history.confirm(kind, 0)
        self.phase.ledger.histories[pair] = history

    def _rebase(self, kind: str, pair: Pair, observed: dict[str, Any] | None) -> None:
        self.phase.ledger.histories[pair].rebase(self._version_as_read(pair, observed))
        self.phase.ledger.quarantined.discard(pair)

    def _version_as_read(self, pair: Pair, observed: dict[str, Any] | None) -> Version:
        if observed is None:
            return Version(None, None, None)
        row = replace(row_from_observed(observed, *pair), names=row_names(self.phase.catalogue, *pair))
        enrolled = parse_instant(observed.get("enrolledAt"))
        enrolled_at = enrolled if enrolled is not None else self.phase.ledger.as_model_date(row.enrolled_at)
        return Version(row, Enrollment(pair[0], pair[1], enrolled_at), None)

    def _full_read(self, mode: Mode, owners: list[tuple[str, str]] | None = None) -> None:
        """Profile reports at the largest page size: the starting state, the end-of-sequence check, or the
        final wait's poll."""
        for kind, owner in owners if owners is not None else self.phase.report_owners():
            seen = self._read_whole(kind, owner)
            step = Step(f"read {kind} report {owner}", tuple(seen.exchanges))
            if mode is Mode.END:
                self.steps.append(step)
            self._judge_report(kind, owner, seen, step, mode)
        if owners is None:
            self.phase.reports_fresh = True

    def _read_whole(self, kind: str, owner: str) -> Walk:
        """One report, every page at the largest page size; a broken answer fails the example."""
        url = REPORT_PATHS[kind].format(segment(owner)) + f"?limit={LIMIT_MAX}"
        first, _, _ = self._send("GET", url)
        if first.status != 200:
            wanted = f"HTTP 200 with the {kind} report of {owner}"
            raise self._fail(Discrepancy(REPORT_RULES[kind], wanted, f"HTTP {first.status}"), [first])
        seen, problem = walk(self.client, first, REPORT_KEYS[kind], LIMIT_MAX, REPORT_RULES[kind], MAX_PAGES)
        if problem is not None:
            raise self._fail(problem, seen.exchanges)
        return seen

    def finish(self) -> None:
        """End of the sequence: every report once more, so that what the steps did is seen in full."""
        if not self.broken and self.phase.aborted is None:
            self._full_read(Mode.END)

    def poll_pending(self) -> None:
        """The reports of the pairs still pending, judged with what the ledger knows (the final wait)."""
        pending = self.phase.ledger.pending_pairs()
        owners = [
            (kind, owner)
            for kind, owner in self.phase.report_owners()
            if any(pair[_owner_index(kind)] == owner for pair in pending)
        ]
        self._full_read(Mode.SETTLE, owners)


def _owner_index(kind: str) -> int:
    return 1 if kind == "learner" else 0


def _pair(kind: str, owner: str, key: str) -> Pair:
    return (key, owner) if kind == "learner" else (owner, key)


def _id(item: Any, name: str) -> str | None:
    value = item.get(name) if isinstance(item, dict) else None
    return value if isinstance(value, str) else None


def _first_of_each(seen: Walk, name: str) -> dict[str, Any]:
    rows: dict[str, Any] = {}
    for row in seen.items:
        key = _id(row, name)
        if key is not None:
            rows.setdefault(key, row)
    return rows


def _truncation(discrepancy: Discrepancy, seen: Walk, observed: Any, limit: Any, shown: bool) -> Discrepancy:
    """A row the report showed before, missing from a single full page: the page's null nextUrl said it
    was the last one."""
    full = len(seen.pages) == 1 and len(seen.pages[0].items) == (limit or LIMIT_DEFAULT)
    if observed is None and full and shown:
        return Discrepancy(
            "lists.next-url", discrepancy.expected, f"{discrepancy.observed} (nextUrl was null)"
        )
    return discrepancy


def _duplicate_rule(duplicate: Discrepancy, seen: Walk) -> Discrepancy:
    """A pair twice on one page of a report: a second record when it has a completion."""
    if duplicate.rule_id == "lists.pages-complete":
        return duplicate
    completed = any(isinstance(row, dict) and row.get("completedAt") for row in seen.items)
    rule = "import.one-record-per-pair" if completed else "report.membership"
    return Discrepancy(rule, duplicate.expected, duplicate.observed)


def _spoil_text(spoil: Spoil) -> str:
    parts = []
    if spoil.key is not None:
        parts.append(f"with a {spoil.key} key")
    if spoil.version is not None:
        parts.append(f"with {VERSION_HEADER}: {spoil.version}")
    return f" ({', '.join(parts)})" if parts else ""


def _wrong_credentials(label: str, key: str | None) -> tuple[str | None, dict[str, str]]:
    """(token for the client, extra headers) for a wrong key that never reveals the real one."""
    if label == "missing":
        return None, {}
    if label == "suffix" and key:
        return key + "x", {}
    if label == "scheme" and key:
        return None, {"Authorization": f"Basic {key}"}
    return WRONG_KEY, {}
