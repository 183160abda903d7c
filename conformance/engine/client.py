"""The HTTP client the semantic checks and probes use: rate-limited, 429-aware, never sends DELETE,
and records every exchange with the API key masked so that evidence can be shown as is."""

from __future__ import annotations

import ipaddress
import json
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import httpx

from conformance.errors import TargetError
from mock_server.model.redaction import MASK, redact

MAX_RETRY_AFTER_SECONDS = 60.0
MAX_429_RETRIES = 3
_BODY_LIMIT = 2000


def mask(text: str, secret: str | None) -> str:
    """`text` with every whole occurrence of `secret` replaced (see `mock_server.model.redaction`), so
    no output ever carries the API key and a short key leaves other words as they are."""
    return redact(text, secret)


def is_loopback(base_url: str) -> bool:
    """True for 127.0.0.0/8, ::1 and localhost: the only targets the suite treats as disposable."""
    host = urlsplit(base_url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def parse_rate(text: str) -> float:
    """`N/s` (also `N/m`, `N/h`) as requests per second; raises ValueError with what to write instead."""
    amount, _, unit = text.partition("/")
    seconds = {"s": 1.0, "m": 60.0, "h": 3600.0}.get(unit or "s")
    try:
        count = float(amount)
    except ValueError:
        count = -1.0
    if seconds is None or count <= 0:
        raise ValueError(f"rate limit must look like 2/s, 100/m or 1000/h, got {text!r}")
    return count / seconds


class Pacer:
    """At most `rate` requests per second (None: no limit), spaced evenly: a shared tenant sees no bursts."""

    def __init__(self, rate: float | None) -> None:
        self.interval = 1.0 / rate if rate else 0.0
        self._next_slot = 0.0

    def wait(self) -> None:
        if not self.interval:
            return
        now = time.monotonic()
        time.sleep(max(0.0, self._next_slot - now))
        self._next_slot = max(now, self._next_slot) + self.interval


class BudgetSpent(Exception):
    """The run's --budget of requests is spent: nothing more is sent."""


@dataclass
class Budget:
    """Requests a run may send (None: no cap), and how many it has sent, every sender counted."""

    limit: int | None = None
    sent: int = 0

    def take(self) -> None:
        if self.limit is not None and self.sent >= self.limit:
            raise BudgetSpent(f"the request budget of {self.limit} (--budget) is spent")
        self.sent += 1

    def count(self, requests: int) -> None:
        """Requests another sender (the Schemathesis process) made."""
        self.sent += requests

    @property
    def remaining(self) -> int | None:
        return None if self.limit is None else max(self.limit - self.sent, 0)


@dataclass(frozen=True)
class Exchange:
    """One request and its response, as evidence: headers masked, bodies cut to a readable size."""

    method: str
    url: str
    request_headers: dict[str, str]
    request_body: str | None
    status: int
    response_headers: dict[str, str]
    response_body: str
    seconds: float

    def json(self) -> Any:
        """The response body as JSON, or None when it is not JSON."""
        try:
            return json.loads(self.response_body)
        except ValueError:
            return None

    @property
    def error_code(self) -> str | None:
        body = self.json()
        return body.get("code") if isinstance(body, dict) else None

    def to_dict(self) -> dict[str, Any]:
        """The exchange in machine form (report.json); already masked."""
        return {
            "method": self.method,
            "url": self.url,
            "requestHeaders": self.request_headers,
            "requestBody": self.request_body,
            "status": self.status,
            "responseHeaders": self.response_headers,
            "responseBody": _cut(self.response_body),
            "seconds": round(self.seconds, 3),
        }

    def describe(self) -> str:
        """Request and response as an HTTP transcript, for reports."""
        lines = [f"{self.method} {self.url}"]
        lines += [f"{name}: {value}" for name, value in self.request_headers.items()]
        if self.request_body is not None:
            lines += ["", self.request_body]
        lines += ["", f"HTTP {self.status}"]
        lines += [f"{name}: {value}" for name, value in self.response_headers.items()]
        if self.response_body:
            lines += ["", _cut(self.response_body)]
        return "\n".join(lines)


@dataclass
class RateLimitSighting:
    """A 429 the target answered, for the observed section."""

    url: str
    retry_after: str | None
    headers: dict[str, str] = field(default_factory=dict)
    """The 429 answer's headers (the version header is promised on it too)."""


@dataclass
class RiseClient:
    """A client for one target and one API key; `rate` is requests per second (None: unlimited).

    `http` may be any httpx client (an in-process one over an ASGI app, in tests); `pacer` may be shared
    with other senders of the same process so that together they keep the pace.
    """

    base_url: str
    api_key: str | None
    rate: float | None = None
    timeout: float = 30.0
    http: httpx.Client | None = None
    transport: httpx.BaseTransport | None = None
    """Where requests go instead of the network when no `http` client is given (an in-process app)."""
    pacer: Pacer | None = None
    budget: Budget = field(default_factory=Budget)
    exchanges: list[Exchange] = field(default_factory=list)
    rate_limited: list[RateLimitSighting] = field(default_factory=list)
    last_write_at: float = 0.0
    """When the last request that may write went out (time.monotonic); 0 before any."""
    _http: httpx.Client | None = field(init=False, repr=False)
    """The client requests go through; None when they go straight to `transport`."""
    _pacer: Pacer = field(init=False, repr=False)
    _owns_http: bool = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.base_url = self.base_url.rstrip("/")
        self._owns_http = self.http is None and self.transport is None
        self._http = self.http
        if self._owns_http:
            self._http = httpx.Client(timeout=self.timeout, follow_redirects=False)
        self._pacer = self.pacer or Pacer(self.rate)

    def close(self) -> None:
        if self._owns_http and self._http is not None:
            self._http.close()

    def __enter__(self) -> RiseClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def get(self, path_or_url: str, **kwargs: Any) -> Exchange:
        return self.request("GET", path_or_url, **kwargs)

    def request(
        self,
        method: str,
        path_or_url: str,
        *,
        json_body: Any = None,
        content: str | bytes | None = None,
        headers: dict[str, str] | None = None,
        token: str | None = "",
    ) -> Exchange:
        """Send one request. `token=""` sends the run's key, `None` no key, any other text that key."""
        if method.upper() == "DELETE":
            raise ValueError("the conformance suite never sends DELETE")
        url = path_or_url if path_or_url.startswith(("http://", "https://")) else self.base_url + path_or_url
        sent = dict(headers or {})
        key = self.api_key if token == "" else token
        if key is not None:
            sent["Authorization"] = f"Bearer {key}"
        if json_body is not None:
            content = json.dumps(json_body)
            sent.setdefault("Content-Type", "application/json")
        for _attempt in range(MAX_429_RETRIES + 1):
            response, seconds = self._send(method, url, sent, content)
            if response.status_code != 429:
                break
            retry_after = response.headers.get("Retry-After")
            self.rate_limited.append(RateLimitSighting(url, retry_after, dict(response.headers)))
            time.sleep(_retry_delay(retry_after))
        exchange = self._record(method, url, sent, content, response, seconds)
        self.exchanges.append(exchange)
        return exchange

    def _send(
        self, method: str, url: str, headers: dict[str, str], content: str | bytes | None
    ) -> tuple[httpx.Response, float]:
        self.budget.take()
        self._pacer.wait()
        if method.upper() not in ("GET", "HEAD"):
            self.last_write_at = time.monotonic()
        started = time.monotonic()
        try:
            if self._http is None:
                assert self.transport is not None
                response = self._in_process(self.transport, method, url, headers, content)
            else:
                response = self._http.request(method, url, headers=headers, content=content)
        except httpx.HTTPError as error:
            reason = mask(str(error), self.api_key) or type(error).__name__
            raise TargetError(
                f"{method} {mask(url, self.api_key)} failed: {reason}; "
                "check that --base-url points at a running server"
            ) from None
        return response, time.monotonic() - started

    @staticmethod
    def _in_process(
        transport: httpx.BaseTransport,
        method: str,
        url: str,
        headers: dict[str, str],
        content: str | bytes | None,
    ) -> httpx.Response:
        """Straight to the in-process app: an httpx.Client's cookies, redirects, auth flow and default
        headers cost as much per request as the transport and are none of them wanted here."""
        response = transport.handle_request(httpx.Request(method, url, headers=headers, content=content))
        response.read()
        return response

    def _record(
        self,
        method: str,
        url: str,
        headers: dict[str, str],
        content: str | bytes | None,
        response: httpx.Response,
        seconds: float,
    ) -> Exchange:
        secret = self.api_key
        request_body = content.decode("utf-8", "replace") if isinstance(content, bytes) else content
        return Exchange(
            method=method,
            url=mask(url, secret),
            request_headers={name: _masked_header(name, value, secret) for name, value in headers.items()},
            request_body=None if request_body is None else mask(_cut(request_body), secret),
            status=response.status_code,
            response_headers={name: mask(value, secret) for name, value in response.headers.items()},
            response_body=mask(response.text, secret),
            seconds=seconds,
        )


def _masked_header(name: str, value: str, secret: str | None) -> str:
    if name.lower() == "authorization" and secret and secret in value:
        return f"Bearer {MASK}"
    return mask(value, secret)


def _cut(text: str) -> str:
    return text if len(text) <= _BODY_LIMIT else text[:_BODY_LIMIT] + f"... ({len(text)} characters)"


def _retry_delay(retry_after: str | None) -> float:
    """Seconds to wait after a 429: its Retry-After (seconds or HTTP date) capped, else one second."""
    if not retry_after:
        return 1.0
    try:
        seconds = float(retry_after)
    except ValueError:
        try:
            seconds = (parsedate_to_datetime(retry_after) - datetime.now(UTC)).total_seconds()
        except (TypeError, ValueError):
            return 1.0
    return min(max(seconds, 0.0), MAX_RETRY_AFTER_SECONDS)
