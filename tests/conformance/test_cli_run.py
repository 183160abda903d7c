"""`rise-conformance run` through its command line: exit statuses, reports, the key mask, dry runs."""

from __future__ import annotations

import importlib.metadata
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from conformance_servers import demo_tenant

from conformance.checks.semantic import SEMANTIC_CHECKS
from conformance.cli import build_parser, main, replay_command
from mock_server.http.app import create_app
from mock_server.model.records import Enrollment
from mock_server.model.seed import DEMO_SEED_PATH, load_seed_file
from mock_server.model.tenant import Tenant
from mock_server.serving import free_port

SECRET = "s3cret-key-7f2b9c"


def test_mock_run_conforms_with_default_settings(run_cli) -> None:
    """Its time against the two-minute budget is measured by bench/conformance_run.py, not here."""
    run = run_cli(None, "--mock")
    assert run.code == 0, run.out
    assert not run.failed
    report = (run.report_dir / "report.md").read_text(encoding="utf-8")
    for check in SEMANTIC_CHECKS:
        assert check.name in run.out and check.name in report and check.description in report
    assert "## Observed" in report and "not_a_server_error" in report
    assert "conforms" in run.out


def test_api_key_appears_in_no_output_or_report(run_cli) -> None:
    run = run_cli(create_app(api_keys=[SECRET]), "--max-examples", "3", key=SECRET)
    assert run.code == 0, run.out
    assert SECRET not in run.out + run.err
    files = list(run.report_dir.iterdir())
    assert {path.name for path in files} == {"junit.xml", "report.md", "report.json"}
    for path in files:
        assert SECRET not in path.read_text(encoding="utf-8")


def test_failure_report_shows_request_and_response_with_key_masked(run_cli) -> None:
    app = create_app(tenant=demo_tenant(_NoQuizScore), api_keys=[SECRET])
    run = run_cli(app, "--parts", "semantic", "--report-timeout", "0.5", key=SECRET)
    assert run.code == 1
    report = (run.report_dir / "report.md").read_text(encoding="utf-8")
    failure = report.split("### quiz_course_scores_100", 1)[1]
    assert "POST /courses/rise-quiz-101/users/" in failure or "/courses/rise-quiz-101/users/" in failure
    assert "HTTP 202" in failure and "HTTP 200" in failure and "Bearer ***" in failure
    assert SECRET not in report


class _NoQuizScore(Tenant):
    def import_completion(self, course_id, user_id, body):  # type: ignore[no-untyped-def]
        completion = replace(super().import_completion(course_id, user_id, body), quiz_score_percent=None)
        self._store.save_completion(completion)
        return completion


def test_dry_run_lists_writes_and_makes_none(run_cli) -> None:
    tenant = demo_tenant()
    before = tenant.state()
    run = run_cli(create_app(tenant=tenant), "--dry-run")
    assert run.code == 0, run.out
    assert tenant.state() == before
    assert "would send" in run.out and "POST /courses/" in (run.report_dir / "report.md").read_text()
    assert "DELETE" not in run.out
    assert "Writes the run would make (none were sent):" in run.out
    assert "was only read (dry run)" in run.out and "conforms" not in run.out
    listed = run.out.split("Writes the run would make")[1]
    for check in SEMANTIC_CHECKS:
        assert f"  {check.name}:" in listed


def test_skipped_check_says_why_when_every_user_is_enrolled(run_cli) -> None:
    state = load_seed_file(DEMO_SEED_PATH)
    courses = ["rise-quiz-101", "rise-intro-102", "scorm-forklift-201"]
    users = ["user-ada", "user-grace", "user-alan", "user-katherine"]
    enrolled_at = datetime(2024, 1, 1, tzinfo=UTC)
    state.enrollments.update({(c, u): Enrollment(c, u, enrolled_at) for c in courses for u in users})
    run = run_cli(create_app(tenant=Tenant(state)), "--parts", "semantic")
    assert run.code == 0, run.out
    assert "skipped: no unenrolled user left" in (run.report_dir / "report.md").read_text()


def test_malformed_profile_exits_2_naming_the_problem(run_cli, tmp_path: Path) -> None:
    profile = tmp_path / "profile.yaml"
    profile.write_text("courses: {quiz: q1, no_quiz: q2}\nusers: [u1]\n", encoding="utf-8")
    run = run_cli(create_app(), "--profile", str(profile))
    assert run.code == 2
    assert "courses.third_party" in run.err


def test_profile_id_unknown_to_target_exits_2(run_cli, tmp_path: Path) -> None:
    profile = tmp_path / "profile.yaml"
    profile.write_text(
        "courses: {quiz: rise-quiz-101, no_quiz: rise-intro-102, third_party: scorm-forklift-201}\n"
        "users: [user-ada, user-nobody]\n",
        encoding="utf-8",
    )
    run = run_cli(create_app(), "--profile", str(profile))
    assert run.code == 2
    assert "user user-nobody" in run.err and "--profile" in run.err


def test_unreachable_target_exits_2(run_cli) -> None:
    run = run_cli(None, "--base-url", f"http://127.0.0.1:{free_port()}", "--api-key", "k")
    assert run.code == 2
    assert "--base-url" in run.err


