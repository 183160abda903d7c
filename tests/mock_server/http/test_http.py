"""The mock through its real HTTP boundary: every status and code the contract lists, and the rules behind.

Every client validates its responses against openapi.yaml (a mismatch would be a 500).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mock_server import DEFAULT_API_KEY

AUTH = {"Authorization": f"Bearer {DEFAULT_API_KEY}"}
JSON_AUTH = {**AUTH, "Content-Type": "application/json"}
VERSION = "2020-07-16"
SAME_DAY = {"startedAt": "2023-05-02T09:00:00Z", "completedAt": "2023-05-02T10:30:00Z"}
TWO_DAYS = {"startedAt": "2023-05-01", "completedAt": "2023-05-03"}
DEMO_COURSES = ["draft-301", "rise-intro-102", "rise-quiz-101", "scorm-forklift-201"]
DEMO_USERS = ["user-ada", "user-admin", "user-alan", "user-grace", "user-katherine"]


def completions(course_id: str = "rise-quiz-101", user_id: str = "user-ada") -> str:
    return f"/courses/{course_id}/users/{user_id}/completions"


def import_completion(client: Any, course_id: str, user_id: str, body: Any = SAME_DAY) -> httpx.Response:
    return client.post(completions(course_id, user_id), json=body, headers=AUTH)


def state(client: Any) -> dict[str, Any]:
    response = client.get("/__mock/state")
    assert response.status_code == 200, response.text
    return response.json()


def assert_error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """A contract error: the status, `{code, message}` exactly, as application/json, with the version."""
    assert response.status_code == status, f"{response.status_code} {response.text}"
    media_type = response.headers.get("content-type", "").split(";")[0].strip()
    assert media_type == "application/json", f"content-type {response.headers.get('content-type')!r}"
    body = response.json()
    assert set(body) == {"code", "message"}, body
    assert body["code"] == code, body
    assert isinstance(body["message"], str) and body["message"].strip(), body
    assert response.headers.get("Rise-API-Version") == VERSION
    return body


def only_row(response: httpx.Response, key: str, match: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    rows = [row for row in response.json()[key] if match(row)]
    assert len(rows) == 1, rows
    return rows[0]


def course_row(client: Any, course_id: str, user_id: str) -> dict[str, Any]:
    response = client.get(f"/reports/courses/{course_id}", headers=AUTH)
    return only_row(response, "learners", lambda row: row["userId"] == user_id)


def learner_row(client: Any, user_id: str, course_id: str) -> dict[str, Any]:
    response = client.get(f"/reports/learners/{user_id}", headers=AUTH)
    return only_row(response, "courses", lambda row: row["courseId"] == course_id)


def follow(client: Any, url: str) -> Iterator[dict[str, Any]]:
    """Every page of a list, following nextUrl as a client would."""
    while url is not None:
        response = client.get(url, headers=AUTH)
        assert response.status_code == 200, response.text
        yield response.json()
        url = response.json()["nextUrl"]


# -- 202 import ------------------------------------------------------------------------------------------


def test_import_answers_202_with_an_empty_body_and_the_version(client: Any) -> None:
    response = import_completion(client, "rise-quiz-101", "user-ada")
    assert response.status_code == 202
    assert response.content == b""
    assert response.headers["Rise-API-Version"] == VERSION


def test_import_accepts_the_version_header_when_sent(client: Any) -> None:
    response = client.post(completions(), json=SAME_DAY, headers={**AUTH, "Rise-API-Version": VERSION})
    assert response.status_code == 202


def test_import_accepts_json_with_a_charset(client: Any) -> None:
    response = client.post(
        completions(),
        content=b'{"startedAt": "2023-05-01", "completedAt": "2023-05-03"}',
        headers={**AUTH, "Content-Type": "application/json; charset=utf-8"},
    )
    assert response.status_code == 202


def test_import_shows_in_both_reports_with_dates_duration_and_quiz(client: Any) -> None:
    import_completion(client, "rise-quiz-101", "user-ada")
    for row in (
        course_row(client, "rise-quiz-101", "user-ada"),
        learner_row(client, "user-ada", "rise-quiz-101"),
    ):
        assert row["status"] == "Complete"
        assert row["startedAt"] == "2023-05-02T09:00:00Z"
        assert row["completedAt"] == "2023-05-02T10:30:00Z"
        assert row["duration"] == "PT1H30M"
        assert row["quizScorePercent"] == 100
        assert row["isQuizPassed"] is True
        assert row["email"] == "ada@example.com"
        assert row["courseTitle"] == "Workplace Safety Essentials"


def test_import_twice_keeps_one_record_with_the_new_dates(client: Any) -> None:
    assert import_completion(client, "rise-quiz-101", "user-ada", SAME_DAY).status_code == 202
    assert import_completion(client, "rise-quiz-101", "user-ada", TWO_DAYS).status_code == 202
    for row in (
        course_row(client, "rise-quiz-101", "user-ada"),
        learner_row(client, "user-ada", "rise-quiz-101"),
    ):
        assert (row["startedAt"], row["completedAt"], row["duration"]) == (
            "2023-05-01T00:00:00Z",
            "2023-05-03T00:00:00Z",
            "P2D",
        )
    records = [
        c
        for c in state(client)["completions"]
        if (c["courseId"], c["userId"]) == ("rise-quiz-101", "user-ada")
    ]
    assert len(records) == 1
    assert records[0]["courseVersion"] == 3


@pytest.mark.parametrize(
    ("started", "completed", "duration"),
    [
        ("2023-05-02T09:00:00Z", "2023-05-02T10:30:00Z", "PT1H30M"),
        ("2023-05-01T00:00:00Z", "2023-05-03T03:00:00Z", "P2DT3H"),
        ("2023-05-01", "2023-05-03", "P2D"),
        ("2023-05-02T09:00:00Z", "2023-05-02T09:00:00Z", "PT0S"),
        ("2023-05-02T11:00:00+02:00", "2023-05-02T10:30:00Z", "PT1H30M"),
        ("2023-05-02T09:00:00Z", "2023-05-02T09:00:01.5Z", "PT1.5S"),
    ],
)
def test_import_duration_in_the_report_is_completed_minus_started(
    client: Any, started: str, completed: str, duration: str
) -> None:
    body = {"startedAt": started, "completedAt": completed}
    assert import_completion(client, "rise-intro-102", "user-alan", body).status_code == 202
    assert course_row(client, "rise-intro-102", "user-alan")["duration"] == duration


def test_import_of_the_rise_quiz_course_scores_100_and_passes(client: Any) -> None:
    import_completion(client, "rise-quiz-101", "user-katherine")
    row = learner_row(client, "user-katherine", "rise-quiz-101")
    assert (row["quizScorePercent"], row["isQuizPassed"]) == (100, True)


@pytest.mark.parametrize("course_id", ["scorm-forklift-201", "rise-intro-102"])
def test_import_of_a_third_party_or_quiz_less_course_has_no_quiz_score(client: Any, course_id: str) -> None:
    assert import_completion(client, course_id, "user-ada").status_code == 202
    row = learner_row(client, "user-ada", course_id)
    assert row["status"] == "Complete"
    assert (row["quizScorePercent"], row["isQuizPassed"]) == (None, None)


def test_import_enrolls_an_unenrolled_user_dated_now(client: Any) -> None:
    assert client.get("/reports/learners/user-ada", headers=AUTH).json()["courses"] == []
    before = datetime.now(UTC).replace(microsecond=0)
    import_completion(client, "rise-quiz-101", "user-ada")
    after = datetime.now(UTC)
    enrolled_at = datetime.fromisoformat(learner_row(client, "user-ada", "rise-quiz-101")["enrolledAt"])
    assert before <= enrolled_at <= after


def test_import_keeps_graces_existing_enrollment_date(client: Any) -> None:
    assert course_row(client, "rise-quiz-101", "user-grace")["enrolledAt"] == "2024-01-15T09:00:00Z"
    import_completion(client, "rise-quiz-101", "user-grace")
    row = course_row(client, "rise-quiz-101", "user-grace")
    assert row["enrolledAt"] == "2024-01-15T09:00:00Z"
    assert row["status"] == "Complete"


def test_import_accepts_a_body_sent_in_chunks(client: Any) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"startedAt": "2023-05-02T09:00:00Z", '
        yield b'"completedAt": "2023-05-02T10:30:00Z"}'

    response = client.post(completions(), content=chunks(), headers=JSON_AUTH)
    assert response.status_code == 202, response.text


# -- 409 and 404 on import --------------------------------------------------------------------------------


def test_import_into_the_unpublished_draft_is_409_course_not_published(client: Any) -> None:
    before = state(client)
    body = assert_error(import_completion(client, "draft-301", "user-ada"), 409, "course_not_published")
    assert "draft-301" in body["message"]
    assert state(client) == before


@pytest.mark.parametrize(
    ("course_id", "user_id", "status", "code"),
    [
        ("course-404", "user-404", 404, "course_not_found"),
        ("course-404", "user-ada", 404, "course_not_found"),
        ("draft-301", "user-404", 409, "course_not_published"),
        ("rise-quiz-101", "user-404", 404, "user_not_found"),
    ],
)
def test_import_checks_the_course_then_its_publication_then_the_user(
    client: Any, course_id: str, user_id: str, status: int, code: str
) -> None:
    before = state(client)
    assert_error(import_completion(client, course_id, user_id), status, code)
    assert state(client) == before


def test_import_validates_the_body_before_looking_up_the_course(client: Any) -> None:
    assert_error(
        import_completion(client, "course-404", "user-404", {"startedAt": "x"}), 400, "invalid_request"
    )


# -- 400 invalid_request -----------------------------------------------------------------------------------

BAD_IMPORTS: dict[str, tuple[dict[str, Any], str]] = {
    "missing field": ({"json": {"startedAt": "2023-05-02T09:00:00Z"}}, "completedAt"),
    "unknown field": ({"json": {**SAME_DAY, "score": 90}}, "score"),
    "timezone-less date": ({"json": {**SAME_DAY, "startedAt": "2023-05-02T09:00:00"}}, "startedAt"),
    "garbage date": ({"json": {**SAME_DAY, "completedAt": "soon"}}, "completedAt"),
    "no such day": ({"json": {**SAME_DAY, "startedAt": "2023-02-30"}}, "startedAt"),
    "date not a string": ({"json": {**SAME_DAY, "startedAt": 20230502}}, "startedAt"),
    "reversed dates": ({"json": {"startedAt": "2023-05-03", "completedAt": "2023-05-02"}}, "completedAt"),
    "array body": ({"json": [SAME_DAY]}, "object"),
    "malformed JSON": ({"content": b'{"startedAt": "2023-05-02",'}, "JSON"),
    "non-UTF-8 body": ({"content": b'{"startedAt": "2023-05-02\xff", "completedAt": "2023-05-03"}'}, "UTF-8"),
}


@pytest.mark.parametrize(("request_options", "named"), BAD_IMPORTS.values(), ids=BAD_IMPORTS.keys())
def test_import_with_a_bad_body_is_400_invalid_request_naming_the_problem_and_changes_nothing(
    client: Any, request_options: dict[str, Any], named: str
) -> None:
    before = state(client)
    response = client.post(completions(), headers=JSON_AUTH, **request_options)
    body = assert_error(response, 400, "invalid_request")
    assert named in body["message"]
    assert state(client) == before


def test_import_with_an_empty_body_is_400_invalid_request_and_changes_nothing(client: Any) -> None:
    before = state(client)
    assert_error(client.post(completions(), content=b"", headers=JSON_AUTH), 400, "invalid_request")
    assert state(client) == before


def test_import_with_an_empty_body_says_to_send_a_json_object(client: Any) -> None:
    body = assert_error(client.post(completions(), content=b"", headers=JSON_AUTH), 400, "invalid_request")
    assert "JSON" in body["message"], body["message"]


def test_import_with_reversed_dates_names_both_dates(client: Any) -> None:
    response = import_completion(
        client, "rise-quiz-101", "user-ada", {"startedAt": "2023-05-03", "completedAt": "2023-05-02"}
    )
    message = assert_error(response, 400, "invalid_request")["message"]
    assert "2023-05-02T00:00:00Z" in message and "2023-05-03T00:00:00Z" in message


BAD_QUERIES = {
    "limit zero": "/courses?limit=0",
    "limit over 100": "/users?limit=101",
    "limit not a number": "/courses?limit=ten",
    "limit not an integer": "/reports/courses/rise-quiz-101?limit=1.5",
    "unknown query parameter": "/courses?page=2",
    "unknown query parameter on a report": "/reports/learners/user-ada?sort=asc",
    "cursor not base64url": "/courses?cursor=!!!",
    "cursor in the standard alphabet": "/courses?cursor=//8",
    "empty cursor": "/users?cursor=",
    "empty email": "/users?email=",
}


@pytest.mark.parametrize("path", BAD_QUERIES.values(), ids=BAD_QUERIES.keys())
def test_a_bad_query_is_400_invalid_request_naming_the_parameter(client: Any, path: str) -> None:
    parameter = next(iter(parse_qs(urlsplit(path).query, keep_blank_values=True)))
    body = assert_error(client.get(path, headers=AUTH), 400, "invalid_request")
    assert parameter in body["message"], body["message"]


def test_a_limit_out_of_range_message_says_what_range_is_allowed(client: Any) -> None:
    body = assert_error(client.get("/courses?limit=500", headers=AUTH), 400, "invalid_request")
    assert "500" in body["message"] and "100" in body["message"]


# -- version header ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("version", ["2019-01-01", "2020-07-17", "latest", ""])
def test_an_unknown_api_version_is_400_invalid_api_version_and_changes_nothing(
    client: Any, version: str
) -> None:
    before = state(client)
    response = client.post(completions(), json=SAME_DAY, headers={**AUTH, "Rise-API-Version": version})
    body = assert_error(response, 400, "invalid_api_version")
    assert VERSION in body["message"]
    assert state(client) == before


EVERY_KIND_OF_RESPONSE = {
    "200 list": ("GET", "/courses", AUTH, None),
    "200 one": ("GET", "/users/user-ada", AUTH, None),
    "202 import": ("POST", completions(), AUTH, SAME_DAY),
    "204 enroll": ("PUT", "/courses/rise-intro-102/users/user-alan", AUTH, None),
    "400 query": ("GET", "/courses?limit=0", AUTH, None),
    "400 version": ("GET", "/courses", {**AUTH, "Rise-API-Version": "1999-01-01"}, None),
    "401": ("GET", "/courses", {}, None),
    "404 course": ("GET", "/courses/course-404", AUTH, None),
    "404 path": ("GET", "/no/such/path", AUTH, None),
    "405": ("DELETE", "/courses", AUTH, None),
    "409": ("POST", completions("draft-301"), AUTH, SAME_DAY),
    "control 200": ("GET", "/__mock/state", {}, None),
    "control 204": ("POST", "/__mock/reset", {}, None),
}


@pytest.mark.parametrize(
    ("method", "path", "headers", "body"), EVERY_KIND_OF_RESPONSE.values(), ids=EVERY_KIND_OF_RESPONSE.keys()
)
def test_every_response_carries_the_rise_api_version_header(
    client: Any, method: str, path: str, headers: dict[str, str], body: Any
) -> None:
    response = client.request(method, path, headers=headers, json=body)
    assert response.status_code < 500, response.text
    assert response.headers.get("Rise-API-Version") == VERSION


def test_413_and_415_responses_carry_the_rise_api_version_header(client: Any) -> None:
    too_large = client.post(completions(), content=b" " * 70_000, headers=JSON_AUTH)
    not_json = client.post(completions(), content=b"hi", headers={**AUTH, "Content-Type": "text/plain"})
    assert too_large.headers.get("Rise-API-Version") == VERSION
    assert not_json.headers.get("Rise-API-Version") == VERSION


# -- 401 ---------------------------------------------------------------------------------------------------

BAD_CREDENTIALS = {
    "no header": {},
    "unknown key": {"Authorization": "Bearer not-the-key"},
    "empty bearer": {"Authorization": "Bearer "},
    "basic scheme": {"Authorization": f"Basic {DEFAULT_API_KEY}"},
    "key without scheme": {"Authorization": DEFAULT_API_KEY},
}


@pytest.mark.parametrize("headers", BAD_CREDENTIALS.values(), ids=BAD_CREDENTIALS.keys())
def test_an_import_without_a_known_key_is_401_unauthorized_and_changes_nothing(
    client: Any, headers: dict[str, str]
) -> None:
    before = state(client)
    response = client.post(completions(), json=SAME_DAY, headers=headers)
    body = assert_error(response, 401, "unauthorized")
    assert "Authorization" in body["message"]
    assert state(client) == before


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/courses"),
        ("GET", "/users/user-ada"),
        ("GET", "/reports/learners/user-ada"),
        ("PUT", "/courses/rise-intro-102/users/user-ada"),
    ],
)
def test_every_operation_without_a_known_key_is_401_unauthorized(client: Any, method: str, path: str) -> None:
    before = state(client)
    assert_error(client.request(method, path, headers={"Authorization": "Bearer wrong"}), 401, "unauthorized")
    assert state(client) == before


def test_the_app_accepts_exactly_the_keys_it_was_given(make_client: Callable[..., Any]) -> None:
    client = make_client(api_keys=["key-one", "key-two"])
    assert client.get("/courses", headers={"Authorization": "Bearer key-two"}).status_code == 200
    assert_error(client.get("/courses", headers=AUTH), 401, "unauthorized")


# -- 404 ---------------------------------------------------------------------------------------------------

NOT_FOUND = {
    "course": ("GET", "/courses/course-404", "course_not_found"),
    "user": ("GET", "/users/user-404", "user_not_found"),
    "course report": ("GET", "/reports/courses/course-404", "course_not_found"),
    "learner report": ("GET", "/reports/learners/user-404", "user_not_found"),
    "enroll unknown course": ("PUT", "/courses/course-404/users/user-404", "course_not_found"),
    "enroll unknown user": ("PUT", "/courses/rise-quiz-101/users/user-404", "user_not_found"),
    "unknown path": ("GET", "/groups", "not_found"),
    "unknown nested path": ("GET", "/courses/rise-quiz-101/lessons", "not_found"),
    "encoded slash in an ID": ("GET", "/courses/a%2Fb", "not_found"),
}


@pytest.mark.parametrize(("method", "path", "code"), NOT_FOUND.values(), ids=NOT_FOUND.keys())
def test_an_unknown_id_or_path_is_404_with_its_code_and_changes_nothing(
    client: Any, method: str, path: str, code: str
) -> None:
    before = state(client)
    assert_error(client.request(method, path, headers=AUTH), 404, code)
    assert state(client) == before


def test_course_not_found_names_the_id(client: Any) -> None:
    body = assert_error(client.get("/courses/course-404", headers=AUTH), 404, "course_not_found")
    assert "course-404" in body["message"]


# -- 405 ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("DELETE", "/courses", "GET"),
        ("POST", "/users", "GET"),
        ("GET", completions(), "POST"),
        ("DELETE", "/courses/rise-quiz-101/users/user-ada", "PUT"),
        ("PATCH", "/reports/courses/rise-quiz-101", "GET"),
    ],
)
def test_a_wrong_method_is_405_method_not_allowed_with_an_allow_header(
    client: Any, method: str, path: str, allowed: str
) -> None:
    before = state(client)
    response = client.request(method, path, headers=AUTH)
    assert_error(response, 405, "method_not_allowed")
    assert allowed in [m.strip() for m in response.headers["Allow"].split(",")]
    assert state(client) == before


# -- 413 and 415 -------------------------------------------------------------------------------------------


def test_a_body_over_64_kib_is_413_payload_too_large_and_changes_nothing(client: Any) -> None:
    before = state(client)
    padded = b'{"startedAt": "2023-05-01", "completedAt": "2023-05-03"}' + b" " * 65_536
    assert_error(client.post(completions(), content=padded, headers=JSON_AUTH), 413, "payload_too_large")
    assert state(client) == before


def test_a_body_of_exactly_64_kib_is_not_too_large(client: Any) -> None:
    body = b'{"startedAt": "2023-05-01", "completedAt": "2023-05-03"}'
    response = client.post(completions(), content=body + b" " * (65_536 - len(body)), headers=JSON_AUTH)
    assert response.status_code == 202, response.text


def test_an_enrollment_with_a_body_over_64_kib_is_413(client: Any) -> None:
    response = client.put("/courses/rise-intro-102/users/user-ada", content=b"x" * 70_000, headers=AUTH)
    assert_error(response, 413, "payload_too_large")


def test_a_body_over_64_kib_sent_in_chunks_is_413_payload_too_large(client: Any) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(10):
            yield b" " * 10_000

    before = state(client)
    response = client.post(completions(), content=chunks(), headers=JSON_AUTH)
    assert_error(response, 413, "payload_too_large")
    assert state(client) == before


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/x-www-form-urlencoded", "application/xml", "application/merge-patch+json"],
)
def test_a_body_that_is_not_json_is_415_unsupported_media_type_naming_the_type(
    client: Any, content_type: str
) -> None:
    before = state(client)
    response = client.post(
        completions(), content=b"startedAt=2023-05-01", headers={**AUTH, "Content-Type": content_type}
    )
    body = assert_error(response, 415, "unsupported_media_type")
    assert content_type in body["message"]
    assert state(client) == before


def test_a_json_body_without_content_type_is_415_unsupported_media_type(client: Any) -> None:
    before = state(client)
    body = b'{"startedAt": "2023-05-01", "completedAt": "2023-05-03"}'
    response = client.post(completions(), content=body, headers=AUTH)
    message = assert_error(response, 415, "unsupported_media_type")["message"]
    assert "application/json" in message
    assert state(client) == before


@pytest.mark.parametrize("content_type", ["Application/JSON", "APPLICATION/JSON; charset=UTF-8"])
def test_a_json_media_type_in_any_letter_case_is_read_as_json(client: Any, content_type: str) -> None:
    """Media types are case-insensitive (RFC 9110): the import is taken, never a 500."""
    body = b'{"startedAt": "2023-05-01", "completedAt": "2023-05-03"}'
    response = client.post(completions(), content=body, headers={**AUTH, "Content-Type": content_type})
    assert response.status_code == 202, response.text
    pairs = [(c["courseId"], c["userId"], c["completedAt"]) for c in state(client)["completions"]]
    assert ("rise-quiz-101", "user-ada", "2023-05-03T00:00:00Z") in pairs


# -- enrollment --------------------------------------------------------------------------------------------


def test_enroll_answers_204_with_no_body_and_shows_the_learner_not_started(client: Any) -> None:
    response = client.put("/courses/rise-intro-102/users/user-alan", headers=AUTH)
    assert response.status_code == 204
    assert response.content == b""
    row = course_row(client, "rise-intro-102", "user-alan")
    assert row["status"] == "Not Started"
    assert (row["startedAt"], row["completedAt"], row["duration"]) == (None, None, None)
    assert row["enrolledAt"] is not None


def test_enroll_keeps_an_existing_enrollment_date(client: Any) -> None:
    assert client.put("/courses/rise-quiz-101/users/user-grace", headers=AUTH).status_code == 204
    assert course_row(client, "rise-quiz-101", "user-grace")["enrolledAt"] == "2024-01-15T09:00:00Z"


def test_enroll_in_the_unpublished_draft_is_accepted(client: Any) -> None:
    assert client.put("/courses/draft-301/users/user-ada", headers=AUTH).status_code == 204
    assert learner_row(client, "user-ada", "draft-301")["status"] == "Not Started"


# -- reads and pagination ----------------------------------------------------------------------------------


def test_get_course_has_absolute_urls_and_its_source(client: Any) -> None:
    response = client.get("/courses/scorm-forklift-201", headers=AUTH)
    assert response.status_code == 200
    course = response.json()
    assert course["source"] == "third_party"
    assert course["url"] == "http://testserver/courses/scorm-forklift-201"
    assert course["courseReportUrl"] == "http://testserver/reports/courses/scorm-forklift-201"
    assert course["authorUrl"] == "http://testserver/users/user-admin"


def test_get_user_has_the_documented_fields_and_absolute_urls(client: Any) -> None:
    user = client.get("/users/user-ada", headers=AUTH).json()
    assert user == {
        "id": "user-ada",
        "email": "ada@example.com",
        "role": "learner",
        "firstName": "Ada",
        "lastName": "Lovelace",
        "lastActiveAt": None,
        "url": "http://testserver/users/user-ada",
        "learnerReportUrl": "http://testserver/reports/learners/user-ada",
        "groupsUrl": "http://testserver/users/user-ada/groups",
    }


def test_following_next_url_of_courses_by_one_gives_every_course_once(client: Any) -> None:
    pages = list(follow(client, "/courses?limit=1"))
    assert [course["id"] for page in pages for course in page["courses"]] == DEMO_COURSES
    assert all(len(page["courses"]) == 1 for page in pages)
    for page in pages[:-1]:
        url = urlsplit(page["nextUrl"])
        assert (url.scheme, url.netloc, url.path) == ("http", "testserver", "/courses")
        assert parse_qs(url.query)["limit"] == ["1"]
    assert pages[-1]["nextUrl"] is None


def test_following_next_url_of_users_by_two_gives_every_user_once(client: Any) -> None:
    pages = list(follow(client, "/users?limit=2"))
    assert [user["id"] for page in pages for user in page["users"]] == DEMO_USERS
    assert len(pages) == 3


def test_following_next_url_of_a_course_report_gives_every_learner_once(client: Any) -> None:
    for user_id in DEMO_USERS:
        assert import_completion(client, "rise-intro-102", user_id).status_code == 202
    pages = list(follow(client, "/reports/courses/rise-intro-102?limit=2"))
    assert [row["userId"] for page in pages for row in page["learners"]] == DEMO_USERS
    assert pages[0]["nextUrl"].startswith("http://testserver/reports/courses/rise-intro-102?")


def test_following_next_url_of_a_learner_report_gives_every_course_once(client: Any) -> None:
    for course_id in ("rise-quiz-101", "rise-intro-102", "scorm-forklift-201"):
        assert import_completion(client, course_id, "user-ada").status_code == 202
    pages = list(follow(client, "/reports/learners/user-ada?limit=1"))
    assert [row["courseId"] for page in pages for row in page["courses"]] == [
        "rise-intro-102",
        "rise-quiz-101",
        "scorm-forklift-201",
    ]


def test_a_course_enrolled_between_pages_is_neither_repeated_nor_skipped(client: Any) -> None:
    for user_id in ("user-alan", "user-katherine"):
        client.put(f"/courses/rise-intro-102/users/{user_id}", headers=AUTH)
    first = client.get("/reports/courses/rise-intro-102?limit=1", headers=AUTH).json()
    assert [row["userId"] for row in first["learners"]] == ["user-alan"]
    client.put("/courses/rise-intro-102/users/user-ada", headers=AUTH)  # sorts before the cursor
    rest = [row["userId"] for page in follow(client, first["nextUrl"]) for row in page["learners"]]
    assert rest == ["user-katherine"]


def test_the_default_page_holds_every_demo_course_and_no_next_url(client: Any) -> None:
    body = client.get("/courses", headers=AUTH).json()
    assert [course["id"] for course in body["courses"]] == DEMO_COURSES
    assert body["nextUrl"] is None


def test_base_url_option_is_used_in_every_absolute_url(make_client: Callable[..., Any]) -> None:
    client = make_client(base_url="https://rise.example.test/")
    courses = client.get("/courses?limit=1", headers=AUTH).json()
    assert courses["courses"][0]["url"] == "https://rise.example.test/courses/draft-301"
    assert courses["nextUrl"].startswith("https://rise.example.test/courses?")
    user = client.get("/users/user-ada", headers=AUTH).json()
    assert user["learnerReportUrl"] == "https://rise.example.test/reports/learners/user-ada"
    row = course_row(client, "rise-quiz-101", "user-grace")
    assert row["userUrl"] == "https://rise.example.test/users/user-grace"
    assert row["courseReportUrl"] == "https://rise.example.test/reports/courses/rise-quiz-101"


def test_email_filter_finds_the_user_ignoring_case(client: Any) -> None:
    body = client.get("/users?email=ADA@Example.com", headers=AUTH).json()
    assert [user["id"] for user in body["users"]] == ["user-ada"]
    assert body["nextUrl"] is None


def test_email_filter_of_an_unknown_address_is_an_empty_list(client: Any) -> None:
    body = client.get("/users?email=nobody@example.com", headers=AUTH).json()
    assert body == {"users": [], "nextUrl": None}


def test_email_filter_is_kept_in_next_url(make_client: Callable[..., Any]) -> None:
    seed_client = make_client()
    document = state(seed_client)
    document["users"].append({"id": "user-ada-2", "email": "ADA@example.com"})
    assert seed_client.post("/__mock/seed", json=document).status_code == 204
    first = seed_client.get("/users?email=ada@example.com&limit=1", headers=AUTH).json()
    assert parse_qs(urlsplit(first["nextUrl"]).query)["email"] == ["ada@example.com"]
    second = seed_client.get(first["nextUrl"], headers=AUTH).json()
    assert [u["id"] for u in first["users"] + second["users"]] == ["user-ada", "user-ada-2"]


# -- control API -------------------------------------------------------------------------------------------


def test_control_state_shows_publication_quiz_flags_enrollments_and_completions(client: Any) -> None:
    import_completion(client, "rise-quiz-101", "user-ada")
    document = state(client)
    courses = {c["id"]: c for c in document["courses"]}
    assert courses["draft-301"]["publishedVersion"] is None
    assert courses["scorm-forklift-201"]["quizRequired"] is True
    assert {
        "courseId": "rise-quiz-101",
        "userId": "user-grace",
        "enrolledAt": "2024-01-15T09:00:00Z",
    } in document["enrollments"]
    (completion,) = document["completions"]
    assert completion["quizScorePercent"] == 100
    assert completion["courseVersion"] == 3


def test_control_reset_goes_back_to_the_seed(client: Any) -> None:
    seeded = state(client)
    import_completion(client, "rise-quiz-101", "user-ada")
    client.put("/courses/draft-301/users/user-alan", headers=AUTH)
    assert state(client) != seeded
    response = client.post("/__mock/reset")
    assert response.status_code == 204
    assert state(client) == seeded


def test_control_seed_replaces_the_tenant_and_reset_returns_to_it(client: Any) -> None:
    document = {
        "courses": [{"id": "c1", "title": "One", "publishedVersion": 1, "quizRequired": True}],
        "users": [{"id": "u1", "email": "u1@example.com"}],
    }
    assert client.post("/__mock/seed", json=document).status_code == 204
    assert [c["id"] for c in client.get("/courses", headers=AUTH).json()["courses"]] == ["c1"]
    assert import_completion(client, "c1", "u1").status_code == 202
    client.post("/__mock/reset")
    assert state(client)["completions"] == []
    assert [u["id"] for u in state(client)["users"]] == ["u1"]


def test_control_state_can_be_seeded_back(client: Any) -> None:
    import_completion(client, "rise-quiz-101", "user-ada")
    saved = state(client)
    client.post("/__mock/reset")
    assert client.post("/__mock/seed", json=saved).status_code == 204
    assert state(client) == saved


BAD_SEEDS = {
    "missing users": {"courses": []},
    "unknown field": {"courses": [], "users": [], "groups": []},
    "wrong type": {"courses": [{"id": "c1", "title": "One", "publishedVersion": "one"}], "users": []},
    "duplicate course IDs": {
        "courses": [{"id": "c1", "title": "One"}, {"id": "c1", "title": "Two"}],
        "users": [],
    },
    "enrollment of an unknown user": {
        "courses": [{"id": "c1", "title": "One"}],
        "users": [],
        "enrollments": [{"courseId": "c1", "userId": "u404", "enrolledAt": "2024-01-15"}],
    },
    "not an object": ["courses"],
}


@pytest.mark.parametrize("document", BAD_SEEDS.values(), ids=BAD_SEEDS.keys())
def test_control_seed_with_a_bad_document_is_400_and_changes_nothing(client: Any, document: Any) -> None:
    import_completion(client, "rise-quiz-101", "user-ada")
    before = state(client)
    assert_error(client.post("/__mock/seed", json=document), 400, "invalid_request")
    assert state(client) == before
    client.post("/__mock/reset")
    assert state(client)["completions"] == []  # reset still goes back to the demo seed
    assert len(state(client)["courses"]) == 4


def test_control_seed_with_malformed_json_is_400(client: Any) -> None:
    response = client.post("/__mock/seed", content=b"{courses", headers={"Content-Type": "application/json"})
    assert_error(response, 400, "invalid_request")


def test_control_seed_without_content_type_is_415_and_changes_nothing(client: Any) -> None:
    before = state(client)
    response = client.post("/__mock/seed", content=b'{"courses": [], "users": []}')
    message = assert_error(response, 415, "unsupported_media_type")["message"]
    assert "application/json" in message
    assert state(client) == before


def test_control_api_needs_no_key(client: Any) -> None:
    assert client.get("/__mock/state").status_code == 200
    assert client.post("/__mock/reset").status_code == 204


# -- no input makes it answer 5xx --------------------------------------------------------------------------

_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=12), children, max_size=3)
    ),
    max_leaves=8,
)
_import_bodies = (
    _json_values
    | st.fixed_dictionaries({"startedAt": st.text(max_size=30), "completedAt": st.text(max_size=30)})
    | st.fixed_dictionaries(
        {
            "startedAt": st.dates().map(str) | st.datetimes().map(lambda d: d.isoformat() + "Z"),
            "completedAt": st.dates().map(str) | st.datetimes().map(lambda d: d.isoformat() + "Z"),
        }
    )
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=_import_bodies, course_id=st.sampled_from(["rise-quiz-101", "draft-301", "course-404"]))
def test_import_answers_every_json_body_with_202_or_a_contract_error(
    client: Any, body: Any, course_id: str
) -> None:
    response = import_completion(client, course_id, "user-ada", body)
    if response.status_code == 202:
        assert response.content == b""
        return
    codes = {400: "invalid_request", 404: "course_not_found", 409: "course_not_published"}
    assert response.status_code in codes, f"{response.status_code} {response.text}"
    assert_error(response, response.status_code, codes[response.status_code])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=st.binary(max_size=200))
def test_import_answers_any_bytes_sent_as_json_with_a_contract_error(client: Any, raw: bytes) -> None:
    response = client.post(completions(), content=raw, headers=JSON_AUTH)
    if response.status_code != 202:
        assert_error(response, 400, "invalid_request")


def test_a_large_body_on_a_get_is_ignored_not_413(client: Any) -> None:
    response = client.request("GET", "/courses", content=b"x" * 70000, headers=AUTH)
    assert response.status_code == 200, response.text


def test_the_contract_and_the_control_api_can_be_browsed(client: Any) -> None:
    for path in ("/ui/", "/__mock/ui/"):
        response = client.get(path)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/html")
    assert client.get("/openapi.json").json()["paths"].keys() >= {"/courses", "/users"}


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 30000 + b"]" * 30000,
        b'{"startedAt": "2023-05-02", "completedAt": "2023-05-03", "a": ' + b"1" * 5000 + b"}",
    ],
    ids=["nested too deep", "number too long"],
)
@pytest.mark.parametrize("path", [completions(), "/__mock/seed"], ids=["import", "control seed"])
def test_json_python_cannot_read_is_400_not_500(client: Any, path: str, body: bytes) -> None:
    before = state(client)
    response = client.post(path, content=body, headers={**AUTH, "Content-Type": "application/json"})
    assert_error(response, 400, "invalid_request")
    assert "send a flat JSON object" in response.json()["message"]
    assert state(client) == before
    if path == completions():  # the journal keeps such a body as text, without failing on it
        assert client.get("/__mock/journal").json()["entries"][-1]["status"] == 400


@pytest.mark.parametrize(
    "path",
    ["/users/", "/courses/", "/courses/%2F", "/courses/rise-quiz-101/users/user-ada/completions/"],
)
def test_a_trailing_slash_is_404_not_found_never_a_redirect(client: Any, path: str) -> None:
    response = client.get(path, headers=AUTH, follow_redirects=False)
    assert_error(response, 404, "not_found")
    assert "trailing slash" in response.json()["message"]


def test_a_null_body_is_called_empty_or_null(client: Any) -> None:
    response = client.post(
        completions(), content=b"null", headers={**AUTH, "Content-Type": "application/json"}
    )
    assert "empty (or null)" in assert_error(response, 400, "invalid_request")["message"]
