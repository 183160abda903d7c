"""Dates and durations are compared as instants and lengths, whatever their spelling."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from conformance.checks.dates import instant_us, parse_duration, parse_instant
from conformance.checks.rows import row_problems


@pytest.mark.parametrize(
    "text",
    [
        "2023-05-02T09:00:00Z",
        "2023-05-02T11:00:00+02:00",
        "2023-05-02t09:00:00.000z",
        "2023-05-02T09:00:00.000000+00:00",
    ],
)
def test_parse_instant_reads_each_spelling_of_one_instant(text: str) -> None:
    assert parse_instant(text) == datetime(2023, 5, 2, 9, tzinfo=UTC)


def test_parse_instant_reads_date_as_midnight_utc() -> None:
    assert parse_instant("2023-05-02") == datetime(2023, 5, 2, tzinfo=UTC)


@pytest.mark.parametrize("text", ["2023-05-02T09:00:00", "yesterday", "2023-02-30", "", None])
def test_parse_instant_refuses_what_contract_does_not_accept(text: object) -> None:
    assert parse_instant(text) is None  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "length"),
    [
        ("PT0S", timedelta(0)),
        ("PT1H30M", timedelta(hours=1, minutes=30)),
        ("P2DT3H", timedelta(days=2, hours=3)),
        ("P1D", timedelta(days=1)),
        ("PT0.5S", timedelta(seconds=0.5)),
    ],
)
def test_parse_duration_reads_contract_form(text: str, length: timedelta) -> None:
    assert parse_duration(text) == length


@pytest.mark.parametrize("text", ["P", "PT", "P1DT", "1H", "P1M2D", None])
def test_parse_duration_refuses_other_forms(text: object) -> None:
    assert parse_duration(text) is None  # type: ignore[arg-type]


ROW = {"courseId": "c", "userId": "u", "status": "Complete", "enrolledAt": "2024-01-01T00:00:00Z",
       "startedAt": "2023-05-02T09:00:00Z", "completedAt": "2023-05-02T10:30:00Z", "duration": "PT1H30M",
       "quizScorePercent": 100, "isQuizPassed": True}  # fmt: skip
BODY = {"startedAt": "2023-05-02T11:00:00+02:00", "completedAt": "2023-05-02T10:30:00Z"}


def test_row_problems_accepts_row_matching_import() -> None:
    assert row_problems([ROW], BODY, "quiz") == []


@pytest.mark.parametrize(
    ("rows", "kind", "problem"),
    [
        ([ROW, ROW], "quiz", "exactly one row"),
        ([{**ROW, "duration": "PT1H"}], "quiz", "duration"),
        ([{**ROW, "enrolledAt": None}], "quiz", "enrollment date"),
        ([ROW], "third_party", "no quiz score"),
        ([{**ROW, "quizScorePercent": None}], "quiz", "quizScorePercent 100"),
        ([{**ROW, "startedAt": "2023-05-01T09:00:00Z"}], "quiz", "to show startedAt"),
    ],
)
def test_row_problems_names_each_broken_rule(rows: list[dict[str, object]], kind: str, problem: str) -> None:
    assert any(problem in found.text for found in row_problems(rows, BODY, kind))


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("0001-01-01T14:00:00+14:00", "0001-01-01T00:00:00Z"),
        ("9999-12-31T23:59:60Z", "9999-12-31T23:59:59.999999Z"),
        ("2023-05-02", "2023-05-02T02:00:00+02:00"),
    ],
)
def test_instants_compare_at_the_edges_of_the_calendar_without_overflow(one: str, other: str) -> None:
    first, second = instant_us(one), instant_us(other)
    assert first is not None and second is not None
    assert first == second or first - second == 1


def test_row_problems_judge_extreme_dates_without_overflow() -> None:
    body = {"startedAt": "0001-01-01T00:00:00+14:00", "completedAt": "9999-12-31T23:59:59-14:00"}
    row = {**ROW, **body, "duration": "P1D", "quizScorePercent": None, "isQuizPassed": None}
    assert [problem.rule for problem in row_problems([row], body, "no_quiz")] == ["report.duration"]
    row["duration"] = "P3652060DT3H59M59S"
    assert row_problems([row], body, "no_quiz") == []
