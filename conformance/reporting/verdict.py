"""The words of a verdict, shared by the console and report.md: the headline and the drift list."""

from __future__ import annotations

from dataclasses import dataclass

from conformance.engine.results import Outcome, Result, RunReport


def headline(report: RunReport) -> str:
    """`conforms`, or `does NOT conform: ...`, with the drift and the rules left untested counted."""
    if report.settings.dry_run:
        return "was only read (dry run): the writes above were not sent"
    words = _verdict(report)
    untested = untested_rules(report)
    if untested:
        reasons = ", ".join(dict.fromkeys(untested.values()))
        words += f"; {_count(len(untested), 'rule')} untested: {reasons}"
    if report.interrupted:
        words += " (interrupted: only what ran is judged)"
    return words


def untested_rules(report: RunReport) -> dict[str, str]:
    """Rules only skipped checks test in this run, each with the (short) reason of its skip."""
    tested = {
        rule
        for result in report.results
        if result.outcome not in (Outcome.SKIP, Outcome.PLANNED)
        for rule in result.check.rules
    }
    untested: dict[str, str] = {}
    for result in report.of(Outcome.SKIP):
        for rule in result.check.rules:
            if rule not in tested:
                untested.setdefault(rule, result.reason or result.observed)
    return untested


def _verdict(report: RunReport) -> str:
    failures, drifts = report.of(Outcome.FAILURE), report.of(Outcome.DRIFT)
    if report.conforms:
        words = "conforms"
        if drifts:
            words += f", with {_count(len(drifts), 'drift')} on decisions of the contract (--allow-drift)"
    else:
        parts = [_count(len(failures), "failure")] if failures else []
        if drifts and report.settings.allow_drift:
            parts.append(_count(len(drifts), "drift") + " (allowed)")
        elif drifts:
            parts.append(_count(len(drifts), "drift") + " (pass --allow-drift to list drift without failing)")
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
