"""The steps of a sequence: each sends one operation (following its pages), compares the answer with the
oracle's prediction and raises a `Mismatch` for Hypothesis to shrink. Report rows that only lag are left
to the ledger; rows that stayed behind longer than --report-timeout become lag findings."""

from __future__ import annotations

import functools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from enum import Enum
from typing import Any
from urllib.parse import urlencode

from conformance.checks.dates import parse_instant
from conformance.checks.differential.compare import (
    COURSE_FIELDS,
    COURSE_URL_FIELDS,
    USER_FIELDS,
    Expected,
    Window,
    answer_discrepancies,
    object_differences,
    row_from_observed,
)
from conformance.checks.differential.findings import Discrepancy, Finding, Mismatch, Step, mismatch
from conformance.checks.differential.ledger import History, Ledger, Version
from conformance.checks.differential.oracle import CLEAN, Oracle, Spoil, limit_rule, refused, spoiled
from conformance.checks.differential.reconcile import Judgement, Verdict, judge_row, matches, pair_text
from conformance.checks.differential.walks import MAX_PAGES, Walk, identities, page_budget, walk
from conformance.checks.differential.world import Catalogue, row_names
from conformance.engine.client import Exchange, RiseClient
from conformance.engine.context import WRONG_KEY, completions_path, segment
from conformance.errors import TargetError
from conformance.profile import Profile
from mock_server.model.contract import LIMIT_DEFAULT, LIMIT_MAX, VERSION_HEADER, load_contract
from mock_server.model.records import Enrollment, Pair

REPORT_PATHS = {"learner": "/reports/learners/{}", "course": "/reports/courses/{}"}
REPORT_KEYS = {"learner": "courses", "course": "learners"}
REPORT_RULES = {"learner": "reports.learner", "course": "reports.course"}
_HTTP_METHODS = ("get", "put", "post", "patch", "delete", "head", "options", "trace")


def declared_methods() -> dict[str, frozenset[str]]:
    """Each path of the contract and the methods it has (read from openapi.yaml)."""
    return {
        path: frozenset(m.upper() for m in item if m in _HTTP_METHODS)
        for path, item in load_contract()["paths"].items()
    }


POLL_FIRST_SECONDS = 0.05
POLL_MAX_SECONDS = 5.0


class Lag(Enum):
    """What the phase knows of the target's report lag."""

    UNKNOWN = "unknown"
    """No report has yet been seen behind a write: the newest version is expected at once."""
    LAGS = "lags"
    """A report caught up late: older versions are accepted within --report-timeout."""
    NONE = "none"
    """A report left behind never caught up: rows behind a write are wrong."""


class Mode(Enum):
    """When a report is read: at the start of a sequence, by a step, at its end, or in the final wait."""

    START = "start"
    STEP = "step"
    END = "end"
    SETTLE = "settle"


@dataclass
class Phase:
    """What lasts across the examples of one phase: the target, what it showed, and what was sent."""

    client: RiseClient
    profile: Profile
    catalogue: Catalogue
    report_timeout: float
    clock_tolerance: float
    ledger: Ledger = field(default_factory=Ledger)
    reports_fresh: bool = False
    """The last full read of the profile's reports is newer than every write."""
    failed: bool = False
    """A Hypothesis example has failed: starting reads no longer tell new findings from its aftermath."""
    lag_findings: dict[str, Finding] = field(default_factory=dict)
    shortest: dict[str, Mismatch] = field(default_factory=dict)
    """The shortest failing sequence seen for each rule (Hypothesis shrinks towards it)."""
    aborted: BaseException | None = None
    lag: Lag = Lag.UNKNOWN
    examples: int = 0
    steps: int = 0

    @property
    def kinds(self) -> dict[str, str | None]:
        return {course_id: facts.kind for course_id, facts in self.catalogue.courses.items()}

    def enrolled_at_start(self) -> list[Pair]:
        """The profile pairs the reports showed enrolled before the phase wrote anything."""
        return sorted(
            pair
            for pair, history in self.ledger.histories.items()
            if history.versions[0].row is not None
            and pair[0] in self.profile.courses
            and pair[1] in self.profile.users
        )

    def report_owners(self) -> list[tuple[str, str]]:
        return [("learner", u) for u in self.profile.users] + [("course", c) for c in self.profile.courses]

    def failure(self, found: Mismatch) -> None:
        self.failed = True
        best = self.shortest.get(found.rule_id)
        if best is None or len(found.steps) <= len(best.steps):
            self.shortest[found.rule_id] = found

    def lag_finding(self, discrepancy: Discrepancy, pair: Pair, steps: list[Step]) -> None:
        """A report that never caught up (or a change found between examples): reported once per rule,
        with the writes to the pair; the pair is judged no further."""
        history = self.ledger.histories.get(pair)
        shown = [*(history.writes() if history else []), *steps]
        exchanges = [e for step in shown for e in step.exchanges]
        finding = Finding(
            discrepancy.rule_id, discrepancy.expected, discrepancy.observed, exchanges[-24:], shown
        )
        self.lag_findings.setdefault(discrepancy.rule_id, finding)
        self.ledger.quarantined.add(pair)


