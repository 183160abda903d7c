"""Seeds as `seed.py` reads and writes them: the demo tenant, round trips, and clear errors."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from mock_server.model.errors import SeedError
from mock_server.model.records import Completion, Enrollment, Role, Source, TenantState
from mock_server.model.seed import DEMO_SEED_PATH, load_seed_file, state_from_document, state_to_document


@pytest.fixture(scope="module")
def demo() -> TenantState:
    return load_seed_file(DEMO_SEED_PATH)


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "tenant.yaml"
    path.write_text(text, encoding="utf-8")
    return path


MINIMAL: dict[str, Any] = {
    "courses": [{"id": "c1", "title": "Course one", "publishedVersion": 1}],
    "users": [{"id": "u1", "email": "u1@example.com"}],
}


def _with(**changes: Any) -> dict[str, Any]:
    document = copy.deepcopy(MINIMAL)
    document.update(changes)
    return document


# -- the demo tenant ------------------------------------------------------------------------------------


def test_demo_seed_has_the_four_courses_the_issue_names(demo: TenantState) -> None:
    assert set(demo.courses) == {"rise-quiz-101", "rise-intro-102", "scorm-forklift-201", "draft-301"}


def test_demo_seed_courses_have_the_source_publication_and_quiz_the_issue_names(demo: TenantState) -> None:
    facts = {c.id: (c.source, c.published, c.quiz_required) for c in demo.courses.values()}
    assert facts == {
        "rise-quiz-101": (Source.RISE, True, True),
        "rise-intro-102": (Source.RISE, True, False),
        "scorm-forklift-201": (Source.THIRD_PARTY, True, True),
        "draft-301": (Source.RISE, False, True),
    }


def test_demo_seed_has_four_learners_and_an_admin(demo: TenantState) -> None:
    learners = {"user-ada", "user-grace", "user-alan", "user-katherine"}
    assert set(demo.users) == learners | {"user-admin"}
    for user_id in learners:
        user = demo.users[user_id]
        assert user.role is Role.LEARNER
        assert user.email == f"{user_id.removeprefix('user-')}@example.com"
    assert demo.users["user-admin"].role is Role.ADMIN


def test_demo_seed_enrolls_grace_in_the_quiz_course_on_2024_01_15(demo: TenantState) -> None:
    assert list(demo.enrollments) == [("rise-quiz-101", "user-grace")]
    enrolled_at = demo.enrollments[("rise-quiz-101", "user-grace")].enrolled_at
    assert enrolled_at == datetime(2024, 1, 15, 9, 0, tzinfo=UTC)
    assert demo.completions == {}


# -- round trip -----------------------------------------------------------------------------------------


def test_state_to_document_and_back_gives_the_same_state(demo: TenantState) -> None:
    state = demo.copy()
    state.enrollments[("rise-quiz-101", "user-ada")] = Enrollment(
        "rise-quiz-101", "user-ada", datetime(2024, 3, 1, 12, 0, tzinfo=UTC)
    )
    state.completions[("rise-quiz-101", "user-ada")] = Completion(
        "rise-quiz-101",
        "user-ada",
        started_at=datetime(2023, 5, 2, 9, 0, tzinfo=UTC),
        completed_at=datetime(2023, 5, 2, 10, 30, 0, 250000, tzinfo=UTC),
        course_version=3,
        quiz_score_percent=100.0,
        imported_at=datetime(2024, 3, 1, 12, 0, tzinfo=UTC),
    )
    assert state_from_document(state_to_document(state)) == state


def test_state_to_document_is_a_valid_seed_document_in_id_order(demo: TenantState) -> None:
    document = state_to_document(demo)
    assert [c["id"] for c in document["courses"]] == sorted(demo.courses)
    assert document["enrollments"] == [
        {"courseId": "rise-quiz-101", "userId": "user-grace", "enrolledAt": "2024-01-15T09:00:00Z"}
    ]
    assert state_from_document(document) == demo


def test_state_from_document_applies_the_defaults() -> None:
    state = state_from_document(
        {"courses": [{"id": "c1", "title": "One"}], "users": [{"id": "u1", "email": "u1@example.com"}]}
    )
    course, user = state.courses["c1"], state.users["u1"]
    assert (course.source, course.published_version, course.quiz_required) == (Source.RISE, None, False)
    assert user.role is Role.LEARNER
    assert state.enrollments == {} and state.completions == {}


def test_load_seed_file_keeps_yaml_dates_as_written(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "courses: [{id: c1, title: One, publishedVersion: 1}]\n"
        "users: [{id: u1, email: u1@example.com}]\n"
        "enrollments: [{courseId: c1, userId: u1, enrolledAt: 2024-01-15}]\n",
    )
    assert load_seed_file(path).enrollments[("c1", "u1")].enrolled_at == datetime(2024, 1, 15, tzinfo=UTC)


# -- bad seeds -------------------------------------------------------------------------------------------


def test_load_seed_file_names_a_missing_file(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    with pytest.raises(SeedError) as error:
        load_seed_file(missing)
    assert str(missing) in str(error.value)


def test_load_seed_file_names_the_file_and_the_line_of_bad_yaml(tmp_path: Path) -> None:
    path = _write(tmp_path, "courses: [\n  {id: c1, title: One\nusers: []\n")
    with pytest.raises(SeedError) as error:
        load_seed_file(path)
    message = str(error.value)
    assert str(path) in message
    assert "YAML" in message
    assert "line" in message


def test_load_seed_file_rejects_a_document_that_is_not_a_mapping(tmp_path: Path) -> None:
    path = _write(tmp_path, "- just\n- a list\n")
    with pytest.raises(SeedError) as error:
        load_seed_file(path)
    assert str(path) in str(error.value)


def test_load_seed_file_names_the_file_and_the_unknown_field(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "courses: [{id: c1, title: One, publishedVersion: 1, colour: red}]\nusers: []\n",
    )
    with pytest.raises(SeedError) as error:
        load_seed_file(path)
    message = str(error.value)
    assert str(path) in message
    assert "colour" in message
    assert "courses[0]" in message


def test_load_seed_file_names_the_file_and_the_field_of_the_wrong_type(tmp_path: Path) -> None:
    path = _write(tmp_path, "courses: [{id: c1, title: One, publishedVersion: three}]\nusers: []\n")
    with pytest.raises(SeedError) as error:
        load_seed_file(path)
    message = str(error.value)
    assert str(path) in message
    assert "courses[0].publishedVersion" in message
    assert "three" in message


@pytest.mark.parametrize(
    ("document", "named"),
    [
        ({"users": []}, "courses"),
        (_with(courses=[{"id": "c1"}]), "title"),
        (_with(courses=[{"id": "c1", "title": "One", "source": "scorm"}]), "scorm"),
        (_with(courses=[{"id": "c1", "title": "One", "publishedVersion": 0}]), "publishedVersion"),
        (_with(users=[{"id": "u1", "email": "u1@example.com", "role": "owner"}]), "owner"),
        (_with(users=[{"id": "u/1", "email": "u1@example.com"}]), "users[0].id"),
        (_with(enrollments=[{"courseId": "c1", "userId": "u1", "enrolledAt": "someday"}]), "enrolledAt"),
        (_with(extra=[]), "extra"),
    ],
)
def test_state_from_document_names_what_is_wrong(document: dict[str, Any], named: str) -> None:
    with pytest.raises(SeedError) as error:
        state_from_document(document, source="seed file x.yaml")
    message = str(error.value)
    assert message.startswith("seed file x.yaml")
    assert named in message


def test_state_from_document_rejects_duplicate_course_ids() -> None:
    document = _with(courses=[{"id": "c1", "title": "One"}, {"id": "c1", "title": "Again"}])
    with pytest.raises(SeedError) as error:
        state_from_document(document, source="seed file x.yaml")
    assert "x.yaml" in str(error.value)
    assert "'c1'" in str(error.value)
    assert "twice" in str(error.value)


def test_state_from_document_rejects_duplicate_user_ids() -> None:
    document = _with(users=[{"id": "u1", "email": "a@example.com"}, {"id": "u1", "email": "b@example.com"}])
    with pytest.raises(SeedError) as error:
        state_from_document(document, source="seed file x.yaml")
    assert "x.yaml" in str(error.value)
    assert "'u1'" in str(error.value)


def test_state_from_document_rejects_an_enrollment_naming_an_unknown_course() -> None:
    document = _with(enrollments=[{"courseId": "c404", "userId": "u1", "enrolledAt": "2024-01-15"}])
    with pytest.raises(SeedError) as error:
        state_from_document(document, source="seed file x.yaml")
    assert "x.yaml" in str(error.value)
    assert "'c404'" in str(error.value)


def test_state_from_document_rejects_an_enrollment_naming_an_unknown_user() -> None:
    document = _with(enrollments=[{"courseId": "c1", "userId": "u404", "enrolledAt": "2024-01-15"}])
    with pytest.raises(SeedError) as error:
        state_from_document(document, source="seed file x.yaml")
    assert "x.yaml" in str(error.value)
    assert "'u404'" in str(error.value)


def test_state_from_document_rejects_a_completion_naming_an_unknown_course() -> None:
    completion = {
        "courseId": "c404",
        "userId": "u1",
        "startedAt": "2023-05-01",
        "completedAt": "2023-05-02",
        "courseVersion": 1,
    }
    with pytest.raises(SeedError) as error:
        state_from_document(_with(completions=[completion]), source="seed file x.yaml")
    assert "'c404'" in str(error.value)


def test_load_seed_file_names_the_file_for_a_duplicate_id(tmp_path: Path) -> None:
    path = _write(tmp_path, "courses: [{id: c1, title: One}, {id: c1, title: Two}]\nusers: []\n")
    with pytest.raises(SeedError) as error:
        load_seed_file(path)
    assert str(path) in str(error.value)


def test_state_from_document_rejects_a_completion_without_an_enrollment_of_its_pair():
    document = {
        "courses": [{"id": "c1", "title": "C", "publishedVersion": 1}],
        "users": [{"id": "u1", "email": "u1@example.com"}],
        "completions": [
            {
                "courseId": "c1",
                "userId": "u1",
                "startedAt": "2023-01-01",
                "completedAt": "2023-01-02",
                "courseVersion": 1,
            }
        ],
    }
    with pytest.raises(SeedError, match="no enrollment of that pair"):
        state_from_document(document, source="seed x.yaml")
