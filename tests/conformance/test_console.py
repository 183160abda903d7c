"""The terminal consumer of run events: progress lines in a log, the live line on a terminal."""

from __future__ import annotations

from conformance.engine.events import PartStarted, Progress
from conformance.engine.results import Part
from conformance.reporting.console import ConsoleView

SCHEMATHESIS_LINES = [
    "✅  Examples (in 0.23s)",
    "✅  Coverage (in 2.73s)",
    "Some other line",
    "✅ Examples",
    "✅ Coverage",
]


def _written(live: bool) -> str:
    out: list[str] = []
    view = ConsoleView(out.append, live=live, secret=None)
    view(PartStarted(part=Part.SCHEMA, total=1))
    for line in SCHEMATHESIS_LINES:
        view(Progress(text=line))
    return "".join(out)


def test_console_log_prints_each_schemathesis_phase_once() -> None:
    assert _written(live=False).splitlines() == [
        "[schema] ✅  Examples (in 0.23s)",
        "[schema] ✅  Coverage (in 2.73s)",
    ]


def test_console_live_line_follows_the_latest_phase_line() -> None:
    assert _written(live=True).endswith("[schema] ✅ Coverage")
