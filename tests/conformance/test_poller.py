"""The one poller: reads until the condition holds or the timeout passes, backing off, never past it."""

from __future__ import annotations

from conformance.engine.poller import Poller


class FakeTime:
    """A clock that only moves when the poller sleeps."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def test_poller_returns_as_soon_as_the_condition_holds() -> None:
    time = FakeTime()
    reads = iter([1, 2, 3, 4])
    waited = Poller(10, sleep=time.sleep, clock=time.clock).wait(
        lambda: next(reads), lambda value: value == 3
    )
    assert waited.caught_up and waited.value == 3
    assert time.sleeps == [0.05, 0.1]


def test_poller_backs_off_to_its_ceiling_and_stops_at_the_timeout() -> None:
    time = FakeTime()
    waited = Poller(30, sleep=time.sleep, clock=time.clock).wait(lambda: "old", lambda value: value == "new")
    assert not waited.caught_up and waited.value == "old"
    assert max(time.sleeps) == 5.0
    assert time.now == 30.0, "the last sleep ends exactly at the timeout"
    assert waited.seconds == 30.0


def test_poller_reads_once_when_the_timeout_is_zero() -> None:
    time = FakeTime()
    calls = []
    waited = Poller(0, sleep=time.sleep, clock=time.clock).wait(
        lambda: calls.append(1) or len(calls), lambda v: False
    )
    assert calls == [1] and not waited.caught_up and time.sleeps == []
