"""The one row judge: what a pair's report row must show after an accepted import, each difference named
by the rule it breaks. The semantic checks, the Schemathesis hook and the differential phase all use it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from conformance.checks.dates import instant_us, parse_any_duration, parse_duration
from conformance.engine.results import CourseKind

Row = dict[str, Any]
COMPLETE = "Complete"
OUTCOME_FIELDS = (
    "status",
    "enrolledAt",
    "startedAt",
    "completedAt",
    "duration",
    "quizScorePercent",
    "isQuizPassed",
)
"""The fields of a report row an import or an enrollment decides (the rest name the pair)."""


@dataclass(frozen=True)
class Problem:
    """One way a row differs from the contract: the rule it breaks, what was expected, what came."""

    rule: str
    expected: str
    observed: str

    @property
    def text(self) -> str:
        return f"expected {self.expected}, got {self.observed} [{self.rule}]"


def shows_import(row: Row | None, body: Any) -> bool:
    """The row shows the dates of this import (the same instants, whatever the spelling)."""
    if row is None or not isinstance(body, dict):
        return False
    sent = instant_us(body.get("startedAt")), instant_us(body.get("completedAt"))
    return None not in sent and (instant_us(row.get("startedAt")), instant_us(row.get("completedAt"))) == sent


def lacks_completed_at(row: Row | None, body: Any) -> bool:
    """The row shows the import's startedAt but carries no completedAt."""
    if row is None or not isinstance(body, dict) or row.get("completedAt") is not None:
        return False
    started = instant_us(body.get("startedAt"))
    return started is not None and instant_us(row.get("startedAt")) == started


def row_problems(
    rows: list[Row], body: Any, course_kind: CourseKind | str | None, *, enrolled_at: str | None = None
) -> list[Problem]:
    """Every way the pair's report rows differ from the documented outcome of importing `body`.

    `course_kind` is the profile's kind of the course; for a course the profile does not name, the quiz
    rule is not judged. `enrolled_at`, when the pair was enrolled before the import, is the date the
    enrollment must keep.
    """
    if not rows:
        return [Problem("import.shows-in-reports", "one row for the pair", "no row")]
    if len(rows) != 1:
        return [Problem("import.one-record-per-pair", "exactly one row for the pair", f"{len(rows)} rows")]
    row = rows[0]
    if lacks_completed_at(row, body):
        return [Problem("report.completed-at", f"completedAt {body['completedAt']}", "no completedAt")]
    if not shows_import(row, body):
        return [
            Problem(
                "import.row-complete",
                f"the row to show startedAt {body['startedAt']} and completedAt {body['completedAt']}",
                f"{row.get('startedAt')!r} and {row.get('completedAt')!r}",
            )
        ]
    started, completed = instant_us(body["startedAt"]), instant_us(body["completedAt"])
    assert started is not None and completed is not None  # shows_import read both
    problems = []
    if row.get("status") != COMPLETE:
        problems.append(Problem("import.row-complete", f"status {COMPLETE!r}", repr(row.get("status"))))
    problems += _duration_problems(row.get("duration"), timedelta(microseconds=completed - started))
    problems += _enrollment_problems(row.get("enrolledAt"), enrolled_at)
    problems += quiz_problems(row, course_kind)
    return problems


def _duration_problems(duration: Any, length: timedelta) -> list[Problem]:
    if parse_duration(duration) == length:
        return []
    if parse_any_duration(duration) == length:
        return [
            Problem(
                "report.duration-form",
                f"duration in days, hours, minutes, seconds ({length})",
                repr(duration),
            )
        ]
    return [Problem("report.duration", f"duration {length} (completedAt - startedAt)", repr(duration))]


def _enrollment_problems(enrolled: Any, kept: str | None) -> list[Problem]:
    if instant_us(enrolled) is None:
        return [Problem("report.enrolled-at", "an enrollment date (enrolledAt)", f"enrolledAt {enrolled!r}")]
    if kept is not None and instant_us(enrolled) != instant_us(kept):
        return [Problem("import.keeps-enrollment", f"enrolledAt to stay {kept}", f"enrolledAt {enrolled!r}")]
    return []


def quiz_problems(row: Row, course_kind: CourseKind | str | None) -> list[Problem]:
    """The quiz rule of the course's kind: 100 and passed for a Rise quiz, nothing otherwise."""
    score, passed = row.get("quizScorePercent"), row.get("isQuizPassed")
    if course_kind == CourseKind.QUIZ:
        problems = []
        if score != 100:
            problems.append(
                Problem("import.quiz-score", "quizScorePercent 100", f"quizScorePercent {score!r}")
            )
        if passed is not True:
            problems.append(Problem("report.quiz-passed", "isQuizPassed true", f"isQuizPassed {passed!r}"))
        return problems
    if course_kind in (CourseKind.NO_QUIZ, CourseKind.THIRD_PARTY) and (score, passed) != (None, None):
        rule = (
            "import.no-third-party-score"
            if course_kind == CourseKind.THIRD_PARTY
            else "report.quiz-null-otherwise"
        )
        if course_kind == CourseKind.THIRD_PARTY and score is None:
            rule = "report.quiz-null-otherwise"
        return [
            Problem(
                rule,
                f"no quiz score on a {course_kind} course (quizScorePercent and isQuizPassed null)",
                f"quizScorePercent {score!r}, isQuizPassed {passed!r}",
            )
        ]
    return []
