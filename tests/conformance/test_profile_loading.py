"""Profiles: the default one is the mock's demo tenant; a malformed one is refused with what to fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.errors import ProfileError
from conformance.profile import load_profile, parse_profile
from mock_server.model.seed import DEMO_SEED_PATH, load_seed_file

VALID = {"courses": {"quiz": "q", "no_quiz": "n", "third_party": "t"}, "users": ["u1", "u2"]}


def test_default_profile_names_demo_tenant_courses_of_each_kind() -> None:
    profile = load_profile()
    state = load_seed_file(DEMO_SEED_PATH)
    quiz, no_quiz, third = (state.courses[c] for c in profile.published_courses)
    assert quiz.quiz_required and quiz.source.value == "rise" and quiz.published
    assert not no_quiz.quiz_required and no_quiz.published
    assert third.source.value == "third_party" and third.published
    assert profile.unpublished is not None and not state.courses[profile.unpublished].published
    assert profile.users == ("user-ada", "user-grace", "user-alan", "user-katherine")


def test_profile_without_unpublished_course_is_valid() -> None:
    profile = parse_profile(VALID)
    assert profile.unpublished is None and profile.courses == ("q", "n", "t")
    assert profile.kind_of("t") == "third_party" and profile.kind_of("other") is None


@pytest.mark.parametrize(
    ("document", "named"),
    [
        ([1, 2], "must be a mapping"),
        ({**VALID, "groups": []}, "unknown keys ['groups']"),
        ({"courses": {"quiz": "q", "no_quiz": "n"}, "users": ["u"]}, "courses.third_party"),
        ({"courses": {**VALID["courses"], "legacy": "x"}, "users": ["u"]}, "unknown course kinds"),
        ({"courses": {"quiz": "q", "no_quiz": "q", "third_party": "t"}, "users": ["u"]}, "its own course"),
        ({**VALID, "users": []}, "non-empty list"),
        ({**VALID, "users": ["u", 7]}, "users[1]"),
        ({**VALID, "users": ["u", "u"]}, "lists an ID twice"),
    ],
)
def test_malformed_profile_is_refused_naming_the_key(document: object, named: str) -> None:
    with pytest.raises(ProfileError, match=named.replace("[", r"\[").replace("]", r"\]")):
        parse_profile(document)


def test_profile_that_is_not_yaml_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text("courses: [unclosed", encoding="utf-8")
    with pytest.raises(ProfileError, match="not valid YAML"):
        load_profile(path)


def test_missing_profile_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ProfileError, match="cannot read profile"):
        load_profile(tmp_path / "absent.yaml")
