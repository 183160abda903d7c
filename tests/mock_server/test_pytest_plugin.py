"""The pytest fixtures integrators use: a served mock, reset per test, with its control API as methods."""

from __future__ import annotations

import httpx
import pytest

pytest_plugins = ["pytester"]

IMPORT = "/courses/rise-quiz-101/users/user-ada/completions"
BODY = {"startedAt": "2023-05-01", "completedAt": "2023-05-03"}


def test_rise_mock_serves_the_demo_tenant_over_loopback(rise_mock):
    assert rise_mock.url.startswith("http://127.0.0.1:")
    response = httpx.post(rise_mock.url + IMPORT, json=BODY, headers=rise_mock.headers)
    assert response.status_code == 202
    assert rise_mock.completion("rise-quiz-101", "user-ada")["courseVersion"] == 3
    assert [(e["method"], e["status"]) for e in rise_mock.journal()] == [("POST", 202)]


def test_rise_mock_is_reset_between_tests(rise_mock):
    assert rise_mock.completion("rise-quiz-101", "user-ada") is None
    assert rise_mock.journal() == []


def test_rise_mock_add_fault_makes_the_next_request_fail(rise_mock):
    rise_mock.add_fault(status=503, times=1)
    assert httpx.post(rise_mock.url + IMPORT, json=BODY, headers=rise_mock.headers).status_code == 503
    assert httpx.post(rise_mock.url + IMPORT, json=BODY, headers=rise_mock.headers).status_code == 202


def test_rise_mock_control_errors_raise_with_the_mock_message(rise_mock):
    with pytest.raises(AssertionError, match="invalid_request"):
        rise_mock.seed({"courses": "not a list", "users": []})


def test_plugin_is_registered_and_takes_a_seed_file(pytester):
    seed = pytester.makefile(
        ".yaml",
        tenant="courses:\n  - {id: c1, title: One, publishedVersion: 1}\n"
        "users:\n  - {id: u1, email: u1@example.com}\n",
    )
    pytester.makepyfile(
        """
        import httpx

        def test_import(rise_mock):
            url = rise_mock.url + "/courses/c1/users/u1/completions"
            body = {"startedAt": "2023-05-01", "completedAt": "2023-05-02"}
            assert httpx.post(url, json=body, headers=rise_mock.headers).status_code == 202
            assert rise_mock.completion("c1", "u1") is not None
        """
    )
    result = pytester.runpytest_inprocess("--rise-mock-seed", str(seed))
    result.assert_outcomes(passed=1)
