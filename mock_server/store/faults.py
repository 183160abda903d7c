"""Faults an integrator asks for, to see how their importer copes: errors, rate limits, slow answers, and
connections that drop or end mid-answer.

A fault matches requests by method and path pattern and fires a given number of times. Faults are the
only way the mock answers 5xx or 429. This module holds the record, the one rule for which fault fires
(`take`), the `Faults` protocol and its in-memory implementation; the SQLite one is in `sqlite.py`.
"""

from __future__ import annotations

import fnmatch
import threading
from collections.abc import Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any, Protocol

from mock_server.model.errors import RiseError

DEFAULT_RETRY_AFTER = 1
"""Seconds a 429 fault asks the client to wait when the fault names none: a 429 always says how long."""


class Network(StrEnum):
    """Network faults: what an importer meets when a connection fails rather than answers."""

    DROP = "drop"
    """The connection closes with no answer at all; the request is not processed."""
    TRUNCATE = "truncate"
    """The request is processed, and its answer's headers promise more bytes than are sent before the
    connection closes."""


@dataclass(frozen=True)
class Fault:
    """`times` more requests matching `method` and `path` (a glob such as /courses/*/users/*/completions)
    get `status` (0: answer normally), or the `network` fault, after `delay_ms`."""

    path: str = "*"
    method: str = "*"
    status: int = 500
    times: int = 1
    delay_ms: int = 0
    retry_after: int | None = None
    network: Network | None = None

    def __post_init__(self) -> None:
        if self.network is not None:  # stored faults come back with the plain string
            object.__setattr__(self, "network", Network(self.network))

    @property
    def retry_after_header(self) -> int | None:
        """The Retry-After the answer carries: the fault's own, and for a 429 at least the default."""
        if self.retry_after is None and self.status == 429:
            return DEFAULT_RETRY_AFTER
        return self.retry_after

    def matches(self, method: str, path: str) -> bool:
        return fnmatch.fnmatchcase(method, self.method.upper()) and fnmatch.fnmatchcase(path, self.path)


@dataclass(frozen=True)
class Taken:
    """The fault that fires, where it stood, and what is left of it (None once it is used up)."""

    index: int
    fault: Fault
    left: Fault | None


def take(pending: Sequence[Fault], method: str, path: str) -> Taken | None:
    """The first pending fault that matches the request, used up by one; None when none matches."""
    for index, fault in enumerate(pending):
        if fault.matches(method, path):
            left = replace(fault, times=fault.times - 1) if fault.times > 1 else None
            return Taken(index, fault, left)
    return None


class Faults(Protocol):
    """The faults waiting to fire, in the order they were added."""

    def add(self, fault: Fault) -> None: ...
    def clear(self) -> None: ...
    def pending(self) -> list[Fault]: ...
    def take(self, method: str, path: str) -> Fault | None:
        """The fault this request gets (see `take`), or None."""


class MemoryFaults:
    """Faults of one process."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def add(self, fault: Fault) -> None:
        with self._lock:
            self._faults.append(fault)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def pending(self) -> list[Fault]:
        with self._lock:
            return list(self._faults)

    def take(self, method: str, path: str) -> Fault | None:
        with self._lock:
            taken = take(self._faults, method, path)
            if taken is None:
                return None
            if taken.left is None:
                del self._faults[taken.index]
            else:
                self._faults[taken.index] = taken.left
            return taken.fault


def fault_from_json(document: dict[str, Any]) -> Fault:
    """A fault from its control-API form (already validated against control.yaml). A network fault sends
    no answer of its own, so it takes no status and no retryAfter (RiseError `invalid_request`)."""
    network = document.get("network")
    if network is not None:
        extra = [name for name in ("status", "retryAfter") if document.get(name) not in (None, 0)]
        if extra:
            raise RiseError(
                "invalid_request",
                f"a {network!r} fault sends no answer of its own, so it takes no {' or '.join(extra)}: "
                f"leave {'it' if len(extra) == 1 else 'them'} out, or add a separate fault for a status "
                "answer.",
            )
    return Fault(
        path=document.get("path", "*"),
        method=document.get("method", "*"),
        status=0 if network is not None else document.get("status", 500),
        times=document.get("times", 1),
        delay_ms=document.get("delayMs", 0),
        retry_after=document.get("retryAfter"),
        network=network,
    )


def fault_json(fault: Fault) -> dict[str, Any]:
    return {
        "method": fault.method,
        "path": fault.path,
        "status": fault.status,
        "times": fault.times,
        "delayMs": fault.delay_ms,
        "retryAfter": fault.retry_after_header,
        "network": fault.network,
    }
