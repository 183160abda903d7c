"""What one report row must show after an accepted import: shared by the Schemathesis check and tests."""

from __future__ import annotations

from typing import Any

from conformance.checks.dates import parse_duration, parse_instant


def row_problems(rows: list[dict[str, Any]], body: Any, course_kind: str | None) -> list[str]:
    """Every way the pair's report rows differ from the documented outcome of importing `body`.

    `course_kind` is the profile's name for the course (`quiz`, `no_quiz`, `third_party`); for a course
    the profile does not name, the quiz rule is not judged.
    """
    if len(rows) != 1:
        return [f"expected exactly one row for the pair, found {len(rows)}"]
    row = rows[0]
    started, completed = parse_instant(body["startedAt"]), parse_instant(body["completedAt"])
    shown = parse_instant(row.get("startedAt")), parse_instant(row.get("completedAt"))
    if shown != (started, completed):
        return [
            f"expected the row to show startedAt {body['startedAt']} and completedAt {body['completedAt']}, "
            f"got {row.get('startedAt')!r} and {row.get('completedAt')!r}"
        ]
    problems = []
    if started and completed and parse_duration(row.get("duration")) != completed - started:
        problems.append(f"expected duration {completed - started}, got {row.get('duration')!r}")
    if parse_instant(row.get("enrolledAt")) is None:
        problems.append(f"expected an enrollment date, got enrolledAt {row.get('enrolledAt')!r}")
    quiz = (row.get("quizScorePercent"), row.get("isQuizPassed"))
    if course_kind == "quiz" and quiz != (100, True):
        problems.append(f"expected quizScorePercent 100 and isQuizPassed true, got {quiz}")
    if course_kind in ("no_quiz", "third_party") and quiz != (None, None):
        problems.append(f"expected no quiz score on a {course_kind} course, got {quiz}")
    return problems
