"""The oracle: the project's model (`mock_server.model`) run beside the target, turned into the answers the
contract fixes. Each prediction says which status and code to expect and which rule each way of missing it
breaks; each accepted write adds the pair's next row to the ledger."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

from jsonschema import Draft4Validator

from conformance.checks.dates import parse_duration
from conformance.checks.differential.compare import Expected, ExpectedRow, Window
from conformance.checks.differential.findings import Step
from conformance.checks.differential.ledger import History, Ledger, RejectedWrite, Version, Write
from conformance.checks.differential.world import Catalogue, row_names
from mock_server.model import rules
from mock_server.model.contract import API_VERSION, ERROR_STATUS, LIMIT_MAX, LIMIT_MIN, load_contract
from mock_server.model.dates import parse_import_date
from mock_server.model.errors import RiseError
from mock_server.model.pagination import Page
from mock_server.model.records import Course, Pair, TenantState, User
from mock_server.model.reports import report_row
from mock_server.model.tenant import Tenant

STATUS_RULES = {
    "course_not_found": "errors.not-found-status",
    "user_not_found": "errors.not-found-status",
    "course_not_published": "errors.not-published-status",
}
CANONICAL_LENGTH = len("2023-05-02T09:00:00Z")


@dataclass(frozen=True)
class Spoil:
    """How a request departs from a valid one in its credentials or version header.

    `key`: None sends the run's key; otherwise the label of a wrong one (`missing`, `wrong`, `prefix`, ...).
    `version`: None sends no Rise-API-Version; otherwise that value.
    """

    key: str | None = None
    version: str | None = None

    @property
    def bad_key(self) -> bool:
        return self.key is not None

    @property
    def bad_version(self) -> bool:
        return self.version is not None and self.version != API_VERSION

    @property
    def spoiled(self) -> bool:
        return self.bad_key or self.bad_version


CLEAN = Spoil()


def refused(code: str, rule: str, alternatives: Mapping[str, str] | None = None) -> Expected:
    return Expected(
        ERROR_STATUS[code], rule, code, dict(alternatives or {}), STATUS_RULES.get(code, "errors.statuses")
    )


def spoiled(expected: Expected, spoil: Spoil) -> Expected:
    """The answer once the credentials and version header are taken into account: authentication first,
    then the version, then everything else."""
    if spoil.bad_key:
        others = {"invalid_api_version": "auth.before-version"} if spoil.bad_version else {}
        return refused("unauthorized", "auth.unauthorized", others)
    if spoil.bad_version:
        return refused("invalid_api_version", "version.others-rejected")
    if spoil.version is not None:
        return Expected(
            expected.status,
            expected.rule,
            expected.code,
            {**expected.alternatives, "invalid_api_version": "version.default"},
            expected.status_rule,
            expected.allow,
            expected.empty_body,
        )
    return expected


@cache
def _body_validator() -> Draft4Validator:
    """The contract's import body schema, without format checks: the dates are read by the model."""
    components = load_contract()["components"]
    return Draft4Validator({"$ref": "#/components/schemas/ImportCompletionRequest", "components": components})


def body_rule(body: Any) -> str | None:
    """The rule an import body breaks (None when the model accepts it): shape first, then the dates."""
    for error in _body_validator().iter_errors(body):
        if not error.absolute_path:
            return {
                "required": "import.fields-required",
                "additionalProperties": "import.unknown-fields-rejected",
            }.get(str(error.validator), "validation.invalid-request")
        return "dates.forms"
    try:
        rules.import_dates(body)
    except RiseError:
        try:
            parse_import_date("startedAt", body["startedAt"])
            parse_import_date("completedAt", body["completedAt"])
        except RiseError:
            return "dates.forms"
        return "dates.offset-honoured" if _offsets_decide(body) else "import.dates-ordered"
    return None


def accepted_rule(body: Mapping[str, str]) -> str:
    """The rule a refusal of this valid import would break, from the forms its dates take: equal dates,
    offsets or date-only values that only a wrong reading would put in the wrong order, other forms."""
    started, completed = rules.import_dates(body)
    if started == completed:
        return "import.dates-ordered"
    if _offsets_decide(body):
        return "dates.offset-honoured"
    if _date_only_decides(body):
        return "dates.date-only"
    if any(len(value) != CANONICAL_LENGTH or not value.endswith("Z") for value in body.values()):
        return "dates.forms"
    return "import.accepted"


