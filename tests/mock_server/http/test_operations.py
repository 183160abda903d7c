"""Per-operation work happens once, at start-up: no validator, JSON Schema validator, signature
inspection or copy of the contract per request; and the middleware order is Connexion's own."""

from __future__ import annotations

import copy
import inspect

import pytest
from connexion.middleware import ConnexionMiddleware
from connexion.middleware import exceptions as connexion_exceptions
from connexion.middleware.request_validation import RequestValidationMiddleware
from connexion.middleware.security import SecurityMiddleware
from connexion.middleware.swagger_ui import SwaggerUIMiddleware

from mock_server.http import schemas, validation
from mock_server.http.operations import (
    BrowsableMiddleware,
    CompiledRequestValidationMiddleware,
    CompiledURIParser,
    HandlerMiddleware,
    QuickSecurityMiddleware,
    middleware_stack,
)

AUTH = {"Authorization": "Bearer rise-mock-key"}
IMPORT = "/courses/rise-quiz-101/users/user-ada/completions"
BODY = {"startedAt": "2023-05-02T09:00:00Z", "completedAt": "2023-05-02T10:30:00Z"}


def _requests(client) -> None:
    assert client.post(IMPORT, json=BODY, headers=AUTH).status_code == 202
    assert client.get("/reports/learners/user-ada?limit=5", headers=AUTH).status_code == 200
    assert client.get("/courses", headers=AUTH).status_code == 200
    assert client.post(IMPORT, json={"startedAt": 1}, headers=AUTH).status_code == 400
    assert client.get("/users?limit=0", headers=AUTH).status_code == 400
    assert client.get("/__mock/journal?since=0").status_code == 200


def test_requests_build_no_validator_and_inspect_no_signature(make_client, monkeypatch) -> None:
    client = make_client(validate_responses=False)
    _requests(client)  # the first request builds the middleware stack: Connexion's start-up
    built: list[str] = []
    for cls in (validation.RiseParameterValidator, validation.RiseJSONBodyValidator, schemas.CompiledSchema):
        original = cls.__init__

        def counting(self, *args, __original=original, __name=cls.__name__, **kwargs):
            built.append(__name)
            __original(self, *args, **kwargs)

        monkeypatch.setattr(cls, "__init__", counting)
    signature = inspect.signature
    monkeypatch.setattr(inspect, "signature", lambda *a, **k: built.append("signature") or signature(*a, **k))
    deep_copied_dicts: list[int] = []
    dict_copy = copy._deepcopy_dispatch[dict]
    monkeypatch.setitem(
        copy._deepcopy_dispatch, dict, lambda x, *a: deep_copied_dicts.append(len(x)) or dict_copy(x, *a)
    )
    for _ in range(3):
        _requests(client)
    assert built == []
    assert deep_copied_dicts == []


def test_refused_requests_are_answered_without_a_worker_thread(make_client, monkeypatch) -> None:
    """Connexion runs a synchronous error handler on a worker thread: a hand-off per refused request."""
    client = make_client(validate_responses=False)

    def no_thread(*args, **kwargs):
        raise AssertionError("an error handler ran on a worker thread")

    monkeypatch.setattr(connexion_exceptions, "run_in_threadpool", no_thread)
    assert client.post(IMPORT, json={"startedAt": 1}, headers=AUTH).json()["code"] == "invalid_request"
    assert client.get("/courses", headers={"Authorization": "Bearer wrong"}).json()["code"] == "unauthorized"
    assert client.get("/courses/nowhere", headers=AUTH).json()["code"] == "course_not_found"
    assert client.get("/no/such/path", headers=AUTH).json()["code"] == "not_found"
    assert client.delete("/courses", headers=AUTH).json()["code"] == "method_not_allowed"


def test_a_json_body_is_parsed_once_and_the_handler_gets_what_connexion_would_parse(
    make_client, monkeypatch
) -> None:
    client = make_client(validate_responses=False)
    _requests(client)
    parsed: list[bytes] = []
    loads = validation.json.loads
    monkeypatch.setattr(validation.json, "loads", lambda text, **k: parsed.append(text) or loads(text, **k))
    from starlette.requests import Request

    monkeypatch.setattr(Request, "json", lambda self: pytest.fail("the handler read the body again"))
    body = {"startedAt": "2023-05-02T09:00:00.250+02:00", "completedAt": "2023-05-03"}
    assert client.post(IMPORT, json=body, headers=AUTH).status_code == 202
    assert len(parsed) == 1  # the validator's: the journal makes its entry readable when it is read
    journal = loads(client.get("/__mock/journal").content)  # read with the json module's own loads
    assert journal["entries"][-1]["body"] == body
    assert len(parsed) == 2
    completion = client.get("/__mock/state").json()["completions"]
    (ada,) = [c for c in completion if c["userId"] == "user-ada" and c["courseId"] == "rise-quiz-101"]
    assert (ada["startedAt"], ada["completedAt"]) == (
        "2023-05-02T09:00:00.250000+02:00",
        "2023-05-03T00:00:00Z",
    )