Call = tuple[str, tuple[Any, ...]]
"""An operation as the driver was asked for it (method name, arguments): what a replay sends again."""


def recorded(operation: Callable[..., None]) -> Callable[..., None]:
    """Note each operation a sequence asks for, so that a failing sequence can be replayed shorter."""

    @functools.wraps(operation)
    def call(self: Driver, *arguments: Any) -> None:
        self.calls.append((operation.__name__, arguments))
        operation(self, *arguments)

    return call


class Driver:
    """One example: its oracle, the steps taken so far, and the operations the machine's rules call."""

    def __init__(self, phase: Phase, read_start: bool = True) -> None:
        self.phase = phase
        self.client = phase.client
        self.steps: list[Step] = []
        self.calls: list[Call] = []
        self.broken = False
        if read_start and not phase.reports_fresh:
            self._full_read(Mode.START)
        self.oracle = Oracle(phase.catalogue, phase.ledger)

    # -- sending --------------------------------------------------------------------------------

    def _send(
        self, method: str, path: str, spoil: Spoil = CLEAN, body: Any = None, has_body: bool = False
    ) -> tuple[Exchange, Window, float]:
        headers: dict[str, str] = {}
        token: str | None = ""
        if spoil.key is not None:
            token, headers = _wrong_credentials(spoil.key, self.client.api_key)
        if spoil.version is not None:
            headers[VERSION_HEADER] = spoil.version
        content = None
        if has_body:
            content = json.dumps(body, ensure_ascii=False)
            headers["Content-Type"] = "application/json"
        sent = datetime.now(UTC)
        try:
            exchange = self.client.request(method, path, content=content, headers=headers, token=token)
        except TargetError as error:
            self.phase.aborted = error
            raise
        received = datetime.now(UTC)
        slack = timedelta(seconds=self.phase.clock_tolerance)
        return exchange, Window(sent - slack, received + slack), time.monotonic()

    def _fail(self, discrepancy: Discrepancy, exchanges: list[Exchange]) -> Mismatch:
        self.broken = True
        error = mismatch(discrepancy, exchanges)
        error.steps = list(self.steps)
        error.calls = list(self.calls)
        self.phase.failure(error)
        return error

    def _judge(self, expected: Expected, exchange: Exchange) -> None:
        found = answer_discrepancies(expected, exchange)
        if found:
            raise self._fail(found[0], [exchange])

    def _step(self, description: str, exchanges: list[Exchange]) -> Step:
        step = Step(description, tuple(exchanges))
        self.steps.append(step)
        self.phase.steps += 1
        return step

    # -- writes ---------------------------------------------------------------------------------

    @recorded
    def import_completion(self, course_id: str, user_id: str, body: Any, spoil: Spoil) -> None:
        prediction = self.oracle.predict_import(course_id, user_id, body, spoil)
        path = completions_path(course_id, user_id)
        exchange, window, answered = self._send("POST", path, spoil, body, has_body=True)
        self.phase.reports_fresh = False
        sent = json.dumps(body, ensure_ascii=False)
        step = self._step(f"import {pair_text((course_id, user_id))} {sent}{_spoil_text(spoil)}", [exchange])
        self._judge(prediction.expected, exchange)
        self.oracle.record(prediction, window, answered, step)

    @recorded
    def enroll(self, course_id: str, user_id: str, spoil: Spoil) -> None:
        prediction = self.oracle.predict_enroll(course_id, user_id, spoil)
        path = f"/courses/{segment(course_id)}/users/{segment(user_id)}"
        exchange, window, answered = self._send("PUT", path, spoil)
        self.phase.reports_fresh = False
        step = self._step(f"enroll {pair_text((course_id, user_id))}{_spoil_text(spoil)}", [exchange])
        self._judge(prediction.expected, exchange)
        self.oracle.record(prediction, window, answered, step)

    @recorded
    def undeclared(self, method: str, template: str, course_id: str, user_id: str) -> None:
        path = template.replace("{courseId}", segment(course_id)).replace("{userId}", segment(user_id))
        allowed = declared_methods()[template]
        expected = refused("method_not_allowed", "protocol.method-not-allowed")
        expected = Expected(expected.status, expected.rule, expected.code, {}, expected.status_rule, allowed)
        exchange, _, _ = self._send(method, path)
        self.phase.reports_fresh = False
        self._step(f"{method} {path} (a method the path does not have)", [exchange])
        self._judge(expected, exchange)

    # -- single objects -------------------------------------------------------------------------

    @recorded
    def read_course(self, course_id: str, spoil: Spoil) -> None:
        facts = self.phase.catalogue.courses.get(course_id)
        expected = self.oracle.predict_read(facts is not None, "course_not_found", "courses.read", spoil)
        exchange, _, _ = self._send("GET", f"/courses/{segment(course_id)}", spoil)
        self._step(f"read course {course_id}{_spoil_text(spoil)}", [exchange])
        self._judge(expected, exchange)
        if expected.success and facts is not None:
            self._same_object(facts.fields, exchange.json(), "courses.read", [exchange], course=True)

    @recorded
    def read_user(self, user_id: str, spoil: Spoil) -> None:
        facts = self.phase.catalogue.users.get(user_id)
        expected = self.oracle.predict_read(facts is not None, "user_not_found", "users.read", spoil)
        exchange, _, _ = self._send("GET", f"/users/{segment(user_id)}", spoil)
        self._step(f"read user {user_id}{_spoil_text(spoil)}", [exchange])
        self._judge(expected, exchange)
        if expected.success and facts is not None:
            self._same_object(facts.fields, exchange.json(), "users.read", [exchange], course=False)

    def _same_object(
        self, fields: dict[str, Any], observed: Any, rule: str, exchanges: list[Exchange], course: bool
    ) -> None:
        if course:
            differences = object_differences(fields, observed, COURSE_FIELDS, COURSE_URL_FIELDS)
        else:
            differences = object_differences(fields, observed, USER_FIELDS)
        if differences:
            first = differences[0]
            chosen = "courses.source" if course and first.field == "source" else rule
            name = fields.get("id")
            raise self._fail(
                Discrepancy(
                    chosen, f"{name} with {first.field} {first.expected}", f"{first.field} {first.observed!r}"
                ),
                exchanges,
            )

    # -- lists ----------------------------------------------------------------------------------

    @recorded
    def list_courses(self, limit: Any, spoil: Spoil) -> None:
        rule = "courses.lists-unpublished"
        seen = self._list("/courses", "courses", limit, spoil, rule, len(self.phase.catalogue.courses))
        if seen is None:
            return
        items, exchanges, finished = seen
        if finished:
            listed = self.phase.catalogue.listed_courses
            self._same_members(items, self.oracle.course_ids(), listed, rule, exchanges, limit)
        for course_id, item in items.items():
            facts = self.phase.catalogue.courses.get(course_id)
            if facts is not None:
                self._same_object(facts.fields, item, "courses.read", exchanges, course=True)

    @recorded
    def list_users(self, limit: Any, email: str | None, spoil: Spoil) -> None:
        rule = "users.read" if email is None else "users.email-filter"
        expected_ids = self.oracle.user_ids(email)
        query = {"email": email} if email is not None else {}
        seen = self._list("/users", "users", limit, spoil, rule, len(self.phase.catalogue.users), query)
        if seen is None:
            return
        items, exchanges, finished = seen
        listed = self.phase.catalogue.listed_users if email is None else frozenset(expected_ids)
        if finished:
            self._same_members(items, expected_ids, listed, rule, exchanges, limit)
        for user_id, item in items.items():
            facts = self.phase.catalogue.users.get(user_id)
            if facts is not None:
                self._same_object(facts.fields, item, "users.read", exchanges, course=False)

    def _list(
        self,
        path: str,
        key: str,
        limit: Any,
        spoil: Spoil,
        rule: str,
        size: int,
        query: dict[str, Any] | None = None,
    ) -> tuple[dict[str, Any], list[Exchange], bool] | None:
        """Send the first page and follow nextUrl; None when the answer is (rightly) an error."""
        params = dict(query or {})
        if limit is not None:
            params = {"limit": limit, **params}
        url = path + (f"?{urlencode(params)}" if params else "")
        expected = self._list_expected(limit, params.get("email"), rule, spoil)
        first, _, _ = self._send("GET", url, spoil)
        if first.status != 200 or not expected.success:
            self._step(f"list {url}{_spoil_text(spoil)}", [first])
            self._judge(expected, first)
            return None
        self._judge(expected, first)
        seen, problem = walk(self.client, first, key, limit, rule, page_budget(size))
        self._step(f"list {url} page by page", seen.exchanges or [first])
        items, duplicate = identities(seen, lambda item: _id(item, "id"), rule)
        self._walk_problem(problem or duplicate, seen, size)
        return items, seen.exchanges, seen.finished

    def _list_expected(self, limit: Any, email: Any, rule: str, spoil: Spoil) -> Expected:
        bad_limit = limit_rule(limit)
        if bad_limit is not None:
            return spoiled(refused("invalid_request", bad_limit), spoil)
        if email == "":
            return spoiled(refused("invalid_request", "users.email-not-empty"), spoil)
        return spoiled(Expected(200, rule), spoil)

    def _walk_problem(self, problem: Discrepancy | None, seen: Walk, size: int) -> None:
        if problem is not None:
            raise self._fail(problem, seen.exchanges)
        if not seen.finished and len(seen.pages) < MAX_PAGES:
            raise self._fail(
                Discrepancy(
                    "lists.next-url",
                    f"nextUrl null on the last page of a list of {size} items",
                    f"nextUrl still set after {len(seen.pages)} pages",
                ),
                seen.exchanges,
            )

    def _same_members(
        self,
        items: dict[str, Any],
        expected: set[str],
        listed: frozenset[str],
        rule: str,
        exchanges: list[Exchange],
        limit: Any,
    ) -> None:
        if not items and not expected:
            return
        missing, extra = sorted(expected - set(items)), sorted(set(items) - expected)
        if not missing and not extra:
            return
        paged = len(exchanges) > 1 and bool(missing) and set(missing) <= listed and not extra
        chosen = "lists.pages-complete" if paged else rule
        if len(exchanges) == 1 and missing and not extra and len(items) == (limit or LIMIT_DEFAULT):
            chosen = "lists.next-url"  # a full first page said it was the last one
        observed = "; ".join(
            part
            for part in (f"missing {missing}" if missing else "", f"not expected {extra}" if extra else "")
            if part
        )
        raise self._fail(Discrepancy(chosen, f"exactly {sorted(expected)}", observed), exchanges)

    # -- reports --------------------------------------------------------------------------------

    @recorded
    def report(self, kind: str, owner: str, limit: Any, spoil: Spoil) -> None:
        known = owner in (self.phase.profile.users if kind == "learner" else self.phase.profile.courses)
        unknown_code = "user_not_found" if kind == "learner" else "course_not_found"
        expected = self.oracle.predict_read(known, unknown_code, REPORT_RULES[kind], spoil)
        bad_limit = limit_rule(limit)
        if bad_limit is not None and expected.success:
            expected = refused("invalid_request", bad_limit)
        url = REPORT_PATHS[kind].format(segment(owner)) + (
            f"?{urlencode({'limit': limit})}" if limit is not None else ""
        )
        first, _, _ = self._send("GET", url, spoil)
        if first.status != 200 or not expected.success:
            self._step(f"read {kind} report {owner}{_spoil_text(spoil)}", [first])
            self._judge(expected, first)
            return
        self._judge(expected, first)
        universe = self.phase.catalogue.courses if kind == "learner" else self.phase.catalogue.users
        size = max(
            len(universe), sum(1 for pair in self.phase.ledger.histories if pair[_owner_index(kind)] == owner)
        )
        seen, problem = walk(
            self.client, first, REPORT_KEYS[kind], limit, REPORT_RULES[kind], page_budget(size)
        )
        step = self._step(f"read {kind} report {owner} with limit {limit} page by page", seen.exchanges)
        other = "courseId" if kind == "learner" else "userId"
        _, duplicate = identities(seen, lambda row: _id(row, other), REPORT_RULES[kind])
        self._walk_problem(problem or (duplicate and _duplicate_rule(duplicate, seen)), seen, size)
        self._judge_report(kind, owner, seen, step, Mode.STEP, limit)

    def _judge_report(
        self, kind: str, owner: str, seen: Walk, step: Step, mode: Mode, limit: Any = LIMIT_MAX
    ) -> None:
        """Every pair of this report against its history.

        Until the target is known to lag, a report must show the newest version at once; the first row
        left behind is polled for up to --report-timeout, and either the target lags (older versions are
        accepted from then on, within the timeout, and the final wait judges what is left) or the row is
        wrong. A wrong row read by a step or at the end of a sequence fails the example, for Hypothesis to
        shrink; read at a sequence's start or in the final wait it is a finding of its own."""
        phase, ledger = self.phase, self.phase.ledger
        other = "courseId" if kind == "learner" else "userId"
        rows, duplicate = identities(seen, lambda row: _id(row, other), REPORT_RULES[kind])
        if duplicate is not None:
            if mode in (Mode.STEP, Mode.END):
                raise self._fail(_duplicate_rule(duplicate, seen), seen.exchanges)
            rows = _first_of_each(seen, other)
        index = _owner_index(kind)
        pairs = {pair for pair in ledger.histories if pair[index] == owner}
        pairs |= {_pair(kind, owner, key) for key in rows}
        for pair in sorted(pairs):
            if pair in ledger.quarantined:
                continue
            observed = rows.get(pair[1 - index])
            if observed is None and not seen.finished:
                continue
            if mode is Mode.START and pair not in ledger.histories:
                self._baseline(kind, pair, observed)
                continue
            judged = self._judge_pair(kind, pair, observed)
            if judged.verdict is Verdict.SHOWN or judged.discrepancy is None:
                continue
            if mode is Mode.START:
                if not phase.failed:
                    phase.lag_finding(judged.discrepancy, pair, [step])
                self._rebase(kind, pair, observed)
            elif mode is Mode.SETTLE or (judged.verdict is Verdict.STALE and phase.lag is Lag.LAGS):
                phase.lag_finding(judged.discrepancy, pair, [step])
            elif (
                judged.verdict is Verdict.STALE and phase.lag is Lag.UNKNOWN and self._catches_up(kind, pair)
            ):
                phase.lag = Lag.LAGS
            else:
                if judged.verdict is Verdict.STALE:
                    phase.lag = Lag.NONE
                shown = (
                    ledger.histories[pair].versions[ledger.histories[pair].confirmed[kind]].row is not None
                )
                truncated = _truncation(judged.discrepancy, seen, observed, limit, shown)
                raise self._fail(truncated, list(step.exchanges))

    def _judge_pair(self, kind: str, pair: Pair, observed: dict[str, Any] | None) -> Judgement:
        """Older versions are acceptable only once the target is known to lag."""
        timeout = self.phase.report_timeout if self.phase.lag is Lag.LAGS else 0.0
        phase = self.phase
        now = time.monotonic()
        return judge_row(phase.ledger, phase.kinds, kind, pair, observed, now, timeout, phase.report_timeout)

    def _catches_up(self, kind: str, pair: Pair) -> bool:
        """Poll the report until it shows the pair's newest version, up to --report-timeout after the
        write that made it: True when it does (the target lags), False when it never does."""
        history = self.phase.ledger.histories[pair]
        write = history.latest.write
        deadline = (write.answered_at if write else time.monotonic()) + self.phase.report_timeout
        owner = pair[_owner_index(kind)]
        delay = POLL_FIRST_SECONDS
        while time.monotonic() < deadline:
            time.sleep(min(delay, max(deadline - time.monotonic(), 0.0)))
            delay = min(delay * 2, POLL_MAX_SECONDS)
            seen = self._read_whole(kind, owner)
            key = pair[1 - _owner_index(kind)]
            other = "courseId" if kind == "learner" else "userId"
            observed = next((row for row in seen.items if _id(row, other) == key), None)
            if matches(history.latest, observed):
                history.confirm(kind, len(history.versions) - 1)
                return True
        return False

    def _baseline(self, kind: str, pair: Pair, observed: dict[str, Any] | None) -> None:
        history = History([self._version_as_read(pair, observed)])
        history.confirm(kind, 0)
        self.phase.ledger.histories[pair] = history

    def _rebase(self, kind: str, pair: Pair, observed: dict[str, Any] | None) -> None:
        self.phase.ledger.histories[pair].rebase(self._version_as_read(pair, observed))
        self.phase.ledger.quarantined.discard(pair)

    def _version_as_read(self, pair: Pair, observed: dict[str, Any] | None) -> Version:
        if observed is None:
            return Version(None, None, None)
        row = replace(row_from_observed(observed, *pair), names=row_names(self.phase.catalogue, *pair))
        enrolled = parse_instant(observed.get("enrolledAt"))
        enrolled_at = enrolled if enrolled is not None else self.phase.ledger.as_model_date(row.enrolled_at)
        return Version(row, Enrollment(pair[0], pair[1], enrolled_at), None)

    def _full_read(self, mode: Mode, owners: list[tuple[str, str]] | None = None) -> None:
        """Profile reports at the largest page size: the starting state, the end-of-sequence check, or the
        final wait's poll."""
        for kind, owner in owners if owners is not None else self.phase.report_owners():
            seen = self._read_whole(kind, owner)
            step = Step(f"read {kind} report {owner}", tuple(seen.exchanges))
            if mode is Mode.END:
                self.steps.append(step)
            self._judge_report(kind, owner, seen, step, mode)
        if owners is None:
            self.phase.reports_fresh = True

    def _read_whole(self, kind: str, owner: str) -> Walk:
        """One report, every page at the largest page size; a broken answer fails the example."""
        url = REPORT_PATHS[kind].format(segment(owner)) + f"?limit={LIMIT_MAX}"
        first, _, _ = self._send("GET", url)
        if first.status != 200:
            wanted = f"HTTP 200 with the {kind} report of {owner}"
            raise self._fail(Discrepancy(REPORT_RULES[kind], wanted, f"HTTP {first.status}"), [first])
        seen, problem = walk(self.client, first, REPORT_KEYS[kind], LIMIT_MAX, REPORT_RULES[kind], MAX_PAGES)
        if problem is not None:
            raise self._fail(problem, seen.exchanges)
        return seen

    def finish(self) -> None:
        """End of the sequence: every report once more, so that what the steps did is seen in full."""
        if not self.broken and self.phase.aborted is None:
            self._full_read(Mode.END)

    def poll_pending(self) -> None:
        """The reports of the pairs still pending, judged with what the ledger knows (the final wait)."""
        pending = self.phase.ledger.pending_pairs()
        owners = [
            (kind, owner)
            for kind, owner in self.phase.report_owners()
            if any(pair[_owner_index(kind)] == owner for pair in pending)
        ]
        self._full_read(Mode.SETTLE, owners)


