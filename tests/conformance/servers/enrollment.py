"""The enrollment endpoint: PUT that enrolls nobody, re-dates or resets an enrollment, skips a lookup,
or answers otherwise than 204."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from starlette.types import ASGIApp, Scope, Send

from mock_server.model import rules
from mock_server.model.records import Completion, Enrollment
from mock_server.model.tenant import Tenant, utc_now
from servers.base import Server, answer, app_of, guarded, json_rewriter, report_rows

LONG_AGO = datetime(2020, 1, 1, tzinfo=UTC)


class EnrollsNobody(Tenant):
    """PUT checks the course and the user, answers 204 and records nothing."""

    def enroll(self, course_id: str, user_id: str) -> Enrollment:
        rules.enrollment_target(self._store.course(course_id), self._store.user(user_id), course_id, user_id)
        return Enrollment(course_id, user_id, utc_now())


class ReDatesEnrollment(Tenant):
    """PUT for an enrolled pair dates its enrollment anew."""

    def enroll(self, course_id: str, user_id: str) -> Enrollment:
        super().enroll(course_id, user_id)
        enrollment = Enrollment(course_id, user_id, utc_now())
        self._store.save_enrollment(enrollment)
        return enrollment


class DatesEnrollmentLongAgo(Tenant):
    """A new enrollment made by PUT is dated 2020-01-01, not at the request."""

    def enroll(self, course_id: str, user_id: str) -> Enrollment:
        if self._store.enrollment(course_id, user_id) is not None:
            return super().enroll(course_id, user_id)
        super().enroll(course_id, user_id)
        enrollment = Enrollment(course_id, user_id, LONG_AGO)
        self._store.save_enrollment(enrollment)
        return enrollment


class ResetsCompletion(Tenant):
    """PUT for a pair with a completion starts it over: the reports show it Not Started again."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._reset: set[tuple[str, str]] = set()

    def enroll(self, course_id: str, user_id: str) -> Enrollment:
        enrollment = super().enroll(course_id, user_id)
        self._reset.add((course_id, user_id))
        return enrollment

    def import_completion(self, course_id: str, user_id: str, body: Any) -> Completion:
        completion = super().import_completion(course_id, user_id, body)
        self._reset.discard((course_id, user_id))
        return completion

    def _shown(self, completion: Completion | None) -> Completion | None:
        if completion is not None and (completion.course_id, completion.user_id) in self._reset:
            return None
        return super()._shown(completion)


class SkipsCourseLookup(Tenant):
    """PUT never looks the course up: an unknown course is 204 (and nothing is recorded for it)."""

    def enroll(self, course_id: str, user_id: str) -> Enrollment:
        if self._store.course(course_id) is None:
            rules.require_user(self._store.user(user_id), user_id)
            return Enrollment(course_id, user_id, utc_now())
        return super().enroll(course_id, user_id)


class SkipsUserLookup(Tenant):
    """PUT never looks the user up: an unknown user is 204 (and nothing is recorded for them)."""

    def enroll(self, course_id: str, user_id: str) -> Enrollment:
        if self._store.user(user_id) is None:
            rules.require_course(self._store.course(course_id), course_id)
            return Enrollment(course_id, user_id, utc_now())
        return super().enroll(course_id, user_id)


class LooksUpUserFirst(Tenant):
    """PUT looks the user up before the course: an unknown course and user is user_not_found."""

    def enroll(self, course_id: str, user_id: str) -> Enrollment:
        rules.require_user(self._store.user(user_id), user_id)
        return super().enroll(course_id, user_id)


class RefusesUnpublished(Tenant):
    """PUT into a never-published course is 409 course_not_published (the contract accepts it)."""

    def enroll(self, course_id: str, user_id: str) -> Enrollment:
        course = self._store.course(course_id)
        if course is not None and not course.published:
            rules.require_published(course)
        return super().enroll(course_id, user_id)


def answers_200_with_a_body(app: ASGIApp) -> ASGIApp:
    """PUT answers 200 with a JSON body instead of 204."""

    async def intercept(scope: Scope, body: bytes, send: Send) -> bool:
        if scope["method"] != "PUT":
            return False
        sent: list[Any] = []

        async def keep(message: Any) -> None:
            sent.append(message)

        await app(scope, _replay(body), keep)
        status = sent[0]["status"]
        if status == 204:
            await answer(send, 200, {"enrolled": True})
        else:
            for message in sent:
                await send(message)
        return True

    return guarded(app, intercept)


def _replay(body: bytes) -> Any:
    done = False

    async def receive() -> dict[str, Any]:
        nonlocal done
        if done:
            return {"type": "http.disconnect"}
        done = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


def marks_new_enrollments_in_progress(app: ASGIApp) -> ASGIApp:
    """A pair enrolled without a completion is shown In Progress."""

    def change(scope: Scope, document: Any) -> Any:
        for row in report_rows(document):
            if row.get("status") == "Not Started":
                row["status"] = "In Progress"
        return document

    return json_rewriter(change)(app)


SERVERS: dict[str, Server] = {
    "PUT enrolls nobody": Server(lambda: app_of(EnrollsNobody), "enrollment", "enroll.creates"),
    "PUT re-dates an existing enrollment": Server(
        lambda: app_of(ReDatesEnrollment), "enrollment", "enroll.keeps-existing"
    ),
    "PUT dates a new enrollment long ago": Server(
        lambda: app_of(DatesEnrollmentLongAgo), "enrollment", "enroll.dated-at-request"
    ),
    "PUT starts a completed pair over": Server(
        lambda: app_of(ResetsCompletion), "enrollment", "enroll.keeps-existing"
    ),
    "PUT skips the course lookup": Server(lambda: app_of(SkipsCourseLookup), "protocol", "enroll.lookups"),
    "PUT skips the user lookup": Server(lambda: app_of(SkipsUserLookup), "protocol", "enroll.lookups"),
    "PUT looks the user up first": Server(lambda: app_of(LooksUpUserFirst), "protocol", "enroll.lookups"),
    "PUT answers 200 with a body": Server(
        lambda: answers_200_with_a_body(app_of()), "enrollment", "enroll.creates"
    ),
    "a new enrollment shows In Progress": Server(
        lambda: marks_new_enrollments_in_progress(app_of()), "enrollment", "enroll.dated-at-request"
    ),
}
