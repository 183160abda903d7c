"""Comparing a run with an earlier one (its report.json): what changed on the target since."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conformance.engine.results import Outcome, Result
from conformance.errors import ConformanceError

REPORT_VERSION = 1
"""The version of report.json's format; a baseline of another version is refused."""


class BaselineError(ConformanceError):
    """The --baseline file is missing, is not a report.json, or is of another version."""


@dataclass(frozen=True)
class Change:
    """One difference from the baseline: what happened, to which check and rule, before and now."""

    kind: str
    check: str
    rule: str | None
    before: str
    now: str


def load_baseline(path: Path) -> dict[str, Any]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise BaselineError(
            f"cannot read --baseline {path}: {error.strerror}; pass a report.json of a run"
        ) from None
    except ValueError:
        raise BaselineError(
            f"--baseline {path} is not JSON; pass the report.json an earlier run wrote"
        ) from None
    if not isinstance(document, dict) or document.get("version") != REPORT_VERSION:
        raise BaselineError(
            f"--baseline {path} is not a report.json of version {REPORT_VERSION}; pass one this version wrote"
        )
    return document


def compare(baseline: dict[str, Any], results: list[Result]) -> list[Change]:
    """Failures and drift that appeared or went away, and checks that became untested or tested again,
    for the checks this run judged."""
    before = _outcomes(baseline.get("results", []))
    now = {(r.name, r.rule.id if r.rule else None): r.outcome.value for r in results}
    judged = {r.name for r in results if r.outcome not in (Outcome.SKIP, Outcome.PLANNED)}
    ran = {r.name for r in results}
    changes = []
    for kind, outcome in (("started failing", Outcome.FAILURE), ("drift appeared", Outcome.DRIFT)):
        for check, rule in sorted(_keys(now, outcome) - _keys(before, outcome), key=str):
            changes.append(Change(kind, check, rule, _state(before, check), outcome.value))
    for kind, outcome in (("stopped failing", Outcome.FAILURE), ("drift went away", Outcome.DRIFT)):
        for check, rule in sorted(_keys(before, outcome) - _keys(now, outcome), key=str):
            if check in judged:
                changes.append(Change(kind, check, rule, outcome.value, _state(now, check)))
    skipped_now = {c for c, _ in _keys(now, Outcome.SKIP)}
    skipped_before = {c for c, _ in _keys(before, Outcome.SKIP)}
    for check in sorted(skipped_now - skipped_before):
        changes.append(Change("newly untested", check, None, _state(before, check), Outcome.SKIP.value))
    for check in sorted((skipped_before - skipped_now) & ran):
        changes.append(Change("tested again", check, None, Outcome.SKIP.value, _state(now, check)))
    return changes


def _outcomes(entries: list[dict[str, Any]]) -> dict[tuple[str, str | None], str]:
    return {
        (str(e.get("check")), e.get("rule")): str(e.get("outcome")) for e in entries if isinstance(e, dict)
    }


def _keys(outcomes: dict[tuple[str, str | None], str], outcome: Outcome) -> set[tuple[str, str | None]]:
    return {key for key, value in outcomes.items() if value == outcome.value}


def _state(outcomes: dict[tuple[str, str | None], str], check: str) -> str:
    found = sorted({value for (name, _), value in outcomes.items() if name == check})
    return ", ".join(found) or "not run"
