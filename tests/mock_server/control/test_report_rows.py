"""`GET /__mock/reports`: every enrolled pair's row, and whether the Rise reports show it yet."""

from __future__ import annotations

AUTH = {"Authorization": "Bearer rise-mock-key"}
IMPORT = "/courses/rise-quiz-101/users/user-ada/completions"
BODY = {"startedAt": "2023-05-02T09:00:00Z", "completedAt": "2023-05-02T10:30:00Z"}


def _rows(client) -> dict[tuple[str, str], dict]:
    response = client.get("/__mock/reports")
    assert response.status_code == 200, response.text
    return {(row["courseId"], row["userId"]): row for row in response.json()["rows"]}


def test_report_rows_show_an_import_as_the_reports_do(client):
    assert client.post(IMPORT, json=BODY, headers=AUTH).status_code == 202
    row = _rows(client)["rise-quiz-101", "user-ada"]
    assert (row["status"], row["duration"], row["quizScorePercent"], row["isQuizPassed"]) == (
        "Complete",
        "PT1H30M",
        100,
        True,
    )
    assert row["inReports"] is True and row["completedAt"] == "2023-05-02T10:30:00Z"
    assert _rows(client)["rise-quiz-101", "user-grace"]["status"] == "Not Started"


def test_report_rows_say_an_import_is_not_in_the_reports_during_the_lag(make_client):
    client = make_client(report_lag=300)
    assert client.post(IMPORT, json=BODY, headers=AUTH).status_code == 202
    row = _rows(client)["rise-quiz-101", "user-ada"]
    assert row["inReports"] is False and row["shownFrom"] is not None
    learners = client.get("/reports/courses/rise-quiz-101", headers=AUTH).json()["learners"]
    assert "user-ada" not in [learner["userId"] for learner in learners]


def test_report_rows_are_not_journalled(client):
    client.get("/__mock/reports")
    assert client.get("/__mock/journal").json() == {"entries": []}
