"""The reporters render a hand-built run: console, junit.xml, report.md and report.json, the key masked."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ElementTree
from dataclasses import replace
from pathlib import Path

import pytest

from conformance.engine.catalogue import rule
from conformance.engine.client import Exchange
from conformance.engine.events import RunFinished
from conformance.engine.results import Check, Outcome, Part, Result, RunReport
from conformance.engine.settings import RunSettings
from conformance.profile import load_profile
from conformance.reporting.console import ConsoleView
from conformance.reporting.junit import junit_xml
from conformance.reporting.machine import report_document, write_json
from conformance.reporting.markdown import markdown_report

SECRET = "k-7781-secret"
EXCHANGE = Exchange(
    "POST", "http://127.0.0.1:9/courses/c/users/u/completions", {"Authorization": "Bearer ***"},
    '{"startedAt": "2023-05-02"}', 202, {"content-type": "application/json"}, f"echo {SECRET}", 0.01,
)  # fmt: skip


def _check(name: str, part: Part, *rules: str) -> Check:
    return Check(name, part, rules, summary=f"the rule of {name}")


def _run(*, allow_drift: bool) -> RunReport:
    settings = RunSettings(
        "http://127.0.0.1:9", SECRET, load_profile(), allow_drift=allow_drift, seed=11,
        command="rise-conformance run --base-url http://127.0.0.1:9 --seed 11 --parts semantic",
    )  # fmt: skip
    results = [
        Result(_check("alpha", Part.SEMANTIC, "import.accepted"), Outcome.PASS, observed="202 and shown"),
        Result(
            _check("beta", Part.SEMANTIC, "import.quiz-score"), Outcome.FAILURE,
            expected="quizScorePercent 100", observed="quizScorePercent None", exchanges=(EXCHANGE,),
            rule=rule("import.quiz-score"),
        ),
        Result(
            _check("gamma", Part.SCHEMA, "users.email-not-empty"), Outcome.DRIFT,
            expected=rule("users.email-not-empty").statement, observed="GET /users?email= answered 200",
            rule=rule("users.email-not-empty"), details=("GET /users (ST201) accepted",),
        ),
        Result(
            _check("delta", Part.SEMANTIC, "import.enrolls"), Outcome.SKIP,
            observed="no unenrolled user left: every pair is enrolled", reason="no unenrolled pair left",
        ),
        Result(_check("epsilon", Part.OBSERVED, "ratelimit.retry-after"), Outcome.RECORDED,
               observed="no 429"),
    ]  # fmt: skip
    return RunReport(settings, 11, results, seconds=1.5, notes=["Report lag measured: 2.0 s."], requests=42)


def _console(report: RunReport) -> str:
    out: list[str] = []
    ConsoleView(out.append, live=False, secret=SECRET)(RunFinished(report))
    return "".join(out)


def test_console_lists_every_check_the_drift_the_notes_and_the_verdict() -> None:
    out = _console(_run(allow_drift=True))
    for name, mark in [
        ("alpha", "PASS"),
        ("beta", "FAIL"),
        ("gamma", "DRIFT"),
        ("delta", "SKIP"),
        ("epsilon", "SEEN"),
    ]:
        assert any(line.startswith(name) and f"  {mark}" in line for line in out.splitlines()), (name, out)
    drift = out.split("Drift:", 1)[1]
    assert "users.email-not-empty" in drift and rule("users.email-not-empty").statement in drift
    assert "GET /users?email= answered 200" in drift
    assert "Note: Report lag measured: 2.0 s." in out and "Replay: rise-conformance run" in out
    assert "does NOT conform: 1 failure, 1 drift (allowed); 1 rule untested: no unenrolled pair left" in out
    assert SECRET not in out


def test_console_verdict_counts_drift_as_failing_without_allow_drift() -> None:
    report = _run(allow_drift=False)
    report.results = [r for r in report.results if r.outcome is not Outcome.FAILURE]
    assert "does NOT conform: 1 drift (pass --allow-drift" in _console(report)
    allowed = replace(report, settings=replace(report.settings, allow_drift=True))
    assert "conforms, with 1 drift on decisions of the contract" in _console(allowed)


@pytest.mark.parametrize("allow_drift", [False, True])
def test_junit_marks_failures_drift_unless_allowed_and_skips(allow_drift: bool) -> None:
    root = ElementTree.fromstring(junit_xml(_run(allow_drift=allow_drift)))
    cases = {case.get("name"): case for case in root.iter("testcase")}
    assert cases["beta"].find("failure") is not None
    assert (cases["gamma"].find("failure") is not None) is not allow_drift
    assert cases["delta"].find("skipped") is not None
    assert cases["alpha"].find("failure") is None and cases["epsilon"].find("failure") is None
    failure = cases["beta"].find("failure")
    assert failure is not None and "quizScorePercent 100" in failure.get("message", "")
    assert "import.quiz-score (documented)" in (failure.text or "")
    suites = {suite.get("name"): suite for suite in root.iter("testsuite")}
    assert suites["rise-conformance.semantic"].get("skipped") == "1"
    assert SECRET not in junit_xml(_run(allow_drift=allow_drift))


def test_markdown_shows_the_drift_table_the_finding_evidence_and_the_replay_command() -> None:
    text = markdown_report(_run(allow_drift=True))
    assert "## Drift: decisions of this contract the target does not share" in text
    assert f"| `users.email-not-empty` ({rule('users.email-not-empty').where})" in text
    assert "### beta" in text and "documented fact" in text and "HTTP 202" in text
    assert "skipped: no unenrolled user left" in text
    assert "```sh\nrise-conformance run --base-url http://127.0.0.1:9 --seed 11 --parts semantic\n```" in text
    assert "- Report lag measured: 2.0 s." in text and "Seed 11" in text
    assert SECRET not in text


def test_report_json_holds_every_result_in_machine_form(tmp_path: Path) -> None:
    report = _run(allow_drift=True)
    document = json.loads(write_json(report, tmp_path / "report.json").read_text(encoding="utf-8"))
    assert document == json.loads(json.dumps(report_document(report)).replace(SECRET, "***"))
    assert [r["check"] for r in document["results"]] == ["alpha", "beta", "gamma", "delta", "epsilon"]
    beta = document["results"][1]
    assert (beta["outcome"], beta["rule"], beta["basis"]) == ("failure", "import.quiz-score", "documented")
    assert beta["exchanges"][0]["status"] == 202 and SECRET not in json.dumps(document)
    assert document["counts"]["drift"] == 1 and document["seed"] == 11 and document["requests"] == 42
    assert document["results"][3]["reason"] == "no unenrolled pair left"
