"""The terminal consumer: a live progress line while the run goes, then a summary table.

It writes through the callable it is given; the CLI decides where that goes.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from conformance.engine.client import mask
from conformance.engine.events import (
    CheckFinished,
    CheckStarted,
    Event,
    PartStarted,
    Progress,
    RunFinished,
    RunStarted,
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


class ConsoleView:
    """Listens to run events; `live` rewrites one progress line (a terminal), else prints one per step."""

    def __init__(self, write: Callable[[str], None], *, live: bool, secret: str | None) -> None:
        self._write = write
        self._live = live
        self._secret = secret
        self._part = ""
        self._line_open = False

    def __call__(self, event: Event) -> None:
        match event:
            case RunStarted(settings=settings, seed=seed):
                rate = f"{settings.effective_rate:g} req/s" if settings.effective_rate else "no rate limit"
                dry = " (dry run: no writes)" if settings.dry_run else ""
                self._print(f"rise-conformance against {settings.base_url}, seed {seed}, {rate}{dry}")
            case PartStarted(part=part):
                self._part = part
            case CheckStarted(check=check, index=index, total=total):
                self._progress(f"[{self._part} {index}/{total}] {check.name}")
            case Progress(text=text) if _ST_PHASE.match(text):
                self._progress(f"[schema] {text.strip()[:100]}")
            case CheckFinished(result=result) if not self._live and result.is_finding:
                self._print(f"  {_MARK[result.outcome]} {result.name}")
            case RunFinished(report=report):
                self._end_line()
                self._print(summary_table(report.results))
                if report.settings.dry_run:
                    self._print(planned_writes(report.results))
                drifts = drift_lines(report)
                if drifts:
                    self._print(drift_section(drifts))
                self._print(f"\n{report.settings.base_url} {headline(report)} ({report.seconds:.1f} s)")
            case _:
                pass

    def _progress(self, text: str) -> None:
        if self._live:
            self._write("\r\033[2K" + mask(text, self._secret))
            self._line_open = True
        else:
            self._print(text)

    def _end_line(self) -> None:
        if self._line_open:
            self._write("\r\033[2K")
            self._line_open = False

    def _print(self, text: str) -> None:
        self._end_line()
        self._write(mask(text, self._secret) + "\n")


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
