"""A target that rate-limits (429 with Retry-After) is waited for, not failed: the contract allows 429."""

from __future__ import annotations

from mock_server.http.app import Backend, create_app
from mock_server.model.seed import DEMO_SEED_PATH, load_seed_file
from mock_server.model.tenant import Tenant
from mock_server.store.faults import Fault, MemoryFaults
from mock_server.store.journal import MemoryJournal


def _rate_limiting_app(*faults: Fault):
    pending = MemoryFaults()
    for fault in faults:
        pending.add(fault)
    journal = MemoryJournal()
    return create_app(backend=Backend(Tenant(load_seed_file(DEMO_SEED_PATH)), journal, pending)), journal


def test_schema_phase_waits_out_a_429_and_passes(run_cli) -> None:
    app, journal = _rate_limiting_app(
        Fault(method="GET", path="/reports/*", status=429, times=1, retry_after=1)
    )
    run = run_cli(app, "--parts", "schema", "--schema-phases", "examples", "--max-examples", "5")
    assert run.code == 0, run.out
    assert 429 in [entry.status for entry in journal.entries()]


def test_semantic_checks_wait_out_a_429_and_pass(run_cli) -> None:
    app, journal = _rate_limiting_app(
        Fault(method="POST", path="/courses/*/users/*/completions", status=429, times=2, retry_after=1)
    )
    run = run_cli(app, "--parts", "semantic,observed")
    assert run.code == 0, run.out
    assert [entry.status for entry in journal.entries()].count(429) == 2
    assert "2 answers 429" in (run.report_dir / "report.md").read_text(encoding="utf-8")
