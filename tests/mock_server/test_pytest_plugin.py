"""The pytest plugin integrators get: quiet and cheap until used, a mock reset to the session's seed per
test, options, and typed helpers for the journal, faults, imports and the reports."""

from __future__ import annotations

from datetime import datetime

import httpx
import pytest

from mock_server.control.client import ControlError, ImportRequest, JournalEntry, ReportTimeout, RiseMock
from mock_server.model.seed import DEFAULT_API_KEY
from mock_server.pytest_plugin import DEFAULT_API_KEY as PLUGIN_DEFAULT_KEY
from mock_server.store.faults import Fault

pytest_plugins = ["pytester"]

IMPORT = "/courses/rise-quiz-101/users/user-ada/completions"
BODY = {"startedAt": "2023-05-01", "completedAt": "2023-05-03"}
TINY_SEED = (
    "courses:\n  - {id: c1, title: One, publishedVersion: 1}\nusers:\n  - {id: u1, email: u1@example.com}\n"
)


def _import(mock: RiseMock, path: str = IMPORT, body: dict | None = None) -> httpx.Response:
    return httpx.post(mock.url + path, json=body or BODY, headers=mock.headers)


def test_rise_mock_serves_the_demo_tenant_over_loopback(rise_mock: RiseMock) -> None:
    assert rise_mock.url.startswith("http://127.0.0.1:")
    assert _import(rise_mock).status_code == 202
    assert rise_mock.completion("rise-quiz-101", "user-ada")["courseVersion"] == 3


def test_rise_mock_is_reset_between_tests(rise_mock: RiseMock) -> None:
    assert rise_mock.completion("rise-quiz-101", "user-ada") is None
    assert rise_mock.journal() == []


def test_journal_entries_are_typed_and_filterable(rise_mock: RiseMock) -> None:
    _import(rise_mock)
    httpx.get(rise_mock.url + "/courses", headers=rise_mock.headers)
    entries = rise_mock.journal()
    assert all(isinstance(entry, JournalEntry) for entry in entries)
    posted, listed = entries
    assert (posted.method, posted.status, posted.body, posted.authorization) == ("POST", 202, BODY, "bearer")
    assert isinstance(posted.at, datetime) and posted.at.tzinfo is not None
    assert rise_mock.journal(method="GET") == [listed]
    assert rise_mock.journal(path="/courses/*/users/*/completions") == [posted]
    assert rise_mock.journal(since=posted.id) == [listed]
    rise_mock.clear_journal()
    assert rise_mock.journal() == []


def test_imports_lists_the_import_requests_of_a_pair_with_their_answers(rise_mock: RiseMock) -> None:
    _import(rise_mock)
    _import(rise_mock, "/courses/draft-301/users/user-ada/completions")
    _import(rise_mock, "/courses/rise-quiz-101/users/user-grace/completions")
    (ada,) = rise_mock.imports("rise-quiz-101", "user-ada")
    assert isinstance(ada, ImportRequest)
    assert (ada.course_id, ada.user_id, ada.body, ada.status, ada.accepted) == (
        "rise-quiz-101",
        "user-ada",
        BODY,
        202,
        True,
    )
    assert [(i.course_id, i.code) for i in rise_mock.imports(user="user-ada")] == [
        ("rise-quiz-101", None),
        ("draft-301", "course_not_published"),
    ]
    assert len(rise_mock.imports(course="rise-quiz-101", status=202)) == 2


def test_faults_are_typed_listed_and_cleared(rise_mock: RiseMock) -> None:
    rise_mock.add_fault(status=429, times=2, retry_after=3, path="/courses/*/users/*/completions")
    rise_mock.add_fault(Fault(status=503))
    assert rise_mock.faults() == [
        Fault(path="/courses/*/users/*/completions", status=429, times=2, retry_after=3),
        Fault(status=503),
    ]
    response = _import(rise_mock)
    assert (response.status_code, response.headers["Retry-After"]) == (429, "3")
    assert rise_mock.faults()[0].times == 1
    rise_mock.clear_faults()
    assert rise_mock.faults() == []
    assert _import(rise_mock).status_code == 202


def test_wait_for_report_returns_the_row_once_the_reports_show_the_import(rise_mock: RiseMock) -> None:
    _import(rise_mock)
    row = rise_mock.wait_for_report("rise-quiz-101", "user-ada", timeout=2)
    assert (row.status, row.duration, row.quiz_score_percent, row.in_reports) == (
        "Complete",
        "P2D",
        100,
        True,
    )
    assert rise_mock.journal(method="GET") == [], "waiting reads no report through the Rise API"


@pytest.mark.rise_mock(report_lag=0.4)
def test_wait_for_report_waits_out_the_report_lag(rise_mock: RiseMock) -> None:
    _import(rise_mock)
    shown = rise_mock.wait_for_report("rise-quiz-101", "user-ada", timeout=5)
    assert shown.in_reports and shown.completed_at == datetime.fromisoformat("2023-05-03T00:00:00+00:00")
    learners = httpx.get(rise_mock.url + "/reports/courses/rise-quiz-101", headers=rise_mock.headers).json()
    assert "user-ada" in [learner["userId"] for learner in learners["learners"]]


@pytest.mark.rise_mock(report_lag=300)
def test_wait_for_report_times_out_saying_what_the_reports_show(rise_mock: RiseMock) -> None:
    _import(rise_mock)
    (row,) = [r for r in rise_mock.report_rows() if (r.course_id, r.user_id) == ("rise-quiz-101", "user-ada")]
    assert row.in_reports is False and row.status == "Complete"
    learners = httpx.get(rise_mock.url + "/reports/courses/rise-quiz-101", headers=rise_mock.headers).json()
    assert "user-ada" not in [learner["userId"] for learner in learners["learners"]]
    with pytest.raises(ReportTimeout, match=r"in reports: False"):
        rise_mock.wait_for_report("rise-quiz-101", "user-ada", timeout=0.2)