def _resolutions(monkeypatch, method: str) -> list[dict]:
    """What `CompiledURIParser.<method>` is asked to resolve from now on."""
    resolved: list[dict] = []
    resolve = getattr(CompiledURIParser, method)
    monkeypatch.setattr(
        CompiledURIParser, method, lambda self, raw: resolved.append(raw) or resolve(self, raw)
    )
    return resolved


def test_path_parameters_are_resolved_once_for_validation_and_the_handler(make_client, monkeypatch) -> None:
    client = make_client(validate_responses=False)
    _requests(client)
    resolved = _resolutions(monkeypatch, "resolve_path")
    assert client.post(IMPORT, json=BODY, headers=AUTH).status_code == 202
    assert resolved == [{"courseId": "rise-quiz-101", "userId": "user-ada"}]
    assert client.get("/reports/learners/user-ada?limit=5", headers=AUTH).json()["courses"]
    assert len(resolved) == 2


def test_query_parameters_are_resolved_once_for_validation_and_the_handler(make_client, monkeypatch) -> None:
    client = make_client(validate_responses=False)
    _requests(client)
    resolved = _resolutions(monkeypatch, "resolve_query")
    page = client.get("/users?limit=1", headers=AUTH).json()
    assert resolved == [{"limit": ["1"]}]
    assert len(page["users"]) == 1 and page["nextUrl"]  # the handler got the limit, cast


def test_a_body_in_another_charset_is_still_read_by_connexion_for_the_handler(make_client) -> None:
    client = make_client()
    headers = {**AUTH, "Content-Type": "application/json; charset=latin-1"}
    body = b'{"startedAt": "2023-05-02", "completedAt": "2023-05-03"}'
    assert client.post(IMPORT, content=body, headers=headers).status_code == 202


def test_middleware_stack_is_connexions_with_its_replacements_and_extras_where_connexion_puts_them() -> None:
    class Outer:
        pass

    class BeforeBrowsable:
        pass

    class AfterSecurity:
        pass

    stack = middleware_stack(
        outermost=[Outer], before_browsable=[BeforeBrowsable], after_security=[AfterSecurity]
    )
    replaced = {
        SwaggerUIMiddleware: BrowsableMiddleware,
        SecurityMiddleware: QuickSecurityMiddleware,
        RequestValidationMiddleware: AfterSecurity,
    }
    expected = [replaced.get(m, m) for m in ConnexionMiddleware.default_middlewares]
    expected.insert(expected.index(AfterSecurity) + 1, CompiledRequestValidationMiddleware)
    expected.insert(expected.index(BrowsableMiddleware), BeforeBrowsable)
    assert stack == [Outer, *expected, HandlerMiddleware]
    # Where Connexion's own positions would have put them:
    assert stack.index(BeforeBrowsable) == stack.index(BrowsableMiddleware) - 1
    assert (
        stack.index(QuickSecurityMiddleware)
        < stack.index(AfterSecurity)
        < stack.index(CompiledRequestValidationMiddleware)
    )


def test_app_checks_the_control_key_before_serving_and_the_version_after_the_api_key(make_client) -> None:
    guarded = make_client(admin_key="admin-key-0c9d1e")
    assert guarded.get("/__mock/state").json()["code"] == "unauthorized"
    assert guarded.get("/__mock/ui/").status_code == 200  # the browsable description stays open
    stale = {"Rise-API-Version": "2019-01-01"}
    assert guarded.get("/courses", headers=stale).status_code == 401  # a bad key comes first
    answer = guarded.get("/courses?limit=0", headers={**AUTH, **stale})
    assert answer.json()["code"] == "invalid_api_version"  # then the version, before validation


