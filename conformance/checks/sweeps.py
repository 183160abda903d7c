"""The checks that end the protocol part: they judge every answer the run has had so far (error
envelopes, the version header, empty import answers) and show that refused writes, and the run as a
whole, changed nothing they must not."""

from __future__ import annotations

import re
from collections.abc import Callable

from conformance.checks.expect import shows_dates
from conformance.checks.pairs import barrier, rows_of_pair, view
from conformance.checks.promises import RuleBroken, answer, is_json, promise
from conformance.checks.refusals import ProtocolRun
from conformance.engine.client import Exchange
from conformance.engine.context import CheckContext
from conformance.engine.results import Skip
from mock_server.model.contract import API_VERSION, VERSION_HEADER

SNAKE_CASE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
SHOWN = 3
"""Exchanges attached to a sweep's failure: the first few that break the rule."""


def _judged(exchanges: list[Exchange]) -> list[Exchange]:
    """The answers a sweep judges: not a 5xx (every check fails those on its own) and not a 429 (whose
    body the contract leaves free, and which the client retries)."""
    return [e for e in exchanges if e.status < 500 and e.status != 429]


class Sweeps:
    def __init__(self, run: ProtocolRun) -> None:
        self.run = run

    def functions(self) -> list[Callable[[CheckContext], str]]:
        found = [
            self.refused_writes_change_nothing,
            self.error_answers_are_envelopes,
            self.import_answers_have_no_body,
            self.version_header_on_every_answer,
        ]
        if self.run.watch is None:
            return found
        return [*found, self.run_left_users_outside_the_profile_alone]

    @promise("errors.envelope", "errors.code")
    def error_answers_are_envelopes(self, ctx: CheckContext) -> str:
        """Every error answer of the run is a JSON object with a snake_case code and a non-empty message."""
        errors = [e for e in _judged(ctx.client.exchanges) if e.status >= 400]
        if not errors:
            raise Skip("no error answer in this run")
        for exchange in errors:
            body = exchange.json()
            code = body.get("code") if isinstance(body, dict) else None
            if not isinstance(code, str) or not SNAKE_CASE.match(code):
                raise RuleBroken(
                    "errors.code", "an error body with a snake_case code", answer(exchange), [exchange]
                )
            message = body.get("message")
            if not is_json(exchange) or not isinstance(message, str) or not message.strip():
                observed = f"{answer(exchange)}, message {message!r}"
                raise RuleBroken(
                    "errors.envelope", "a JSON {code, message} with a message", observed, [exchange]
                )
        return f"{len(errors)} error answers, each a JSON object with a snake_case code and a message"

    @promise("import.empty-body")
    def import_answers_have_no_body(self, ctx: CheckContext) -> str:
        """Every 202 answer to an import in the run has an empty body."""
        accepted = [
            e
            for e in ctx.client.exchanges
            if e.method == "POST" and e.status == 202 and "/completions" in e.url
        ]
        if not accepted:
            raise Skip("no import was accepted in this run")
        with_body = [e for e in accepted if e.response_body.strip()]
        if with_body:
            raise RuleBroken(
                "import.empty-body",
                "202 with no body",
                f"{len(with_body)} of {len(accepted)} answers had one: {with_body[0].response_body[:80]!r}",
                with_body[:SHOWN],
            )
        return f"{len(accepted)} accepted imports, each 202 with no body"

    @promise("version.on-every-response")
    def version_header_on_every_answer(self, ctx: CheckContext) -> str:
        """Every answer of the run carries Rise-API-Version 2020-07-16, 429s included.

        Successes and errors (400, 401, 404, 405, 409, 413, 415), and 429 when one came.
        """
        header = VERSION_HEADER.lower()
        answers = [e for e in ctx.client.exchanges if e.status < 500]
        wrong = [e for e in answers if e.response_headers.get(header) != API_VERSION]
        if wrong:
            statuses = sorted({e.status for e in wrong})
            raise RuleBroken(
                "version.on-every-response",
                f"{VERSION_HEADER}: {API_VERSION} on every answer",
                f"missing or different on {len(wrong)} of {len(answers)} answers (HTTP {statuses}): "
                f"{wrong[0].response_headers.get(header)!r}",
                wrong[:SHOWN],
            )
        limited = ctx.client.rate_limited
        stray = [
            s for s in limited if {k.lower(): v for k, v in s.headers.items()}.get(header) != API_VERSION
        ]
        if stray:
            raise RuleBroken(
                "version.on-every-response",
                f"{VERSION_HEADER}: {API_VERSION} on 429 answers too",
                f"missing or different on {len(stray)} of {len(limited)} answers 429 ({stray[0].url})",
            )
        statuses = sorted({e.status for e in answers} | ({429} if limited else set()))
        count = len(answers) + len(limited)
        return f"{count} answers (HTTP {statuses}) all carry {VERSION_HEADER}: {API_VERSION}"

    @promise(
        "auth.unauthorized",
        "version.others-rejected",
        "protocol.media-type",
        "protocol.body-limit",
        "protocol.method-not-allowed",
        "enroll.lookups",
        "import.unknown-fields-rejected",
    )
    def refused_writes_change_nothing(self, ctx: CheckContext) -> str:
        """No write the protocol checks made the target refuse left a trace.

        Once the reports show a later import, the pair the refused writes named shows none of their dates
        and is as it was before them.
        """
        run = self.run
        if not run.refused and not run.unlisted:
            raise Skip("no write was refused in this run")
        assert run.pair is not None and run.accepting is not None
        exchanges = barrier(ctx, run.accepting)
        mine, theirs, read = rows_of_pair(ctx, *run.pair)
        exchanges += read
        for entry in run.refused:
            if entry.dates and (shows_dates(mine, *entry.dates) or shows_dates(theirs, *entry.dates)):
                raise RuleBroken(
                    entry.rule,
                    f"{entry.what} to be refused and change nothing",
                    "the reports show its dates",
                    exchanges,
                )
        if (view(mine), view(theirs)) != run.before:
            enrollments = [entry for entry in run.refused if entry.dates is None] or run.refused
            raise RuleBroken(
                enrollments[0].rule,
                f"({', '.join(run.pair)}) unchanged by {', '.join(e.what for e in enrollments)}",
                f"its rows changed: {mine!r}",
                exchanges,
            )
        for (course, user), entry in run.unlisted:
            rows, found = ctx.learner_rows(user)
            if any(row.get("courseId") == course for row in rows):
                raise RuleBroken(
                    entry.rule, f"{entry.what} to enroll nobody", f"{user}'s report lists {course}", found
                )
        return f"{len(run.refused) + len(run.unlisted)} refused writes; ({', '.join(run.pair)}) unchanged"

    @promise("import.stays-in-pair")
    def run_left_users_outside_the_profile_alone(self, ctx: CheckContext) -> str:
        """No write of the run changed what the reports show of users outside the profile.

        Their rows are compared with what they were before the run wrote anything.
        """
        watch = self.run.watch
        assert watch is not None
        if not watch.users:
            raise Skip("GET /users shows no user outside the profile")
        changed = watch.changes(ctx)
        if changed:
            raise RuleBroken(
                "import.stays-in-pair",
                f"no change for the users outside the profile ({', '.join(watch.users)})",
                f"changed: {', '.join(changed)}",
                watch.exchanges[-SHOWN:],
            )
        return f"{len(watch.users)} users outside the profile: rows unchanged by the run"
