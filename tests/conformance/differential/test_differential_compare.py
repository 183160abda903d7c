"""The comparator judges what the contract fixes and ignores what it leaves free."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from conformance.checks.differential.compare import (
    COURSE_FIELDS,
    COURSE_URL_FIELDS,
    AsRead,
    Expected,
    ExpectedRow,
    Window,
    answer_discrepancies,
    object_differences,
    row_differences,
    row_from_observed,
)
from conformance.checks.differential.walks import follow_url
from conformance.engine.client import Exchange

VERSION = {"Rise-API-Version": "2020-07-16"}
AT = datetime(2023, 5, 2, 9, 0, tzinfo=UTC)
ROW = ExpectedRow(
    course_id="rise-quiz-101",
    user_id="user-ada",
    status="Complete",
    enrolled_at=Window(datetime(2024, 3, 1, 12, 0, tzinfo=UTC), datetime(2024, 3, 1, 12, 0, 5, tzinfo=UTC)),
    started_at=AT,
    completed_at=AT + timedelta(minutes=90),
    duration=timedelta(minutes=90),
    quiz_score=100.0,
    quiz_passed=True,
    names=(("courseTitle", "Workplace Safety Essentials"), ("email", "ada@example.com")),
)
OBSERVED = {
    "courseId": "rise-quiz-101",
    "userId": "user-ada",
    "status": "Complete",
    "enrolledAt": "2024-03-01T12:00:02Z",
    "startedAt": "2023-05-02T09:00:00Z",
    "completedAt": "2023-05-02T10:30:00Z",
    "duration": "PT1H30M",
    "quizScorePercent": 100,
    "isQuizPassed": True,
    "courseTitle": "Workplace Safety Essentials",
    "email": "ada@example.com",
}


def _exchange(
    status: int, body: str = "", headers: dict[str, str] | None = None, method: str = "GET"
) -> Exchange:
    return Exchange(method, "http://127.0.0.1/x", {}, None, status, {**VERSION, **(headers or {})}, body, 0.0)


@pytest.mark.parametrize(
    "free",
    [
        {"startedAt": "2023-05-02T11:00:00+02:00", "completedAt": "2023-05-02T05:00:00.000-05:30"},
        {"enrolledAt": "2024-03-01T14:00:04+02:00"},
        {"duration": "PT90M"},
        {"duration": "PT5400S"},
        {"quizScorePercent": 100.0},
        {"extraField": "anything", "courseUrl": "https://elsewhere.example/courses/rise-quiz-101"},
        {"startedAt": "2023-05-02t09:00:00z"},
        {"startedAt": "2023-05-02T09:00:00.000400Z", "duration": "PT1H29M59.9996S"},
    ],
)
def test_compare_row_ignores_what_the_contract_leaves_free(free: dict) -> None:
    assert row_differences(ROW, {**OBSERVED, **free}) == []


@pytest.mark.parametrize(
    ("fixed", "field"),
    [
        ({"status": "In Progress"}, "status"),
        ({"startedAt": "2023-05-02T09:00:00+02:00"}, "startedAt"),
        ({"startedAt": "2023-05-02T09:00:00.001Z"}, "startedAt"),
        ({"completedAt": None}, "completedAt"),
        ({"enrolledAt": "2024-03-01T12:00:09Z"}, "enrolledAt"),
        ({"enrolledAt": None}, "enrolledAt"),
        ({"duration": "PT1H"}, "duration"),
        ({"duration": "90 minutes"}, "duration"),
        ({"quizScorePercent": None}, "quizScorePercent"),
        ({"quizScorePercent": "100"}, "quizScorePercent"),
        ({"isQuizPassed": 1}, "isQuizPassed"),
        ({"courseTitle": "rise-quiz-101"}, "courseTitle"),
        ({"userId": "user-grace"}, "courseId/userId"),
    ],
)
def test_compare_row_names_each_fixed_field_that_differs(fixed: dict, field: str) -> None:
    assert [d.field for d in row_differences(ROW, {**OBSERVED, **fixed})] == [field]


def test_compare_row_absent_optional_names_are_free_but_absent_dates_are_not() -> None:
    names_left_out = {k: v for k, v in OBSERVED.items() if k not in ("courseTitle", "email")}
    assert row_differences(ROW, names_left_out) == []
    dates_left_out = {k: v for k, v in OBSERVED.items() if k != "startedAt"}
    assert [d.field for d in row_differences(ROW, dates_left_out)] == ["startedAt"]


def test_compare_row_as_read_repeats_what_the_target_showed() -> None:
    shown = {**OBSERVED, "status": "In Progress", "duration": "P1M", "completedAt": None}
    expected = row_from_observed(shown, "rise-quiz-101", "user-ada")
    assert expected.duration == AsRead("P1M")
    assert row_differences(expected, shown) == []
    assert [d.field for d in row_differences(expected, {**shown, "duration": "P30D"})] == ["duration"]


def test_compare_answer_ignores_message_wording_and_extra_properties() -> None:
    expected = Expected(404, "errors.course-not-found", "course_not_found")
    body = '{"code": "course_not_found", "message": "Nope.", "requestId": "r-1"}'
    assert answer_discrepancies(expected, _exchange(404, body, {"X-Request-Id": "r-1"})) == []


@pytest.mark.parametrize(
    ("status", "body", "headers", "rule"),
    [
        (400, '{"code": "invalid_request", "message": "m"}', {}, "errors.course-not-found"),
        (404, '{"code": "user_not_found", "message": "m"}', {}, "errors.check-order"),
        (400, '{"code": "course_not_found", "message": "m"}', {}, "errors.not-found-status"),
        (404, '{"code": "course_not_found", "message": ""}', {}, "errors.envelope"),
        (
            404,
            '{"code": "course_not_found", "message": "m"}',
            {"Rise-API-Version": "2021-01-01"},
            "version.on-every-response",
        ),
    ],
)
def test_compare_answer_names_the_rule_each_way_of_missing_breaks(
    status: int, body: str, headers: dict[str, str], rule: str
) -> None:
    expected = Expected(
        404,
        "errors.course-not-found",
        "course_not_found",
        {"user_not_found": "errors.check-order"},
        "errors.not-found-status",
    )
    assert [d.rule_id for d in answer_discrepancies(expected, _exchange(status, body, headers))] == [rule]


def test_compare_answer_requires_an_empty_202_and_the_allow_header_on_405() -> None:
    accepted = Expected(202, "import.accepted", empty_body=True)
    assert answer_discrepancies(accepted, _exchange(202)) == []
    assert [d.rule_id for d in answer_discrepancies(accepted, _exchange(202, "{}"))] == ["import.empty-body"]
    refused = Expected(
        405,
        "protocol.method-not-allowed",
        "method_not_allowed",
        status_rule="errors.statuses",
        allow=frozenset({"GET"}),
    )
    body = '{"code": "method_not_allowed", "message": "m"}'
    assert answer_discrepancies(refused, _exchange(405, body, {"Allow": "GET, HEAD"}, "PATCH")) == []
    missing = answer_discrepancies(refused, _exchange(405, body, {}, "PATCH"))
    assert [d.rule_id for d in missing] == ["protocol.method-not-allowed"]


def test_compare_objects_ignore_the_host_of_urls_but_not_their_path() -> None:
    expected = {"id": "c1", "title": "T", "source": "rise", "authorUrl": "http://127.0.0.1:8080/users/u1"}
    elsewhere = {**expected, "authorUrl": "https://api.rise.com/users/u1", "url": "https://x/courses/c1"}
    assert object_differences(expected, elsewhere, COURSE_FIELDS, COURSE_URL_FIELDS) == []
    other_author = {**expected, "authorUrl": "https://api.rise.com/users/u2"}
    assert [
        d.field for d in object_differences(expected, other_author, COURSE_FIELDS, COURSE_URL_FIELDS)
    ] == ["authorUrl"]
    assert [
        d.field for d in object_differences(expected, {**expected, "source": "third_party"}, COURSE_FIELDS)
    ] == ["source"]


def test_follow_url_keeps_the_targets_host_whatever_host_next_url_names() -> None:
    base = "http://127.0.0.1:8080"
    assert follow_url("http://127.0.0.1:8080/users?cursor=x", base) == "http://127.0.0.1:8080/users?cursor=x"
    assert follow_url("https://api.rise.com/users?limit=2&cursor=x", base) == (
        "http://127.0.0.1:8080/users?limit=2&cursor=x"
    )
