"""pytest fixtures for testing an importer against rise-mock: a mock on loopback for the whole session,
back to the session's seed before each test.

    def test_importer_sends_each_completion_once(rise_mock, tmp_path):  # run_import: your importer
        csv = tmp_path / "completions.csv"
        csv.write_text("course_id,user_id,started_at,completed_at\\n"
                       "rise-quiz-101,user-ada,2023-05-02T09:00:00Z,2023-05-02T10:30:00Z\\n")
        run_import(csv, base_url=rise_mock.url, api_key=rise_mock.api_key)
        assert [i.status for i in rise_mock.imports("rise-quiz-101", "user-ada")] == [202]

The plugin is registered when rise-contract is installed, and costs nothing until a test asks for
`rise_mock`: this module imports only pytest, so a suite that never uses the fixture starts as fast as
before and sees no warning (also under `-W error`). The mock (Connexion) is loaded on first use, with
its import-time warnings silenced.

Options (command line, or the ini keys in brackets): `--rise-mock-seed FILE` [rise_mock_seed] serves
your own tenant; `--rise-mock-report-lag SECONDS` [rise_mock_report_lag] plays Rise's report delay;
`--rise-mock-api-key KEY` [rise_mock_api_key] is the key the mock accepts. A test marked
`@pytest.mark.rise_mock(report_lag=0.5)` (or seed=, api_key=) gets a mock with those options instead,
started once per distinct set. `rise_mock` is a `mock_server.control.client.RiseMock`.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from mock_server.control.client import RiseMock

DEFAULT_API_KEY = "rise-mock-key"
"""The demo tenant's key (mock_server.model.seed.DEFAULT_API_KEY, restated so this module imports
nothing of the mock at pytest start)."""
_OPTIONS = {
    "seed": "seed file (YAML) of the tenant the rise_mock fixture serves (default: the demo tenant)",
    "report_lag": "seconds an import takes to reach the reports in the rise_mock fixture (default: 0)",
    "api_key": f"the bearer key the rise_mock fixture accepts (default: {DEFAULT_API_KEY})",
}
_METAVARS = {"seed": "FILE", "report_lag": "SECONDS", "api_key": "KEY"}


@dataclass(frozen=True)
class MockOptions:
    """What one served mock is started with."""

    seed: Path | None = None
    report_lag: float = 0.0
    api_key: str = DEFAULT_API_KEY


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("rise-mock", "rise_mock fixture (rise-contract)")
    for name, help_text in _OPTIONS.items():
        flag = "--rise-mock-" + name.replace("_", "-")
        group.addoption(flag, metavar=_METAVARS[name], default=None, help=help_text)
        parser.addini(f"rise_mock_{name}", help_text, default=None)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "rise_mock(seed=None, report_lag=None, api_key=None): serve this test from a mock started with "
        "these options (one per distinct set, kept for the session)",
    )


def session_options(config: pytest.Config) -> MockOptions:
    """The options from the command line, else the ini file, else the defaults; a relative seed path is
    read from where pytest was started (command line) or from the ini file's folder."""
    values: dict[str, Any] = {}
    for name in _OPTIONS:
        given = config.getoption("--rise-mock-" + name.replace("_", "-"))
        base = config.invocation_params.dir
        if given is None:
            given = config.getini(f"rise_mock_{name}") or None
            base = config.inipath.parent if config.inipath else config.rootpath
        if given is not None:
            values[name] = _option_value(name, given, base, source=f"--rise-mock-{name.replace('_', '-')}")
    return MockOptions(**values)


def _option_value(name: str, value: Any, base: Path, *, source: str) -> Any:
    if name == "seed":
        path = Path(value)
        return path if path.is_absolute() else base / path
    if name == "report_lag":
        try:
            lag = float(value)
        except (TypeError, ValueError):
            lag = -1.0
        if lag < 0:
            raise pytest.UsageError(f"{source} must be 0 or more seconds, got {value!r}")
        return lag
    return str(value)


def marked_options(defaults: MockOptions, request: pytest.FixtureRequest) -> MockOptions:
    """The session's options with those of the test's `rise_mock` marker (seed paths relative to the
    test file)."""
    marker = request.node.get_closest_marker("rise_mock")
    if marker is None:
        return defaults
    unknown = sorted(set(marker.kwargs) - set(_OPTIONS))
    if unknown or marker.args:
        raise pytest.UsageError(
            f"@pytest.mark.rise_mock takes only the keywords {', '.join(_OPTIONS)}; got "
            f"{', '.join(unknown) or repr(marker.args)} on {request.node.nodeid}"
        )
    base = Path(request.node.path).parent
    values = {
        name: _option_value(name, value, base, source=f"rise_mock({name}=...)")
        for name, value in marker.kwargs.items()
    }
    return replace(defaults, **values)


class MockServers:
    """The mocks of one session, one per set of options, each started on first use and stopped at the
    end; each remembers the seed it started with."""

    def __init__(self) -> None:
        self._stack = ExitStack()
        self._served: dict[MockOptions, tuple[RiseMock, dict[str, Any]]] = {}

    def get(self, options: MockOptions) -> tuple[RiseMock, dict[str, Any]]:
        if options not in self._served:
            mock = self._start(options)
            self._served[options] = (mock, mock.state())
        return self._served[options]

    def _start(self, options: MockOptions) -> RiseMock:
        # Connexion's imports raise DeprecationWarnings the user can do nothing about; under -W error
        # they would fail the test that first asks for the fixture.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from mock_server.control.client import RiseMock
            from mock_server.http.app import create_app
            from mock_server.serving import serving

            app = create_app(
                seed=options.seed,
                api_keys=[options.api_key],
                report_lag=options.report_lag,
                validate_responses=True,
            )
            url = self._stack.enter_context(serving(app))
        mock = RiseMock(url, options.api_key)
        self._stack.callback(mock.close)
        return mock

    def close(self) -> None:
        self._stack.close()


@pytest.fixture(scope="session")
def rise_mock_servers() -> Iterator[MockServers]:
    """Every mock this session started (see `rise_mock`)."""
    servers = MockServers()
    yield servers
    servers.close()


@pytest.fixture
def rise_mock(rise_mock_servers: MockServers, request: pytest.FixtureRequest) -> RiseMock:
    """The session's mock (or the one for this test's `rise_mock` marker), back to the session's seed,
    with an empty journal and no pending fault: what `rise_mock.seed()` changes lasts for this test."""
    options = marked_options(session_options(request.config), request)
    mock, seed = rise_mock_servers.get(options)
    mock.restore(seed)
    return mock
