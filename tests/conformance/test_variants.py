"""rise-conformance exits 1 on a mock with one deliberate defect, naming the check that catches it."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from conformance_servers import (
    AcceptsUnpublished,
    DropsWrite,
    KeepsOldDates,
    MissingCourseAs400,
    OverwritesEnrollmentDate,
    QuizScoreOnThirdParty,
    UserNotFoundAsNotFound,
    WritesToEveryLearner,
    fails_on_non_ascii_ids,
    fills_missing_started_at,
    keeps_two_records,
    mock_app,
    no_allow_header,
    no_auth_check,
    numeric_course_titles,
    plain_text_errors,
    undocumented_status_on_users,
    wrong_duration,
    wrong_version_header,
)

SEMANTIC_DEFECTS: dict[str, tuple[Callable[[], object], str]] = {
    "drops the write": (lambda: mock_app(DropsWrite), "import_shows_in_reports"),
    "keeps two records": (lambda: keeps_two_records(mock_app()), "upsert_keeps_one_record"),
    "keeps the old dates": (lambda: mock_app(KeepsOldDates), "upsert_keeps_one_record"),
    "quiz score on a third-party course": (
        lambda: mock_app(QuizScoreOnThirdParty),
        "no_quiz_score_without_rise_quiz",
    ),
    "wrong duration": (lambda: wrong_duration(mock_app()), "duration_is_completed_minus_started"),
    "accepts an unpublished course": (
        lambda: mock_app(AcceptsUnpublished),
        "unpublished_course_is_course_not_published",
    ),
    "wrong error code": (lambda: mock_app(UserNotFoundAsNotFound), "unknown_user_is_user_not_found"),
    "400 for a missing course": (lambda: mock_app(MissingCourseAs400), "unknown_course_is_course_not_found"),
    "no auth check": (lambda: no_auth_check(mock_app()), "missing_or_wrong_key_is_unauthorized"),
    "500 on a non-ASCII id": (
        lambda: fails_on_non_ascii_ids(mock_app()),
        "unknown_course_is_course_not_found",
    ),
    "overwrites an existing enrollment date": (
        lambda: mock_app(OverwritesEnrollmentDate),
        "enrollment_keeps_enrolled_at",
    ),
    "copies an import to other learners": (
        lambda: mock_app(WritesToEveryLearner),
        "writes_stay_in_their_pair",
    ),
    "accepts a body without startedAt": (
        lambda: fills_missing_started_at(mock_app()),
        "invalid_body_is_rejected",
    ),
}

SCHEMA_DEFECTS: dict[str, tuple[Callable[[], object], str, str]] = {
    "accepts a body without startedAt": (
        lambda: fills_missing_started_at(mock_app()),
        "negative_data_rejection",
        "coverage",
    ),
    "no auth check": (lambda: no_auth_check(mock_app()), "ignored_auth", "examples"),
    "unknown version in a response header": (
        lambda: wrong_version_header(mock_app()),
        "response_headers_conformance",
        "examples",
    ),
    "404 errors as text/plain": (
        lambda: plain_text_errors(mock_app()),
        "content_type_conformance",
        "coverage",
    ),
    "undeclared method answered 404 without Allow": (
        lambda: no_allow_header(mock_app()),
        "unsupported_method",
        "coverage",
    ),
    "course title as a number": (
        lambda: numeric_course_titles(mock_app()),
        "response_schema_conformance",
        "examples",
    ),
    "undocumented 203 on GET /users": (
        lambda: undocumented_status_on_users(mock_app()),
        "status_code_conformance",
        "examples",
    ),
}
"""Each defect with the check that catches it and the one Schemathesis phase that shows it: the defect's
run is that phase alone, a third to a half of the four (the passing runs on the mock run all of them)."""


@pytest.mark.parametrize("defect", SEMANTIC_DEFECTS)
def test_semantic_checks_catch_defect(run_cli, defect: str) -> None:
    build, check = SEMANTIC_DEFECTS[defect]
    run = run_cli(build(), "--parts", "semantic", "--report-timeout", "0.5", in_process=True)
    assert run.code == 1, run.out
    assert check in run.failed, f"{defect}: expected {check} among failed checks, got {sorted(run.failed)}"
    assert check in run.out


@pytest.mark.parametrize("defect", SCHEMA_DEFECTS)
def test_schema_phase_catches_defect(run_cli, defect: str) -> None:
    build, check, phase = SCHEMA_DEFECTS[defect]
    run = run_cli(
        build(), "--parts", "schema", "--schema-phases", phase, "--max-examples", "1", "--report-timeout", "2"
    )
    assert run.code == 1, run.out
    assert f"Schemathesis phases {phase}]" in run.out, run.out
    assert check in run.failed, f"{defect}: expected {check} among failed checks, got {sorted(run.failed)}"
