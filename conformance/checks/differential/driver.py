"""The operations of a sequence: each sends one request (following its pages), compares the answer with
the oracle's prediction and raises a `Mismatch` for Hypothesis to shrink."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from conformance.checks.differential.compare import (
    COURSE_FIELDS,
    COURSE_URL_FIELDS,
    USER_FIELDS,
    Expected,
    object_differences,
)
from conformance.checks.differential.findings import Discrepancy
from conformance.checks.differential.oracle import Spoil, limit_rule, refused, spoiled
from conformance.checks.differential.reading import (
    REPORT_KEYS,
    REPORT_PATHS,
    REPORT_RULES,
    Reader,
    _duplicate_rule,
    _id,
    _owner_index,
    _spoil_text,
)
from conformance.checks.differential.reconcile import pair_text
from conformance.checks.differential.state import Mode, Phase
from conformance.checks.differential.walks import Walk, identities, walk, walk_budget
from conformance.engine.client import Exchange
from conformance.engine.context import completions_path, segment
from mock_server.model.contract import LIMIT_DEFAULT, declared_methods

__all__ = ["Driver", "Phase"]


def recorded(operation: Callable[..., None]) -> Callable[..., None]:
    """Note each operation a sequence asks for, so that a failing sequence can be replayed shorter."""

    @functools.wraps(operation)
    def call(self: Reader, *arguments: Any) -> None:
        self.calls.append((operation.__name__, arguments))
        operation(self, *arguments)

    return call


class Driver(Reader):
    """One sequence: the operations the machine's rules call, each judged against the oracle."""

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
        seen, problem = walk(self.client, first, key, limit, rule, self._pages(size))
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

    @staticmethod
    def _pages(size: int) -> int:
        """Pages to follow: to the end of a list this size when a step can afford it, else a dozen (a
        server may make its pages as small as one item)."""
        pages, _ = walk_budget(size)
        return pages

    def _walk_problem(self, problem: Discrepancy | None, seen: Walk, size: int) -> None:
        if problem is not None:
            raise self._fail(problem, seen.exchanges)
        _, to_the_end = walk_budget(size)
        if not seen.finished and to_the_end:
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
            self.client, first, REPORT_KEYS[kind], limit, REPORT_RULES[kind], self._pages(size)
        )
        step = self._step(f"read {kind} report {owner} with limit {limit} page by page", seen.exchanges)
        other = "courseId" if kind == "learner" else "userId"
        _, duplicate = identities(seen, lambda row: _id(row, other), REPORT_RULES[kind])
        self._walk_problem(problem or (duplicate and _duplicate_rule(duplicate, seen)), seen, size)
        self._judge_report(kind, owner, seen, step, Mode.STEP, limit)
