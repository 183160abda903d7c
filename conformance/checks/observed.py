"""The observed section: what the target answers to the questions the public Rise documentation leaves
open, which only a real tenant can settle (the README lists them under "What a run does"): the statuses of
the documented error codes and of a bad key, the error envelope beyond `code`, which date forms are taken,
whether unknown body fields are refused, the version header, rate limits, and report rows and lag.

Each function records an answer. It fails (`CheckFailed`) only where the contract makes a promise;
where the contract is silent the answer is `RECORDED`. Answers about the whole run (error envelopes,
rate limits, report rows, lag) are read from the exchanges the run already made, without new requests.
"""

from __future__ import annotations

from conformance.engine.client import Exchange
from conformance.engine.context import WRONG_KEY, CheckContext, Write, completions_path, import_write
from conformance.engine.results import Answer, Check, CheckFailed, Outcome, Part
from mock_server.model.contract import API_VERSION, ERROR_STATUS, VERSION_HEADER, load_contract

UNKNOWN_VERSION = "2019-01-01"
_ROW_STATUSES = tuple(load_contract()["components"]["schemas"]["ReportRow"]["properties"]["status"]["enum"])


def _judged(promises: dict[str, tuple[bool, str]], exchanges: list[Exchange]) -> Answer:
    """PASSED when every promise holds; otherwise CheckFailed naming the broken ones."""
    text = "; ".join(f"{topic}: {seen}" for topic, (_, seen) in promises.items())
    broken = [topic for topic, (kept, _) in promises.items() if not kept]
    if broken:
        raise CheckFailed(f"the contract's answer for {', '.join(broken)}", text, exchanges)
    return Answer(Outcome.PASS, text, tuple(exchanges))


def _answer(exchange: Exchange) -> str:
    return f"{exchange.status} {exchange.error_code or ''}".strip()


def error_statuses(ctx: CheckContext) -> Answer:
    """Q1: the HTTP status of course_not_found, user_not_found, course_not_published and of a bad key."""
    user, course = ctx.profile.users[0], ctx.profile.no_quiz
    probes = {
        "course_not_found": import_write(
            "conformance-observed-missing-course", user, "2023-05-02", "2023-05-02"
        ),
        "user_not_found": import_write(
            course, "conformance-observed-missing-user", "2023-05-02", "2023-05-02"
        ),
        "unauthorized": import_write(course, user, "2023-05-02", "2023-05-02", token=WRONG_KEY),
    }
    if ctx.profile.unpublished:
        probes["course_not_published"] = import_write(
            ctx.profile.unpublished, user, "2023-05-02", "2023-05-02"
        )
    sent = ctx.send_all(list(probes.values()))
    promises = {
        code: (e.status == ERROR_STATUS[code] and e.error_code == code, _answer(e))
        for code, e in zip(probes, sent, strict=True)
    }
    return _judged(promises, sent)


def error_envelope(ctx: CheckContext) -> Answer:
    """Q2: the error envelope beyond `code` (from every error answered during the run)."""
    errors = [e for e in ctx.client.exchanges if e.status >= 400 and isinstance(e.json(), dict)]
    if not errors:
        return Answer(Outcome.RECORDED, "no error body seen in this run")
    keys = sorted({key for e in errors for key in e.json()})
    without_message = [
        e for e in errors if not isinstance(e.json().get("message"), str) or not e.json()["message"]
    ]
    extra = sorted(set(keys) - {"code", "message"})
    text = f"{len(errors)} error bodies; keys {keys}" + (f" (beyond the contract: {extra})" if extra else "")
    if without_message:
        raise CheckFailed("every error body to carry a non-empty message", text, without_message[:2])
    return Answer(Outcome.PASS, text)


