"""A server that differs from the mock only on a decision of this contract fails a run without
--allow-drift, and the finding names the decision (an `assumption` rule) it differs on."""

from __future__ import annotations

import pytest
from servers import decisions

from conformance.checks.promises import rule_bases


@pytest.mark.parametrize("name", decisions.SERVERS)
def test_run_without_allow_drift_fails_on_a_decision(run_cli, name: str) -> None:
    server = decisions.SERVERS[name]
    assert server.rule is not None and rule_bases()[server.rule] == "assumption"
    run = run_cli(server.build(), "--parts", server.part, "--report-timeout", "0.2", in_process=True)
    assert run.code == 1, run.out
    assert run.breaking(server.rule), f"{name}: rules broken {sorted(run.broken_rules)}\n{run.out}"
