"""What the target shows at the start of the phase: its courses and users (the profile's read one by one,
the rest from the lists), as the model's records and as the fields later answers must repeat."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from conformance.checks.differential.compare import COURSE_FIELDS, USER_FIELDS
from conformance.checks.differential.findings import Finding, Step
from conformance.checks.differential.walks import MAX_PAGES, walk
from conformance.engine.client import Exchange, RiseClient
from conformance.engine.context import segment
from conformance.profile import Profile
from mock_server.model.contract import LIMIT_MAX
from mock_server.model.records import Course, Role, Source, User

KIND_SOURCE = {"quiz": Source.RISE, "no_quiz": Source.RISE, "third_party": Source.THIRD_PARTY}
"""The source each profile kind implies (rule courses.source)."""


@dataclass(frozen=True)
class CourseFacts:
    """A course as the model holds it, and the fields the target must show for it every time."""

    record: Course
    kind: str | None
    fields: dict[str, Any]


@dataclass(frozen=True)
class UserFacts:
    record: User
    fields: dict[str, Any]


@dataclass(frozen=True)
class Catalogue:
    """The tenant's courses and users; `listed_*` are the IDs the first full list walk showed."""

    courses: dict[str, CourseFacts]
    users: dict[str, UserFacts]
    listed_courses: frozenset[str]
    listed_users: frozenset[str]


class StartFailed(Exception):
    """The starting state could not be read; carries the finding that says why."""

    def __init__(self, finding: Finding) -> None:
        super().__init__(finding.describe())
        self.finding = finding


def read_catalogue(client: RiseClient, profile: Profile) -> Catalogue:
    """Read every list once at the largest page size, then each profile course and user by ID."""
    listed_courses = _list_all(client, "/courses", "courses", "courses.lists-unpublished")
    listed_users = _list_all(client, "/users", "users", "users.read")
    courses = {c["id"]: _course_facts(c, None) for c in listed_courses.values()}
    users = {u["id"]: _user_facts(u) for u in listed_users.values()}
    for course_id in profile.courses:
        courses[course_id] = _course_facts(
            _read_one(client, f"/courses/{segment(course_id)}", "courses.read"), profile.kind_of(course_id)
        )
    for user_id in profile.users:
        users[user_id] = _user_facts(_read_one(client, f"/users/{segment(user_id)}", "users.read"))
    return Catalogue(courses, users, frozenset(listed_courses), frozenset(listed_users))


def _fail(rule: str, expected: str, exchange: Exchange) -> StartFailed:
    observed = f"HTTP {exchange.status} body {exchange.response_body[:200]!r}"
    step = Step("read the starting state", (exchange,))
    return StartFailed(Finding(rule, expected, observed, [exchange], [step]))


def _read_one(client: RiseClient, path: str, rule: str) -> dict[str, Any]:
    exchange = client.get(path)
    body = exchange.json()
    if exchange.status != 200 or not isinstance(body, dict) or not isinstance(body.get("id"), str):
        raise _fail(rule, f"HTTP 200 with the object of {path}", exchange)
    return body


def _list_all(client: RiseClient, path: str, key: str, rule: str) -> dict[str, dict[str, Any]]:
    """Every item a list shows (up to MAX_PAGES pages of 100: a longer list is judged on the pages a
    step sees, not walked to its end)."""
    first = client.get(f"{path}?limit={LIMIT_MAX}")
    if first.status != 200:
        raise _fail(rule, f"HTTP 200 with a page of {path}", first)
    seen, problem = walk(client, first, key, LIMIT_MAX, rule, MAX_PAGES)
    if problem is not None:
        step = Step(f"read {path} page by page", tuple(seen.exchanges))
        raise StartFailed(
            Finding(problem.rule_id, problem.expected, problem.observed, seen.exchanges, [step])
        )
    items = {i["id"]: i for i in seen.items if isinstance(i, dict) and isinstance(i.get("id"), str)}
    return items


def _course_facts(body: dict[str, Any], kind: str | None) -> CourseFacts:
    read_source = body.get("source")
    source = KIND_SOURCE.get(kind or "") or (
        Source(read_source) if read_source in {s.value for s in Source} else Source.RISE
    )
    fields = {name: body.get(name) for name in COURSE_FIELDS if name in body}
    if kind in KIND_SOURCE:
        fields["source"] = source.value
    if "authorUrl" in body:
        fields["authorUrl"] = body["authorUrl"]
    record = Course(
        id=body["id"],
        title=body.get("title") if isinstance(body.get("title"), str) else "",
        source=source,
        published_version=None if kind == "unpublished" else 1,
        quiz_required=kind in ("quiz", "third_party"),
    )
    return CourseFacts(record, kind, fields)


def _user_facts(body: dict[str, Any]) -> UserFacts:
    role = body.get("role")
    record = User(
        id=body["id"],
        email=body.get("email") if isinstance(body.get("email"), str) else "",
        role=Role(role) if role in {r.value for r in Role} else Role.LEARNER,
        first_name=body.get("firstName"),
        last_name=body.get("lastName"),
    )
    return UserFacts(record, {name: body.get(name) for name in USER_FIELDS if name in body})


def row_names(catalogue: Catalogue, course_id: str, user_id: str) -> tuple[tuple[str, Any], ...]:
    """The names a report row repeats from its course and user (rule report.row-names)."""
    names: list[tuple[str, Any]] = []
    course = catalogue.courses.get(course_id)
    if course is not None and "title" in course.fields:
        names.append(("courseTitle", course.fields["title"]))
    user = catalogue.users.get(user_id)
    if user is not None:
        names += [
            (row_field, user.fields[field])
            for row_field, field in (("email", "email"), ("firstName", "firstName"), ("lastName", "lastName"))
            if field in user.fields
        ]
    return tuple(names)
