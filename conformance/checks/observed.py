"""The observed section: what the target answers to the questions the public Rise documentation leaves
open, which only a real tenant can settle (the README lists them under "What a run does"): the statuses of
the documented error codes and of a bad key, the error envelope beyond `code`, which date forms are taken,
whether unknown body fields are refused, the version header, rate limits, and report rows and lag.

Each function records an answer. It fails (`CheckFailed`) only where the contract makes a promise;
where the contract is silent the answer is `RECORDED`. Answers about the whole run (error envelopes,
rate limits, report rows, lag) are read from the exchanges the run already made, without new requests.
"""

from __future__ import annotations

from conformance.checks.expect import ERROR_RULES, raise_worst, same_instant
from conformance.engine.batch import Steps
from conformance.engine.client import Exchange
from conformance.engine.context import WRONG_KEY, CheckContext, Send, Write, completions_path, import_write
from conformance.engine.results import Answer, Check, CheckFailed, Outcome, Part
from mock_server.model.contract import API_VERSION, ERROR_STATUS, VERSION_HEADER, load_contract

UNKNOWN_VERSION = "2019-01-01"
_ROW_STATUSES = tuple(load_contract()["components"]["schemas"]["ReportRow"]["properties"]["status"]["enum"])
Promise = tuple[bool, str, str]
"""(kept, what was seen, the rule a broken promise breaks)."""


def _judged(promises: dict[str, Promise], exchanges: list[Exchange]) -> Answer:
    """PASS when every promise holds; otherwise the most serious broken one, naming its rule."""
    text = "; ".join(f"{topic}: {seen}" for topic, (_, seen, _) in promises.items())
    broken = [(topic, rule) for topic, (kept, _, rule) in promises.items() if not kept]
    raise_worst(
        [
            CheckFailed(f"the contract's answer for {topic}", text, exchanges, rule=rule)
            for topic, rule in broken
        ]
    )
    return Answer(Outcome.PASS, text, tuple(exchanges))


def _answer(exchange: Exchange) -> str:
    return f"{exchange.status} {exchange.error_code or ''}".strip()


def _error_promise(exchange: Exchange, code: str) -> Promise:
    rule, status_rule, accepted_rule = ERROR_RULES[code]
    kept = exchange.status == ERROR_STATUS[code] and exchange.error_code == code
    if 200 <= exchange.status < 300:
        rule = accepted_rule
    elif exchange.error_code == code:
        rule = status_rule
    return kept, _answer(exchange), rule


def error_statuses(ctx: CheckContext) -> Steps:
    """Q1: the HTTP status of course_not_found, user_not_found, course_not_published and of a bad key."""
    user, course = ctx.profile.users[0], ctx.profile.no_quiz
    refused = ctx.planner.claim_untouched("observed_error_statuses")
    probes = {
        "course_not_found": import_write(
            ctx.missing_id("conformance-observed-course"), user, *ctx.fresh_dates()
        ),
        "user_not_found": import_write(
            course, ctx.missing_id("conformance-observed-user"), *ctx.fresh_dates()
        ),
        "unauthorized": import_write(*refused, *ctx.fresh_dates(), token=WRONG_KEY),
    }
    if ctx.profile.unpublished:
        probes["course_not_published"] = import_write(ctx.profile.unpublished, user, *ctx.fresh_dates())
    sent = yield Send(*probes.values())
    promises = {code: _error_promise(e, code) for code, e in zip(probes, sent, strict=True)}
    return _judged(promises, sent)


def date_forms(ctx: CheckContext) -> Steps:
    """Q3: date-only, timezone-less, completedAt < startedAt and future dates: accepted or not; how a date
    and an offset are read."""
    pair = ctx.planner.claim("observed_date_forms")
    path = completions_path(*pair)
    started, completed = ctx.fresh_dates()
    day = ctx.fresh_day()
    offset_time = f"{day}T10:30:00+02:00"
    probes = {
        "future": Write(
            "POST", path, {"startedAt": "2999-01-01T00:00:00Z", "completedAt": "2999-01-02T00:00:00Z"}
        ),
        "timezone-less": Write("POST", path, {"startedAt": started[:-1], "completedAt": completed[:-1]}),
        "completedAt < startedAt": Write("POST", path, {"startedAt": completed, "completedAt": started}),
        "date-only and offset": Write("POST", path, {"startedAt": day, "completedAt": offset_time}),
    }
    sent = dict(zip(probes, (yield Send(*probes.values())), strict=True))
    promises: dict[str, Promise] = {
        "date-only and offset": (
            sent["date-only and offset"].status == 202,
            _answer(sent["date-only and offset"]),
            "dates.forms",
        ),
        "timezone-less": (sent["timezone-less"].status == 400, _answer(sent["timezone-less"]), "dates.forms"),
        "completedAt < startedAt": (
            sent["completedAt < startedAt"].status == 400,
            _answer(sent["completedAt < startedAt"]),
            "import.dates-ordered",
        ),
    }
    if sent["date-only and offset"].status == 202:
        seen = yield ctx.settled(pair)
        row = seen.row(*pair)
        midnight = f"{day}T00:00:00Z"
        shown = (
            f"startedAt {row.get('startedAt')!r}, completedAt {row.get('completedAt')!r}" if row else "no row"
        )
        promises[f"{day} read as {midnight}"] = (
            row is not None and same_instant(row.get("startedAt"), midnight),
            shown,
            "dates.date-only",
        )
        promises[f"{offset_time} read as that instant"] = (
            row is not None and same_instant(row.get("completedAt"), offset_time),
            shown,
            "dates.offset-honoured",
        )
    answer = _judged(promises, list(sent.values()))
    future = f"future: {_answer(sent['future'])} (the contract is silent)"
    return Answer(answer.outcome, f"{answer.observed}; {future}", answer.exchanges)


