"""Import dates: an offset ignored or read backwards, a full date read at another hour, fractions of a
second dropped, equal dates refused, and durations that are wrong or in another form."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from starlette.types import ASGIApp, Scope

from conformance.checks.dates import parse_duration
from mock_server.model import rules
from mock_server.model.errors import RiseError
from mock_server.model.records import Completion
from mock_server.model.tenant import Tenant
from servers.base import RequestRewriter, Server, app_of, json_rewriter, report_rows

OFFSET = re.compile(r"([+-])(\d\d:\d\d)$")
FULL_DATE = re.compile(r"^\d{4}-\d\d-\d\d$")
FRACTION = re.compile(r"\.\d+")


def import_dates_rewritten(change: Callable[[str], str]) -> Callable[[ASGIApp], ASGIApp]:
    """A wrapper passing an import's startedAt and completedAt through `change` before the mock reads them."""

    def rewrite(scope: Scope, body: bytes) -> tuple[Scope, bytes]:
        if scope["method"] != "POST" or not scope["path"].endswith("/completions"):
            return scope, body
        try:
            document = json.loads(body)
        except ValueError:
            return scope, body
        if isinstance(document, dict):
            for name in ("startedAt", "completedAt"):
                if isinstance(document.get(name), str):
                    document[name] = change(document[name])
            body = json.dumps(document).encode()
        return scope, body

    return lambda app: RequestRewriter(app, rewrite)


def durations_rewritten(change: Callable[[str], str | None]) -> Callable[[ASGIApp], ASGIApp]:
    def each(scope: Scope, document: Any) -> Any:
        for row in report_rows(document):
            if isinstance(row.get("duration"), str):
                row["duration"] = change(row["duration"])
        return document

    return json_rewriter(each)


def _reversed_sign(value: str) -> str:
    return OFFSET.sub(lambda m: ("-" if m.group(1) == "+" else "+") + m.group(2), value)


def _in_hours(duration: str) -> str:
    length = parse_duration(duration) or timedelta(0)
    return f"PT{length / timedelta(hours=1):g}H"


class RefusesEqualDates(Tenant):
    """completedAt equal to startedAt is refused like an earlier one."""

    def import_completion(self, course_id: str, user_id: str, body: Any) -> Completion:
        started, completed = rules.import_dates(body)
        if started == completed:
            raise RiseError("invalid_request", "completedAt must be later than startedAt.")
        return super().import_completion(course_id, user_id, body)


SERVERS: dict[str, Server] = {
    "an offset is ignored (read as UTC)": Server(
        lambda: import_dates_rewritten(lambda v: OFFSET.sub("Z", v))(app_of()),
        "reports",
        "dates.offset-honoured",
    ),
    "an offset is read with the wrong sign": Server(
        lambda: import_dates_rewritten(_reversed_sign)(app_of()), "reports", "dates.offset-honoured"
    ),
    "a full date is read at local midnight (+02:00)": Server(
        lambda: import_dates_rewritten(lambda v: f"{v}T00:00:00+02:00" if FULL_DATE.match(v) else v)(
            app_of()
        ),
        "reports",
        "dates.date-only",
    ),
    "a full date is read at noon": Server(
        lambda: import_dates_rewritten(lambda v: f"{v}T12:00:00Z" if FULL_DATE.match(v) else v)(app_of()),
        "reports",
        "dates.date-only",
    ),
    "fractions of a second are dropped": Server(
        lambda: import_dates_rewritten(lambda v: FRACTION.sub("", v))(app_of()),
        "reports",
        "dates.offset-honoured",
    ),
    "equal dates are refused": Server(lambda: app_of(RefusesEqualDates), "reports", "import.dates-ordered"),
    "no duration when the dates are equal": Server(
        lambda: durations_rewritten(lambda d: None if d == "PT0S" else d)(app_of()),
        "reports",
        "report.duration",
    ),
    "durations in fractional hours": Server(
        lambda: durations_rewritten(_in_hours)(app_of()), "reports", "report.duration-form"
    ),
}
