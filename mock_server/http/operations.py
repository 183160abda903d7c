"""Connexion's per-operation work done once, at start-up: request validation and the handler call.

Connexion 3 builds, on every request, the parameter and body validators of the operation (and so their
JSON Schema validators), and the decorators that turn a request into handler arguments (inspecting the
handler's signature and converting each parameter name anew). The middlewares here take the place of
its request validation middleware and of its handler call, through the `middlewares` list Connexion
accepts: they build those objects once per operation when the API is added, from the same Connexion
classes and helpers, and use them per request in the same order, so that answers and messages stay as
they were. A third asks Connexion's Swagger UI router only about the paths it serves.
"""

from __future__ import annotations

import asyncio
import copy
import functools
import typing as t

from connexion import utils
from connexion.context import context as connexion_context
from connexion.datastructures import MediaTypeDict
from connexion.decorators.parameter import (
    CONTEXT_NAME,
    AsyncParameterDecorator,
    _get_query_defaults,
    _get_val_from_param,
    pythonic,
    sanitized,
    unwrap_decorators,
)
from connexion.decorators.response import AsyncResponseDecorator
from connexion.exceptions import UnsupportedMediaTypeProblem
from connexion.frameworks.starlette import Starlette as StarletteFramework
from connexion.http_facts import FORM_CONTENT_TYPES
from connexion.jsonifier import Jsonifier
from connexion.lifecycle import ConnexionRequest
from connexion.middleware import ConnexionMiddleware
from connexion.middleware.abstract import RoutedAPI, RoutedMiddleware
from connexion.middleware.request_validation import (
    RequestValidationAPI,
    RequestValidationMiddleware,
    RequestValidationOperation,
)
from connexion.middleware.security import SecurityAPI, SecurityMiddleware, SecurityOperation
from connexion.middleware.swagger_ui import SwaggerUIMiddleware
from connexion.operations import AbstractOperation
from connexion.uri_parsing import OpenAPIURIParser
from connexion.utils import deep_merge, inspect_function_arguments, is_null, is_nullable
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from mock_server.http.validation import PARSED_BODY, RESOLVED_PATH, RESOLVED_QUERY
from mock_server.middleware.headers import ScopeHeaders

_NAME_CACHE_SIZE = 1024
"""Parameter names converted to Python names, remembered (a request can only send names the contract
lists, strict validation refuses the others)."""


_KEPT_BODY_VALIDATORS = 16
"""Body validators kept per operation, one per media type and charset seen (UTF-8 JSON from start-up)."""

_KEPT_CONTENT_TYPES = 32
"""Content-Type values whose reading is kept per operation."""

_IMMUTABLE = (str, int, float, bool, type(None))
"""Defaults of these types need no copy per request (Connexion copies them in case the handler changes
them)."""


def _connexion_request(
    scope: Scope, receive: Receive | None = None, uri_parser: t.Any = None
) -> ConnexionRequest:
    """`ConnexionRequest(scope, receive, uri_parser=...)`, made around its Starlette request from the
    start: the plain constructor first asks whether it has one, a miss that goes through the class's
    `__getattr__` and an AttributeError on every request."""
    starlette_request = Request(scope) if receive is None else Request(scope, receive)
    return ConnexionRequest.from_starlette_request(starlette_request, uri_parser=uri_parser)


def _verbatim(parameter: dict) -> bool:
    """Whether Connexion's casts give a parameter's value back as the text sent: a string that cannot be
    null (and is no file)."""
    schema = parameter.get("schema", parameter)
    return schema.get("type") == "string" and schema.get("format") != "binary" and not is_nullable(schema)


class CompiledURIParser(OpenAPIURIParser):
    """Connexion's OpenAPI URI parser (how parameters are read from a URI and cast), with the parameter
    schemas and form fields it looks up worked out once instead of at every look-up."""

    def __init__(self, param_defns: list[dict], body_defn: dict) -> None:
        super().__init__(param_defns, body_defn)
        self._param_schemas = {k: v.get("schema", {}) for k, v in self._param_defns.items()}
        self._form_defns = dict(self._body_schema.get("properties", {}))
        self._verbatim = frozenset(name for name, defn in self._param_defns.items() if _verbatim(defn))
        """Parameters that resolve to the text sent (Connexion's cast returns such a string as it is)."""

    def resolve_path(self, path_data: dict[str, t.Any]) -> dict[str, t.Any]:
        if self._verbatim.issuperset(path_data):
            return dict(path_data)
        return super().resolve_path(path_data)

    @property
    def param_schemas(self) -> dict[str, dict]:
        return self._param_schemas

    @property
    def form_defns(self) -> dict[str, dict]:
        return self._form_defns