def test_browsable_contract_and_ui_are_still_served(client) -> None:
    assert client.get("/openapi.json").json()["info"]["title"]
    assert client.get("/ui/").status_code == 200
    assert client.get("/__mock/openapi.json").status_code == 200
    assert client.get("/uiextra", headers=AUTH).json()["code"] == "not_found"


@pytest.mark.parametrize(
    ("schema", "sent"),
    [
        ({"type": "string"}, "rise-quiz-101"),
        ({"type": "string"}, "null"),
        ({"type": "string", "nullable": True}, "null"),
        ({"type": "string", "nullable": True}, "user-ada"),
        ({"type": "integer"}, "12"),
        ({"type": "integer"}, "twelve"),
        ({"type": "number"}, "1.5"),
        ({"type": "boolean"}, "true"),
        ({"type": "array", "items": {"type": "integer"}}, "1,2,3"),
    ],
)
def test_path_parameters_resolve_as_connexions_parser_resolves_them(schema: dict, sent: str) -> None:
    from connexion.uri_parsing import OpenAPIURIParser

    params = [{"name": "courseId", "in": "path", "required": True, "schema": schema}]
    path = {"courseId": sent, "undeclared": "x"}
    ours = CompiledURIParser(params, {}).resolve_path(dict(path))
    assert ours == OpenAPIURIParser(params, {}).resolve_path(dict(path))
    assert type(ours["courseId"]) is type(OpenAPIURIParser(params, {}).resolve_path(dict(path))["courseId"])


def _scope(path_params: dict, headers: list[tuple[bytes, bytes]], query: bytes = b"") -> dict:
    return {"type": "http", "path_params": path_params, "headers": headers, "query_string": query}


@pytest.mark.parametrize(
    ("headers", "query", "expected"),
    [
        ([(b"x-rise-tag", b"abc")], b"", None),
        ([(b"x-rise-tag", b"abc"), (b"x-rise-tag", b"toolong-value")], b"", None),  # the first counts
        ([(b"x-rise-tag", b"toolong-value"), (b"x-rise-tag", b"abc")], b"", "header parameter X-Rise-Tag"),
        ([], b"", "Missing header parameter 'X-Rise-Tag'"),
        ([(b"x-rise-tag", b"abc")], b"limit=3", "Extra query parameter(s) limit not in spec"),
        ([(b"x-rise-tag", b"abc")], b"page=x", "query parameter page"),
        ([(b"x-rise-tag", b"abc")], b"page=2", None),
    ],
)
def test_parameters_are_read_and_judged_as_connexions_validator_does(headers, query, expected) -> None:
    """Each parameter is read from the scope as Connexion reads it from its request (the first header of
    a name, case aside; path names with - read as _), in its order, with its messages."""
    from connexion.exceptions import BadRequestProblem, ExtraParameterProblem
    from connexion.validators import ParameterValidator

    params = [
        {"name": "page", "in": "query", "schema": {"type": "integer"}},
        {"name": "course-id", "in": "path", "required": True, "schema": {"type": "string", "maxLength": 9}},
        {
            "name": "X-Rise-Tag",
            "in": "header",
            "required": True,
            "schema": {"type": "string", "maxLength": 5},
        },
    ]
    scope = _scope({"course_id": "rise-quiz"}, headers, query)
    outcomes = []
    for cls in (validation.RiseParameterValidator, ParameterValidator):
        validator = cls(params, uri_parser=CompiledURIParser(params, {}), strict_validation=True)
        try:
            validator.validate(dict(scope))
        except (BadRequestProblem, ExtraParameterProblem) as problem:
            outcomes.append((type(problem), problem.detail))
        else:
            outcomes.append(None)
    ours, connexions = outcomes
    if expected is None:
        assert ours is None and connexions is None
    else:
        assert ours is not None and connexions is not None and ours[0] is connexions[0]
        assert expected in ours[1]


def _path_param(name: str, schema: dict) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": schema}


