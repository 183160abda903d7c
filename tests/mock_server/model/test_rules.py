"""The Rise rules of `rules.py` and `reports.py`, one test per rule, on plain records (no HTTP)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from mock_server.model import rules
from mock_server.model.errors import RiseError
from mock_server.model.records import Completion, Course, Enrollment, Source, Status, User
from mock_server.model.reports import completion_in_reports, reaches_reports, report_row

NOW = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)
EARLIER = datetime(2024, 1, 15, 9, 0, tzinfo=UTC)
START = datetime(2023, 5, 2, 9, 0, tzinfo=UTC)
END = datetime(2023, 5, 2, 10, 30, tzinfo=UTC)

QUIZ = Course(
    "rise-quiz-101", "Workplace Safety Essentials", Source.RISE, published_version=3, quiz_required=True
)
INTRO = Course("rise-intro-102", "Welcome to the Team", Source.RISE, published_version=1, quiz_required=False)
SCORM = Course(
    "scorm-forklift-201", "Forklift (SCORM)", Source.THIRD_PARTY, published_version=2, quiz_required=True
)
DRAFT = Course("draft-301", "Data Privacy (draft)", Source.RISE, published_version=None, quiz_required=True)
ADA = User("user-ada", "ada@example.com", first_name="Ada", last_name="Lovelace")


def _code(error: pytest.ExceptionInfo[RiseError]) -> str:
    return error.value.code


# -- check order ------------------------------------------------------------------------------------


def test_import_target_reports_an_unknown_course_before_an_unknown_user() -> None:
    with pytest.raises(RiseError) as error:
        rules.import_target(None, None, "course-404", "user-404")
    assert _code(error) == "course_not_found"
    assert error.value.status == 404
    assert "course-404" in error.value.message


def test_import_target_reports_an_unpublished_course_before_an_unknown_user() -> None:
    with pytest.raises(RiseError) as error:
        rules.import_target(DRAFT, None, DRAFT.id, "user-404")
    assert _code(error) == "course_not_published"
    assert error.value.status == 409
    assert "draft-301" in error.value.message


def test_import_target_reports_an_unknown_user_of_a_published_course() -> None:
    with pytest.raises(RiseError) as error:
        rules.import_target(QUIZ, None, QUIZ.id, "user-404")
    assert _code(error) == "user_not_found"
    assert error.value.status == 404
    assert "user-404" in error.value.message


def test_import_target_returns_the_pair_when_both_exist_and_the_course_is_published() -> None:
    assert rules.import_target(QUIZ, ADA, QUIZ.id, ADA.id) == (QUIZ, ADA)


def test_enrollment_target_reports_an_unknown_course_before_an_unknown_user() -> None:
    with pytest.raises(RiseError) as error:
        rules.enrollment_target(None, None, "course-404", "user-404")
    assert _code(error) == "course_not_found"


def test_enrollment_target_reports_an_unknown_user_of_a_known_course() -> None:
    with pytest.raises(RiseError) as error:
        rules.enrollment_target(QUIZ, None, QUIZ.id, "user-404")
    assert _code(error) == "user_not_found"


def test_enrollment_target_accepts_an_unpublished_course() -> None:
    assert rules.enrollment_target(DRAFT, ADA, DRAFT.id, ADA.id) == (DRAFT, ADA)


def test_require_published_returns_the_published_version() -> None:
    assert rules.require_published(QUIZ) == 3


# -- import body -------------------------------------------------------------------------------------


def test_import_dates_reads_both_dates() -> None:
    body = {"startedAt": "2023-05-02T09:00:00Z", "completedAt": "2023-05-02T10:30:00Z"}
    assert rules.import_dates(body) == (START, END)


def test_import_dates_rejects_a_completion_before_its_start_naming_both_fields() -> None:
    with pytest.raises(RiseError) as error:
        rules.import_dates({"startedAt": "2023-05-02", "completedAt": "2023-05-01"})
    assert _code(error) == "invalid_request"
    assert "completedAt" in error.value.message and "startedAt" in error.value.message


def test_import_dates_names_the_field_whose_date_is_bad() -> None:
    with pytest.raises(RiseError) as error:
        rules.import_dates({"startedAt": "2023-05-02", "completedAt": "yesterday"})
    assert _code(error) == "invalid_request"
    assert "completedAt" in error.value.message
    assert "yesterday" in error.value.message


# -- quiz score ----------------------------------------------------------------------------------------


def test_quiz_score_for_import_is_100_for_a_rise_course_that_requires_a_quiz() -> None:
    assert rules.quiz_score_for_import(QUIZ) == 100


def test_quiz_score_for_import_is_none_for_a_third_party_course_even_with_a_quiz() -> None:
    assert rules.quiz_score_for_import(SCORM) is None


def test_quiz_score_for_import_is_none_for_a_rise_course_without_a_quiz() -> None:
    assert rules.quiz_score_for_import(INTRO) is None


def test_imported_completion_of_a_quiz_course_is_passed_with_100() -> None:
    completion = rules.imported_completion(QUIZ, ADA, START, END, NOW)
    assert completion.quiz_score_percent == 100
    assert completion.quiz_passed is True


@pytest.mark.parametrize("course", [SCORM, INTRO], ids=["third-party-with-quiz", "rise-without-quiz"])
def test_imported_completion_without_a_quiz_score_has_no_pass_either(course: Course) -> None:
    completion = rules.imported_completion(course, ADA, START, END, NOW)
    assert completion.quiz_score_percent is None
    assert completion.quiz_passed is None


# -- the completion record ----------------------------------------------------------------------------


def test_imported_completion_is_tied_to_the_version_published_at_the_time_of_the_call() -> None:
    assert rules.imported_completion(QUIZ, ADA, START, END, NOW).course_version == 3
    republished = Course(QUIZ.id, QUIZ.title, QUIZ.source, published_version=4, quiz_required=True)
    assert rules.imported_completion(republished, ADA, START, END, NOW).course_version == 4


def test_imported_completion_of_an_unpublished_course_is_course_not_published() -> None:
    with pytest.raises(RiseError) as error:
        rules.imported_completion(DRAFT, ADA, START, END, NOW)
    assert _code(error) == "course_not_published"


def test_imported_completion_carries_the_pair_the_dates_and_the_import_time() -> None:
    completion = rules.imported_completion(QUIZ, ADA, START, END, NOW)
    assert (completion.course_id, completion.user_id) == (QUIZ.id, ADA.id)
    assert (completion.started_at, completion.completed_at) == (START, END)
    assert completion.imported_at == NOW


def test_imported_completion_upsert_keeps_one_record_with_the_new_dates() -> None:
    records: dict[tuple[str, str], Completion] = {}
    for started, completed in [(START, END), (START + timedelta(days=1), END + timedelta(days=2))]:
        completion = rules.imported_completion(QUIZ, ADA, started, completed, NOW)
        records[(completion.course_id, completion.user_id)] = completion
    assert len(records) == 1
    (only,) = records.values()
    assert (only.started_at, only.completed_at) == (START + timedelta(days=1), END + timedelta(days=2))


# -- enrollment ----------------------------------------------------------------------------------------


def test_kept_or_new_enrollment_creates_an_enrollment_dated_now_when_absent() -> None:
    enrollment = rules.kept_or_new_enrollment(None, QUIZ.id, ADA.id, NOW)
    assert enrollment == Enrollment(QUIZ.id, ADA.id, NOW)


def test_kept_or_new_enrollment_keeps_an_existing_enrollment_with_its_date() -> None:
    existing = Enrollment(QUIZ.id, "user-grace", EARLIER)
    assert rules.kept_or_new_enrollment(existing, QUIZ.id, "user-grace", NOW) is existing


# -- report rows ----------------------------------------------------------------------------------------


def test_report_row_of_an_enrolled_pair_without_completion_is_not_started_with_nulls() -> None:
    row = report_row(QUIZ, ADA, Enrollment(QUIZ.id, ADA.id, EARLIER), None)
    assert row.status is Status.NOT_STARTED
    assert row.enrolled_at == EARLIER
    assert (row.started_at, row.completed_at, row.duration) == (None, None, None)
    assert (row.quiz_score_percent, row.quiz_passed) == (None, None)


def test_report_row_of_a_completed_pair_is_complete_with_dates_duration_and_quiz() -> None:
    completion = rules.imported_completion(QUIZ, ADA, START, END, NOW)
    row = report_row(QUIZ, ADA, Enrollment(QUIZ.id, ADA.id, EARLIER), completion)
    assert row.status is Status.COMPLETE
    assert (row.enrolled_at, row.started_at, row.completed_at) == (EARLIER, START, END)
    assert row.duration == "PT1H30M"
    assert (row.quiz_score_percent, row.quiz_passed) == (100, True)


def test_report_row_of_a_completed_third_party_pair_has_no_quiz_score() -> None:
    completion = rules.imported_completion(SCORM, ADA, START, END, NOW)
    row = report_row(SCORM, ADA, Enrollment(SCORM.id, ADA.id, NOW), completion)
    assert row.status is Status.COMPLETE
    assert (row.quiz_score_percent, row.quiz_passed) == (None, None)


@pytest.mark.parametrize(
    ("started", "completed", "duration"),
    [
        ("2023-05-02T09:00:00Z", "2023-05-02T10:30:00Z", "PT1H30M"),
        ("2023-05-01T00:00:00Z", "2023-05-03T03:00:00Z", "P2DT3H"),
        ("2023-05-01", "2023-05-03", "P2D"),
        ("2023-05-02T09:00:00Z", "2023-05-02T09:00:00Z", "PT0S"),
        ("2023-05-02T11:00:00+02:00", "2023-05-02T09:00:01Z", "PT1S"),
    ],
)
def test_report_row_duration_is_completed_at_minus_started_at(
    started: str, completed: str, duration: str
) -> None:
    started_at, completed_at = rules.import_dates({"startedAt": started, "completedAt": completed})
    completion = rules.imported_completion(INTRO, ADA, started_at, completed_at, NOW)
    assert report_row(INTRO, ADA, None, completion).duration == duration


def test_report_row_without_enrollment_has_no_enrollment_date() -> None:
    completion = rules.imported_completion(INTRO, ADA, START, END, NOW)
    assert report_row(INTRO, ADA, None, completion).enrolled_at is None


# -- errors ---------------------------------------------------------------------------------------------


def test_rise_error_rejects_a_code_the_contract_does_not_list() -> None:
    with pytest.raises(ValueError, match="no_such_code"):
        RiseError("no_such_code", "message")


@pytest.mark.parametrize(
    ("code", "status"),
    [
        ("invalid_request", 400),
        ("invalid_api_version", 400),
        ("unauthorized", 401),
        ("not_found", 404),
        ("course_not_found", 404),
        ("user_not_found", 404),
        ("method_not_allowed", 405),
        ("course_not_published", 409),
        ("payload_too_large", 413),
        ("unsupported_media_type", 415),
    ],
)
def test_rise_error_status_is_the_one_the_contract_gives_its_code(code: str, status: int) -> None:
    assert RiseError(code, "message").status == status


def test_reports_show_a_write_once_it_is_lag_old():
    lag = timedelta(minutes=5)
    assert reaches_reports(NOW - lag, NOW, lag)
    assert not reaches_reports(NOW - lag + timedelta(seconds=1), NOW, lag)
    assert reaches_reports(None, NOW, lag)


def test_reports_show_the_previous_completion_until_the_new_one_is_lag_old():
    lag = timedelta(minutes=5)
    older = rules.imported_completion(QUIZ, ADA, START, END, NOW - 3 * lag)
    old = rules.imported_completion(QUIZ, ADA, START, END, NOW - 2 * lag, shown_before=older)
    new = rules.imported_completion(QUIZ, ADA, START, END + timedelta(hours=1), NOW, shown_before=old)
    assert completion_in_reports(new, NOW, lag).imported_at == old.imported_at
    assert completion_in_reports(new, NOW + lag, lag) == new
    assert new.shown_before.shown_before is None
    assert completion_in_reports(new, NOW, timedelta(0)) == new


def test_a_record_without_its_history_is_the_record_with_shown_before_none():
    older = rules.imported_completion(QUIZ, ADA, START, END, NOW - timedelta(hours=2))
    old = rules.imported_completion(QUIZ, ADA, START, END, NOW - timedelta(hours=1), shown_before=older)
    trimmed = old.without_history()
    assert trimmed == dataclasses.replace(old, shown_before=None)
    assert trimmed.shown_before is None and old.shown_before == older  # the original is unchanged
    assert older.without_history() is older
    with pytest.raises(dataclasses.FrozenInstanceError):
        trimmed.course_id = "other"  # still a frozen record
