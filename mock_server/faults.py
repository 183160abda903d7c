"""Faults an integrator asks for, to see how their importer copes: errors, rate limits, slow answers.

A fault matches requests by method and path pattern and fires a given number of times. Faults are the
only way the mock answers 5xx or 429.
"""

from __future__ import annotations

import asyncio
import fnmatch
import json
import threading
from dataclasses import dataclass, replace
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

_CODES = {429: "rate_limited", 500: "internal_error", 502: "bad_gateway", 503: "service_unavailable"}


@dataclass(frozen=True)
class Fault:
    """`times` more requests matching `method` and `path` (a glob such as /courses/*/users/*/completions)
    get `status` (0: answer normally) after `delay_ms`."""

    path: str = "*"
    method: str = "*"
    status: int = 500
    times: int = 1
    delay_ms: int = 0
    retry_after: int | None = None

    def matches(self, method: str, path: str) -> bool:
        return fnmatch.fnmatchcase(method, self.method.upper()) and fnmatch.fnmatchcase(path, self.path)


class Faults:
    """The faults waiting to fire, in the order they were added."""

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
        """The first matching fault, used up by one."""
        with self._lock:
            for index, fault in enumerate(self._faults):
                if fault.matches(method, path):
                    if fault.times <= 1:
                        del self._faults[index]
                    else:
                        self._faults[index] = replace(fault, times=fault.times - 1)
                    return fault
        return None

    def as_json(self) -> list[dict[str, Any]]:
        return [fault_json(fault) for fault in self.pending()]


def fault_from_json(document: dict[str, Any]) -> Fault:
    """A fault from its control-API form (already validated against control.yaml)."""
    return Fault(
        path=document.get("path", "*"),
        method=document.get("method", "*"),
        status=document.get("status", 500),
        times=document.get("times", 1),
        delay_ms=document.get("delayMs", 0),
        retry_after=document.get("retryAfter"),
    )


def fault_json(fault: Fault) -> dict[str, Any]:
    return {
        "method": fault.method,
        "path": fault.path,
        "status": fault.status,
        "times": fault.times,
        "delayMs": fault.delay_ms,
        "retryAfter": fault.retry_after,
    }


class FaultMiddleware:
    """Answers a matching request with its fault instead of the API (or after a delay, with the API)."""

    def __init__(self, app: ASGIApp, *, faults: Faults, skip_prefixes: tuple[str, ...]) -> None:
        self.app = app
        self.faults = faults
        self.skip_prefixes = skip_prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        fault = None
        if scope["type"] == "http" and not scope["path"].startswith(self.skip_prefixes):
            fault = self.faults.take(scope["method"], scope["path"])
        if fault is None:
            await self.app(scope, receive, send)
            return
        if fault.delay_ms:
            await asyncio.sleep(fault.delay_ms / 1000)
        if not fault.status:
            await self.app(scope, receive, send)
            return
        code = _CODES.get(fault.status, "injected_fault")
        body = json.dumps(
            {
                "code": code,
                "message": f"Fault injected by POST /__mock/faults ({fault.status} for {fault.method} "
                f"{fault.path}): your client should retry or report it; DELETE /__mock/faults removes it.",
            }
        ).encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        if fault.retry_after is not None:
            headers.append((b"retry-after", str(fault.retry_after).encode()))
        await send({"type": "http.response.start", "status": fault.status, "headers": headers})
        await send({"type": "http.response.body", "body": body})
