"""Runs against a tenant that keeps its state: skips are counted, spare users keep a fresh pair, report.json
feeds --baseline, a refused write applied late is caught once the sentinel shows, a seed replays."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ElementTree
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from conformance_servers import (
    QuizScoreOnThirdParty,
    RequestRewriter,
    ResponseRewriter,
    demo_tenant,
    mock_app,
)
from starlette.types import Scope

from conformance.engine.context import WRONG_KEY
from mock_server.http.app import Backend, create_app
from mock_server.model.records import Enrollment, Role, User
from mock_server.model.seed import DEMO_SEED_PATH, load_seed_file
from mock_server.model.tenant import Tenant
from mock_server.store.faults import MemoryFaults
from mock_server.store.journal import MemoryJournal

PUBLISHED = ["rise-quiz-101", "rise-intro-102", "scorm-forklift-201"]
LEARNERS = ["user-ada", "user-grace", "user-alan", "user-katherine"]
PROFILE = (
    "courses: {quiz: rise-quiz-101, no_quiz: rise-intro-102, third_party: scorm-forklift-201, "
    "unpublished: draft-301}\nusers: [user-ada, user-grace, user-alan, user-katherine]\n"
)


def _everyone_enrolled(*spare: str) -> Tenant:
    state = load_seed_file(DEMO_SEED_PATH)
    enrolled_at = datetime(2024, 1, 1, tzinfo=UTC)
    state.enrollments.update({(c, u): Enrollment(c, u, enrolled_at) for c in PUBLISHED for u in LEARNERS})
    for user in spare:
        state.users[user] = User(user, f"{user}@example.com", Role.LEARNER, "Spare", "User")
    return Tenant(state)


def test_a_skip_is_counted_in_the_headline_and_in_junit(run_cli) -> None:
    run = run_cli(create_app(tenant=_everyone_enrolled()), "--parts", "semantic")
    assert run.code == 0, run.out
    assert "conforms; 2 rules untested: no unenrolled pair left" in run.out
    root = ElementTree.parse(run.report_dir / "junit.xml").getroot()
    case = next(c for c in root.iter("testcase") if c.get("name") == "enrollment_created_when_none")
    skipped = case.find("skipped")
    assert skipped is not None and "spare_users" in skipped.get("message", "")


def test_spare_users_give_a_fresh_pair_and_the_run_says_how_many_runs_they_leave(
    run_cli, tmp_path: Path
) -> None:
    profile = tmp_path / "profile.yaml"
    profile.write_text(PROFILE + "spare_users: [user-spare]\n", encoding="utf-8")
    run = run_cli(
        create_app(tenant=_everyone_enrolled("user-spare")), "--parts", "semantic", "--profile", str(profile)
    )
    assert run.code == 0, run.out
    assert "untested" not in run.out
    line = next(line for line in run.out.splitlines() if line.startswith("enrollment_created_when_none"))
    assert "PASS" in line and "user-spare" in line
    assert "Spare users leave 2 more run(s)" in run.out


def test_report_json_and_baseline_list_what_started_failing(run_cli) -> None:
    first = run_cli(mock_app(), "--parts", "semantic,observed")
    document = json.loads((first.report_dir / "report.json").read_text(encoding="utf-8"))
    assert document["conforms"] and {r["outcome"] for r in document["results"]} <= {"pass", "recorded"}
    assert len(document["results"]) == len({r["check"] for r in document["results"]})
    second = run_cli(
        mock_app(QuizScoreOnThirdParty), "--parts", "semantic,observed", "--baseline",
        str(first.report_dir / "report.json"),
    )  # fmt: skip
    assert second.code == 1
    assert "started failing: no_quiz_score_without_rise_quiz (import.no-third-party-score)" in second.out
    changes = json.loads((second.report_dir / "report.json").read_text(encoding="utf-8"))["changes"]
    assert {"kind": "started failing", "check": "no_quiz_score_without_rise_quiz"}.items() <= changes[
        0
    ].items()
    assert "## Since the baseline" in (second.report_dir / "report.md").read_text(encoding="utf-8")


def test_a_baseline_that_is_not_a_report_exits_2(run_cli, tmp_path: Path) -> None:
    bad = tmp_path / "report.json"
    bad.write_text("[1, 2]", encoding="utf-8")
    run = run_cli(mock_app(), "--parts", "semantic", "--baseline", str(bad))
    assert run.code == 2 and "--baseline" in run.err


def _applies_refused_keys(app: Any) -> Any:
    """A wrong key is answered 401, but the import behind it is applied all the same."""

    def request(scope: Scope, body: bytes) -> tuple[Scope, bytes]:
        wrong = (b"authorization", f"Bearer {WRONG_KEY}".encode())
        if wrong in scope["headers"]:
            scope["headers"] = [h for h in scope["headers"] if h != wrong] + [
                (b"authorization", b"Bearer rise-mock-key"),
                (b"x-refuse", b"1"),
            ]
        return scope, body

    def response(scope: Scope, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> Any:
        if (b"x-refuse", b"1") in scope["headers"]:
            return 401, [(b"content-type", b"application/json")], b'{"code": "unauthorized", "message": "no"}'
        return status, headers, body

    return RequestRewriter(ResponseRewriter(app, response), request)


def test_a_refused_write_applied_behind_a_lagging_report_is_caught_once_the_sentinel_shows(run_cli) -> None:
    lagging = create_app(tenant=demo_tenant(report_lag=timedelta(seconds=1)))
    run = run_cli(_applies_refused_keys(lagging), "--parts", "semantic", "--report-timeout", "10")
    assert run.code == 1, run.out
    assert "missing_or_wrong_key_is_unauthorized" in run.failed
    report = (run.report_dir / "report.md").read_text(encoding="utf-8")
    finding = report.split("### missing_or_wrong_key_is_unauthorized", 1)[1]
    assert "auth.bearer" in finding and "once the sentinel import showed" in finding
    assert "applying writes in the order" in report


def _journaled() -> tuple[Any, MemoryJournal]:
    journal = MemoryJournal()
    return create_app(
        backend=Backend(Tenant(load_seed_file(DEMO_SEED_PATH)), journal, MemoryFaults())
    ), journal


def _writes(journal: MemoryJournal) -> list[tuple[str, str, str]]:
    return [(e.method, e.path, json.dumps(e.body)) for e in journal.entries() if e.method != "GET"]


def test_the_same_seed_sends_the_same_writes_and_another_seed_others(run_cli) -> None:
    sent, reports = [], []
    for seed in ("9", "9", "10"):
        app, journal = _journaled()
        run = run_cli(app, "--parts", "semantic,observed", "--seed", seed)
        assert run.code == 0, run.out
        sent.append(_writes(journal))
        reports.append((run.report_dir / "report.md").read_text(encoding="utf-8"))
    assert sent[0] == sent[1]
    assert sent[0] != sent[2]
    assert "rise-conformance run --base-url http://127.0.0.1 --seed 9 --parts semantic,observed" in reports[0]


def test_the_same_seed_sends_the_same_schemathesis_requests(run_cli) -> None:
    """Every request is the same; a body may differ only where the stateful phase reuses a value the
    target answered with, and the target's clock made that answer differ (today's dates)."""
    today = datetime.now(UTC).strftime("%Y-%m-%d")
    sent = []
    for _ in range(2):
        app, journal = _journaled()
        run = run_cli(app, "--parts", "schema", "--max-examples", "2", "--seed", "4")
        assert run.code == 0, run.out
        sent.append([(e.method, e.path, e.query, json.dumps(e.body)) for e in journal.entries()])
    assert len(sent[0]) > 100 and len(sent[0]) == len(sent[1])
    for first, second in zip(*sent, strict=True):
        assert first[:3] == second[:3]
        assert first[3] == second[3] or today in first[3] + second[3], (first, second)


def test_a_second_run_against_the_same_tenant_conforms_and_counts_what_it_could_not_test(run_cli) -> None:
    app = mock_app()
    for seed in ("7", "7", "8"):
        run = run_cli(app, "--parts", "semantic,observed", "--seed", seed)
        assert run.code == 0, run.out
        assert not run.failed
