"""The one poller: read until a condition holds or the report timeout runs out, backing off between reads.

Used by the batched report wait of a run, the Schemathesis hook and the differential phase, so that
"has the report caught up?" is asked the same way everywhere, without fixed sleeps.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")

FIRST_DELAY_SECONDS = 0.05
MAX_DELAY_SECONDS = 5.0


@dataclass(frozen=True)
class Waited(Generic[T]):
    """The last value read, how long the wait took, and whether the condition held (False: timed out)."""

    value: T
    seconds: float
    caught_up: bool


@dataclass
class Poller:
    """Polls with a delay doubling from `first` to `ceiling` seconds, never past the timeout."""

    timeout: float
    first: float = FIRST_DELAY_SECONDS
    ceiling: float = MAX_DELAY_SECONDS
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic

    def wait(self, read: Callable[[], T], done: Callable[[T], bool]) -> Waited[T]:
        started = self.clock()
        delay = self.first
        while True:
            value = read()
            elapsed = self.clock() - started
            if done(value):
                return Waited(value, elapsed, True)
            if elapsed >= self.timeout:
                return Waited(value, elapsed, False)
            self.sleep(min(delay, self.timeout - elapsed))
            delay = min(delay * 2, self.ceiling)
