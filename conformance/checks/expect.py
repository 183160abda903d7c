"""Small assertions the checks share; each raises `CheckFailed` naming the rule the answer breaks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from conformance.checks.dates import instant_us
from conformance.engine.catalogue import rule
from conformance.engine.client import Exchange
from conformance.engine.context import Snapshot
from conformance.engine.results import Basis, CheckFailed
from mock_server.model.contract import ERROR_STATUS

ACCEPTED = 202
ERROR_RULES: dict[str, tuple[str, str, str]] = {
    "course_not_found": ("errors.course-not-found", "errors.not-found-status", "errors.course-not-found"),
    "user_not_found": ("errors.user-not-found", "errors.not-found-status", "errors.user-not-found"),
    "course_not_published": (
        "errors.course-not-published",
        "errors.not-published-status",
        "import.published-version",
    ),
    "unauthorized": ("auth.unauthorized", "auth.unauthorized", "auth.bearer"),
    "invalid_request": (
        "validation.invalid-request",
        "validation.invalid-request",
        "validation.invalid-request",
    ),
    "invalid_api_version": ("version.others-rejected", "version.others-rejected", "version.others-rejected"),
}
"""For each error code: the rule a wrong answer breaks, the one a right code at another status breaks,
and the one an acceptance (2xx) breaks."""


def expect_accepted(exchange: Exchange, rule: str = "import.accepted") -> None:
    """An import the contract accepts answers 202."""
    if exchange.status != ACCEPTED:
        raise CheckFailed(
            f"{ACCEPTED} for {exchange.method} {exchange.url}",
            f"HTTP {exchange.status} {exchange.error_code or ''}".strip(),
            [exchange],
            rule=rule,
        )


def expect_error(
    exchange: Exchange,
    code: str,
    *,
    rule: str | None = None,
    status_rule: str | None = None,
    accepted_rule: str | None = None,
) -> None:
    """An error answers with the contract's status for `code` and `code` in the body.

    Which rule a wrong answer breaks depends on how it is wrong: `accepted_rule` when the request was
    accepted (2xx), `status_rule` when the code is right but the status is another, `rule` otherwise
    (each defaulting to the code's entry in ERROR_RULES).
    """
    status = ERROR_STATUS[code]
    if exchange.status == status and exchange.error_code == code:
        return
    default_rule, default_status_rule, default_accepted_rule = ERROR_RULES.get(code, ("errors.statuses",) * 3)
    rule, status_rule = rule or default_rule, status_rule or default_status_rule
    accepted_rule = accepted_rule or default_accepted_rule
    broken = rule
    if accepted_rule and 200 <= exchange.status < 300:
        broken = accepted_rule
    elif status_rule and exchange.error_code == code:
        broken = status_rule
    observed = f"HTTP {exchange.status} with code {exchange.error_code!r}"
    raise CheckFailed(f"HTTP {status} with code {code!r}", observed, [exchange], rule=broken)


def same_instant(reported: Any, sent: str) -> bool:
    """A report date equals a sent date when both name the same instant, whatever the spelling."""
    reported_instant = instant_us(reported)
    return reported_instant is not None and reported_instant == instant_us(sent)


def shows_dates(row: dict[str, Any] | None, started: str, completed: str) -> bool:
    return (
        row is not None
        and same_instant(row.get("startedAt"), started)
        and same_instant(row.get("completedAt"), completed)
    )


def shown_in_both(course: str, user: str, started: str, completed: str) -> Callable[[Snapshot], bool]:
    """Whether a poll round shows these dates for the pair in the learner and in the course report."""

    def shown(snapshot: Snapshot) -> bool:
        return any(shows_dates(r, started, completed) for r in snapshot.pair(course, user)) and any(
            shows_dates(r, started, completed) for r in snapshot.in_course(course, user)
        )

    return shown


def dates_of(row: dict[str, Any] | None) -> str:
    """A row's dates for a message, or 'no row'."""
    if row is None:
        return "no row for the pair"
    return f"startedAt={row.get('startedAt')!r}, completedAt={row.get('completedAt')!r}"


def raise_worst(failures: list[CheckFailed]) -> None:
    """Raise the failure on a documented fact first, else the first one; nothing when the list is empty.

    A check that tries several things reports the most serious difference, so that a broken fact is not
    hidden behind a drift on a decision."""
    if not failures:
        return
    documented = [f for f in failures if f.rule is not None and rule(f.rule).basis is Basis.DOCUMENTED]
    raise (documented or failures)[0]


def error_failures(sent: list[Exchange], code: str, **rules: str) -> list[CheckFailed]:
    """`expect_error` on each exchange, collecting the failures instead of stopping at the first."""
    found = []
    for exchange in sent:
        try:
            expect_error(exchange, code, **rules)
        except CheckFailed as failure:
            found.append(failure)
    return found