def _distinct(parameters: list[dict]) -> list[dict]:
    """The parameters without repeats. Each Connexion middleware that reads the contract appends the
    path's parameters to the operation's list again; checking one definition twice changes nothing."""
    found: list[dict] = []
    for parameter in parameters:
        if parameter not in found:
            found.append(parameter)
    return found


class CompiledRequestValidationOperation(RequestValidationOperation):
    """Connexion's request validation of one operation, with its validators built once."""

    def __init__(self, next_app: ASGIApp, *, operation: AbstractOperation, **kwargs: t.Any) -> None:
        super().__init__(next_app, operation=operation, **kwargs)
        uri_parser = operation.uri_parser_class(operation.parameters, operation.body_definition())
        self._parameter_validator = self._validator_map["parameter"](
            _distinct(operation.parameters),
            uri_parser=uri_parser,
            strict_validation=self.strict_validation,
            security_query_params=self.security_query_params,
        )
        self._consumes = MediaTypeDict([(c.lower(), None) for c in operation.consumes])
        self._consumed = frozenset(self._consumes)
        """The media types the operation takes, as written: one of them needs no range matching."""
        self._body_validators: dict[tuple[str, str], t.Any] = {}
        self._content_types: dict[bytes | None, tuple[str, str]] = {}
        for mime_type in operation.consumes:
            self._body_validator(mime_type, "utf-8")

    def validate_mime_type(self, mime_type: str) -> None:
        if not self._operation.consumes:
            return
        lowered = mime_type.lower()
        if lowered not in self._consumed and lowered not in self._consumes:
            raise UnsupportedMediaTypeProblem(
                detail=f"Invalid Content-type ({mime_type}), expected {self._operation.consumes}"
            )

    def _body_validator(self, mime_type: str, encoding: str) -> t.Any | None:
        """The body validator of a media type and encoding, built on first use (None: not validated)."""
        key = (mime_type, encoding)
        if key in self._body_validators:
            return self._body_validators[key]
        schema = self._operation.body_schema(mime_type)
        validator_cls = self._validator_map["body"].get(mime_type) if schema else None  # type: ignore
        validator = validator_cls and validator_cls(
            schema=schema,
            required=self._operation.request_body.get("required", False),
            nullable=utils.is_nullable(self._operation.body_definition(mime_type)),
            encoding=encoding,
            strict_validation=self.strict_validation,
            uri_parser=self._parameter_validator.uri_parser,
        )
        if len(self._body_validators) < _KEPT_BODY_VALIDATORS:  # clients choose the charset: keep a few
            self._body_validators[key] = validator
        return validator

    def extract_content_type(self, headers: list[tuple[bytes, bytes]]) -> tuple[str, str]:
        """Connexion's reading of the Content-Type header (the first one), remembered per value."""
        raw = next((value for key, value in headers if key.lower() == b"content-type"), None)
        if raw not in self._content_types:
            found = super().extract_content_type([(b"content-type", raw)] if raw is not None else [])
            if len(self._content_types) >= _KEPT_CONTENT_TYPES:  # clients choose the value: keep a few
                return found
            self._content_types[raw] = found
        return self._content_types[raw]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self._parameter_validator.validate(scope)
        mime_type, encoding = self.extract_content_type(scope["headers"])
        self.validate_mime_type(mime_type)
        validator = self._body_validator(mime_type, encoding)
        if validator is not None:
            receive, scope = await validator.wrap_receive(receive, scope=scope)
        await self.next_app(scope, receive, send)


class CompiledRequestValidationAPI(RequestValidationAPI):
    def make_operation(self, operation: AbstractOperation) -> CompiledRequestValidationOperation:
        return CompiledRequestValidationOperation(
            self.next_app,
            operation=operation,
            strict_validation=self.strict_validation,
            validator_map=self.validator_map,
        )


class CompiledRequestValidationMiddleware(RequestValidationMiddleware):
    """Connexion's request validation, each operation's validators built when the API is added."""

    api_cls = CompiledRequestValidationAPI


class _SecurityRequest(ScopeHeaders):
    """What Connexion's security checks read of a request, read from the ASGI scope: its headers, and the
    context their verdict goes into, where `ConnexionRequest` keeps it. Anything else (a query or cookie
    key) comes from Connexion's own request, made when first asked for."""

    def __init__(self, scope: Scope) -> None:
        super().__init__(scope)
        self._full: ConnexionRequest | None = None

    @property
    def context(self) -> dict[str, t.Any]:
        return self.scope.setdefault("extensions", {}).setdefault("connexion_context", {})

    def __getattr__(self, name: str) -> t.Any:
        if self._full is None:
            self._full = _connexion_request(self.scope)
        return getattr(self._full, name)