def test_wait_for_report_without_an_import_says_what_to_do(rise_mock: RiseMock) -> None:
    with pytest.raises(ControlError, match="import the pair first"):
        rise_mock.wait_for_report("rise-quiz-101", "user-ada", timeout=0.1)


def test_control_errors_raise_with_the_mock_message(rise_mock: RiseMock) -> None:
    with pytest.raises(ControlError, match="invalid_request"):
        rise_mock.seed({"courses": "not a list", "users": []})


def test_plugin_default_key_is_the_demo_tenant_key() -> None:
    assert PLUGIN_DEFAULT_KEY == DEFAULT_API_KEY


def test_plugin_imports_nothing_of_the_mock_and_warns_nothing_when_unused(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import sys

        def test_pytest_started_without_loading_the_mock(request):
            assert request.config.pluginmanager.hasplugin("rise_mock")
            assert "connexion" not in sys.modules
            assert "mock_server.http.app" not in sys.modules
            assert "httpx" not in sys.modules
        """
    )
    result = pytester.runpytest_subprocess("-W", "error", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    assert "warning" not in result.stdout.str().lower()


def test_fixture_works_where_warnings_are_errors_and_seed_lasts_for_its_test(
    pytester: pytest.Pytester,
) -> None:
    """A subprocess, so that Connexion is imported afresh under `filterwarnings = error`."""
    seed = pytester.makefile(".yaml", tenant=TINY_SEED)
    pytester.makeini("[pytest]\nfilterwarnings = error\n")
    pytester.makepyfile(
        f"""
        import httpx
        import pytest

        def test_a_imports_and_seeds_its_own_tenant(rise_mock):
            url = rise_mock.url + "/courses/rise-quiz-101/users/user-ada/completions"
            body = {{"startedAt": "2023-05-01", "completedAt": "2023-05-02"}}
            assert httpx.post(url, json=body, headers=rise_mock.headers).status_code == 202
            rise_mock.seed({str(seed)!r})
            rise_mock.reset()
            assert [c["id"] for c in rise_mock.state()["courses"]] == ["c1"]

        def test_b_gets_the_session_tenant_again(rise_mock):
            assert "rise-quiz-101" in [c["id"] for c in rise_mock.state()["courses"]]
            assert rise_mock.state()["completions"] == []
            rise_mock.reset()
            assert "rise-quiz-101" in [c["id"] for c in rise_mock.state()["courses"]]

        @pytest.mark.rise_mock(seed={str(seed)!r})
        def test_c_marked_with_a_seed(rise_mock):
            assert [c["id"] for c in rise_mock.state()["courses"]] == ["c1"]

        def test_d_back_on_the_session_mock(rise_mock):
            assert "rise-quiz-101" in [c["id"] for c in rise_mock.state()["courses"]]
        """
    )
    result = pytester.runpytest_subprocess()
    result.assert_outcomes(passed=4)


def test_options_come_from_the_command_line(pytester: pytest.Pytester) -> None:
    seed = pytester.makefile(".yaml", tenant=TINY_SEED)
    pytester.makepyfile(
        """
        import httpx

        def test_options(rise_mock):
            assert rise_mock.api_key == "cli-key-1"
            url = rise_mock.url + "/courses/c1/users/u1/completions"
            body = {"startedAt": "2023-05-01", "completedAt": "2023-05-02"}
            demo_key = {"Authorization": "Bearer rise-mock-key"}
            assert httpx.post(url, json=body, headers=demo_key).status_code == 401
            assert httpx.post(url, json=body, headers=rise_mock.headers).status_code == 202
            (row,) = rise_mock.report_rows()
            assert row.in_reports is False and row.user_id == "u1"
        """
    )
    result = pytester.runpytest(
        "--rise-mock-seed", str(seed), "--rise-mock-api-key", "cli-key-1", "--rise-mock-report-lag", "60"
    )
    result.assert_outcomes(passed=1)


def test_options_come_from_the_ini_file_with_paths_relative_to_it(pytester: pytest.Pytester) -> None:
    pytester.makefile(".yaml", tenant=TINY_SEED)
    pytester.makeini("[pytest]\nrise_mock_seed = tenant.yaml\nrise_mock_api_key = ini-key-2\n")
    pytester.makepyfile(
        """
        import pytest

        def test_ini_options(rise_mock):
            assert rise_mock.api_key == "ini-key-2"
            assert [c["id"] for c in rise_mock.state()["courses"]] == ["c1"]

        @pytest.mark.rise_mock(api_key="marked-key-3")
        def test_marker_overrides(rise_mock):
            assert rise_mock.api_key == "marked-key-3"
            assert [c["id"] for c in rise_mock.state()["courses"]] == ["c1"]
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(passed=2)


def test_bad_options_are_usage_errors_that_say_what_is_expected(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        def test_uses(rise_mock):
            pass

        @pytest.mark.rise_mock(lag=1)
        def test_misspelt(rise_mock):
            pass
        """
    )
    result = pytester.runpytest("--rise-mock-report-lag", "soon")
    assert result.ret != 0
    assert "--rise-mock-report-lag must be 0 or more seconds, got 'soon'" in str(result.stdout)
    result = pytester.runpytest("-k", "misspelt")
    assert result.ret != 0
    assert "rise_mock takes only the keywords seed, report_lag, api_key; got lag" in str(result.stdout)
