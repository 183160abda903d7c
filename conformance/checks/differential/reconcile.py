"""Judging one report row against the pair's history: a version the report may still show (it lags), a
version it should have left behind by now (it never caught up), or a row the model never predicted, and
then which rule that row breaks."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, timedelta
from enum import Enum
from typing import Any

from conformance.checks.dates import parse_duration, parse_instant
from conformance.checks.differential.compare import (
    AsRead,
    ExpectedRow,
    FieldDifference,
    describe_value,
    row_differences,
)
from conformance.checks.differential.findings import Discrepancy
from conformance.checks.differential.ledger import History, Ledger, Version, Write
from conformance.checks.rows import OUTCOME_FIELDS
from mock_server.model.dates import parse_import_date
from mock_server.model.errors import RiseError
from mock_server.model.records import Pair, Status

Row = Mapping[str, Any]


class Verdict(Enum):
    SHOWN = "shown"
    """The row is a version the report may show now."""
    STALE = "stale"
    """The row is a version an accepted write should have replaced more than --report-timeout ago."""
    DIVERGENT = "divergent"
    """The row is no version the model predicted."""


@dataclass(frozen=True)
class Judgement:
    verdict: Verdict
    discrepancy: Discrepancy | None = None


def matches(version: Version, observed: Row | None) -> bool:
    if version.row is None or observed is None:
        return version.row is None and observed is None
    return not row_differences(version.row, observed)


def judge_row(
    ledger: Ledger,
    kinds: Mapping[str, str | None],
    report: str,
    pair: Pair,
    observed: Row | None,
    now: float,
    timeout: float,
    promised: float,
) -> Judgement:
    """Judge what `report` shows for `pair` (None: no row); confirms the version it shows.

    Versions replaced less than `timeout` ago are still acceptable (0 for a target not known to lag);
    `promised` is --report-timeout, for the message. `kinds` maps course IDs to their profile kind."""
    history = ledger.histories.get(pair)
    if history is None:
        if observed is None:
            return Judgement(Verdict.SHOWN)
        return Judgement(Verdict.DIVERGENT, _unexpected_row(ledger, pair, observed))
    acceptable = history.acceptable(report, now, timeout)
    for index in acceptable:
        if matches(history.versions[index], observed):
            history.confirm(report, index)
            return Judgement(Verdict.SHOWN)
    if timeout and _enrollment_ahead(history, acceptable, observed):
        return Judgement(Verdict.SHOWN)
    for index in range(len(history.versions) - 2, history.confirmed[report] - 1, -1):
        older = history.versions[index]
        if not older.rebased and matches(older, observed) and _told_apart(older, history.latest):
            return Judgement(Verdict.STALE, _stale(history, index, pair, promised))
    return Judgement(Verdict.DIVERGENT, diagnose(ledger, kinds, history, pair, observed))


def _enrollment_ahead(history: History, acceptable: list[int], observed: Row | None) -> bool:
    """A lagging report may show a write's enrollment before its completion: the row of a version the
    report may show, Not Started, while an acceptable earlier state had no completion."""
    rows = [history.versions[i].row for i in acceptable]
    if observed is None or not any(row is None or row.started_at is None for row in rows):
        return False
    return any(row is not None and not row_differences(_enrolled_only(row), observed) for row in rows)


def _enrolled_only(row: ExpectedRow) -> ExpectedRow:
    return replace(
        row,
        status=Status.NOT_STARTED.value,
        started_at=None,
        completed_at=None,
        duration=None,
        quiz_score=None,
        quiz_passed=None,
    )


def _told_apart(older: Version, newer: Version) -> bool:
    """Whether a write changed what a report shows of the pair (its membership, status or dates): a row
    that still shows an older version is late only then. Re-importing the same dates changes nothing, so
    a wrong row after it is wrong, not late; and a version read after the target went wrong is what it
    does wrong, not a state it should have left (a replayed write makes the same wrong row again)."""
    if older.row is None or newer.row is None:
        return older.row is not newer.row
    fields = ("status", "enrolled_at", "started_at", "completed_at")
    return any(getattr(older.row, name) != getattr(newer.row, name) for name in fields)


def _stale(history: History, index: int, pair: Pair, timeout: float) -> Discrepancy:
    replacing = history.versions[index + 1]
    assert replacing.write is not None
    return Discrepancy(
        replacing.write.promise,
        f"the row of {pair_text(pair)} as of {replacing.write.step.description} within --report-timeout "
        f"{timeout:g} s: {describe_row(history.latest.row)}",
        f"still {describe_row(history.versions[index].row)}",
    )


def pair_text(pair: Pair) -> str:
    return f"({pair[0]}, {pair[1]})"


def describe_row(row: ExpectedRow | Row | None) -> str:
    if row is None:
        return "no row (not enrolled)"
    if isinstance(row, ExpectedRow):
        parts = {
            "status": row.status,
            "enrolledAt": row.enrolled_at,
            "startedAt": row.started_at,
            "completedAt": row.completed_at,
            "duration": row.duration,
            "quizScorePercent": row.quiz_score,
            "isQuizPassed": row.quiz_passed,
        }
        return ", ".join(f"{name} {describe_value(value)}" for name, value in parts.items())
    return ", ".join(f"{name} {row.get(name)!r}" for name in OUTCOME_FIELDS)


def _unexpected_row(ledger: Ledger, pair: Pair, observed: Row) -> Discrepancy:
    """A row for a pair that is not enrolled: a refused write that was applied, an import that reached
    another pair, or a report listing someone it should not."""
    rule = _explained_by_other_writes(ledger, pair, observed, enrolled=False) or "report.membership"
    return Discrepancy(
        rule, f"no row for {pair_text(pair)}: the pair is not enrolled", describe_row(observed)
    )


def _explained_by_other_writes(
    ledger: Ledger, pair: Pair, observed: Row, enrolled: bool = True
) -> str | None:
    """The rule of a refused write to the pair whose dates the row shows (or, for a pair that should not
    be enrolled at all, any refused write to it), or of an accepted import to another pair with them."""
    dates = (parse_instant(observed.get("startedAt")), parse_instant(observed.get("completedAt")))
    for rejected in reversed(ledger.rejected):
        if rejected.pair != pair:
            continue
        if None not in dates and dates == (rejected.started_at, rejected.completed_at):
            return rejected.rule
        if not enrolled:
            return rejected.rule
    if None not in dates:
        for other, sent in ledger.accepted_dates.items():
            if other != pair and dates in sent:
                return "import.stays-in-pair"
    return None


def diagnose(
    ledger: Ledger, kinds: Mapping[str, str | None], history: History, pair: Pair, observed: Row | None
) -> Discrepancy:
    """Which rule a row the model never predicted breaks, judged against the newest version."""
    latest = history.latest
    expected_text = describe_row(latest.row)
    if observed is None:
        rule = latest.write.promise if latest.write else "report.membership"
        return Discrepancy(rule, f"a row for {pair_text(pair)}: {expected_text}", "no row")
    if latest.row is None:
        return _unexpected_row(ledger, pair, observed)
    differences = row_differences(latest.row, observed)
    rule = _explained_by_other_writes(ledger, pair, observed) if _dates_differ(differences) else None
    unconfirmed = [v.write for v in history.versions[min(history.confirmed.values()) + 1 :] if v.write]
    rule = rule or _field_rule(differences[0], latest, kinds.get(pair[0]), unconfirmed)
    shown = "; ".join(f"{d.field} {d.observed!r} where {d.expected} was expected" for d in differences)
    return Discrepancy(rule, f"the row of {pair_text(pair)}: {expected_text}", shown)


def _dates_differ(differences: list[FieldDifference]) -> bool:
    return any(d.field in ("startedAt", "completedAt") for d in differences)


def _field_rule(
    difference: FieldDifference, latest: Version, kind: str | None, unconfirmed: list[Write] = ()
) -> str:
    """The rule a differing field breaks: first what holds for any row, then what the write promised.
    `unconfirmed` are the writes since the report last showed the pair, oldest first: the first that
    should have kept an enrollment's date is the one blamed for changing it."""
    name, observed, write = difference.field, difference.observed, latest.write
    if name == "courseId/userId":
        return "report.membership"
    if name in ("courseTitle", "email", "firstName", "lastName"):
        return "report.row-names"
    if name == "enrolledAt" and observed is None:
        return "report.enrolled-at"
    if name == "duration" and observed is not None and parse_duration(observed) is None:
        return "report.duration-form"
    if write is None:
        return "report.same-row"  # never written by the phase: the two reports disagree
    if name in ("startedAt", "completedAt"):
        return _date_rule(name, difference, write.body)
    if name == "status":
        return "import.row-complete" if write.kind == "import" else "report.status-literals"
    if name == "enrolledAt":
        if write.created_enrollment:
            return "import.enrollment-dated" if write.kind == "import" else "enroll.dated-at-request"
        first = next((w for w in unconfirmed if not w.created_enrollment), write)
        return "import.keeps-enrollment" if first.kind == "import" else "enroll.keeps-existing"
    if name == "duration":
        return "report.duration"
    return _quiz_rule(name, latest.row, kind)


