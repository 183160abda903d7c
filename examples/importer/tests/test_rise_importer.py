"""The importer against rise-mock (the `rise_mock` fixture): what it sends, how it copes with faults and
with the report lag, and what it says about rows it could not import."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from rise_importer import ImporterError, RetryPolicy, RowError, run_import

ADA = "rise-quiz-101,user-ada,2023-05-02T09:00:00Z,2023-05-02T10:30:00Z"
GRACE = "rise-intro-102,user-grace,2023-05-01,2023-05-03"
IMPORTS = "/courses/*/users/*/completions"


class RecordedSleep:
    """Stands in for time.sleep: records how long the importer chose to wait, and waits for nothing."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def _run(rise_mock, path: Path, **options):
    return run_import(path, base_url=rise_mock.url, api_key=rise_mock.api_key, **options)


def test_importer_sends_each_completion_once(rise_mock, completions_csv):
    result = _run(rise_mock, completions_csv(ADA, GRACE))
    assert result.ok and [row.line for row in result.imported] == [2, 3]
    assert [i.status for i in rise_mock.imports("rise-quiz-101", "user-ada")] == [202]
    assert rise_mock.imports("rise-quiz-101", "user-ada")[0].body == {
        "startedAt": "2023-05-02T09:00:00Z",
        "completedAt": "2023-05-02T10:30:00Z",
    }
    assert rise_mock.completion("rise-quiz-101", "user-ada")["courseVersion"] == 3
    row = rise_mock.wait_for_report("rise-intro-102", "user-grace")
    assert (row.status, row.duration) == ("Complete", "P2D")


def test_importer_run_twice_leaves_the_tenant_as_after_one_run(rise_mock, completions_csv):
    path = completions_csv(ADA, GRACE)
    _run(rise_mock, path)
    once = rise_mock.state()
    again = _run(rise_mock, path)
    assert again.ok
    assert _records(rise_mock.state()["completions"]) == _records(once["completions"])
    assert rise_mock.state()["enrollments"] == once["enrollments"]


def _records(completions: list[dict]) -> list[dict]:
    """What a completion holds, without when the mock took it (a second run may land a second later)."""
    return [{key: value for key, value in c.items() if key != "importedAt"} for c in completions]


def test_importer_sends_a_repeated_row_once_and_refuses_a_conflicting_one(rise_mock, completions_csv):
    conflicting = "rise-quiz-101,user-ada,2023-05-02,2023-05-04"
    result = _run(rise_mock, completions_csv(ADA, ADA, conflicting))
    assert result.duplicates == [3]
    (error,) = result.errors
    assert error.line == 4 and "conflicts with line 2" in error.message
    assert len(rise_mock.imports("rise-quiz-101", "user-ada")) == 1


def test_importer_reports_each_refused_row_and_goes_on(rise_mock, completions_csv):
    result = _run(
        rise_mock,
        completions_csv(
            "no-such-course,user-ada,2023-05-01,2023-05-02",
            "draft-301,user-ada,2023-05-01,2023-05-02",
            "rise-quiz-101,user-ada,2023-05-03,2023-05-01",
            "rise-quiz-101,,2023-05-01,2023-05-02",
            GRACE,
        ),
    )
    assert [(e.line, e.status, e.code) for e in result.errors] == [
        (2, 404, "course_not_found"),
        (3, 409, "course_not_published"),
        (4, 400, "invalid_request"),
        (5, None, None),
    ]
    assert "earlier than startedAt" in result.errors[2].message
    assert "empty user_id" in result.errors[3].message
    assert [row.line for row in result.imported] == [6]
    assert str(result.errors[0]).startswith("line 2 (no-such-course, user-ada): 404 course_not_found: ")


def test_importer_waits_as_long_as_retry_after_says_when_rate_limited(rise_mock, completions_csv):
    rise_mock.add_fault(method="POST", path=IMPORTS, status=429, times=2, retry_after=7)
    sleep = RecordedSleep()
    result = _run(rise_mock, completions_csv(ADA), sleep=sleep)
    assert result.ok
    assert sleep.waits == [7, 7]
    assert [i.status for i in rise_mock.imports("rise-quiz-101", "user-ada")] == [429, 429, 202]
    assert rise_mock.faults() == []


def test_importer_backs_off_exponentially_on_server_errors(rise_mock, completions_csv):
    rise_mock.add_fault(method="POST", path=IMPORTS, status=503, times=3)
    sleep = RecordedSleep()
    result = _run(rise_mock, completions_csv(ADA), sleep=sleep, policy=RetryPolicy(backoff=0.5))
    assert result.ok
    assert sleep.waits == [0.5, 1.0, 2.0]
    assert [i.status for i in rise_mock.imports()] == [503, 503, 503, 202]


def test_importer_gives_up_on_a_row_after_its_tries_and_imports_the_next(rise_mock, completions_csv):
    rise_mock.add_fault(method="POST", path="/courses/rise-quiz-101/*", status=500, times=100)
    result = _run(
        rise_mock, completions_csv(ADA, GRACE), sleep=RecordedSleep(), policy=RetryPolicy(attempts=3)
    )
    (error,) = result.errors
    assert error.line == 2 and error.message == "gave up after 3 tries; last: 500 server error"
    assert [row.line for row in result.imported] == [3]
    assert len(rise_mock.imports("rise-quiz-101", "user-ada")) == 3


@pytest.mark.rise_mock(report_lag=0.5)
def test_importer_verify_waits_out_the_report_lag(rise_mock, completions_csv):
    result = _run(rise_mock, completions_csv(ADA, GRACE), verify_timeout=10)
    assert result.ok, result.errors
    rows = {(r.course_id, r.user_id): r for r in rise_mock.report_rows()}
    assert rows["rise-quiz-101", "user-ada"].in_reports and rows["rise-intro-102", "user-grace"].in_reports


@pytest.mark.rise_mock(report_lag=300)
def test_importer_verify_reports_rows_the_reports_do_not_show_in_time(rise_mock, completions_csv):
    result = _run(rise_mock, completions_csv(ADA), verify_timeout=0.3)
    assert [row.line for row in result.imported] == [2]
    assert result.errors == [
        RowError(2, "rise-quiz-101", "user-ada", "imported, but not in the learner report after 0.3 s")
    ]


def test_importer_refuses_a_file_without_the_columns(rise_mock, tmp_path):
    path = tmp_path / "wrong.csv"
    path.write_text("course,user\nrise-quiz-101,user-ada\n", encoding="utf-8")
    with pytest.raises(ImporterError, match="no column course_id, user_id, started_at, completed_at"):
        _run(rise_mock, path)
    assert rise_mock.journal() == []


def test_importer_command_line_prints_failed_rows_and_exits_1(rise_mock, completions_csv):
    path = completions_csv(ADA, "no-such-course,user-ada,2023-05-01,2023-05-02")
    done = subprocess.run(
        [
            sys.executable,
            str(Path(__file__).parents[1] / "rise_importer.py"),
            str(path),
            "--base-url",
            rise_mock.url,
        ],
        env={**os.environ, "RISE_API_KEY": rise_mock.api_key},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    assert "line 3 (no-such-course, user-ada): 404 course_not_found" in done.stderr
    assert "1 imported, 1 failed" in done.stdout
    assert [i.status for i in rise_mock.imports()] == [202, 404]
