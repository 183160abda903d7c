"""The client: paced, 429-aware, never DELETE, and the key masked in everything it records."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from conformance.engine.client import RiseClient, _retry_delay, is_loopback, mask, parse_rate
from conformance.engine.settings import DEFAULT_RATE, RunSettings
from conformance.profile import load_profile
from mock_server.serving import serving

KEY = "k-123-secret"


def _limited_app() -> Starlette:
    """Answers 429 with Retry-After: 1 to the first request, then echoes the Authorization header."""
    calls: list[float] = []

    async def endpoint(request: Request) -> JSONResponse:
        calls.append(time.monotonic())
        if len(calls) == 1:
            return JSONResponse({"code": "rate_limited", "message": "slow down"}, 429, {"Retry-After": "1"})
        return JSONResponse({"auth": request.headers.get("authorization")})

    return Starlette(routes=[Route("/courses", endpoint)])


def test_client_waits_retry_after_on_429_then_records_the_answer() -> None:
    with serving(_limited_app()) as url, RiseClient(url, KEY) as client:
        started = time.monotonic()
        exchange = client.get("/courses")
        assert time.monotonic() - started >= 1.0
    assert exchange.status == 200
    assert [s.retry_after for s in client.rate_limited] == ["1"]


def test_client_masks_key_in_recorded_headers_and_bodies() -> None:
    with serving(_limited_app()) as url, RiseClient(url, KEY) as client:
        client.get("/courses")
        exchange = client.get(f"/courses?echo={KEY}")
    text = exchange.describe()
    assert KEY not in text and "Bearer ***" in text


def test_client_paces_requests_to_its_rate() -> None:
    with serving(_limited_app()) as url, RiseClient(url, KEY, rate=10.0) as client:
        client.get("/courses")  # the 429 and its wait are not what is measured
        started = time.monotonic()
        for _ in range(4):
            client.get("/courses")
        assert time.monotonic() - started >= 0.3


def test_client_never_sends_delete() -> None:
    with (
        RiseClient("http://127.0.0.1:9", KEY) as client,
        pytest.raises(ValueError, match="never sends DELETE"),
    ):
        client.request("DELETE", "/courses/x")


def test_default_rate_applies_only_off_loopback() -> None:
    profile = load_profile()
    assert RunSettings("https://api.rise.com", KEY, profile).effective_rate == DEFAULT_RATE
    assert RunSettings("http://127.0.0.1:8080", KEY, profile).effective_rate is None
    assert RunSettings("http://localhost:8080", KEY, profile, rate=5.0).effective_rate == 5.0


@pytest.mark.parametrize(
    ("url", "loopback"),
    [
        ("http://127.0.0.2:1", True),
        ("http://[::1]:1", True),
        ("http://localhost", True),
        ("https://api.rise.com", False),
    ],
)
def test_is_loopback(url: str, loopback: bool) -> None:
    assert is_loopback(url) is loopback


def test_parse_rate_reads_units_and_refuses_nonsense() -> None:
    assert parse_rate("2/s") == 2.0 and parse_rate("120/m") == 2.0
    with pytest.raises(ValueError, match="2/s"):
        parse_rate("0/s")


def test_mask_hides_every_occurrence() -> None:
    assert mask(f"a {KEY} b {KEY}", KEY) == "a *** b ***"
    assert mask("text", None) == "text"


def test_mask_with_a_short_key_hides_it_whole_and_no_fragment_of_another_word() -> None:
    line = "http://127.0.0.1:18502 refused the API key (401)"
    assert mask(line, "1") == line
    assert mask("Authorization: Bearer 1", "1") == "Authorization: Bearer ***"
    assert mask("GET /reports/learners/user-ada?key=ada", "ada") == "GET /reports/learners/user-ada?key=***"


@pytest.mark.parametrize(
    ("retry_after", "low", "high"),
    [(None, 1.0, 1.0), ("2", 2.0, 2.0), ("not a date", 1.0, 1.0), ("86400", 60.0, 60.0)],
)
def test_retry_delay_reads_retry_after_and_caps_it(retry_after, low, high) -> None:
    assert low <= _retry_delay(retry_after) <= high


def test_retry_delay_reads_an_http_date() -> None:
    in_five = format_datetime(datetime.now(UTC) + timedelta(seconds=5), usegmt=True)
    assert 3.0 <= _retry_delay(in_five) <= 5.0
