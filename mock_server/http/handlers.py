"""Connexion handlers of the Rise API: translate HTTP to tenant calls and records to JSON, nothing more."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

from connexion.context import scope as request_scope
from starlette.requests import Request
from starlette.responses import Response

from mock_server.http.representations import (
    Urls,
    course_json,
    page_json,
    report_row_json,
    user_json,
)
from mock_server.middleware.headers import first_header
from mock_server.model.contract import LIMIT_DEFAULT
from mock_server.model.pagination import Page
from mock_server.model.reports import ReportRow
from mock_server.model.tenant import Tenant

_KEPT_BASE_URLS = 64
"""Base URLs remembered (clients choose the Host header: keep a few)."""


def _request_base_url() -> str:
    """What Starlette's `request.base_url` says for the request being handled, without its trailing slash.
    Asked of Connexion's request, every scope lookup goes through a context proxy (a 10th of a report
    read's time); this reads the scope once and remembers the answer per address the request came to."""
    scope = request_scope._get_current_object()
    host = first_header(scope, b"host")
    root = scope.get("app_root_path", scope.get("root_path", ""))
    server = scope.get("server")  # a list under some servers: the cache needs it hashable
    return _base_url(scope.get("scheme", "http"), None if server is None else tuple(server), host, root)


@lru_cache(maxsize=_KEPT_BASE_URLS)
def _base_url(scheme: str, server: tuple[str, int | None] | None, host: str | None, root: str) -> str:
    headers = [] if host is None else [(b"host", host.encode("latin-1"))]
    scope = {"type": "http", "scheme": scheme, "server": server, "headers": headers, "root_path": root}
    return str(Request({**scope, "path": "/", "query_string": b""}).base_url).rstrip("/")


def _no_content(status: int) -> Response:
    """202 and 204 go out with no body and no content type, as the contract declares them."""
    return Response(status_code=status)


class RiseApi:
    """The handlers of `openapi.yaml`, by operationId, bound to one tenant."""

    def __init__(self, tenant: Tenant, base_url: str | None = None) -> None:
        self._tenant = tenant
        self._base_url = base_url.rstrip("/") if base_url else None

    def handlers(self) -> dict[str, Callable[..., Any]]:
        return {
            "importCourseCompletion": self.import_completion,
            "enrollUser": self.enroll_user,
            "listCourses": self.list_courses,
            "getCourse": self.get_course,
            "listUsers": self.list_users,
            "getUser": self.get_user,
            "getCourseReport": self.get_course_report,
            "getLearnerReport": self.get_learner_report,
        }

    def _urls(self) -> Urls:
        return Urls(self._base_url or _request_base_url())

    async def import_completion(self, course_id: str, user_id: str, body: dict[str, str]) -> Response:
        self._tenant.import_completion(course_id, user_id, body)
        return _no_content(202)

    async def enroll_user(self, course_id: str, user_id: str) -> Response:
        self._tenant.enroll(course_id, user_id)
        return _no_content(204)

    async def list_courses(self, limit: int = LIMIT_DEFAULT, cursor: str | None = None) -> dict[str, Any]:
        page = self._tenant.courses(limit, cursor)
        return page_json("courses", page, course_json, self._urls(), "/courses", {"limit": limit})

    async def get_course(self, course_id: str) -> dict[str, Any]:
        return course_json(self._tenant.course(course_id), self._urls())

    async def list_users(
        self, limit: int = LIMIT_DEFAULT, cursor: str | None = None, email: str | None = None
    ) -> dict[str, Any]:
        page = self._tenant.users(limit, cursor, email)
        return page_json("users", page, user_json, self._urls(), "/users", {"limit": limit, "email": email})

    async def get_user(self, user_id: str) -> dict[str, Any]:
        return user_json(self._tenant.user(user_id), self._urls())

    async def get_course_report(
        self, course_id: str, limit: int = LIMIT_DEFAULT, cursor: str | None = None
    ) -> dict[str, Any]:
        page = self._tenant.course_report(course_id, limit, cursor)
        return self._report("learners", page, lambda urls: urls.course_report(course_id), limit)

    async def get_learner_report(
        self, user_id: str, limit: int = LIMIT_DEFAULT, cursor: str | None = None
    ) -> dict[str, Any]:
        page = self._tenant.learner_report(user_id, limit, cursor)
        return self._report("courses", page, lambda urls: urls.learner_report(user_id), limit)

    def _report(
        self, key: str, page: Page[ReportRow], url_of: Callable[[Urls], str], limit: int
    ) -> dict[str, Any]:
        """A report page; its nextUrl continues the report's own URL."""
        urls = self._urls()
        path = url_of(urls)[len(urls.base) :]
        return page_json(key, page, report_row_json, urls, path, {"limit": limit})
