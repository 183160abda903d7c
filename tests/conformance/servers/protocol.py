"""Protocol answers: unknown paths, undeclared methods, media types, the body limit, key variants,
Rise-API-Version values, the version header, error envelopes and statuses, made-up cursors."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

from starlette.types import ASGIApp, Scope, Send

from mock_server.model.contract import API_VERSION, MAX_BODY_BYTES
from mock_server.model.errors import RiseError
from servers.base import (
    DEFAULT_API_KEY,
    RequestRewriter,
    ResponseRewriter,
    Server,
    answer,
    app_for,
    app_of,
    demo_tenant,
    guarded,
    header_of,
    json_rewriter,
    query_of,
)

Headers = list[tuple[bytes, bytes]]
COMPLETIONS = re.compile(r"^/courses/([^/]+)/users/([^/]+)/completions$")
DATE = re.compile(r"^\d{4}-\d\d-\d\d$")
CURSOR = re.compile(r"^[A-Za-z0-9_-]+$")


def responses(
    change: Callable[[Scope, int, Headers, bytes], tuple[int, Headers, bytes]],
) -> Callable[[ASGIApp], ASGIApp]:
    return lambda app: ResponseRewriter(app, change)


def requests(change: Callable[[Scope, bytes], tuple[Scope, bytes]]) -> Callable[[ASGIApp], ASGIApp]:
    return lambda app: RequestRewriter(app, change)


def _without(headers: Headers, name: bytes) -> Headers:
    return [(k, v) for k, v in headers if k.lower() != name]


def _code(body: bytes) -> str | None:
    try:
        document = json.loads(body)
    except ValueError:
        return None
    return document.get("code") if isinstance(document, dict) else None


def _set_header(scope: Scope, name: bytes, value: bytes | None) -> Scope:
    headers = _without(scope["headers"], name)
    return {**scope, "headers": headers + ([(name, value)] if value is not None else [])}


# -- paths and methods ---------------------------------------------------------------------------------


def _unknown_path_as_html(scope: Scope, status: int, headers: Headers, body: bytes) -> Any:
    if status == 404 and _code(body) == "not_found":
        return (
            404,
            [*_without(headers, b"content-type"), (b"content-type", b"text/html")],
            b"<h1>Not Found</h1>",
        )
    return status, headers, body


def _unknown_path_other_code(scope: Scope, status: int, headers: Headers, body: bytes) -> Any:
    if status == 404 and _code(body) == "not_found":
        return status, headers, json.dumps({"code": "no_route", "message": "No route."}).encode()
    return status, headers, body


def _trailing_slash_served(scope: Scope, body: bytes) -> tuple[Scope, bytes]:
    path = scope["path"]
    if len(path) > 1 and path.endswith("/"):
        scope = {**scope, "path": path.rstrip("/"), "raw_path": path.rstrip("/").encode()}
    return scope, body


def _405_without_body(scope: Scope, status: int, headers: Headers, body: bytes) -> Any:
    return (status, _without(headers, b"content-type"), b"") if status == 405 else (status, headers, body)


def _405_allowing_everything(scope: Scope, status: int, headers: Headers, body: bytes) -> Any:
    if status == 405:
        return status, [*_without(headers, b"allow"), (b"allow", b"GET, POST, PUT, PATCH")], body
    return status, headers, body


def _patch_as_post(scope: Scope, body: bytes) -> tuple[Scope, bytes]:
    return ({**scope, "method": "POST"} if scope["method"] == "PATCH" else scope), body


# -- bodies --------------------------------------------------------------------------------------------


def _any_body_as_json(scope: Scope, body: bytes) -> tuple[Scope, bytes]:
    if body and scope["method"] in ("POST", "PUT"):
        scope = _set_header(scope, b"content-type", b"application/json")
    return scope, body


def _missing_type_as_json(scope: Scope, body: bytes) -> tuple[Scope, bytes]:
    if body and header_of(scope, "content-type") is None:
        scope = _set_header(scope, b"content-type", b"application/json")
    return scope, body


def refuses_media_type_parameters(app: ASGIApp) -> ASGIApp:
    """application/json with a charset (or any parameter) is 415."""

    async def intercept(scope: Scope, body: bytes, send: Send) -> bool:
        if ";" not in (header_of(scope, "content-type") or ""):
            return False
        await answer(send, 415, {"code": "unsupported_media_type", "message": "Send application/json."})
        return True

    return guarded(app, intercept)


def _over_limit_trimmed(scope: Scope, body: bytes) -> tuple[Scope, bytes]:
    if len(body) > MAX_BODY_BYTES:
        body = body.strip()
        scope = _set_header(scope, b"content-length", str(len(body)).encode())
    return scope, body


def limit_at(size: int) -> Callable[[ASGIApp], ASGIApp]:
    def wrap(app: ASGIApp) -> ASGIApp:
        async def intercept(scope: Scope, body: bytes, send: Send) -> bool:
            if len(body) <= size:
                return False
            await answer(send, 413, {"code": "payload_too_large", "message": f"Over {size} bytes."})
            return True

        return guarded(app, intercept)

    return wrap


# -- keys and versions ---------------------------------------------------------------------------------


def accepts_key(fits: Callable[[str | None, Scope], bool]) -> Callable[[ASGIApp], ASGIApp]:
    """A wrapper treating a request as carrying the right key whenever `fits(Authorization, scope)`."""

    def rewrite(scope: Scope, body: bytes) -> tuple[Scope, bytes]:
        if fits(header_of(scope, "authorization"), scope):
            scope = _set_header(scope, b"authorization", f"Bearer {DEFAULT_API_KEY}".encode())
        return scope, body

    return requests(rewrite)


def _bearer(value: str | None) -> str | None:
    return value[7:] if value and value.startswith("Bearer ") else None


def _other_scheme(value: str | None, scope: Scope) -> bool:
    basic = base64.b64encode(f"{DEFAULT_API_KEY}:".encode()).decode()
    return value in (f"Token {DEFAULT_API_KEY}", f"Basic {basic}", DEFAULT_API_KEY)


def writes_despite_a_wrong_key() -> ASGIApp:
    """An import with a wrong or missing key is recorded, then answered 401."""
    tenant = demo_tenant()
    app = app_for(tenant)

    async def intercept(scope: Scope, body: bytes, send: Send) -> bool:
        match = COMPLETIONS.match(scope["path"])
        if (
            scope["method"] == "POST"
            and match
            and _bearer(header_of(scope, "authorization")) != DEFAULT_API_KEY
        ):
            try:
                tenant.import_completion(unquote(match.group(1)), unquote(match.group(2)), json.loads(body))
            except (RiseError, ValueError, KeyError, TypeError, AttributeError):
                return False
        return False

    return guarded(app, intercept)


def _reports_unguarded(value: str | None, scope: Scope) -> bool:
    return scope["method"] == "GET" and scope["path"].startswith("/reports/")


def _user_reads_ignore_version(scope: Scope, body: bytes) -> tuple[Scope, bytes]:
    if scope["method"] == "GET" and scope["path"].startswith("/users/"):
        scope = _set_header(scope, b"rise-api-version", None)
    return scope, body


def _malformed_version_dropped(scope: Scope, body: bytes) -> tuple[Scope, bytes]:
    version = header_of(scope, "rise-api-version")
    if version is not None and not DATE.match(version):
        scope = _set_header(scope, b"rise-api-version", None)
    return scope, body


def _newer_version_accepted(scope: Scope, body: bytes) -> tuple[Scope, bytes]:
    version = header_of(scope, "rise-api-version")
    if version is not None and DATE.match(version) and version > API_VERSION:
        scope = _set_header(scope, b"rise-api-version", API_VERSION.encode())
    return scope, body


def version_before_key(app: ASGIApp) -> ASGIApp:
    """An unknown Rise-API-Version is refused before the key is looked at."""

    async def intercept(scope: Scope, body: bytes, send: Send) -> bool:
        version = header_of(scope, "rise-api-version")
        if version is None or version == API_VERSION:
            return False
        await answer(send, 400, {"code": "invalid_api_version", "message": f"Unknown version {version}."})
        return True

    return guarded(app, intercept)


def without_version_header(on: Callable[[int], bool]) -> Callable[[ASGIApp], ASGIApp]:
    def change(scope: Scope, status: int, headers: Headers, body: bytes) -> Any:
        return status, (_without(headers, b"rise-api-version") if on(status) else headers), body

    return responses(change)


# -- error bodies and statuses -------------------------------------------------------------------------


def error_bodies(change: Callable[[dict[str, Any]], None]) -> Callable[[ASGIApp], ASGIApp]:
    def each(scope: Scope, document: Any) -> Any:
        if isinstance(document, dict) and "code" in document:
            change(document)
        return document

    return json_rewriter(each)


def _camel(document: dict[str, Any]) -> None:
    head, *rest = str(document["code"]).split("_")
    document["code"] = head + "".join(part.title() for part in rest)


def _401_as_403(scope: Scope, status: int, headers: Headers, body: bytes) -> Any:
    return (403 if status == 401 else status), headers, body


def fails_on_made_up_cursors(app: ASGIApp) -> ASGIApp:
    """A cursor that is not base64url text makes the server fail with 500."""

    async def intercept(scope: Scope, body: bytes, send: Send) -> bool:
        cursor = query_of(scope).get("cursor")
        if cursor is None or CURSOR.match(cursor):
            return False
        await send(
            {"type": "http.response.start", "status": 500, "headers": [(b"content-type", b"text/plain")]}
        )
        await send({"type": "http.response.body", "body": b"Internal Server Error"})
        return True

    return guarded(app, intercept)


def _wrap(*wrappers: Callable[[ASGIApp], ASGIApp]) -> Callable[[], ASGIApp]:
    def build() -> ASGIApp:
        app = app_of()
        for wrapper in wrappers:
            app = wrapper(app)
        return app

    return build


SERVERS: dict[str, Server] = {
    "an unknown path answers HTML": Server(
        _wrap(responses(_unknown_path_as_html)), "protocol", "protocol.unknown-path"
    ),
    "an unknown path answers another code": Server(
        _wrap(responses(_unknown_path_other_code)), "protocol", "protocol.unknown-path"
    ),
    "a trailing slash is served": Server(
        _wrap(requests(_trailing_slash_served)), "protocol", "protocol.unknown-path"
    ),
    "405 without a body": Server(
        _wrap(responses(_405_without_body)), "protocol", "protocol.method-not-allowed"
    ),
    "405 with an Allow naming the refused method": Server(
        _wrap(responses(_405_allowing_everything)), "protocol", "protocol.method-not-allowed"
    ),
    "PATCH is taken as POST": Server(
        _wrap(requests(_patch_as_post)), "protocol", "protocol.method-not-allowed"
    ),
    "any Content-Type is read as JSON": Server(
        _wrap(requests(_any_body_as_json)), "protocol", "protocol.media-type"
    ),
    "a body without Content-Type is read as JSON": Server(
        _wrap(requests(_missing_type_as_json)), "protocol", "protocol.media-type"
    ),
    "application/json with a charset is 415": Server(
        _wrap(refuses_media_type_parameters), "protocol", "protocol.media-type"
    ),
    "no body limit": Server(_wrap(requests(_over_limit_trimmed)), "protocol", "protocol.body-limit"),
    "a body limit of 32 KiB": Server(_wrap(limit_at(32 * 1024)), "protocol", "protocol.body-limit"),
    "a prefix of the key is accepted": Server(
        _wrap(accepts_key(lambda v, s: (t := _bearer(v)) is not None and DEFAULT_API_KEY.startswith(t))),
        "protocol",
        "auth.unauthorized",
    ),
    "the key in another case is accepted": Server(
        _wrap(
            accepts_key(lambda v, s: (t := _bearer(v)) is not None and t.lower() == DEFAULT_API_KEY.lower())
        ),
        "protocol",
        "auth.unauthorized",
    ),
    "the key in the query is accepted": Server(
        _wrap(accepts_key(lambda v, s: query_of(s).get("api_key") == DEFAULT_API_KEY)),
        "protocol",
        "auth.unauthorized",
    ),
    "other schemes are accepted": Server(_wrap(accepts_key(_other_scheme)), "protocol", "auth.unauthorized"),
    "reports are read with any key": Server(
        _wrap(accepts_key(_reports_unguarded)), "protocol", "auth.unauthorized"
    ),
    "GET /users/{id} ignores Rise-API-Version": Server(
        _wrap(requests(_user_reads_ignore_version)), "protocol", "version.others-rejected"
    ),
    "a wrong key is refused after the import is recorded": Server(
        writes_despite_a_wrong_key, "protocol", "auth.unauthorized"
    ),
    "a malformed Rise-API-Version is ignored": Server(
        _wrap(requests(_malformed_version_dropped)), "protocol", "version.others-rejected"
    ),
    "the version is checked before the key": Server(
        _wrap(version_before_key), "protocol", "auth.before-version"
    ),
    "no version header on errors": Server(
        _wrap(without_version_header(lambda s: s >= 400)), "protocol", "version.on-every-response"
    ),
    "no version header on 404 and 405": Server(
        _wrap(without_version_header(lambda s: s in (404, 405))), "protocol", "version.on-every-response"
    ),
    "no version header on 413 and 415": Server(
        _wrap(without_version_header(lambda s: s in (413, 415))), "protocol", "version.on-every-response"
    ),
    "no version header on 204": Server(
        _wrap(without_version_header(lambda s: s == 204)), "enrollment,protocol", "version.on-every-response"
    ),
    "errors without a message": Server(
        _wrap(error_bodies(lambda d: d.pop("message", None))), "protocol", "errors.envelope"
    ),
    "error codes in camelCase": Server(_wrap(error_bodies(_camel)), "protocol", "errors.code"),
    "a wrong key is 403": Server(_wrap(responses(_401_as_403)), "protocol", "errors.statuses"),
    "a made-up cursor is a 500": Server(_wrap(fails_on_made_up_cursors), "protocol", "lists.cursor-opaque"),
}
