"""The engine on an in-process target: every check reads before any write, every write goes out before the
one report wait, a run keeps to its budget, Ctrl-C still leaves the reports of what ran."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from starlette.testclient import TestClient

from conformance.cli import main
from conformance.engine.client import Budget, BudgetSpent, RiseClient
from conformance.engine.events import CheckFinished, Event, RunFinished, RunStarted, Status
from conformance.engine.results import Outcome, Part, Result
from conformance.engine.runner import run
from conformance.engine.settings import RunSettings
from conformance.profile import load_profile, parse_profile
from mock_server.http.app import Backend, create_app
from mock_server.model.seed import DEMO_SEED_PATH, load_seed_file
from mock_server.model.tenant import Tenant
from mock_server.store.faults import MemoryFaults
from mock_server.store.journal import MemoryJournal

URL = "http://127.0.0.1"


def _mock(**options: object) -> tuple[object, MemoryJournal]:
    journal = MemoryJournal()
    tenant = Tenant(load_seed_file(DEMO_SEED_PATH), **options)  # type: ignore[arg-type]
    return create_app(backend=Backend(tenant, journal, MemoryFaults())), journal


def _run(app: object, **settings: object) -> tuple[list[Event], object]:
    events: list[Event] = []
    options = {"parts": (Part.SEMANTIC, Part.OBSERVED), "seed": 5, "report_timeout": 10.0, **settings}
    with TestClient(app, base_url=URL) as client:  # type: ignore[arg-type]
        report = run(RunSettings(URL, "rise-mock-key", load_profile(), **options), events.append, http=client)  # type: ignore[arg-type]
    return events, report


def test_every_write_goes_out_before_the_report_wait_and_after_every_read_of_the_plan() -> None:
    app, journal = _mock()
    _events, report = _run(app)
    assert report.conforms  # type: ignore[attr-defined]
    entries = journal.entries()
    writes = [i for i, e in enumerate(entries) if e.method in ("POST", "PUT")]
    first, last = writes[0], writes[-1]
    assert all(entries[i].method in ("POST", "PUT") for i in range(first, last + 1)), (
        "no report is read between the first and the last write of the batch"
    )
    assert any(e.path.startswith("/reports/") for e in entries[:first]), "the plan reads the reports first"


def test_events_come_in_order_with_progress_and_a_typed_result_per_check() -> None:
    app, _ = _mock()
    events, report = _run(app)
    assert isinstance(events[0], RunStarted) and isinstance(events[-1], RunFinished)
    phases = [e.phase for e in events if isinstance(e, Status)]
    first_of = {p.split(":")[0].split(" (")[0]: i for i, p in reversed(list(enumerate(phases)))}
    assert first_of["planning"] < first_of["sending writes"] < first_of["waiting for the reports to catch up"]
    finished = [e.result for e in events if isinstance(e, CheckFinished)]
    assert finished == report.results and all(isinstance(r, Result) for r in finished)  # type: ignore[attr-defined]
    assert all(isinstance(e.sent, int) for e in events if isinstance(e, Status))


def test_a_lagging_report_is_waited_for_once_and_the_lag_reported() -> None:
    app, _ = _mock(report_lag=timedelta(seconds=2))
    _events, report = _run(app)
    assert report.conforms  # type: ignore[attr-defined]
    lag = next(n for n in report.notes if n.startswith("Report lag measured"))  # type: ignore[attr-defined]
    # The mock dates writes to the second, so a write shows up to a second before its lag has passed:
    # with a lag of 2 s, between 1 and 2 s after it was sent.
    assert 0.9 <= float(lag.split("learner report ")[1].split(" s")[0]) < 5.0
    assert any("applying writes in the order" in n for n in report.notes)  # type: ignore[attr-defined]


def test_a_profile_too_small_for_one_round_runs_the_checks_in_rounds() -> None:
    courses = {"quiz": "rise-quiz-101", "no_quiz": "rise-intro-102", "third_party": "scorm-forklift-201"}
    profile = parse_profile({"courses": {**courses, "unpublished": "draft-301"}, "users": ["user-alan"]})
    app, _ = _mock()
    events: list[Event] = []
    with TestClient(app, base_url=URL) as client:  # type: ignore[arg-type]
        settings = RunSettings(
            URL, "rise-mock-key", profile, parts=(Part.SEMANTIC,), seed=3, report_timeout=5.0
        )
        report = run(settings, events.append, http=client)
    assert report.conforms, [(r.name, r.outcome, r.observed) for r in report.results if r.is_finding]
    assert any("rounds" in note for note in report.notes)
    assert not [
        r for r in report.results if r.outcome is Outcome.SKIP and r.reason == "too few profile pairs"
    ]


def test_the_client_sends_nothing_past_its_budget() -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json={}))
    with RiseClient(URL, "k", http=httpx.Client(transport=transport), budget=Budget(3)) as client:
        for _ in range(3):
            client.get("/courses")
        with pytest.raises(BudgetSpent, match="budget of 3"):
            client.get("/courses")
    assert client.budget.sent == 3


def test_a_run_stops_at_its_budget_and_lists_what_it_did_not_judge() -> None:
    app, journal = _mock()
    _events, report = _run(app, budget=30)
    assert report.requests <= 30 and len(journal.entries()) <= 30  # type: ignore[attr-defined]
    skipped = [r for r in report.results if r.outcome is Outcome.SKIP]  # type: ignore[attr-defined]
    assert skipped and any("budget" in note for note in report.notes)  # type: ignore[attr-defined]


class _InterruptAfter(httpx.BaseTransport):
    """Passes requests to `inner` until the N-th, where it acts as a Ctrl-C would."""

    def __init__(self, inner: httpx.BaseTransport, after: int) -> None:
        self.inner, self.left = inner, after

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.left -= 1
        if self.left < 0:
            raise KeyboardInterrupt
        return self.inner.handle_request(request)


def test_ctrl_c_stops_cleanly_and_still_writes_the_reports(tmp_path: Path, capsys) -> None:
    app, _ = _mock()
    with TestClient(app, base_url=URL) as client:  # type: ignore[arg-type]
        interrupting = httpx.Client(base_url=URL, transport=_InterruptAfter(client._transport, 20))
        code = main(
            ["run", "--base-url", URL, "--api-key", "rise-mock-key", "--parts", "semantic", "--seed", "2",
             "--report-dir", str(tmp_path)], http=interrupting,
        )  # fmt: skip
    assert code == 130
    out = capsys.readouterr().out
    assert "interrupted" in out
    for name in ("junit.xml", "report.md", "report.json"):
        assert (tmp_path / name).exists()
    assert "interrupted before it was judged" in (tmp_path / "report.md").read_text(encoding="utf-8")
