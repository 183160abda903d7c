"""The events a run emits, in order; the console, the reports and tests are listeners."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from conformance.engine.results import Check, Part, Result, RunReport
from conformance.engine.settings import RunSettings


@dataclass(frozen=True)
class RunStarted:
    settings: RunSettings
    seed: int


@dataclass(frozen=True)
class PartStarted:
    part: Part
    total: int


@dataclass(frozen=True)
class CheckStarted:
    check: Check
    index: int
    total: int


@dataclass(frozen=True)
class CheckFinished:
    result: Result


@dataclass(frozen=True)
class Progress:
    """A line of Schemathesis output."""

    text: str


@dataclass(frozen=True)
class Status:
    """What the run is doing now: its phase, the requests sent (of the budget), the time left if known."""

    phase: str
    sent: int
    budget: int | None
    time_left: float | None = None


@dataclass(frozen=True)
class RunFinished:
    report: RunReport


Event = RunStarted | PartStarted | CheckStarted | CheckFinished | Progress | Status | RunFinished
Listener = Callable[[Event], None]