class QuickSecurityOperation(SecurityOperation):
    """Connexion's security check of one operation, given what it reads of the request without making
    Connexion's request for it (`_SecurityRequest`)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self.security:
            await self.next_app(scope, receive, send)
            return
        await self.verification_fn(_SecurityRequest(scope))
        await self.next_app(scope, receive, send)


class QuickSecurityAPI(SecurityAPI):
    def make_operation(self, operation: t.Any) -> SecurityOperation:
        return QuickSecurityOperation.from_operation(
            operation, next_app=self.next_app, security_handler_factory=self.security_handler_factory
        )


class QuickSecurityMiddleware(SecurityMiddleware):
    """Connexion's security middleware with `QuickSecurityOperation`s."""

    api_cls = QuickSecurityAPI


def _resolved(scope: Scope, key: str, raw_key: str) -> dict[str, t.Any] | None:
    """Parameters as validation resolved them, if they came from the very raw ones in the scope now."""
    resolved = scope.get(key)
    return resolved[1] if resolved and resolved[0] is scope.get(raw_key) else None


class HandlerOperation:
    """The handler of one operation, called with the arguments Connexion's parameter decorator would
    give it, worked out from the operation once: which parameters the handler takes, under which
    Python names, with which defaults. Operations that take forms keep Connexion's own decorator."""

    def __init__(self, operation: AbstractOperation, *, pythonic_params: bool, jsonifier: Jsonifier) -> None:
        function = operation.function
        if not asyncio.iscoroutinefunction(function):
            raise TypeError(f"the handler of {operation.operation_id} must be a coroutine function")
        self._operation = operation
        self._uri_parser = operation.uri_parser_class(operation.parameters, operation.body_definition())
        responses = AsyncResponseDecorator(framework=StarletteFramework, jsonifier=jsonifier)
        self._call = responses(function)
        convert = pythonic if pythonic_params else sanitized
        self._name = functools.lru_cache(maxsize=_NAME_CACHE_SIZE)(lambda name: convert(convert(name)))
        self._arguments, self._has_kwargs = inspect_function_arguments(unwrap_decorators(function))
        self._path_casts = {
            p["name"]: functools.partial(_get_val_from_param, param_definitions=p)
            for p in operation.parameters
            if p["in"] == "path" and not _verbatim(p)
        }
        """How each path parameter is cast for the handler (those not listed are passed as sent)."""
        self._query = {p["name"]: p for p in operation.parameters if p["in"] == "query"}
        self._query_defaults = _get_query_defaults(self._query)
        self._defaults_immutable = all(isinstance(v, _IMMUTABLE) for v in self._query_defaults.values())
        body_name = self._name(operation.body_name(""))
        takes_body = operation.is_request_body_defined and operation.method.upper() != "TRACE"
        self._body_name = body_name if takes_body and self._takes(body_name) else None
        self._form = None
        if any(content_type in FORM_CONTENT_TYPES for content_type in operation.consumes):
            decorator = AsyncParameterDecorator(framework=StarletteFramework, pythonic_params=pythonic_params)
            self._form = responses(decorator(function))

    def _takes(self, name: str) -> bool:
        return self._has_kwargs or name in self._arguments

    async def _kwargs(self, scope: Scope, receive: Receive) -> dict[str, t.Any]:
        """Path parameters, query parameters (with their defaults), the body and the security context,
        cast as the contract types them, for the arguments the handler has. Connexion's request is made
        only when something is not already in the scope."""
        made: list[ConnexionRequest] = []

        def request() -> ConnexionRequest:
            if not made:
                made.append(_connexion_request(scope, receive, self._uri_parser))
            return made[0]

        kwargs: dict[str, t.Any] = {}
        path_params = _resolved(scope, RESOLVED_PATH, "path_params")
        if path_params is None:
            path_params = request().path_params
        for name, value in path_params.items():
            cast = self._path_casts.get(name)
            kwargs[self._name(name)] = value if cast is None else cast(value)
        if self._query:
            defaults = self._query_defaults
            defaults = dict(defaults) if self._defaults_immutable else copy.deepcopy(defaults)
            query_params = _resolved(scope, RESOLVED_QUERY, "query_string")
            query = deep_merge(defaults, request().query_params if query_params is None else query_params)
            for name, value in query.items():
                if self._takes(self._name(name)) and name in self._query:
                    kwargs[self._name(name)] = _get_val_from_param(value, self._query[name])
        if self._body_name is not None:
            body = scope[PARSED_BODY] if PARSED_BODY in scope else await request().get_body()
            kwargs[self._body_name] = self._missing_body(body, request()) if is_null(body) else body
        context = scope.get("extensions", {}).get("connexion_context", {})  # what `context` holds
        for key, value in context.items():
            if self._takes(key):
                kwargs[key] = value
        if CONTEXT_NAME in self._arguments:
            kwargs[CONTEXT_NAME] = connexion_context
        return kwargs

    def _missing_body(self, body: t.Any, request: ConnexionRequest) -> t.Any:
        """The body argument, as Connexion's decorator makes it, of a body that is null or missing: None
        for a nullable schema, otherwise the schema's default for a missing one."""
        if is_nullable(self._operation.body_schema(request.mimetype)):
            return None
        if body is None:
            return copy.deepcopy(self._operation.body_schema(request.mimetype).get("default", {}))
        return body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self._form is not None:
            response = await self._form(_connexion_request(scope, receive, self._uri_parser))
        else:
            response = await self._call(**await self._kwargs(scope, receive))
        await response(scope, receive, send)


