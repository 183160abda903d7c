"""Schemathesis hooks and checks of this project, loaded by `schemathesis.toml` (and by rise-conformance).

- No generated request touches transport framing (`Content-Length`, `Transfer-Encoding`, `Host`,
  `Connection`): the HTTP stack owns those, the contract does not, and a made-up `Content-Length` would
  make a verdict depend on the seed.
- Positive cases go to the profile's IDs (RISE_CONFORMANCE_PROFILE, default: the mock's demo tenant;
  RISE_CONFORMANCE_PAIRS narrows the pairs positive writes may touch), carry no hand-made cursor (the
  contract calls it opaque: clients only follow `nextUrl`), and send `completedAt >= startedAt`, which the
  contract requires but JSON Schema cannot say.
- Requests are paced to RISE_CONFORMANCE_RATE requests per second when it is set; past
  RISE_CONFORMANCE_BUDGET requests Schemathesis is stopped as on Ctrl-C (its reports still written).
- A negative case naming a profile pair outside RISE_CONFORMANCE_PAIRS goes to an allowed pair, so that a
  server wrongly accepting it changes nothing the rest of the run is judging.
- `import_row_matches_report`: after every 202 import, the learner report shows the pair's single row
  with the sent dates, the duration, the quiz rule and an enrollment date. It polls until the row shows
  the import, up to RISE_REPORT_TIMEOUT seconds (default: Rise's documented 5 minutes), and never fails a
  row before that time has passed. Under rise-conformance (RISE_CONFORMANCE_LEDGER set) it records the
  import instead, and the run judges every recorded pair once, in its one report wait.
"""

from __future__ import annotations

import json
import os
from functools import cache
from typing import Any
from urllib.parse import urlsplit

import httpx
import schemathesis
from schemathesis import GenerationMode

from conformance.checks.dates import instant_us
from conformance.checks.rows import row_problems, shows_import
from conformance.engine.client import Pacer, RiseClient
from conformance.engine.poller import Poller
from conformance.engine.reports import ReportReader
from conformance.engine.results import CheckFailed
from conformance.engine.settings import DEFAULT_REPORT_TIMEOUT
from conformance.environment import (
    BUDGET_ENV,
    BUDGET_SPENT_LINE,
    LEDGER_ENV,
    PAIRS_ENV,
    PROFILE_ENV,
    RATE_ENV,
    REPORT_TIMEOUT_ENV,
)
from conformance.profile import Profile, load_profile

IMPORT_PATH = "/courses/{courseId}/users/{userId}/completions"
ENROLL_PATH = "/courses/{courseId}/users/{userId}"
FRAMING_HEADERS = frozenset({"content-length", "transfer-encoding", "host", "connection"})
"""Headers the HTTP stack owns; a generated value for any of them is dropped before the request."""

_profile: Profile = load_profile(os.environ.get(PROFILE_ENV) or None)
_pacer = Pacer(float(os.environ[RATE_ENV]) if os.environ.get(RATE_ENV) else None)
_sent = 0


def report_timeout() -> float:
    """RISE_REPORT_TIMEOUT, else the run's default (Rise documents up to 5 minutes of report lag)."""
    text = os.environ.get(REPORT_TIMEOUT_ENV)
    return float(text) if text else DEFAULT_REPORT_TIMEOUT


def allowed_pairs(profile: Profile, text: str | None) -> list[tuple[str, str]]:
    """The (course, user) pairs positive writes may go to: RISE_CONFORMANCE_PAIRS (`course/user,...`,
    percent-free IDs), else every published profile course with every profile user."""
    if text:
        return [
            (course, user) for course, _, user in (item.partition("/") for item in text.split(",")) if user
        ]
    return [(course, user) for user in profile.users for course in profile.published_courses]


def positive_case_edits(
    profile: Profile,
    seed: int,
    path_parameters: dict[str, Any],
    query: dict[str, Any] | None,
    body: Any,
    pairs: list[tuple[str, str]] | None = None,
) -> None:
    """Make a positive case one that the contract accepts on this target (in place)."""
    choices = pairs or allowed_pairs(profile, None)
    course, user = choices[seed % len(choices)]
    if "courseId" in path_parameters:
        path_parameters["courseId"] = course
    if "userId" in path_parameters:
        path_parameters["userId"] = user
    if query:
        query.pop("cursor", None)
    if isinstance(body, dict):
        started, completed = instant_us(body.get("startedAt")), instant_us(body.get("completedAt"))
        if started is not None and completed is not None and completed < started:
            body["startedAt"], body["completedAt"] = body["completedAt"], body["startedAt"]


def drop_framing_headers(headers: dict[str, Any] | None) -> None:
    """Remove generated transport-framing headers (in place, so Schemathesis sees the edit)."""
    for name in [name for name in headers or {} if name.lower() in FRAMING_HEADERS]:
        del headers[name]  # type: ignore[union-attr]


def _over_network(case: Any) -> bool:
    """The hooks serve a network target; a schema tested in-process (`from_asgi`) is left as it is."""
    return getattr(case.operation, "app", None) is None