def unknown_body_fields(ctx: CheckContext) -> Steps:
    """Q4: whether unknown body fields are rejected or ignored."""
    pair = ctx.planner.claim_untouched("observed_unknown_body_fields")
    started, completed = ctx.fresh_dates()
    body = {"startedAt": started, "completedAt": completed, "courseVersion": 1}
    [sent] = yield Send(Write("POST", completions_path(*pair), body))
    kept = sent.status == ERROR_STATUS["invalid_request"] and sent.error_code == "invalid_request"
    return _judged(
        {"unknown field courseVersion": (kept, _answer(sent), "import.unknown-fields-rejected")}, [sent]
    )


def version_header(ctx: CheckContext) -> Answer:
    """Q5: whether Rise-API-Version values other than 2020-07-16 are rejected, and whether it is echoed."""
    plain = ctx.client.get("/courses?limit=1")
    pinned = ctx.client.get("/courses?limit=1", headers={VERSION_HEADER: API_VERSION})
    other = ctx.client.get("/courses?limit=1", headers={VERSION_HEADER: UNKNOWN_VERSION})
    echoed = plain.response_headers.get(VERSION_HEADER.lower())
    promises: dict[str, Promise] = {
        f"{VERSION_HEADER}: {API_VERSION}": (pinned.status == 200, _answer(pinned), "version.default"),
        f"{VERSION_HEADER}: {UNKNOWN_VERSION}": (
            other.status == ERROR_STATUS["invalid_api_version"] and other.error_code == "invalid_api_version",
            _answer(other),
            "version.others-rejected",
        ),
        "echoed": (echoed == API_VERSION, f"{VERSION_HEADER} {echoed!r}", "version.on-every-response"),
    }
    return _judged(promises, [plain, pinned, other])


def error_envelope(ctx: CheckContext) -> Answer:
    """Q2: the error envelope beyond `code` (from every error answered during the run)."""
    # A 429's body is not part of the contract (only its Retry-After is).
    errors = [
        e for e in ctx.client.exchanges if e.status >= 400 and e.status != 429 and isinstance(e.json(), dict)
    ]
    if not errors:
        return Answer(Outcome.RECORDED, "no error body seen in this run")
    keys = sorted({key for e in errors for key in e.json()})
    without_message = [
        e for e in errors if not isinstance(e.json().get("message"), str) or not e.json()["message"]
    ]
    extra = sorted(set(keys) - {"code", "message"})
    text = f"{len(errors)} error bodies; keys {keys}" + (f" (beyond the contract: {extra})" if extra else "")
    without_code = [e for e in errors if not isinstance(e.json().get("code"), str)]
    if without_code:
        raise CheckFailed("every error body to carry a code", text, without_code[:2], rule="errors.code")
    if without_message:
        raise CheckFailed(
            "every error body to carry a non-empty message", text, without_message[:2], rule="errors.envelope"
        )
    return Answer(Outcome.PASS, text)


def rate_limits(ctx: CheckContext) -> Answer:
    """Q6: rate limits (status, Retry-After) met during the run."""
    seen = ctx.client.rate_limited
    if not seen:
        return Answer(Outcome.RECORDED, "no 429 in this run")
    after = sorted({s.retry_after or "none" for s in seen})
    text = f"{len(seen)} answers 429; Retry-After values {after}"
    if any(s.retry_after is None for s in seen):
        raise CheckFailed("Retry-After on every 429", text, rule="ratelimit.retry-after")
    return Answer(Outcome.PASS, text)


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
        raise CheckFailed(f"status literals among {list(_ROW_STATUSES)}", text, rule="report.status-literals")
    return Answer(Outcome.RECORDED if not rows else Outcome.PASS, text)


_RULES = {
    error_statuses: (
        "errors.statuses",
        "errors.not-found-status",
        "errors.not-published-status",
        "errors.course-not-found",
        "errors.user-not-found",
        "errors.course-not-published",
        "auth.unauthorized",
        "auth.bearer",
    ),
    date_forms: ("dates.date-only", "dates.forms", "dates.offset-honoured", "import.dates-ordered"),
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
