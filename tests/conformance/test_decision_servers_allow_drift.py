"""With --allow-drift, a server that differs from the mock only on decisions of this contract passes:
the run lists each difference as drift (the rule, what the contract decided, what the target did) and
exits 0. Every in-process part runs, so no other check may mistake the decision for a broken fact.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree

import pytest
from servers import decisions

from conformance.engine.results import Part
from conformance.engine.settings import PARTS

IN_PROCESS = ",".join(part.value for part in PARTS if part is not Part.SCHEMA)


@pytest.mark.parametrize("name", decisions.SERVERS)
def test_run_with_allow_drift_lists_the_decision_and_passes(run_cli, name: str) -> None:
    server = decisions.SERVERS[name]
    run = run_cli(
        server.build(),
        "--parts",
        IN_PROCESS,
        "--allow-drift",
        "--report-timeout",
        "0.5",
        "--differential-examples",
        "6",
        in_process=True,
    )
    assert run.code == 0, f"{name}: {sorted(run.failed)}\n{run.out}"
    drifted = [line for line in run.out.splitlines() if re.match(r"^\S+\s+DRIFT\s", line)]
    assert drifted, run.out
    report = (run.report_dir / "report.md").read_text(encoding="utf-8")
    assert server.rule in report.split("rift", 1)[-1], report


@pytest.mark.parametrize("name", decisions.SERVERS)
def test_run_without_allow_drift_reports_the_decision_as_drift(run_cli, name: str) -> None:
    server = decisions.SERVERS[name]
    run = run_cli(server.build(), "--parts", server.part, "--report-timeout", "0.2", in_process=True)
    assert run.code == 1, run.out
    root = ElementTree.parse(run.report_dir / "junit.xml").getroot()
    kinds = {f.get("type") for f in root.iter("failure") if server.rule in (f.text or "")}
    assert kinds == {"drift"}, f"{name}: findings on {server.rule} typed {kinds}"