def date_forms(ctx: CheckContext) -> Answer:
    """Q3: date-only, timezone-less, completedAt < startedAt and future dates: accepted or not."""
    course, user = ctx.profile.no_quiz, ctx.profile.users[-1]
    path = completions_path(course, user)
    started, completed = ctx.fresh_dates()
    probes = {
        "date-only": Write("POST", path, {"startedAt": "2023-05-01", "completedAt": "2023-05-03"}),
        "timezone-less": Write("POST", path, {"startedAt": started[:-1], "completedAt": completed[:-1]}),
        "completedAt < startedAt": Write("POST", path, {"startedAt": completed, "completedAt": started}),
        "future": Write(
            "POST", path, {"startedAt": "2999-01-01T00:00:00Z", "completedAt": "2999-01-02T00:00:00Z"}
        ),
    }
    sent = dict(zip(probes, ctx.send_all(list(probes.values())), strict=True))
    promises = {
        "date-only": (sent["date-only"].status == 202, _answer(sent["date-only"])),
        "timezone-less": (sent["timezone-less"].status == 400, _answer(sent["timezone-less"])),
        "completedAt < startedAt": (
            sent["completedAt < startedAt"].status == 400,
            _answer(sent["completedAt < startedAt"]),
        ),
    }
    answer = _judged(promises, list(sent.values()))
    future = f"future: {_answer(sent['future'])} (the contract is silent)"
    return Answer(answer.outcome, f"{answer.observed}; {future}", answer.exchanges)


def unknown_body_fields(ctx: CheckContext) -> Answer:
    """Q4: whether unknown body fields are rejected or ignored."""
    course, user = ctx.profile.no_quiz, ctx.profile.users[-1]
    started, completed = ctx.fresh_dates()
    body = {"startedAt": started, "completedAt": completed, "courseVersion": 1}
    [sent] = ctx.send_all([Write("POST", completions_path(course, user), body)])
    kept = sent.status == ERROR_STATUS["invalid_request"] and sent.error_code == "invalid_request"
    return _judged({"unknown field courseVersion": (kept, _answer(sent))}, [sent])


def version_header(ctx: CheckContext) -> Answer:
    """Q5: whether Rise-API-Version values other than 2020-07-16 are rejected, and whether it is echoed."""
    plain = ctx.client.get("/courses?limit=1")
    other = ctx.client.get("/courses?limit=1", headers={VERSION_HEADER: UNKNOWN_VERSION})
    echoed = plain.response_headers.get(VERSION_HEADER.lower())
    promises = {
        f"{VERSION_HEADER}: {UNKNOWN_VERSION}": (
            other.status == ERROR_STATUS["invalid_api_version"] and other.error_code == "invalid_api_version",
            _answer(other),
        ),
        "echoed": (echoed == API_VERSION, f"{VERSION_HEADER} {echoed!r}"),
    }
    return _judged(promises, [plain, other])


def rate_limits(ctx: CheckContext) -> Answer:
    """Q6: rate limits (status, Retry-After) met during the run."""
    seen = ctx.client.rate_limited
    if not seen:
        return Answer(Outcome.RECORDED, "no 429 in this run")
    after = sorted({s.retry_after or "none" for s in seen})
    return Answer(Outcome.RECORDED, f"{len(seen)} answers 429; Retry-After values {after}")


def report_rows(ctx: CheckContext) -> Answer:
    """Q7: report row fields, status literals, and the report lag seen in this run."""
    rows = [
        row
        for e in ctx.client.exchanges
        if e.status == 200 and "/reports/" in e.url and isinstance(e.json(), dict)
        for key in ("courses", "learners")
        for row in (e.json().get(key) or [])
        if isinstance(row, dict)
    ]
    fields = sorted({key for row in rows for key in row})
    statuses = sorted({str(row.get("status")) for row in rows})
    lag = f"longest report lag {max(ctx.report_lags):.2f} s" if ctx.report_lags else "no report lag measured"
    text = f"{len(rows)} rows; fields {fields}; status literals {statuses}; {lag}"
    unknown = sorted(set(statuses) - set(_ROW_STATUSES))
    if unknown:
        raise CheckFailed(f"status literals among {list(_ROW_STATUSES)}", text)
    return Answer(Outcome.RECORDED if not rows else Outcome.PASS, text)


_RULES = {
    error_statuses: ("errors.statuses", "errors.not-found-status", "errors.not-published-status"),
    date_forms: ("dates.date-only", "dates.forms", "import.dates-ordered"),
    unknown_body_fields: ("import.unknown-fields-rejected",),
    version_header: ("version.others-rejected", "version.on-every-response", "version.default"),
    error_envelope: ("errors.envelope", "errors.code"),
    rate_limits: ("ratelimit.retry-after",),
    report_rows: ("report.status-literals",),
}

OBSERVED_CHECKS: tuple[Check, ...] = tuple(
    Check(f"observed_{function.__name__}", Part.OBSERVED, rules, function)
    for function, rules in _RULES.items()
)
"""In run order: those reading the run's exchanges come last, so they see the probes too."""
