"""Fixtures of the conformance tests: serve an app on a loopback port and run the CLI against it."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from conformance.cli import main
from conformance.engine.inprocess import AppTransport
from mock_server.serving import serving

IN_PROCESS_URL = "http://127.0.0.1"
"""The --base-url of an in-process run: loopback, so unpaced; requests never leave the process."""
BREAKS = re.compile(r"^breaks ([\w.-]+) \(", re.MULTILINE)


@dataclass(frozen=True)
class CliRun:
    code: int
    out: str
    err: str
    report_dir: Path

    @property
    def failed(self) -> set[str]:
        """Names of the checks the JUnit report marks as failed."""
        root = ElementTree.parse(self.report_dir / "junit.xml").getroot()
        return {case.get("name", "") for case in root.iter("testcase") if case.find("failure") is not None}

    def breaking(self, rule: str) -> set[str]:
        """Names of the checks whose finding, in junit.xml, says it breaks `rule`."""
        root = ElementTree.parse(self.report_dir / "junit.xml").getroot()
        return {
            case.get("name", "")
            for case in root.iter("testcase")
            for failure in case.findall("failure")
            if rule in BREAKS.findall(failure.text or "")
        }

    @property
    def broken_rules(self) -> set[str]:
        """The rule IDs the findings in junit.xml say they break."""
        root = ElementTree.parse(self.report_dir / "junit.xml").getroot()
        return {rule for failure in root.iter("failure") for rule in BREAKS.findall(failure.text or "")}

    def console_failed(self, check: str) -> bool:
        """The console lists `check` as failed (or drifted)."""
        return any(
            re.match(rf"^\s*(FAIL|DRIFT)\s+{re.escape(check)}$", line) for line in self.out.splitlines()
        )


RunCli = Callable[..., CliRun]


def _needs_a_server(args: tuple[str, ...]) -> bool:
    """The Schemathesis part needs a real server; the others run in-process."""
    if "--parts" not in args:
        return True
    return "schema" in args[args.index("--parts") + 1]


@pytest.fixture
def run_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> RunCli:
    """`run_cli(app, *args)`: run `rise-conformance run` against `app`, in-process (`AppTransport`) unless
    the Schemathesis part runs (then `app` is served on 127.0.0.1)."""
    counter = iter(range(1000))

    def run(
        app: object | None, *args: str, key: str = "rise-mock-key", in_process: bool | None = None
    ) -> CliRun:
        """`in_process` sends every request straight to `app` (no port); by default a run goes in-process
        unless it includes the schema part, which needs a server."""
        report_dir = tmp_path / f"report-{next(counter)}"
        argv = ["run", "--report-dir", str(report_dir), "--seed", "7", *args]
        if in_process is None:
            in_process = not _needs_a_server(args)
        if app is None:
            code = main(argv)
        elif in_process:
            transport = AppTransport(app)
            try:
                code = main([*argv, "--base-url", IN_PROCESS_URL, "--api-key", key], transport=transport)
            finally:
                transport.close()
        else:
            with serving(app) as url:
                code = main([*argv, "--base-url", url, "--api-key", key])
        captured = capsys.readouterr()
        return CliRun(code, captured.out, captured.err, report_dir)

    return run
