"""pytest fixtures for testing an importer against rise-mock: one mock on loopback for the whole session,
back to its seed before each test.

    def test_importer_sends_one_completion(rise_mock):
        my_importer.run(base_url=rise_mock.url, api_key=rise_mock.api_key)
        assert [e["status"] for e in rise_mock.journal()] == [202]
        assert rise_mock.completion("rise-quiz-101", "user-ada")["courseVersion"] == 3

The plugin is registered when rise-contract is installed. `--rise-mock-seed FILE` (or the ini option
`rise_mock_seed`) serves your own tenant instead of the demo one.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from mock_server.http.app import DEFAULT_API_KEY, create_app
from mock_server.serving import serving

_SEED_HELP = "seed file (YAML) of the tenant the rise_mock fixture serves (default: the demo tenant)"


class RiseMock:
    """A running mock: where it is, its key, and its control API as methods."""

    def __init__(self, url: str, api_key: str = DEFAULT_API_KEY) -> None:
        self.url = url
        self.api_key = api_key
        self.headers = {"Authorization": f"Bearer {api_key}"}
        self._control = httpx.Client(base_url=f"{url}/__mock", timeout=30)

    def reset(self) -> None:
        """Back to the seed, with an empty journal and no pending fault."""
        self._call("POST", "/reset")

    def seed(self, state: dict[str, Any]) -> None:
        """Serve this tenant (the shape of `state()`) from now on, and reset to it."""
        self._call("POST", "/seed", json=state)

    def state(self) -> dict[str, Any]:
        """The whole tenant: courses, users, enrollments and completions."""
        return self._call("GET", "/state").json()

    def completion(self, course_id: str, user_id: str) -> dict[str, Any] | None:
        """The pair's completion record, or None."""
        found = [
            c for c in self.state()["completions"] if (c["courseId"], c["userId"]) == (course_id, user_id)
        ]
        return found[0] if found else None

    def journal(self, since: int = 0) -> list[dict[str, Any]]:
        """The requests the mock received (outside the control API), oldest first."""
        return self._call("GET", "/journal", params={"since": since}).json()["entries"]

    def add_fault(self, **fault: Any) -> None:
        """Make the next matching requests fail or slow down, e.g. `add_fault(status=429, retryAfter=1)`."""
        self._call("POST", "/faults", json=fault)

    def close(self) -> None:
        self._control.close()

    def _call(self, method: str, path: str, **options: Any) -> httpx.Response:
        response = self._control.request(method, path, **options)
        if response.is_error:
            raise AssertionError(
                f"rise-mock control API {method} {path}: {response.status_code} {response.text}"
            )
        return response


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--rise-mock-seed", metavar="FILE", default=None, help=_SEED_HELP)
    parser.addini("rise_mock_seed", _SEED_HELP, default=None)


@pytest.fixture(scope="session")
def rise_mock_server(pytestconfig: pytest.Config) -> Iterator[RiseMock]:
    """The session's mock, started once on a free 127.0.0.1 port."""
    seed = pytestconfig.getoption("--rise-mock-seed") or pytestconfig.getini("rise_mock_seed") or None
    with serving(create_app(seed=seed, validate_responses=True)) as url:
        mock = RiseMock(url)
        yield mock
        mock.close()


@pytest.fixture
def rise_mock(rise_mock_server: RiseMock) -> RiseMock:
    """The session's mock, reset to its seed for this test."""
    rise_mock_server.reset()
    return rise_mock_server