def _quiz_rule(name: str, row: ExpectedRow | None, kind: str | None) -> str:
    scored = row is not None and row.quiz_score is not None and not isinstance(row.quiz_score, AsRead)
    if scored:
        return "import.quiz-score" if name == "quizScorePercent" else "report.quiz-passed"
    return "import.no-third-party-score" if kind == "third_party" else "report.quiz-null-otherwise"


def _date_rule(name: str, difference: FieldDifference, body: Mapping[str, str] | None) -> str:
    """A date that is not the instant sent: an offset read as UTC, a date-only value read at another
    hour, or otherwise the imported dates not shown."""
    sent = (body or {}).get(name)
    observed = parse_instant(difference.observed) if isinstance(difference.observed, str) else None
    if sent is None or observed is None:
        return "import.row-complete" if name == "startedAt" else "report.completed-at"
    if len(sent) == len("2023-05-02"):
        return "dates.date-only"
    try:
        instant = parse_import_date(name, sent)
    except RiseError:
        return "import.row-complete"
    if instant.utcoffset() != timedelta(0) and observed == instant.replace(tzinfo=UTC):
        return "dates.offset-honoured"
    if _fraction(sent) and abs(observed - instant) < timedelta(seconds=1):
        return "dates.forms"
    return "import.row-complete" if name == "startedAt" else "report.completed-at"


def _fraction(sent: str) -> bool:
    return "." in sent
