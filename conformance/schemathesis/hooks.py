"""Schemathesis hooks and checks of this project, loaded by `schemathesis.toml` (and by rise-conformance).

- Positive cases go to the profile's IDs (RISE_CONFORMANCE_PROFILE, default: the mock's demo tenant),
  carry no hand-made cursor (the contract calls it opaque: clients only follow `nextUrl`), and send
  `completedAt >= startedAt`, which the contract requires but JSON Schema cannot say.
- Requests are paced to RISE_CONFORMANCE_RATE requests per second when it is set.
- `import_row_matches_report`: after every 202 import, the learner report shows the pair's single row
  with the sent dates, the duration, the quiz rule and an enrollment date (polled up to
  RISE_REPORT_TIMEOUT seconds, default 10).
"""

from __future__ import annotations

import os
import time
import zlib
from typing import Any

import requests
import schemathesis
from schemathesis import GenerationMode

from conformance.checks.dates import parse_instant
from conformance.checks.rows import row_problems
from conformance.engine.client import Pacer
from conformance.environment import PROFILE_ENV, RATE_ENV, REPORT_TIMEOUT_ENV
from conformance.profile import Profile, load_profile

DEFAULT_REPORT_TIMEOUT = 10.0
IMPORT_PATH = "/courses/{courseId}/users/{userId}/completions"


_profile: Profile = load_profile(os.environ.get(PROFILE_ENV) or None)
_pacer = Pacer(float(os.environ[RATE_ENV]) if os.environ.get(RATE_ENV) else None)


def positive_case_edits(
    profile: Profile, seed: int, path_parameters: dict[str, Any], query: dict[str, Any] | None, body: Any
) -> None:
    """Make a positive case one that the contract accepts on this target (in place)."""
    if "courseId" in path_parameters:
        path_parameters["courseId"] = profile.published_courses[seed % len(profile.published_courses)]
    if "userId" in path_parameters:
        path_parameters["userId"] = profile.users[seed % len(profile.users)]
    if query:
        query.pop("cursor", None)
    if isinstance(body, dict):
        started, completed = parse_instant(body.get("startedAt")), parse_instant(body.get("completedAt"))
        if started and completed and completed < started:
            body["startedAt"], body["completedAt"] = body["completedAt"], body["startedAt"]


def _over_network(case: Any) -> bool:
    """The hooks serve a network target; a schema tested in-process (`from_asgi`) is left as it is."""
    return getattr(case.operation, "app", None) is None


@schemathesis.hook
def before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    if not _over_network(case):
        return
    _pacer.wait()
    meta = case.meta
    if meta is not None and meta.generation.mode == GenerationMode.POSITIVE:
        path_parameters = case.path_parameters if isinstance(case.path_parameters, dict) else {}
        seed = zlib.crc32(f"{case.body}{case.query}".encode())
        positive_case_edits(_profile, seed, path_parameters, case.query, case.body)


@schemathesis.check
def import_row_matches_report(ctx: Any, response: Any, case: Any) -> bool | None:
    """After a 202 import, the learner report shows one row for the pair with the sent dates,
    duration = completedAt - startedAt, the quiz rule of the course kind, and an enrollment date."""
    if case.operation.path != IMPORT_PATH or case.method.upper() != "POST" or response.status_code != 202:
        return None
    if not _over_network(case):
        return None
    course, user = case.path_parameters["courseId"], case.path_parameters["userId"]
    headers = {"Authorization": response.request.headers.get("Authorization", "")}
    url = (
        response.request.url.split("/courses/")[0]
        + f"/reports/learners/{requests.utils.quote(user, safe='')}"
    )
    deadline = time.monotonic() + float(os.environ.get(REPORT_TIMEOUT_ENV, DEFAULT_REPORT_TIMEOUT))
    problems = ["the learner report was not read"]
    while True:
        _pacer.wait()
        report = requests.get(url, params={"limit": 100}, headers=headers, timeout=30)
        rows = (
            [r for r in report.json().get("courses", []) if r.get("courseId") == course] if report.ok else []
        )
        problems = (
            [p.text for p in row_problems(rows, case.body, _profile.kind_of(course))]
            if report.ok
            else [f"GET {url} answered {report.status_code}"]
        )
        if not problems or time.monotonic() >= deadline:
            break
        time.sleep(0.2)
    if problems:
        raise AssertionError(f"After the 202 import of ({course}, {user}): " + "; ".join(problems))
    return True


__all__ = ["before_call", "import_row_matches_report", "positive_case_edits"]
