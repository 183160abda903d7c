"""Fixtures of the conformance tests: serve an app on a loopback port and run the CLI against it."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from conformance.cli import main
from mock_server.serving import serving

IN_PROCESS_URL = "http://127.0.0.1"
"""The base URL of an in-process target: loopback, so the run paces it as it would the local mock."""


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


def _needs_a_server(args: tuple[str, ...]) -> bool:
    """The Schemathesis part needs a real server; the others run in-process."""
    if "--parts" not in args:
        return True
    return "schema" in args[args.index("--parts") + 1]


@pytest.fixture
def run_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> RunCli:
    """`run_cli(app, *args)`: run `rise-conformance run` against `app`, in-process over Starlette's test
    transport unless the Schemathesis part runs (then `app` is served on 127.0.0.1)."""
    counter = iter(range(1000))

    def run(app: object | None, *args: str, key: str = "rise-mock-key") -> CliRun:
        report_dir = tmp_path / f"report-{next(counter)}"
        argv = ["run", "--report-dir", str(report_dir), "--seed", "7", *args]
        if app is None:
            code = main(argv)
        elif _needs_a_server(args):
            with serving(app) as url:
                code = main([*argv, "--base-url", url, "--api-key", key])
        else:
            with TestClient(app, base_url=IN_PROCESS_URL) as client:  # type: ignore[arg-type]
                code = main([*argv, "--base-url", IN_PROCESS_URL, "--api-key", key], http=client)
        captured = capsys.readouterr()
        return CliRun(code, captured.out, captured.err, report_dir)

    return run
