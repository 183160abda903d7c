"""The words of a verdict, shared by the console and report.md: the headline and the drift list."""

from __future__ import annotations

from dataclasses import dataclass

from conformance.engine.results import Outcome, Result, RunReport


def headline(report: RunReport) -> str:
    """`conforms`, or `does NOT conform: ...`, with the drift and the rules left untested counted."""
    if report.settings.dry_run:
        return "was only read (dry run): the writes above were not sent"
    failures, drifts = report.of(Outcome.FAILURE), report.of(Outcome.DRIFT)
    if report.conforms:
        words = "conforms"
        if drifts:
            words += f", with {_count(len(drifts), 'drift')} on decisions of the contract (--allow-drift)"
    else:
        parts = [_count(len(failures), "failure")] if failures else []
        if drifts:
            parts.append(_count(len(drifts), "drift") + " (not allowed: pass --allow-drift to list it)")
        words = "does NOT conform: " + ", ".join(parts)
    return words


@dataclass(frozen=True)
class DriftLine:
    """One drift: the rule, what the contract decided, what the target did, and which check saw it."""

    rule: str
    decided: str
    target_did: str
    check: str
    where: str


def drift_lines(report: RunReport) -> list[DriftLine]:
    return [_drift_line(result) for result in report.of(Outcome.DRIFT)]


def _drift_line(result: Result) -> DriftLine:
    rule = result.rule
    assert rule is not None  # a drift always names the assumption it differs on
    return DriftLine(rule.id, rule.statement, result.observed, result.name, rule.where)


def _count(amount: int, noun: str) -> str:
    return f"{amount} {noun}" + ("" if amount == 1 else "s")