DATE_ONLY_LENGTH = len("2023-05-02")
_WIDEST_OFFSETS = (timedelta(hours=-12), timedelta(hours=14))


def _date_only_decides(body: Mapping[str, str]) -> bool:
    """True when reading a date-only value at another hour of its day (any offset from -12 to +14)
    would put completedAt before startedAt."""
    started = parse_import_date("startedAt", body["startedAt"])
    completed = parse_import_date("completedAt", body["completedAt"])
    if len(body["startedAt"]) == DATE_ONLY_LENGTH:
        started += max(_WIDEST_OFFSETS)
    if len(body["completedAt"]) == DATE_ONLY_LENGTH:
        completed += min(_WIDEST_OFFSETS)
    return completed < started


def _offsets_decide(body: Mapping[str, str]) -> bool:
    """True when reading both dates' wall times as UTC would order them the other way round: then only
    a server that ignores the offsets answers otherwise."""
    started = parse_import_date("startedAt", body["startedAt"])
    completed = parse_import_date("completedAt", body["completedAt"])
    naive_started, naive_completed = (value.replace(tzinfo=UTC) for value in (started, completed))
    return (completed < started) != (naive_completed < naive_started)


def _refused_dates(body: Mapping[str, str], expected: Expected) -> Expected:
    """A valid body refused as invalid_request where a lookup error was due breaks the rule its dates'
    forms stand for (equal dates, an offset, a date-only value, the form itself)."""
    rule = accepted_rule(body)
    if rule == "import.accepted":
        return expected
    return replace(expected, alternatives={**expected.alternatives, "invalid_request": rule})


def limit_rule(limit: Any) -> str | None:
    """The rule a limit breaks, None when it is valid (absent or 1..100)."""
    if limit is None:
        return None
    if not isinstance(limit, int) or isinstance(limit, bool):
        return "validation.invalid-request"
    return None if LIMIT_MIN <= limit <= LIMIT_MAX else "lists.limit-outside-rejected"


@dataclass
class Prediction:
    """What a request should get, and what accepting it does to the model once the answer agrees."""

    expected: Expected
    pairs: tuple[Pair, ...] = ()
    kind: str = ""
    """`import` or `enroll` for a write the model accepted; empty otherwise."""
    marker: datetime | None = None
    rejected: RejectedWrite | None = None
    previous: dict[Pair, Version | None] = field(default_factory=dict)
    body: dict[str, str] | None = None
    shows_validation_first: bool = False
    """Agreed with, this answer shows the target validates before the lookups."""


