"""Free variations: servers that keep the contract but differ from the mock where the contract leaves
things free (order, spellings, extra fields, wording, URL host, report lag, rate limits). Every run
against them must pass."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from email.utils import format_datetime
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from conformance.checks.dates import parse_duration, parse_instant
from servers.base import Server, answer, app_for, app_of, demo_tenant, json_rewriter, report_rows
from servers.lists import FREE as LIST_FREE

INSTANT_FIELDS = ("enrolledAt", "startedAt", "completedAt", "lastActiveAt")
LISTS = ("courses", "users", "learners")
PLUS_TWO = timezone(timedelta(hours=2))


def _each_object(document: Any, change: Any) -> Any:
    if isinstance(document, list):
        return [_each_object(item, change) for item in document]
    if isinstance(document, dict):
        return change({key: _each_object(value, change) for key, value in document.items()})
    return document


def instants(spell: Any) -> Any:
    """A wrapper writing every date-time of every answer with `spell(datetime)`."""

    def change(obj: dict[str, Any]) -> dict[str, Any]:
        for name in INSTANT_FIELDS:
            value = obj.get(name)
            instant = parse_instant(value) if isinstance(value, str) else None
            if instant is not None:
                obj[name] = spell(instant)
        return obj

    return json_rewriter(lambda scope, document: _each_object(document, change))


def _plus_two(instant: datetime) -> str:
    return instant.astimezone(PLUS_TWO).isoformat()


def _milliseconds(instant: datetime) -> str:
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{instant.microsecond // 1000:03d}Z"


def _reversed_pages(scope: Scope, document: Any) -> Any:
    if isinstance(document, dict):
        for key in LISTS:
            if isinstance(document.get(key), list):
                document[key] = document[key][::-1]
    return document


def _every_unit(duration: str) -> str:
    length = parse_duration(duration)
    if not length:
        return duration
    seconds = length.total_seconds()
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"P{int(days)}DT{int(hours)}H{int(minutes)}M{seconds:g}S"


def _durations(scope: Scope, document: Any) -> Any:
    for row in report_rows(document):
        if isinstance(row.get("duration"), str):
            row["duration"] = _every_unit(row["duration"])
    return document


def _error_extras(scope: Scope, document: Any) -> Any:
    if isinstance(document, dict) and "code" in document:
        document.update(requestId="req-4711", details=[{"field": None, "hint": document.get("message")}])
    return document


def _french(scope: Scope, document: Any) -> Any:
    if isinstance(document, dict) and "code" in document:
        document["message"] = f"Requête refusée ({document['code']}) : corrigez-la et réessayez."
    return document


def rate_limited_now_and_then(app: ASGIApp, every: int = 5) -> ASGIApp:
    """Every `every`-th request is answered 429 with Retry-After as an HTTP date (already due); the
    request sent again is served."""
    count = 0

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        nonlocal count
        if scope["type"] == "http":
            count += 1
            if count % every == 0:
                when = format_datetime(datetime.now(UTC), usegmt=True)
                await answer(send, 429, None, [(b"retry-after", when.encode())])
                return
        await app(scope, receive, send)

    return wrapped


def _wrap(wrapper: Any) -> Any:
    return lambda: wrapper(app_of())


def lagging_reports() -> ASGIApp:
    """Reports show a write only once it is a moment old (Rise documents up to 5 minutes); its clock
    keeps microseconds, so the moment is the same for every write."""
    return app_for(demo_tenant(report_lag=REPORT_LAG, clock=lambda: datetime.now(UTC)))


REPORT_LAG = timedelta(seconds=0.2)
WRAPPERS = (
    json_rewriter(_reversed_pages),
    instants(_plus_two),
    json_rewriter(_durations),
    json_rewriter(_error_extras),
    json_rewriter(_french),
    rate_limited_now_and_then,
)


def all_at_once() -> ASGIApp:
    """Most of the variations above stacked on one server (its cursors random tokens, its URLs under
    another host name): for the parts too slow to run against each."""
    from servers.lists import OpaqueTokens

    app = app_for(demo_tenant(OpaqueTokens), base_url="https://rise.example.test")
    for wrapper in WRAPPERS:
        app = wrapper(app)
    return app


SERVERS: dict[str, Server] = {
    **{name: Server(server.build, "all") for name, server in LIST_FREE.items()},
    "rows and items in another order": Server(_wrap(json_rewriter(_reversed_pages)), "all"),
    "instants written at +02:00": Server(_wrap(instants(_plus_two)), "all"),
    "instants written with milliseconds": Server(_wrap(instants(_milliseconds)), "all"),
    "durations written with every unit": Server(_wrap(json_rewriter(_durations)), "all"),
    "error bodies with more fields": Server(_wrap(json_rewriter(_error_extras)), "all"),
    "error messages in French": Server(_wrap(json_rewriter(_french)), "all"),
    "rate-limited now and then, Retry-After an HTTP date": Server(_wrap(rate_limited_now_and_then), "all"),
    "absolute URLs under another host name": Server(
        lambda: app_for(demo_tenant(), base_url="https://rise.example.test"), "all"
    ),
    "reports that lag a moment behind writes": Server(lagging_reports, "all"),
}
"""`all`: every part a run can take in-process."""
