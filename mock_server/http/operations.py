"""Connexion's per-operation work done once, at start-up: request validation and the handler call.

Connexion 3 builds, on every request, the parameter and body validators of the operation (and so their
JSON Schema validators), and the decorators that turn a request into handler arguments (inspecting the
handler's signature and converting each parameter name anew). The two middlewares here take the place
of its request validation middleware and of its handler call through the `middlewares` list Connexion
accepts: each builds those objects once per operation when the API is added, from the same Connexion
classes, and calls them per request in the same order, so that answers and messages stay as they were.
"""

from __future__ import annotations

import asyncio
import functools
import typing as t

from connexion import utils
from connexion.datastructures import MediaTypeDict
from connexion.decorators.parameter import AsyncParameterDecorator
from connexion.decorators.response import AsyncResponseDecorator
from connexion.exceptions import UnsupportedMediaTypeProblem
from connexion.frameworks.starlette import Starlette as StarletteFramework
from connexion.jsonifier import Jsonifier
from connexion.lifecycle import ConnexionRequest
from connexion.middleware import ConnexionMiddleware
from connexion.middleware.abstract import RoutedAPI, RoutedMiddleware
from connexion.middleware.request_validation import (
    RequestValidationAPI,
    RequestValidationMiddleware,
    RequestValidationOperation,
)
from connexion.operations import AbstractOperation
from starlette.types import ASGIApp, Receive, Scope, Send

_NAME_CACHE_SIZE = 1024
"""Parameter names converted to Python names, remembered (a request can only send names the contract
lists, strict validation refuses the others)."""


class CompiledRequestValidationOperation(RequestValidationOperation):
    """Connexion's request validation of one operation, with its validators built once."""

    def __init__(self, next_app: ASGIApp, *, operation: AbstractOperation, **kwargs: t.Any) -> None:
        super().__init__(next_app, operation=operation, **kwargs)
        uri_parser = operation.uri_parser_class(operation.parameters, operation.body_definition())
        self._parameter_validator = self._validator_map["parameter"](
            operation.parameters,
            uri_parser=uri_parser,
            strict_validation=self.strict_validation,
            security_query_params=self.security_query_params,
        )
        self._consumes = MediaTypeDict([(c.lower(), None) for c in operation.consumes])
        self._body_validators: dict[tuple[str, str], t.Any] = {}
        for mime_type in operation.consumes:
            self._body_validator(mime_type, "utf-8")

    def validate_mime_type(self, mime_type: str) -> None:
        if self._operation.consumes and mime_type.lower() not in self._consumes:
            raise UnsupportedMediaTypeProblem(
                detail=f"Invalid Content-type ({mime_type}), expected {self._operation.consumes}"
            )

    def _body_validator(self, mime_type: str, encoding: str) -> t.Any | None:
        """The body validator of a media type and encoding, built on first use (None: not validated)."""
        key = (mime_type, encoding)
        if key not in self._body_validators:
            schema = self._operation.body_schema(mime_type)
            validator_cls = self._validator_map["body"].get(mime_type) if schema else None  # type: ignore
            self._body_validators[key] = validator_cls and validator_cls(
                schema=schema,
                required=self._operation.request_body.get("required", False),
                nullable=utils.is_nullable(self._operation.body_definition(mime_type)),
                encoding=encoding,
                strict_validation=self.strict_validation,
                uri_parser=self._parameter_validator.uri_parser,
            )
        return self._body_validators[key]

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


class HandlerOperation:
    """The handler of one operation, wrapped once in Connexion's own parameter and response decorators
    (with the parameter-name conversion remembered)."""

    def __init__(self, operation: AbstractOperation, *, pythonic_params: bool, jsonifier: Jsonifier) -> None:
        if not asyncio.iscoroutinefunction(operation.function):
            raise TypeError(f"the handler of {operation.operation_id} must be a coroutine function")
        parameters = AsyncParameterDecorator(framework=StarletteFramework, pythonic_params=pythonic_params)
        parameters.sanitize_fn = functools.lru_cache(maxsize=_NAME_CACHE_SIZE)(parameters.sanitize_fn)
        responses = AsyncResponseDecorator(framework=StarletteFramework, jsonifier=jsonifier)
        self._call = responses(parameters(operation.function))
        self._uri_parser = operation.uri_parser_class(operation.parameters, operation.body_definition())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = ConnexionRequest(scope, receive, uri_parser=self._uri_parser)
        response = await self._call(request)
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


def middleware_stack(after_security: t.Sequence[ASGIApp] = ()) -> list[ASGIApp]:
    """Connexion's default middlewares, with request validation and the handler call built once per
    operation, and `after_security` placed between authentication and request validation."""
    stack: list[ASGIApp] = []
    for middleware in ConnexionMiddleware.default_middlewares:
        if middleware is RequestValidationMiddleware:
            stack.extend([*after_security, CompiledRequestValidationMiddleware])
        else:
            stack.append(middleware)
    return [*stack, HandlerMiddleware]
