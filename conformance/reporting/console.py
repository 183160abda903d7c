"""The terminal consumer: a live progress line while the run goes (phase, requests sent, time left), then a
summary table, the drift, what changed since the baseline, the notes and the verdict.

It writes through the callable it is given; the CLI decides where that goes. On a terminal the progress
line is drawn by rich and rewritten in place; elsewhere each new phase is one plain line.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from rich.console import Console
from rich.live import Live
from rich.text import Text

from conformance.engine.baseline import Change
from conformance.engine.client import mask
from conformance.engine.events import (
    CheckFinished,
    Event,
    PartStarted,
    Progress,
    RunFinished,
    RunStarted,
    Status,
)
from conformance.engine.results import Outcome, Result
from conformance.reporting.verdict import DriftLine, drift_lines, headline

EVIDENCE_WIDTH = 90
_ST_PHASE = re.compile(r"^\s*\S+\s+(Examples|Coverage|Fuzzing|Stateful)\b")
_MARK = {
    Outcome.PASS: "PASS",
    Outcome.FAILURE: "FAIL",
    Outcome.DRIFT: "DRIFT",
    Outcome.SKIP: "SKIP",
    Outcome.RECORDED: "SEEN",
    Outcome.PLANNED: "PLAN",
}


class _Sink:
    """A file for rich that writes through the view's callable."""

    def __init__(self, write: Callable[[str], None]) -> None:
        self.write = write

    def flush(self) -> None:
        return None


class ConsoleView:
    """Listens to run events; `live` redraws one progress line (a terminal), else prints one per phase."""

    def __init__(self, write: Callable[[str], None], *, live: bool, secret: str | None) -> None:
        self._write = write
        self._live_wanted = live
        self._secret = secret
        self._live: Live | None = None
        self._last_phase = ""
        self._status: Status | None = None
        self._schema_line = ""
        self._phases_seen: set[str] = set()

    def __call__(self, event: Event) -> None:
        match event:
            case RunStarted(settings=settings, seed=seed):
                rate = f"{settings.effective_rate:g} req/s" if settings.effective_rate else "no rate limit"
                budget = settings.effective_budget
                cap = f", budget {budget} requests" if budget is not None else ""
                dry = " (dry run: no writes)" if settings.dry_run else ""
                self._print(f"rise-conformance against {settings.base_url}, seed {seed}, {rate}{cap}{dry}")
            case Status() as status:
                self._status = status
                self._show(status)
            case Progress(text=text) if _ST_PHASE.match(text):
                self._phase_progress(text)
            case PartStarted():
                pass
            case CheckFinished(result=result) if self._live is None and result.is_finding:
                self._print(f"  {_MARK[result.outcome]} {result.name}")
            case RunFinished(report=report):
                self._stop_live()
                self._print(summary_table(report.results))
                if report.settings.dry_run:
                    self._print(planned_writes(report.results))
                drifts = drift_lines(report)
                if drifts:
                    self._print(drift_section(drifts))
                if report.settings.baseline is not None:
                    self._print(changes_section(report.changes))
                for note in report.notes:
                    self._print(f"Note: {note}")
                if report.settings.command:
                    self._print(f"Replay: {report.settings.command}")
                took = f"{report.seconds:.1f} s, {report.requests} requests"
                self._print(f"\n{report.settings.base_url} {headline(report)} ({took})")
            case _:
                return

    def _live_line(self) -> Live | None:
        """The live progress line, started on the first progress of a run on a terminal."""
        if self._live is None and self._live_wanted:
            console = Console(file=_Sink(self._write), force_terminal=True, highlight=False)
            self._live = Live(
                Text(""),
                console=console,
                transient=True,
                auto_refresh=False,
                redirect_stdout=False,
                redirect_stderr=False,
            )
            self._live.start()
        return self._live

    def _show(self, status: Status) -> None:
        line = progress_line(status, self._schema_line if status.phase.startswith("schema") else "")
        live = self._live_line()
        if live is not None:
            live.update(Text(mask(line, self._secret)), refresh=True)
            return
        phase = status.phase.split(":")[0].split(" (")[0]
        if phase != self._last_phase:
            self._last_phase = phase
            self._print(line)

    def _phase_progress(self, text: str) -> None:
        """Schemathesis names each phase when it ends and again in its closing summary: a log gets the
        first line of each phase only; the live line shows the latest beside the run's progress."""
        match = _ST_PHASE.match(text)
        phase = match.group(1) if match else text
        self._schema_line = text.strip()[:60]
        live = self._live_line()
        if live is not None:
            line = (
                progress_line(self._status, self._schema_line) if self._status else f"[schema] {text.strip()}"
            )
            live.update(Text(mask(line, self._secret)), refresh=True)
            return
        if phase not in self._phases_seen:
            self._phases_seen.add(phase)
            self._print(f"[schema] {text.strip()[:100]}")

    def _stop_live(self) -> None:
        if self._live is not None:
            self._live.stop()
            self._live = None

    def _print(self, text: str) -> None:
        if self._live is not None:
            self._live.console.print(Text(mask(text, self._secret)))
            return
        self._write(mask(text, self._secret) + "\n")


def progress_line(status: Status, detail: str = "") -> str:
    """`[phase] 120 requests sent (of 1000), about 45 s left`."""
    sent = f"{status.sent} requests sent" + (f" (of {status.budget})" if status.budget is not None else "")
    left = f", at most {status.time_left:.0f} s left" if status.time_left is not None else ""
    extra = f" | {detail}" if detail else ""
    return f"[{status.phase}] {sent}{left}{extra}"


def summary_table(results: list[Result]) -> str:
    """Check, result and what was observed, one row per check, as plain text columns."""
    width = max([len(r.name) for r in results] + [5])
    lines = [f"{'check':<{width}}  result  observed", f"{'-' * width}  ------  {'-' * EVIDENCE_WIDTH}"]
    for result in results:
        evidence = " ".join(result.observed.split())
        if len(evidence) > EVIDENCE_WIDTH:
            evidence = evidence[: EVIDENCE_WIDTH - 3] + "..."
        lines.append(f"{result.name:<{width}}  {_MARK[result.outcome]:<6}  {evidence}")
    return "\n".join(lines)


def planned_writes(results: list[Result]) -> str:
    """Every write a dry run would have made, in full, under the check that would make it."""
    lines = ["", "Writes the run would make (none were sent):"]
    for result in results:
        if result.outcome is Outcome.PLANNED:
            lines.append(f"  {result.name}:")
            lines.extend(f"    {write}" for write in result.writes or (result.observed,))
    return "\n".join(lines)


def drift_section(drifts: list[DriftLine]) -> str:
    """The target's differences on decisions of the contract: rule, what it decided, what the target did."""
    lines = [
        "",
        "Drift: the target differs on decisions of this contract (x-assumption), not on documented facts:",
    ]
    for drift in drifts:
        lines += [
            f"  {drift.rule} ({drift.where}), seen by {drift.check}",
            f"    the contract decided: {drift.decided}",
            f"    the target did:       {drift.target_did}",
        ]
    return "\n".join(lines)


def changes_section(changes: list[Change]) -> str:
    """What changed on the target since the --baseline run."""
    if not changes:
        return "\nSince the baseline: nothing changed."
    lines = ["", "Since the baseline:"]
    for change in changes:
        rule = f" ({change.rule})" if change.rule else ""
        lines.append(f"  {change.kind}: {change.check}{rule} (was {change.before}, now {change.now})")
    return "\n".join(lines)
