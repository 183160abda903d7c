"""Against a mock whose reports lag (as Rise's may, up to 5 minutes), the suite waits and reports the lag,
and fails `import_shows_in_reports` only when the lag outlasts --report-timeout."""

from __future__ import annotations

import re

from mock_server.http.app import create_app

LAG_SECONDS = 2.0


def test_semantic_checks_wait_for_a_lagging_report_and_report_the_lag(run_cli) -> None:
    run = run_cli(create_app(report_lag=LAG_SECONDS), "--parts", "semantic", "--report-timeout", "10")
    assert run.code == 0, run.out
    report = (run.report_dir / "report.md").read_text(encoding="utf-8")
    line = next(line for line in report.splitlines() if line.startswith("| `import_shows_in_reports`"))
    lags = [float(seconds) for seconds in re.findall(r"shown after ([0-9.]+) s", line)]
    assert lags and all(LAG_SECONDS - 1.0 <= lag <= 10 for lag in lags), line


def test_a_report_slower_than_report_timeout_fails_import_shows_in_reports(run_cli) -> None:
    run = run_cli(create_app(report_lag=30), "--parts", "semantic", "--report-timeout", "0.5")
    assert run.code == 1, run.out
    assert "FAIL" in run.out and "import_shows_in_reports" in run.out
    report = (run.report_dir / "report.md").read_text(encoding="utf-8")
    assert "### import_shows_in_reports" in report and "--report-timeout 0.5 s" in report
