"""Writes that reach a user outside the profile (here: the demo tenant's admin)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from mock_server.model.errors import RiseError
from mock_server.model.records import Completion, Enrollment, Role
from mock_server.model.tenant import Tenant, utc_now
from servers.base import Server, app_of


class EnrollsTheAuthor(Tenant):
    """An import also enrolls the course's author."""

    def import_completion(self, course_id: str, user_id: str, body: Any) -> Completion:
        completion = super().import_completion(course_id, user_id, body)
        course = self._store.course(course_id)
        if course and course.author_id and self._store.enrollment(course_id, course.author_id) is None:
            self._store.save_enrollment(Enrollment(course_id, course.author_id, utc_now()))
        return completion


class EnrollsAdminsToo(Tenant):
    """An enrollment also enrolls every admin in the course."""

    def enroll(self, course_id: str, user_id: str) -> Enrollment:
        enrollment = super().enroll(course_id, user_id)
        for user in self._store.users():
            if user.role is Role.ADMIN and self._store.enrollment(course_id, user.id) is None:
                self._store.save_enrollment(Enrollment(course_id, user.id, utc_now()))
        return enrollment


class CopiesImportsToAdmins(Tenant):
    """An import is recorded for every admin as well."""

    def import_completion(self, course_id: str, user_id: str, body: Any) -> Completion:
        completion = super().import_completion(course_id, user_id, body)
        for user in self._store.users():
            if user.role is Role.ADMIN:
                self._store.save_enrollment(Enrollment(course_id, user.id, utc_now()))
                self._store.save_completion(replace(completion, user_id=user.id))
        return completion


class UnknownUserLandsOnAdmin(Tenant):
    """An import for a user who does not exist is recorded for the first admin, then refused."""

    def import_completion(self, course_id: str, user_id: str, body: Any) -> Completion:
        try:
            return super().import_completion(course_id, user_id, body)
        except RiseError as error:
            admin = next((u for u in self._store.users() if u.role is Role.ADMIN), None)
            if error.code == "user_not_found" and admin is not None:
                super().import_completion(course_id, admin.id, body)
            raise


SERVERS: dict[str, Server] = {
    "an import enrolls the course's author": Server(
        lambda: app_of(EnrollsTheAuthor), "protocol", "import.stays-in-pair"
    ),
    "an enrollment enrolls the admins too": Server(
        lambda: app_of(EnrollsAdminsToo), "reports", "import.stays-in-pair"
    ),
    "an import is copied to the admins": Server(
        lambda: app_of(CopiesImportsToAdmins), "reports", "import.stays-in-pair"
    ),
    "an import for an unknown user lands on an admin": Server(
        lambda: app_of(UnknownUserLandsOnAdmin), "protocol", "import.stays-in-pair"
    ),
}