def keep_to_allowed_pairs(
    profile: Profile, seed: int, path_parameters: dict[str, Any], pairs: list[tuple[str, str]]
) -> None:
    """A negative case naming a profile pair it may not write to goes to an allowed pair instead (in place):
    a server that wrongly accepts it then changes nothing another part of the run is judging."""
    course, user = path_parameters.get("courseId"), path_parameters.get("userId")
    named = course in profile.courses and user in profile.all_users
    if named and (course, user) not in pairs and (course, user)[0] != profile.unpublished:
        path_parameters["courseId"], path_parameters["userId"] = pairs[seed % len(pairs)]


def spend(budget_text: str | None) -> None:
    """Count one request against RISE_CONFORMANCE_BUDGET; at the cap, stop Schemathesis as on Ctrl-C."""
    global _sent
    _sent += 1
    if budget_text and _sent > int(budget_text):
        print(BUDGET_SPENT_LINE, flush=True)
        raise KeyboardInterrupt


@schemathesis.hook
def before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    drop_framing_headers(case.headers)
    if not _over_network(case):
        return
    spend(os.environ.get(BUDGET_ENV))
    _pacer.wait()
    meta = case.meta
    path_parameters = case.path_parameters if isinstance(case.path_parameters, dict) else {}
    seed = _sent  # the case's place in the run: the same sequence of cases goes to the same pairs
    pairs = allowed_pairs(_profile, os.environ.get(PAIRS_ENV))
    if meta is not None and meta.generation.mode == GenerationMode.POSITIVE:
        positive_case_edits(_profile, seed, path_parameters, case.query, case.body, pairs)
    else:
        keep_to_allowed_pairs(_profile, seed, path_parameters, pairs)


@schemathesis.hook
def after_call(context: Any, case: Any, response: Any) -> None:
    """Under rise-conformance, record each accepted enrollment in the ledger (imports: the check does)."""
    ledger = os.environ.get(LEDGER_ENV)
    if not ledger or not _over_network(case) or case.method.upper() != "PUT" or response.status_code >= 300:
        return
    if case.operation.path == ENROLL_PATH:
        record(ledger, "enroll", case.path_parameters["courseId"], case.path_parameters["userId"], None)


@schemathesis.check
def import_row_matches_report(ctx: Any, response: Any, case: Any) -> bool | None:
    """After a 202 import, the learner report shows one row for the pair with the sent dates,
    duration = completedAt - startedAt, the quiz rule of the course kind, and an enrollment date."""
    if case.method.upper() != "POST" or case.operation.path != IMPORT_PATH or response.status_code != 202:
        return None
    if not _over_network(case) or not _is_import_body(case.body):
        return None
    course, user = case.path_parameters["courseId"], case.path_parameters["userId"]
    ledger = os.environ.get(LEDGER_ENV)
    if ledger:
        record(ledger, "import", course, user, case.body)
        return None
    problems = judge_import_row(
        _target_of(response.request.url), response.request.headers, course, user, case.body
    )
    if problems:
        raise AssertionError(f"After the 202 import of ({course}, {user}): " + "; ".join(problems))
    return True


def judge_import_row(base_url: str, request_headers: Any, course: str, user: str, body: Any) -> list[str]:
    """Poll the learner report until the pair's row shows the import (or the timeout passes); judge it."""
    headers = {"Authorization": request_headers.get("Authorization", "")}
    with RiseClient(base_url, None, pacer=_pacer, http=_http()) as client:
        reader = ReportReader(client, headers)
        try:
            waited = Poller(report_timeout()).wait(
                lambda: reader.pair_rows(course, user)[0],
                lambda rows: any(shows_import(row, body) for row in rows),
            )
        except CheckFailed as failure:
            return [f"expected {failure.expected}, got {failure.observed} [{failure.rule}]"]
    if not waited.caught_up:
        return [
            f"expected the learner report to show the import within {REPORT_TIMEOUT_ENV}="
            f"{report_timeout():g} s, got {len(waited.value)} row(s) without it [import.shows-in-reports]"
        ]
    return [problem.text for problem in row_problems(waited.value, body, _profile.kind_of(course))]


@cache
def _http() -> httpx.Client:
    """One connection pool for every report read of the process: a client per import would build a TLS
    context and a connection each time."""
    return httpx.Client(timeout=RiseClient.timeout, follow_redirects=False)


def record(ledger: str, kind: str, course: str, user: str, body: Any) -> None:
    """Append one accepted write to the run's ledger (one JSON object a line)."""
    with open(ledger, "a", encoding="utf-8") as handle:
        handle.write(json.dumps({"kind": kind, "courseId": course, "userId": user, "body": body}) + "\n")


def _is_import_body(body: Any) -> bool:
    """Only a body the contract accepts has an outcome the row judge can predict."""
    return (
        isinstance(body, dict)
        and set(body) == {"startedAt", "completedAt"}
        and instant_us(body.get("startedAt")) is not None
        and instant_us(body.get("completedAt")) is not None
    )


def _target_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" + parts.path.split("/courses/")[0]


__all__ = ["after_call", "before_call", "import_row_matches_report", "positive_case_edits"]
