"""Every error leaves the mock as `{code, message}` with the status the contract gives the code.

Connexion's own problems (validation, auth, media type) and Starlette's 404/405 are translated here, so
no `application/problem+json` leaks out.
"""

from __future__ import annotations

import json

from connexion.exceptions import ExtraParameterProblem, ProblemException, UnsupportedMediaTypeProblem
from connexion.lifecycle import ConnexionRequest, ConnexionResponse
from starlette.exceptions import HTTPException

from mock_server.model.errors import RiseError

_CODE_BY_STATUS = {
    400: "invalid_request",
    401: "unauthorized",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
}


def error_response(error: RiseError, headers: dict[str, str] | None = None) -> ConnexionResponse:
    return ConnexionResponse(
        status_code=error.status,
        mimetype="application/json",
        content_type="application/json",
        body=json.dumps({"code": error.code, "message": error.message}),
        headers=headers or {},
    )


async def handle_rise_error(_request: ConnexionRequest, error: Exception) -> ConnexionResponse:
    """Asynchronous, as every handler here: Connexion runs a synchronous error handler on a worker thread,
    a hand-off per refused request."""
    assert isinstance(error, RiseError)
    return error_response(error)


async def handle_http_exception(request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
    """Connexion problems and Starlette HTTP errors, by status."""
    assert isinstance(exc, HTTPException)
    code = _CODE_BY_STATUS.get(exc.status_code)
    if code is None:
        raise exc  # not a client error this API knows: let it surface rather than disguise it
    headers = {"Allow": exc.headers["Allow"]} if exc.headers and "Allow" in exc.headers else {}
    return error_response(RiseError(code, _message(code, request, exc)), headers)


def _message(code: str, request: ConnexionRequest, exc: HTTPException) -> str:
    detail = (exc.detail if isinstance(exc, ProblemException) else None) or ""
    if isinstance(exc, ExtraParameterProblem):
        return f"{detail}: remove them, this operation takes only the parameters openapi.yaml lists."
    if code == "invalid_request":
        return detail
    if code == "unauthorized":
        return (
            "The API key is missing or unknown: send the header 'Authorization: Bearer <API key>' with a key "
            "the account owner or an admin created."
        )
    if code == "not_found":
        return f"There is no endpoint at {request.url.path}: check the path against openapi.yaml."
    if code == "method_not_allowed":
        allowed = (exc.headers or {}).get("Allow", "")
        return f"{request.method} is not allowed on {request.url.path}: use one of {allowed}."
    if code == "unsupported_media_type" and isinstance(exc, UnsupportedMediaTypeProblem):
        content_type = request.headers.get("content-type")
        if content_type is None:
            return "The request has a body but no Content-Type: send it with Content-Type: application/json."
        return f"Content-Type {content_type!r} is not supported: send the body as application/json."
    return detail or code.replace("_", " ")