_ARGUMENTS_SPEC = {
    "openapi": "3.0.3",
    "info": {"title": "arguments", "version": "1"},
    "paths": {
        "/things/{count}/{name}/{maybe}": {
            "post": {
                "operationId": "take",
                "parameters": [
                    _path_param("count", {"type": "integer"}),
                    _path_param("name", {"type": "string"}),
                    _path_param("maybe", {"type": "string", "nullable": True}),
                    {"name": "limit", "in": "query", "schema": {"type": "integer", "default": 5}},
                    {"name": "tags", "in": "query", "schema": {"type": "array", "items": {"type": "number"}}},
                ],
                "requestBody": {
                    "required": False,
                    "content": {"application/json": {"schema": {"type": "object", "nullable": True}}},
                },
                "responses": {"200": {"description": "what the handler got"}},
            }
        },
        "/flags/{flag}/{name}": {
            "post": {
                "operationId": "takeFlag",
                "parameters": [
                    _path_param("flag", {"type": "boolean"}),
                    _path_param("name", {"type": "string"}),
                ],
                "responses": {"200": {"description": "what the handler got"}},
            }
        },
    },
}


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/things/3/ada/lovelace?tags=1.5,2", {"a": 1}),
        ("/things/7/null/null", None),
        ("/things/0/x/y?limit=2", "null"),
        ("/flags/false/ada", None),
    ],
)
def test_handler_arguments_are_what_connexions_own_decorator_gives(path: str, body: object) -> None:
    """The handler call built once per operation passes the same arguments, cast alike, as Connexion's
    parameter decorator does on every request."""
    from connexion import AsyncApp

    got: list[dict] = []

    async def take(**kwargs):
        got.append({k: (type(v).__name__, v) for k, v in kwargs.items()})
        return {}

    def serve(middlewares):
        app = AsyncApp(__name__, middlewares=middlewares, uri_parser_class=CompiledURIParser)
        app.add_api(copy.deepcopy(_ARGUMENTS_SPEC), resolver=lambda _operation: take, pythonic_params=True)
        client = app.test_client()
        if body is None:
            return client.post(path)
        if body == "null":
            return client.post(path, content=b"null", headers={"Content-Type": "application/json"})
        return client.post(path, json=body)

    ours = serve(middleware_stack())
    connexions = serve(list(ConnexionMiddleware.default_middlewares))
    assert ours.status_code == connexions.status_code == 200
    assert len(got) == 2 and got[0] == got[1]
    assert got[0].get("count", ("int",))[0] == "int" and got[0].get("flag", ("bool",))[0] == "bool"


@pytest.mark.parametrize(
    "scope",
    [
        {"scheme": "http", "server": ["testserver", 80], "headers": [], "root_path": ""},
        {"scheme": "https", "server": ("rise.example", 443), "headers": [], "root_path": "/api"},
        {"scheme": "http", "server": ("127.0.0.1", 8080), "headers": [(b"host", b"mock:9")], "root_path": ""},
        {"scheme": "http", "server": None, "headers": [], "root_path": "/x/"},
        {"scheme": "http", "server": ("h", 1), "headers": [], "root_path": "/inner", "app_root_path": "/top"},
        {"server": ("h", 8000), "headers": [(b"host", b"first"), (b"host", b"second")], "root_path": ""},
    ],
)
def test_the_base_url_of_a_request_is_what_starlette_says(scope: dict) -> None:
    from connexion.context import _scope
    from starlette.requests import Request

    from mock_server.http.handlers import _request_base_url

    full = {"type": "http", "path": "/reports/learners/user-ada", "query_string": b"limit=5", **scope}
    token = _scope.set(full)
    try:
        assert _request_base_url() == str(Request(full).base_url).rstrip("/")
        assert _request_base_url() == str(Request(full).base_url).rstrip("/")  # remembered, alike
    finally:
        _scope.reset(token)


def test_the_security_checks_request_reads_as_connexions_does() -> None:
    """Headers and context as Connexion's request has them (the context where its handlers read it);
    anything else, such as a query key, from Connexion's request itself."""
    from mock_server.http.operations import _connexion_request, _SecurityRequest

    scope = {
        "type": "http",
        "headers": [(b"authorization", b"Bearer k1"), (b"Authorization", b"Bearer k2"), (b"x-key", b"q")],
        "query_string": b"api_key=abc&api_key=def",
        "path_params": {},
        "extensions": {"other": 1},
    }
    ours, connexions = _SecurityRequest(dict(scope)), _connexion_request(dict(scope))
    assert ours.headers.get("Authorization") == connexions.headers.get("Authorization") == "Bearer k1"
    assert ours.headers.getlist("authorization") == connexions.headers.getlist("authorization")
    assert dict(ours.query_params) == dict(connexions.query_params)
    assert ours.cookies == connexions.cookies == {}
    ours.context.update({"user": "api-key"})
    assert ours.scope["extensions"] == {"other": 1, "connexion_context": {"user": "api-key"}}
    assert _connexion_request(ours.scope).context == {"user": "api-key"}