def _owner_index(kind: str) -> int:
    return 1 if kind == "learner" else 0


def _pair(kind: str, owner: str, key: str) -> Pair:
    return (key, owner) if kind == "learner" else (owner, key)


def _id(item: Any, name: str) -> str | None:
    value = item.get(name) if isinstance(item, dict) else None
    return value if isinstance(value, str) else None


def _first_of_each(seen: Walk, name: str) -> dict[str, Any]:
    rows: dict[str, Any] = {}
    for row in seen.items:
        key = _id(row, name)
        if key is not None:
            rows.setdefault(key, row)
    return rows


def _truncation(discrepancy: Discrepancy, seen: Walk, observed: Any, limit: Any, shown: bool) -> Discrepancy:
    """A row the report showed before, missing from a single full page: the page's null nextUrl said it
    was the last one."""
    full = len(seen.pages) == 1 and len(seen.pages[0].items) == (limit or LIMIT_DEFAULT)
    if observed is None and full and shown:
        return Discrepancy(
            "lists.next-url", discrepancy.expected, f"{discrepancy.observed} (nextUrl was null)"
        )
    return discrepancy


def _duplicate_rule(duplicate: Discrepancy, seen: Walk) -> Discrepancy:
    """A pair twice on one page of a report: a second record when it has a completion."""
    if duplicate.rule_id == "lists.pages-complete":
        return duplicate
    completed = any(isinstance(row, dict) and row.get("completedAt") for row in seen.items)
    rule = "import.one-record-per-pair" if completed else "report.membership"
    return Discrepancy(rule, duplicate.expected, duplicate.observed)


def _spoil_text(spoil: Spoil) -> str:
    parts = []
    if spoil.key is not None:
        parts.append(f"with a {spoil.key} key")
    if spoil.version is not None:
        parts.append(f"with {VERSION_HEADER}: {spoil.version}")
    return f" ({', '.join(parts)})" if parts else ""


def _wrong_credentials(label: str, key: str | None) -> tuple[str | None, dict[str, str]]:
    """(token for the client, extra headers) for a wrong key that never reveals the real one."""
    if label == "missing":
        return None, {}
    if label == "suffix" and key:
        return key + "x", {}
    if label == "scheme" and key:
        return None, {"Authorization": f"Basic {key}"}
    return WRONG_KEY, {}
