"""Seeds: YAML or JSON documents that describe a tenant, read into records and written back out.

A seed has the shape `GET /__mock/state` answers with (schema `TenantState` in `control.yaml`), so a
state can be saved and loaded again.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from mock_server.model.contract import CONTROL_CONTRACT_PATH, load_contract
from mock_server.model.dates import format_datetime, parse_import_date
from mock_server.model.errors import RiseError, SeedError
from mock_server.model.records import Completion, Course, Enrollment, Role, Source, TenantState, User
from mock_server.model.schema import SchemaValidator

DEMO_SEED_PATH = Path(__file__).resolve().parents[1] / "demo_tenant.yaml"
DEFAULT_API_KEY = "rise-mock-key"
"""The key the mock accepts unless told otherwise: the demo tenant's."""


class _StringDatesLoader(yaml.SafeLoader):
    """YAML without implicit timestamps: dates stay strings, as written, for the schema and our parser."""


_StringDatesLoader.yaml_implicit_resolvers = {
    first: [(tag, regex) for tag, regex in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@cache
def _state_validator() -> SchemaValidator:
    components = load_contract(CONTROL_CONTRACT_PATH)["components"]
    return SchemaValidator(components["schemas"]["TenantState"], components)


def load_seed_file(path: str | Path) -> TenantState:
    """Read a seed file; every problem becomes a SeedError naming the file."""
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise SeedError(f"cannot read seed file {source}: {error}") from None
    try:
        document = yaml.load(text, Loader=_StringDatesLoader)
    except yaml.YAMLError as error:
        raise SeedError(f"seed file {source} is not valid YAML: {error}") from None
    return state_from_document(document, source=f"seed file {source}")


def state_from_document(document: Any, *, source: str = "seed") -> TenantState:
    """Turn a seed document into records, or say exactly what is wrong with it."""
    problem = _state_validator().problem(document)
    if problem is not None:
        raise SeedError(
            f"{source}: {problem.where or 'the document'}: {problem.message}. The seed must match "
            "TenantState in mock_server/control/control.yaml (see mock_server/demo_tenant.yaml for an "
            "example)."
        )
    try:
        return _build(document)
    except (RiseError, SeedError) as error:
        raise SeedError(f"{source}: {error}") from None


def _build(document: dict[str, Any]) -> TenantState:
    state = TenantState()
    for raw in document["courses"]:
        _unique(state.courses, raw["id"], "course")
        state.courses[raw["id"]] = Course(
            id=raw["id"],
            title=raw["title"],
            source=Source(raw.get("source", "rise")),
            published_version=raw.get("publishedVersion"),
            quiz_required=raw.get("quizRequired", False),
            author_id=raw.get("authorId"),
            cover_image_url=raw.get("coverImageUrl"),
        )
    for raw in document["users"]:
        _unique(state.users, raw["id"], "user")
        state.users[raw["id"]] = User(
            id=raw["id"],
            email=raw["email"],
            role=Role(raw.get("role", "learner")),
            first_name=raw.get("firstName"),
            last_name=raw.get("lastName"),
            last_active_at=_optional_date("lastActiveAt", raw.get("lastActiveAt")),
        )
    for raw in document.get("enrollments", []):
        pair = _known_pair(state, raw, "enrollment")
        state.enrollments[pair] = Enrollment(*pair, parse_import_date("enrolledAt", raw["enrolledAt"]))
    for raw in document.get("completions", []):
        pair = _known_pair(state, raw, "completion")
        if pair not in state.enrollments:
            raise SeedError(
                f"completion of course {pair[0]!r} by user {pair[1]!r} has no enrollment of that pair: "
                "add one under enrollments (an import always enrolls the user)"
            )
        state.completions[pair] = Completion(
            *pair,
            started_at=parse_import_date("startedAt", raw["startedAt"]),
            completed_at=parse_import_date("completedAt", raw["completedAt"]),
            course_version=raw["courseVersion"],
            quiz_score_percent=raw.get("quizScorePercent"),
            imported_at=_optional_date("importedAt", raw.get("importedAt")),
        )
    return state


def _unique(existing: dict[str, Any], record_id: str, kind: str) -> None:
    if record_id in existing:
        raise SeedError(f"{kind} ID {record_id!r} appears twice: give each {kind} its own ID")


def _known_pair(state: TenantState, raw: dict[str, str], kind: str) -> tuple[str, str]:
    course_id, user_id = raw["courseId"], raw["userId"]
    if course_id not in state.courses:
        raise SeedError(f"{kind} names course {course_id!r}, which the seed does not list under courses")
    if user_id not in state.users:
        raise SeedError(f"{kind} names user {user_id!r}, which the seed does not list under users")
    return course_id, user_id


def _optional_date(field: str, value: str | None) -> datetime | None:
    return None if value is None else parse_import_date(field, value)


def _date(value: datetime | None) -> str | None:
    return None if value is None else format_datetime(value)


def state_to_document(state: TenantState) -> dict[str, Any]:
    """The seed document of a state: what `GET /__mock/state` answers."""
    return {
        "courses": [
            {
                "id": c.id,
                "title": c.title,
                "source": c.source.value,
                "publishedVersion": c.published_version,
                "quizRequired": c.quiz_required,
                "authorId": c.author_id,
                "coverImageUrl": c.cover_image_url,
            }
            for c in sorted(state.courses.values(), key=lambda c: c.id)
        ],
        "users": [
            {
                "id": u.id,
                "email": u.email,
                "role": u.role.value,
                "firstName": u.first_name,
                "lastName": u.last_name,
                "lastActiveAt": _date(u.last_active_at),
            }
            for u in sorted(state.users.values(), key=lambda u: u.id)
        ],
        "enrollments": [
            {"courseId": e.course_id, "userId": e.user_id, "enrolledAt": format_datetime(e.enrolled_at)}
            for _, e in sorted(state.enrollments.items())
        ],
        "completions": [
            {
                "courseId": c.course_id,
                "userId": c.user_id,
                "startedAt": format_datetime(c.started_at),
                "completedAt": format_datetime(c.completed_at),
                "courseVersion": c.course_version,
                "quizScorePercent": c.quiz_score_percent,
                "importedAt": _date(c.imported_at),
            }
            for _, c in sorted(state.completions.items())
        ],
    }