class Oracle:
    """One example's model tenant, built from the catalogue and the ledger's newest version of every pair."""

    def __init__(self, catalogue: Catalogue, ledger: Ledger) -> None:
        self.catalogue = catalogue
        self.ledger = ledger
        state = TenantState(
            courses={cid: facts.record for cid, facts in catalogue.courses.items()},
            users={uid: facts.record for uid, facts in catalogue.users.items()},
        )
        for pair, history in ledger.histories.items():
            self._hold(state, pair, history.latest)
        self._now: datetime | None = None
        self.tenant = Tenant(state, clock=self._clock)

    @staticmethod
    def _hold(state: TenantState, pair: Pair, version: Version) -> None:
        course_id, user_id = pair
        state.courses.setdefault(course_id, Course(course_id, "", published_version=1))
        state.users.setdefault(user_id, User(user_id, ""))
        if version.enrollment is not None:
            state.enrollments[pair] = version.enrollment
        if version.completion is not None:
            state.completions[pair] = version.completion

    def _clock(self) -> datetime:
        if self._now is None:
            raise RuntimeError("the model's clock was read outside a write")
        return self._now

    # -- writes ---------------------------------------------------------------------------------

    def predict_import(self, course_id: str, user_id: str, body: Any, spoil: Spoil) -> Prediction:
        """The answer to an import; when the model accepts it, the model has already applied it."""
        pair = (course_id, user_id)
        problem = body_rule(body)
        if spoil.spoiled or problem is not None:
            expected = spoiled(self._invalid_body(course_id, user_id, problem), spoil)
            first = not spoil.spoiled and self._lookup_fails(course_id, user_id)
            rejected = self._rejected(pair, body, expected.rule)
            return Prediction(expected, rejected=rejected, shows_validation_first=first)
        previous = {pair: self._latest(pair)}
        marker = self._begin_write()
        try:
            self.tenant.import_completion(course_id, user_id, body)
        except RiseError as error:
            expected = _refused_dates(body, self._lookup_error(error, user_id, publication=True))
            expected = spoiled(expected, spoil)
            return Prediction(expected, rejected=self._rejected(pair, body, expected.rule))
        finally:
            self._now = None
        expected = spoiled(_refused_dates(body, Expected(202, accepted_rule(body), empty_body=True)), spoil)
        return Prediction(expected, (pair,), "import", marker, previous=previous, body=dict(body))

    def predict_enroll(self, course_id: str, user_id: str, spoil: Spoil) -> Prediction:
        """The answer to an enrollment; when the model accepts it, the model has already applied it."""
        pair = (course_id, user_id)
        if spoil.spoiled:
            expected = spoiled(Expected(204, "enroll.creates"), spoil)
            return Prediction(expected, rejected=self._rejected(pair, None, expected.rule))
        existing = pair in self.tenant.state().enrollments
        previous = {pair: self._latest(pair)}
        marker = self._begin_write()
        try:
            self.tenant.enroll(course_id, user_id)
        except RiseError as error:
            expected = spoiled(self._lookup_error(error, user_id, publication=False), spoil)
            return Prediction(expected, rejected=self._rejected(pair, None, expected.rule))
        finally:
            self._now = None
        course = self.catalogue.courses.get(course_id)
        rule = "enroll.keeps-existing" if existing else "enroll.creates"
        if course is not None and not course.record.published:
            rule = "enroll.unpublished-accepted"
        return Prediction(spoiled(Expected(204, rule), spoil), (pair,), "enroll", marker, previous=previous)

    def _begin_write(self) -> datetime:
        marker = self.ledger.marker(None)
        self._now = marker
        return marker

    def _invalid_body(self, course_id: str, user_id: str, rule: str | None) -> Expected:
        """A refused body: answered with a lookup error instead, validation ran after the lookups, unless
        only the offsets made the dates reversed (then they were ignored, and the body taken as valid) or
        the target was seen to validate first (then it took this body as valid: the body's rule broke)."""
        if rule is None:
            return Expected(202, "import.accepted", empty_body=True)
        lookups = ("course_not_found", "user_not_found", "course_not_published")
        taken = rule == "dates.offset-honoured" or self.ledger.validation_first_seen
        order = rule if taken else "validation.before-lookups"
        return refused("invalid_request", rule, dict.fromkeys(lookups, order))

    def _lookup_fails(self, course_id: str, user_id: str) -> bool:
        try:
            self.tenant.import_lookups(course_id, user_id)
        except RiseError:
            return True
        return False

    def _lookup_error(self, error: RiseError, user_id: str, publication: bool) -> Expected:
        """A refused lookup; with the user unknown too, answering user_not_found breaks the check order."""
        user_unknown = user_id not in self.tenant.state().users
        if not publication:
            # course_not_published for an enrollment means the course's publication was (wrongly) needed
            others = {
                "user_not_found": "enroll.lookups",
                "course_not_published": "enroll.unpublished-accepted",
            }
            return refused(error.code, "enroll.lookups", others)
        rule = {
            "course_not_found": "errors.course-not-found",
            "course_not_published": "errors.course-not-published",
        }.get(error.code, "errors.user-not-found")
        order = (
            {"user_not_found": "errors.check-order"}
            if user_unknown and error.code != "user_not_found"
            else {}
        )
        return refused(error.code, rule, order)

    def _rejected(self, pair: Pair, body: Any, rule: str) -> RejectedWrite:
        dates: list[datetime | None] = []
        for name in ("startedAt", "completedAt"):
            value = body.get(name) if isinstance(body, dict) else None
            try:
                dates.append(parse_import_date(name, value) if isinstance(value, str) else None)
            except RiseError:
                dates.append(None)
        return RejectedWrite(pair, dates[0], dates[1], rule, Step(""))

    def _latest(self, pair: Pair) -> Version | None:
        history = self.ledger.histories.get(pair)
        return history.latest if history else None

    def record(self, prediction: Prediction, window: Window, answered_at: float, step: Step) -> None:
        """The target agreed with the prediction: settle the write's date and add each pair's next row."""
        if prediction.rejected is not None:
            self.ledger.rejected.append(replace(prediction.rejected, step=step))
        if prediction.shows_validation_first:
            self.ledger.validation_first_seen = True
        if prediction.marker is None:
            return
        self.ledger.settle_marker(prediction.marker, window)
        state = self.tenant.state()
        for pair in prediction.pairs:
            before = prediction.previous.get(pair)
            was_enrolled = before is not None and before.row is not None
            enrollment, completion = state.enrollments.get(pair), state.completions.get(pair)
            if prediction.kind == "enroll" and was_enrolled:
                row = before.row  # kept as it is, whatever the model would say of a row it did not make
            else:
                row = self.expected_row(state, pair)
            write = Write(
                prediction.kind,
                step,
                answered_at,
                prediction.body,
                not was_enrolled,
                _promise(prediction.kind, before),
            )
            history = self.ledger.histories.setdefault(pair, History([_absent()]))
            history.versions.append(Version(row, enrollment, completion, write))
            if completion is not None and prediction.kind == "import":
                dates = (completion.started_at, completion.completed_at)
                self.ledger.accepted_dates.setdefault(pair, set()).add(dates)

    def expected_row(self, state: TenantState, pair: Pair) -> ExpectedRow:
        """The model's row for a pair, as the contract fixes it (dates as instants or windows)."""
        course_id, user_id = pair
        row = report_row(
            state.courses[course_id],
            state.users[user_id],
            state.enrollments.get(pair),
            state.completions.get(pair),
        )
        expect = self.ledger.expectation
        return ExpectedRow(
            course_id=course_id,
            user_id=user_id,
            status=row.status.value,
            enrolled_at=expect(row.enrolled_at),
            started_at=expect(row.started_at),
            completed_at=expect(row.completed_at),
            duration=parse_duration(row.duration) if row.duration else None,
            quiz_score=row.quiz_score_percent,
            quiz_passed=row.quiz_passed,
            names=row_names(self.catalogue, course_id, user_id),
        )

    # -- reads ----------------------------------------------------------------------------------

    def predict_read(self, known: bool, unknown_code: str, rule: str, spoil: Spoil) -> Expected:
        if known:
            return spoiled(Expected(200, rule), spoil)
        unknown_rule = (
            "errors.course-not-found" if unknown_code == "course_not_found" else "errors.user-not-found"
        )
        return spoiled(refused(unknown_code, unknown_rule), spoil)

    def course_ids(self) -> set[str]:
        return {c.id for c in _every(lambda cursor: self.tenant.courses(LIMIT_MAX, cursor))}

    def user_ids(self, email: str | None = None) -> set[str]:
        return {u.id for u in _every(lambda cursor: self.tenant.users(LIMIT_MAX, cursor, email))}


def _promise(kind: str, before: Version | None) -> str:
    if kind == "enroll":
        return "enroll.creates" if before is None or before.row is None else "enroll.keeps-existing"
    if before is None or before.row is None:
        return "import.enrolls"
    return "import.one-record-per-pair" if before.row.started_at is not None else "import.shows-in-reports"


def _absent() -> Version:
    return Version(None, None, None)


def _every(read: Callable[[str | None], Page[Any]]) -> list[Any]:
    """Every item of a model list, page after page."""
    items: list[Any] = []
    cursor: str | None = None
    while True:
        page = read(cursor)
        items += page.items
        if page.next_cursor is None:
            return items
        cursor = page.next_cursor
