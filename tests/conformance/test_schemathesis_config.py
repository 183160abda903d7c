"""`schemathesis run openapi.yaml --url URL -H "Authorization: Bearer ..."` from the repository root picks up
schemathesis.toml and the project's hooks: quiet on the mock, loud on a mock that drops imports."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from conformance_servers import DropsWrite, mock_app
from installed_package import installed_env

from conformance.cli import main
from conformance.profile import load_profile
from conformance.schemathesis.hooks import positive_case_edits
from mock_server.http.app import create_app
from mock_server.serving import serving

ROOT = Path(__file__).resolve().parents[2]


def _schemathesis_run(app: object, *extra: str, timeout: str = "0.5") -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, RISE_REPORT_TIMEOUT=timeout, RISE_CONFORMANCE_PROFILE="")
    with serving(app) as url:
        return subprocess.run(
            [sys.executable, "-m", "schemathesis.cli", "--no-color", "run", "openapi.yaml", "--url", url,
             "-H", "Authorization: Bearer rise-mock-key", "--seed", "3", *extra],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip


def test_schemathesis_run_passes_on_the_mock() -> None:
    done = _schemathesis_run(create_app(), "--max-examples", "10")
    assert done.returncode == 0, done.stdout[-3000:]


def test_schemathesis_run_applies_import_row_check() -> None:
    done = _schemathesis_run(mock_app(DropsWrite), "--max-examples", "5", "--phases", "examples,fuzzing")
    assert done.returncode == 1, done.stdout[-3000:]
    assert "import_row_matches_report" in done.stdout
    assert "rise-mock-key" not in done.stdout


def test_positive_case_edits_points_at_profile_and_orders_dates() -> None:
    profile = load_profile()
    path = {"courseId": "random-course", "userId": "random-user"}
    query = {"limit": 5, "cursor": "abc"}
    body = {"startedAt": "2023-05-03", "completedAt": "2023-05-02T23:00:00Z"}
    positive_case_edits(profile, 4, path, query, body)
    assert path["courseId"] in profile.published_courses and path["userId"] in profile.users
    assert query == {"limit": 5}
    assert body == {"startedAt": "2023-05-02T23:00:00Z", "completedAt": "2023-05-03"}


def test_schemathesis_config_from_the_installed_package_works_outside_the_repository(
    installed_package: Path, tmp_path: Path
) -> None:
    """The failures it prevents: without the hooks, `cursor=0` is answered 400 and a stateful case sends
    completedAt before startedAt."""
    folder = tmp_path / "elsewhere"
    env = installed_env(
        installed_package,
        RISE_REPORT_TIMEOUT="0.5",
        RISE_CONFORMANCE_PROFILE="",
        RISE_API_KEY="rise-mock-key",
    )
    written = subprocess.run(
        [sys.executable, "-m", "conformance.cli", "schemathesis-config", str(folder)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert written.returncode == 0, written.stderr
    contract = installed_package / "mock_server" / "openapi.yaml"
    assert f"schemathesis run {contract} --url URL" in written.stdout
    config = (folder / "schemathesis.toml").read_text(encoding="utf-8")
    assert 'hooks = "conformance.schemathesis.hooks"' in config and str(contract) in config
    with serving(create_app()) as url:
        done = subprocess.run(
            [sys.executable, "-m", "schemathesis.cli", "--no-color", "run", str(contract), "--url", url,
             "--seed", "3", "--max-examples", "8"],
            cwd=folder, env=env, capture_output=True, text=True, timeout=180, check=False,
        )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:]
    assert f"Configuration:    {folder / 'schemathesis.toml'}" in done.stdout


def test_schemathesis_config_command_keeps_an_existing_file(tmp_path: Path, capsys) -> None:
    (tmp_path / "schemathesis.toml").write_text("# mine\n", encoding="utf-8")
    assert main(["schemathesis-config", str(tmp_path)]) == 2
    assert "--force" in capsys.readouterr().err
    assert (tmp_path / "schemathesis.toml").read_text(encoding="utf-8") == "# mine\n"
    assert main(["schemathesis-config", str(tmp_path), "--force", "--base-url", "http://127.0.0.1:8080"]) == 0
    assert 'base-url = "http://127.0.0.1:8080"' in (tmp_path / "schemathesis.toml").read_text(
        encoding="utf-8"
    )


def test_plain_schemathesis_run_waits_for_a_lagging_report_instead_of_failing() -> None:
    """Lag-safe: the hook polls until the row shows the import, up to RISE_REPORT_TIMEOUT."""
    lagging = create_app(report_lag=1)
    done = _schemathesis_run(lagging, "--max-examples", "1", "--phases", "examples", timeout="20")
    assert done.returncode == 0, done.stdout[-3000:]


def test_plain_schemathesis_run_fails_a_row_only_once_the_timeout_has_passed() -> None:
    lagging = create_app(report_lag=30)
    done = _schemathesis_run(lagging, "--max-examples", "1", "--phases", "examples", timeout="0.3")
    assert done.returncode == 1, done.stdout[-3000:]
    assert "RISE_REPORT_TIMEOUT=0.3 s" in done.stdout and "import.shows-in-reports" in done.stdout
