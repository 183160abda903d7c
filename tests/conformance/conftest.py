"""Fixtures of the conformance tests: serve an app on a loopback port and run the CLI against it."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from conformance.cli import main
from mock_server.serving import serving


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


RunCli = Callable[..., CliRun]


@pytest.fixture
def run_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> RunCli:
    """`run_cli(app, *args)`: serve `app` on 127.0.0.1 and run `rise-conformance run` against it."""
    counter = iter(range(1000))

    def run(app: object | None, *args: str, key: str = "rise-mock-key") -> CliRun:
        report_dir = tmp_path / f"report-{next(counter)}"
        argv = ["run", "--report-dir", str(report_dir), "--seed", "7", *args]
        if app is None:
            code = main(argv)
        else:
            with serving(app) as url:
                code = main([*argv, "--base-url", url, "--api-key", key])
        captured = capsys.readouterr()
        return CliRun(code, captured.out, captured.err, report_dir)

    return run