class HandlerAPI(RoutedAPI[HandlerOperation]):
    def __init__(
        self,
        *args: t.Any,
        pythonic_params: bool = False,
        jsonifier: Jsonifier | None = None,
        **kwargs: t.Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.pythonic_params = pythonic_params
        self.jsonifier = jsonifier or Jsonifier()
        self.add_paths()

    def make_operation(self, operation: AbstractOperation) -> HandlerOperation:
        return HandlerOperation(operation, pythonic_params=self.pythonic_params, jsonifier=self.jsonifier)


class HandlerMiddleware(RoutedMiddleware[HandlerAPI]):
    """Calls the operation's handler; what is no operation (an unknown path) goes on to the app, which
    answers 404."""

    api_cls = HandlerAPI


def _fixed_prefixes(routes: t.Sequence[t.Any], base: str = "") -> t.Iterator[str]:
    """How the paths a router serves begin: each route's path up to its first parameter, without a
    trailing slash (the router also answers the path with or without one); a mount of routes by those
    of its routes, any other mount (static files) by its own path."""
    for route in routes:
        path = base + route.path
        inner = getattr(route, "routes", None)
        if inner:
            yield from _fixed_prefixes(inner, path)
        else:
            yield path.split("{")[0].rstrip("/")


class BrowsableMiddleware(SwaggerUIMiddleware):
    """Connexion's Swagger UI middleware (the browsable contract and `openapi.json`), whose router is
    asked only about paths that start as one of its routes does; every other request goes straight on,
    as its router would have sent it (with a copy of the scope)."""

    _prefixes: tuple[str, ...] = ()

    def add_api(self, *args: t.Any, **kwargs: t.Any) -> None:
        super().add_api(*args, **kwargs)
        self._prefixes = tuple(_fixed_prefixes(self.router.routes))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not scope["path"].startswith(self._prefixes):
            await self.app(scope.copy(), receive, send)
            return
        await super().__call__(scope, receive, send)


_REPLACED = {
    SwaggerUIMiddleware: BrowsableMiddleware,
    SecurityMiddleware: QuickSecurityMiddleware,
    RequestValidationMiddleware: CompiledRequestValidationMiddleware,
}


def middleware_stack(
    *,
    outermost: t.Sequence[ASGIApp] = (),
    before_browsable: t.Sequence[ASGIApp] = (),
    after_security: t.Sequence[ASGIApp] = (),
) -> list[ASGIApp]:
    """Connexion's default middlewares, with the Swagger UI asked only about its own paths, the security
    check making its request without a miss, request validation and the handler call built once per
    operation; `outermost` placed before them all, `before_browsable` where
    `MiddlewarePosition.BEFORE_SWAGGER` puts a middleware and `after_security` where `BEFORE_VALIDATION`
    does (between authentication and request validation). Those positions, and `BEFORE_SECURITY`, name
    Connexion's own classes, which this stack replaces, so `add_middleware` cannot find them."""
    placed = {SwaggerUIMiddleware: before_browsable, RequestValidationMiddleware: after_security}
    stack: list[ASGIApp] = [*outermost]
    for middleware in ConnexionMiddleware.default_middlewares:
        stack.extend(placed.get(middleware, ()))
        stack.append(_REPLACED.get(middleware, middleware))
    return [*stack, HandlerMiddleware]
