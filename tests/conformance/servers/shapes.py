"""Shapes Schemathesis sees: values outside a declared enum, an error media type the contract does not
declare, rows without a required field. Some are judged by the schema part (a real server), the rest
in-process by the parts whose checks read the same fields."""

from __future__ import annotations

from typing import Any

from starlette.types import ASGIApp, Scope

from servers.base import ResponseRewriter, Server, app_of, json_rewriter, report_rows

Headers = list[tuple[bytes, bytes]]


def _superuser(scope: Scope, document: Any) -> Any:
    users = document.get("users") if isinstance(document, dict) else None
    for user in (
        users if isinstance(users, list) else [document] if scope["path"].startswith("/users/") else []
    ):
        if isinstance(user, dict) and "role" in user:
            user["role"] = "superuser"
    return document


def problem_json_errors(app: ASGIApp) -> ASGIApp:
    """Error answers are application/problem+json (with the right code and message inside)."""

    def change(scope: Scope, status: int, headers: Headers, body: bytes) -> Any:
        if status >= 400:
            kept = [(k, v) for k, v in headers if k.lower() != b"content-type"]
            return status, [*kept, (b"content-type", b"application/problem+json")], body
        return status, headers, body

    return ResponseRewriter(app, change)


def _without_status(scope: Scope, document: Any) -> Any:
    for row in report_rows(document):
        row.pop("status", None)
    return document


SERVERS: dict[str, Server] = {
    "users with a role the contract does not list": Server(
        lambda: json_rewriter(_superuser)(app_of()),
        "schema",
        None,
        "response_schema_conformance",
        schema_phases="examples",
    ),
    "errors as application/problem+json": Server(
        lambda: problem_json_errors(app_of()), "protocol", "errors.envelope"
    ),
    "report rows without status": Server(
        lambda: json_rewriter(_without_status)(app_of()), "reports", "report.status-literals"
    ),
}
