"""No false positives: rise-conformance passes servers that keep the contract and differ from the mock
only where the contract leaves things free. Each runs every in-process part but the semantic one, whose
settling waits make it slow; one server stacking the variations runs the semantic part too."""

from __future__ import annotations

import pytest
from servers import free

from conformance.engine.results import Part
from conformance.engine.settings import PARTS

IN_PROCESS = [part.value for part in PARTS if part is not Part.SCHEMA]
REPORT_TIMEOUT = "5"
"""Generous: a faithful server must pass however long its reports take, up to the timeout."""
DIFFERENTIAL = ("--differential-examples", "6")
"""The differential part at a fifth of its default size: every free variation meets its model in a few
sequences (tests/conformance/differential tests the phase itself at length)."""


@pytest.mark.parametrize("name", free.SERVERS)
def test_run_passes_a_server_that_differs_only_where_the_contract_is_free(run_cli, name: str) -> None:
    parts = ",".join(part for part in IN_PROCESS if part != Part.SEMANTIC.value)
    run = run_cli(
        free.SERVERS[name].build(),
        "--parts",
        parts,
        "--report-timeout",
        REPORT_TIMEOUT,
        *DIFFERENTIAL,
        in_process=True,
    )
    assert run.code == 0, f"{name}: false positives {sorted(run.failed)}\n{run.out}"
    assert not run.failed


def test_run_passes_a_server_with_the_variations_stacked(run_cli) -> None:
    run = run_cli(
        free.all_at_once(),
        "--parts",
        ",".join(IN_PROCESS),
        "--report-timeout",
        REPORT_TIMEOUT,
        in_process=True,
    )
    assert run.code == 0, f"false positives {sorted(run.failed)}\n{run.out}"
    assert "PASS" in run.out and not run.failed


def test_variations_really_differ_from_the_mock(run_cli) -> None:
    """A variation tests something only if its answers differ from the mock's where it says."""
    from starlette.testclient import TestClient

    headers = {"Authorization": "Bearer rise-mock-key"}
    client = TestClient(free.all_at_once())
    client.post(
        "/courses/rise-intro-102/users/user-ada/completions",
        headers=headers,
        json={"startedAt": "2023-05-02T09:00:00Z", "completedAt": "2023-05-02T10:30:00Z"},
    )
    answers = [client.get("/reports/learners/user-ada", headers=headers) for _ in range(5)]
    assert 429 in {a.status_code for a in answers}
    row = next(a for a in answers if a.status_code == 200).json()["courses"][0]
    assert row["startedAt"] == "2023-05-02T11:00:00+02:00" and row["duration"] == "P0DT1H30M0S"
    listed = next(
        a for a in (client.get("/users?limit=2", headers=headers) for _ in range(3)) if a.status_code == 200
    )
    assert listed.json()["nextUrl"].startswith("https://rise.example.test/users?")
    refused = next(
        a for a in (client.get("/users/nobody", headers=headers) for _ in range(3)) if a.status_code == 404
    )
    assert "Requête refusée" in refused.json()["message"] and "requestId" in refused.json()