def test_refused_key_exits_2(run_cli) -> None:
    run = run_cli(create_app(), key="not-the-key")
    assert run.code == 2
    assert "refused the API key" in run.err and "not-the-key" not in run.err


def test_a_one_character_key_is_masked_without_mangling_the_rest_of_the_output(run_cli) -> None:
    refused = run_cli(create_app(), key="1")
    assert refused.code == 2
    assert "http://127.0.0.1:" in refused.err and "(401)" in refused.err and "***27" not in refused.err
    run = run_cli(create_app(api_keys=["1"]), "--parts", "semantic", "--report-timeout", "0.5", key="1")
    reports = "".join(path.read_text(encoding="utf-8") for path in run.report_dir.iterdir())
    assert run.code == 0, run.out
    assert "127.0.0.1" in reports and "127.0.0.1" in run.out
    assert "***27" not in run.out + reports and "(40***)" not in run.out + reports


def test_missing_key_exits_2(run_cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RISE_API_KEY", raising=False)
    run = run_cli(None, "--base-url", "http://127.0.0.1:9")
    assert run.code == 2
    assert "RISE_API_KEY" in run.err


def test_key_comes_from_environment(run_cli, monkeypatch: pytest.MonkeyPatch) -> None:
    from mock_server.serving import serving

    monkeypatch.setenv("RISE_API_KEY", SECRET)
    with serving(create_app(api_keys=[SECRET])) as url:
        run = run_cli(None, "--base-url", url, "--parts", "observed")
    assert run.code == 0, run.err
    assert SECRET not in run.out


def test_bad_rate_limit_is_a_usage_error(run_cli) -> None:
    with pytest.raises(SystemExit) as exit_info:
        run_cli(None, "--mock", "--rate-limit", "fast")
    assert exit_info.value.code == 2


def test_schema_phases_must_be_schemathesis_phases(run_cli, capsys) -> None:
    for text in ("fuzz", "", "examples,nope"):
        with pytest.raises(SystemExit) as exit_info:
            run_cli(None, "--mock", "--schema-phases", text)
        assert exit_info.value.code == 2
        assert "Schemathesis phases are examples, coverage, fuzzing, stateful" in capsys.readouterr().err


def test_schema_phases_are_run_in_schemathesis_order_and_kept_in_the_replay_command() -> None:
    chosen = build_parser().parse_args(["run", "--mock", "--schema-phases", "stateful, examples"])
    assert chosen.schema_phases == ("examples", "stateful")
    assert "--schema-phases examples,stateful" in replay_command(chosen, 7)
    every = build_parser().parse_args(["run", "--mock"])
    assert every.schema_phases == ("examples", "coverage", "fuzzing", "stateful")
    assert "--schema-phases" not in replay_command(every, 7)


def test_mock_run_works_with_rise_api_key_set_for_another_target(run_cli, monkeypatch) -> None:
    monkeypatch.setenv("RISE_API_KEY", "a-staging-key-5c1e")
    run = run_cli(None, "--mock", "--parts", "semantic")
    assert run.code == 0, run.out + run.err
    assert "a-staging-key-5c1e" not in run.out + run.err


def test_profile_that_is_not_utf8_exits_2_naming_the_problem(run_cli, tmp_path: Path) -> None:
    profile = tmp_path / "profile.yaml"
    profile.write_bytes(b"\xff\xfe courses")
    run = run_cli(create_app(), "--profile", str(profile))
    assert run.code == 2
    assert "not UTF-8" in run.err


def test_unusable_report_dir_exits_2_before_touching_the_target(run_cli, tmp_path: Path) -> None:
    tenant = demo_tenant()
    before = tenant.state()
    occupied = tmp_path / "a-file"
    occupied.write_text("not a folder", encoding="utf-8")
    run = run_cli(create_app(tenant=tenant), "--report-dir", str(occupied / "reports"))
    assert run.code == 2
    assert "--report-dir" in run.err
    assert tenant.state() == before


def test_version_prints_the_installed_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    version = importlib.metadata.version("rise-contract")
    assert capsys.readouterr().out.strip() == f"rise-conformance {version}"


def test_usage_and_connection_errors_leave_no_report_folder(run_cli, tmp_path: Path) -> None:
    profile = tmp_path / "profile.yaml"
    profile.write_text("courses: {quiz: q1}\nusers: [u1]\n", encoding="utf-8")
    bad_profile = run_cli(create_app(), "--profile", str(profile))
    unreachable = run_cli(None, "--base-url", f"http://127.0.0.1:{free_port()}", "--api-key", "k")
    assert (bad_profile.code, unreachable.code) == (2, 2)
    assert not bad_profile.report_dir.exists() and not unreachable.report_dir.exists()


def test_report_dir_is_made_with_its_parents_when_the_run_ends(run_cli, tmp_path: Path) -> None:
    nested = tmp_path / "reports" / "conformance"
    run = run_cli(create_app(), "--parts", "observed", "--report-dir", str(nested))
    assert run.code == 0, run.out
    assert {path.name for path in nested.iterdir()} == {"junit.xml", "report.md", "report.json"}
