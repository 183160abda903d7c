"""The differential part through `rise-conformance run`: selected with --parts, sized with its options,
failing with the broken rule named in the console and in junit.xml, and planned under --dry-run."""

from __future__ import annotations

from dataclasses import replace

from conformance_servers import mock_app
from differential_servers import EmailFilterMatchesSubstrings

from conformance.engine.settings import DIFFERENTIAL_EXTRA_EXAMPLES, DIFFERENTIAL_PACED, RunSettings
from conformance.profile import load_profile
from mock_server.http.app import create_app

SMALL = ("--parts", "differential", "--differential-examples", "4", "--differential-steps", "10")


def test_differential_part_passes_the_mock(run_cli) -> None:
    run = run_cli(create_app(), *SMALL, in_process=True)
    assert run.code == 0, run.out
    assert "differential" in run.out and "no answer differed from the model" in run.out
    assert "users.email-filter" in (run.report_dir / "report.md").read_text(encoding="utf-8")


def test_differential_part_fails_naming_the_broken_rule_in_console_and_junit(run_cli) -> None:
    sized = ("--differential-examples", "6", "--differential-steps", "12", "--seed", "2")
    run = run_cli(mock_app(EmailFilterMatchesSubstrings), *SMALL, *sized, in_process=True)
    assert run.code == 1, run.out
    assert "differential: users.email-filter" in run.failed
    assert "users.email-filter" in run.broken_rules
    assert run.console_failed("differential: users.email-filter"), run.out
    report = (run.report_dir / "report.md").read_text(encoding="utf-8")
    assert "GET /users" in report or "/users?" in report
    assert "(seed 2)" in report


def test_differential_part_under_dry_run_plans_and_writes_nothing(run_cli) -> None:
    run = run_cli(create_app(), "--parts", "differential", "--dry-run", in_process=True)
    assert run.code == 0, run.out
    report = (run.report_dir / "report.md").read_text(encoding="utf-8")
    assert "would send random sequences" in report
    assert "rise-quiz-101, user-ada" in report


def test_differential_size_defaults_follow_the_pace() -> None:
    profile = load_profile()
    unpaced = RunSettings("http://127.0.0.1:8080", "k", profile, max_examples=25)
    assert unpaced.effective_differential_examples == 25 + DIFFERENTIAL_EXTRA_EXAMPLES
    assert replace(unpaced, max_examples=3).effective_differential_examples == 3 + DIFFERENTIAL_EXTRA_EXAMPLES
    assert replace(unpaced, rate=10.0).effective_differential_examples == DIFFERENTIAL_PACED
    assert (
        RunSettings("https://api.rise.com", "k", profile).effective_differential_examples
        == DIFFERENTIAL_PACED
    )
    assert replace(unpaced, differential_examples=2).effective_differential_examples == 2
    assert (
        unpaced.effective_clock_tolerance
        < RunSettings("https://api.rise.com", "k", profile).effective_clock_tolerance
    )


def test_differential_part_stops_cleanly_when_the_request_budget_runs_out(run_cli) -> None:
    """A budget that ends mid-phase ends the phase, not the run: what it judged stands, and it says so."""
    run = run_cli(create_app(), *SMALL, "--budget", "120", in_process=True)
    assert run.code == 0, run.out + run.err
    assert "Traceback" not in run.err
    assert "stopped there by the request budget" in (run.report_dir / "report.md").read_text(encoding="utf-8")


def test_differential_part_is_skipped_when_the_budget_is_spent_before_it(run_cli) -> None:
    run = run_cli(create_app(), "--parts", "lists,differential", "--budget", "60", in_process=True)
    junit = (run.report_dir / "junit.xml").read_text(encoding="utf-8")
    assert "Traceback" not in run.err
    assert 'name="differential"' in junit and "skipped" in junit, junit
