"""The order of the checks: validation before the lookups, then course, publication, user."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote

from starlette.types import ASGIApp, Scope, Send

from mock_server.model import rules
from mock_server.model.errors import RiseError
from mock_server.model.records import Completion
from mock_server.model.tenant import Tenant
from servers.base import Server, answer, app_for, app_of, demo_tenant, guarded

COMPLETIONS = re.compile(r"^/courses/([^/]+)/users/([^/]+)/completions$")


class UserFirst(Tenant):
    """An import looks the user up before the course."""

    def import_completion(self, course_id: str, user_id: str, body: Any) -> Completion:
        rules.require_user(self._store.user(user_id), user_id)
        return super().import_completion(course_id, user_id, body)


class UserBeforePublication(Tenant):
    """An import looks the user up before it checks that the course is published."""

    def import_completion(self, course_id: str, user_id: str, body: Any) -> Completion:
        if self._store.course(course_id) is not None:
            rules.require_user(self._store.user(user_id), user_id)
        return super().import_completion(course_id, user_id, body)


def lookups_before_validation(*, publication: bool) -> ASGIApp:
    """Imports look the course up (and, with `publication`, check it is published) before reading the
    body, so a malformed import for an unknown (or unpublished) course is 404 (or 409), not 400."""
    tenant = demo_tenant()
    app = app_for(tenant)

    async def intercept(scope: Scope, body: bytes, send: Send) -> bool:
        match = COMPLETIONS.match(scope["path"])
        if scope["method"] != "POST" or match is None:
            return False
        course_id = unquote(match.group(1))
        try:
            course = tenant.course(course_id)
            if publication:
                rules.require_published(course)
        except RiseError as error:
            await answer(send, error.status, {"code": error.code, "message": error.message})
            return True
        return False

    return guarded(app, intercept)


SERVERS: dict[str, Server] = {
    "the user is looked up before the course": Server(
        lambda: app_of(UserFirst), "protocol", "errors.check-order"
    ),
    "the user is looked up before the publication": Server(
        lambda: app_of(UserBeforePublication), "protocol", "errors.check-order"
    ),
    "the course is looked up before the body is read": Server(
        lambda: lookups_before_validation(publication=False), "protocol", "validation.before-lookups"
    ),
    "the publication is checked before the body is read": Server(
        lambda: lookups_before_validation(publication=True), "protocol", "validation.before-lookups"
    ),
}
