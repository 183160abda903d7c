"""One report wait for a whole run: every batched check reads first, then every write is sent (paced),
then the reports are polled once for all of them, and each check is judged when its rows have caught up
or --report-timeout runs out.

A batched check is a generator: it claims pairs and reads, yields `Send(...)` and gets the exchanges back,
yields `Await(...)` and gets a `Seen` back, and returns its evidence (or raises `CheckFailed` / `Skip`).

The wait polls one report only (the learner report of the pair of the last accepted import, the marker)
until that import shows; then it reads every report the waiting checks need, round after round, until
each check is ready. A check that must prove that rejected writes changed nothing waits for the
sentinel: the last accepted import of the checks' writes, which are sent rejected-first. Once it shows, a
rejected write that had been applied would show too, if the tenant applies writes in order; the report
says so, with the lag measured.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from conformance.checks.rows import shows_import
from conformance.engine.catalogue import broken_rule, finding_outcome
from conformance.engine.client import Exchange
from conformance.engine.context import Await, CheckContext, Seen, Send, Snapshot, Write
from conformance.engine.pairs import PairsExhausted
from conformance.engine.poller import FIRST_DELAY_SECONDS, MAX_DELAY_SECONDS
from conformance.engine.results import Answer, Check, CheckFailed, Outcome, Result, Skip

Steps = Generator[Send | Await, Any, Any]


@dataclass(frozen=True)
class Marker:
    """An accepted import whose showing the wait watches for."""

    course: str
    user: str
    body: Any
    sent_at: float


@dataclass
class _Running:
    check: Check
    steps: Steps
    started: float
    step: Send | Await | None = None
    exchanges: list[Exchange] = field(default_factory=list)
    result: Result | None = None
    deferred: bool = False
    """No pair fitted this round: the check runs in the next one."""


@dataclass
class _Extra:
    step: Await
    on_seen: Callable[[Seen], None]
    done: bool = False

    def resume(self, seen: Seen) -> None:
        self.done = True
        self.on_seen(seen)


class Batch:
    """The batched part of a run; `emit_status(phase)` is told what it is doing."""

    def __init__(
        self, ctx: CheckContext, emit_status: Callable[[str, float | None], None] = lambda phase, left: None
    ) -> None:
        self.ctx = ctx
        self.emit_status = emit_status
        self.running: list[_Running] = []
        self.sentinel: Marker | None = None
        self.marker: Marker | None = None
        self.sends_done_at: float | None = None
        self.marker_lag: float | None = None
        self.extra: list[_Extra] = []

    # -- plan: every check reads and claims before any write ---------------------------------------------

    def start(self, checks: Sequence[Check]) -> None:
        for check in checks:
            run = _Running(check, check(self.ctx), time.monotonic())
            self.running.append(run)
            self._advance(run, None)

    # -- send: every write, rejected-first, paced by the client -------------------------------------------

    @property
    def deferred(self) -> list[Check]:
        return [run.check for run in self.running if run.deferred]

    def send_all(self) -> None:
        first = len(self.ctx.sent)
        while True:
            sending = [run for run in self.running if isinstance(run.step, Send)]
            if not sending:
                break
            sending.sort(key=lambda run: not self._only_untouched(run))
            for index, run in enumerate(sending, 1):
                self.emit_status(f"sending writes ({index}/{len(sending)} checks)", None)
                assert isinstance(run.step, Send)
                exchanges = [self._send(run.check.name, write) for write in run.step.writes]
                run.exchanges += exchanges
                self._advance(run, exchanges)
        self.sends_done_at = time.monotonic()
        self.sentinel = self._last_accepted(first)
        self.marker = self.sentinel

    def _only_untouched(self, run: _Running) -> bool:
        assert isinstance(run.step, Send)
        pairs = {write.pair for write in run.step.writes}
        return all(pair is None or pair in self.ctx.planner.untouched for pair in pairs)

    def _send(self, check: str, write: Write) -> Exchange:
        [exchange] = self.ctx.send_all([write], check)
        return exchange

    def _last_accepted(self, first: int) -> Marker | None:
        for sent in reversed(self.ctx.sent[first:]):
            pair = sent.write.pair
            if pair and sent.write.method == "POST" and 200 <= sent.exchange.status < 300:
                return Marker(pair[0], pair[1], sent.write.body, sent.at)
        return None

    def note_marker(self, marker: Marker | None) -> None:
        """A later accepted import (the Schemathesis phase's last) to watch for instead."""
        if marker is not None:
            self.marker = marker

    def add_await(self, waiting: Await, resume: Callable[[Seen], None]) -> None:
        """Wait for something that is not a check (the Schemathesis phase's imports) in the same wait."""
        self.extra.append(_Extra(waiting, resume))

    # -- wait: one poll for every check -------------------------------------------------------------------

    def wait(self) -> None:
        timeout = self.ctx.report_timeout
        # --report-timeout counts from the last accepted write: a write sent later gets its whole timeout.
        started = (
            max(self.sends_done_at or 0.0, self.marker.sent_at if self.marker else 0.0) or time.monotonic()
        )
        self._wait_for_marker(started, timeout)
        delay = FIRST_DELAY_SECONDS
        while waiting := self._waiting():
            elapsed = time.monotonic() - started
            self.emit_status(f"reading the reports: {len(waiting)} waiting", max(timeout - elapsed, 0.0))
            snapshot = self._read([step for step, _ in waiting])
            read_at = time.monotonic()
            elapsed = read_at - started
            timed_out = elapsed >= timeout
            for step, resume in waiting:
                ready = self._ready(step, snapshot)
                if ready or timed_out:
                    resume(Seen(snapshot, ready, elapsed, read_at))
            if timed_out:
                break
            if self._waiting():
                time.sleep(min(delay, max(timeout - elapsed, 0.0)))
                delay = min(delay * 2, MAX_DELAY_SECONDS)
        self.finish()

    def _wait_for_marker(self, started: float, timeout: float) -> None:
        """Poll only the marker's learner report until the last accepted import shows (or time runs out)."""
        marker = self.marker
        if marker is None or not self._waiting():
            return
        delay = FIRST_DELAY_SECONDS
        while True:
            elapsed = time.monotonic() - started
            self.emit_status(
                f"waiting for the reports to catch up ({elapsed:.0f} s)", max(timeout - elapsed, 0.0)
            )
            rows, _ = self.ctx.pair_rows(marker.course, marker.user)
            elapsed = time.monotonic() - started
            if any(shows_import(row, marker.body) for row in rows):
                self.marker_lag = time.monotonic() - marker.sent_at
                self.ctx.report_lags.append(self.marker_lag)
                self.ctx.caught_up_at = max(self.ctx.caught_up_at, marker.sent_at)
                return
            if elapsed >= timeout:
                return
            time.sleep(min(delay, timeout - elapsed))
            delay = min(delay * 2, MAX_DELAY_SECONDS)

    def _waiting(self) -> list[tuple[Await, Callable[[Seen], None]]]:
        found: list[tuple[Await, Callable[[Seen], None]]] = [
            (run.step, partial(self._advance, run)) for run in self.running if isinstance(run.step, Await)
        ]
        return found + [(extra.step, extra.resume) for extra in self.extra if not extra.done]

    def _ready(self, waiting: Await, snapshot: Snapshot) -> bool:
        if waiting.sentinel and self.sentinel is not None:
            marker = self.sentinel
            if not any(shows_import(row, marker.body) for row in snapshot.pair(marker.course, marker.user)):
                return False
        return waiting.ready(snapshot)

    def _read(self, waiting: list[Await]) -> Snapshot:
        learners = {user for step in waiting for user in step.learners}
        courses = {course for step in waiting for course in step.courses}
        if self.sentinel is not None and any(step.sentinel for step in waiting):
            learners.add(self.sentinel.user)
        snapshot = Snapshot()
        for user in sorted(learners):
            snapshot.learners[user], snapshot.exchanges[user] = self.ctx.learner_rows(user)
        for course in sorted(courses):
            snapshot.courses[course], snapshot.exchanges[course] = self.ctx.course_rows(course)
        return snapshot

    # -- results -----------------------------------------------------------------------------------------

    def finish(self) -> None:
        """Resume anything still waiting (nothing to wait for is left) so that every check has a result."""
        for run in self.running:
            if run.result is None and isinstance(run.step, Await):
                self._advance(run, Seen(Snapshot(), False, 0.0))

    def results(self) -> list[Result]:
        return [run.result for run in self.running if run.result is not None]

    def _advance(self, run: _Running, value: Any) -> None:
        """Run the check to its next step, or to its end, turning how it ended into a result."""
        try:
            step = run.steps.send(value)
        except StopIteration as done:
            run.step, run.result = None, self._passed(run, done.value)
            return
        except CheckFailed as failure:
            run.step, run.result = None, self._failed(run, failure)
            return
        except Skip as skip:
            run.step, run.result = None, self._result(run, Outcome.SKIP, str(skip), reason=skip.short)
            return
        except PairsExhausted:
            run.step, run.deferred = None, True
            return
        if isinstance(step, Send) and self.ctx.dry_run:
            run.steps.close()
            writes = tuple(write.describe() for write in step.writes)
            run.step = None
            run.result = self._result(
                run, Outcome.PLANNED, f"would send {len(writes)} write(s)", writes=writes
            )
            return
        run.step = step
        if isinstance(step, Send) and self.sends_done_at is not None:
            # A check that writes again after its wait: send now, in the order it asked.
            exchanges = [self._send(run.check.name, write) for write in step.writes]
            run.exchanges += exchanges
            self._advance(run, exchanges)

    def _passed(self, run: _Running, found: Any) -> Result:
        if isinstance(found, Answer):
            return self._result(run, found.outcome, found.observed, exchanges=found.exchanges)
        return self._result(run, Outcome.PASS, str(found))

    def _failed(self, run: _Running, failure: CheckFailed) -> Result:
        broken = broken_rule(run.check, failure.rule)
        exchanges = tuple(failure.exchanges or run.exchanges[-3:])
        return self._result(
            run,
            finding_outcome(broken),
            failure.observed,
            expected=failure.expected,
            exchanges=exchanges,
            rule=broken,
        )

    def _result(self, run: _Running, outcome: Outcome, observed: str, **fields: Any) -> Result:
        return Result(run.check, outcome, observed=observed, seconds=time.monotonic() - run.started, **fields)
