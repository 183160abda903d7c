"""Connexion validators with messages a client can act on, and no 500 on bodies that are not UTF-8.

The contract does the validating; these classes change how a failure is worded and how a body without a
length is read, and compile their schemas once, when they are built (`schemas.CompiledSchema`), which
`operations.py` does once per operation at start-up.
"""

from __future__ import annotations

import json
import typing as t

from connexion.exceptions import BadRequestProblem, ExtraParameterProblem, UnsupportedMediaTypeProblem
from connexion.utils import is_null, is_nullable
from connexion.validators import JSONRequestBodyValidator, ParameterValidator
from jsonschema import Draft4Validator, ValidationError
from jsonschema.exceptions import best_match
from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.types import Message, Receive, Scope

from mock_server.http.schemas import CompiledSchema
from mock_server.middleware.headers import ScopeHeaders, first_header

_UTF8 = ("utf-8", "utf8")
RESOLVED_PATH = "rise_mock.resolved_path_params"
"""Scope key of the path parameters as the operation's URI parser resolved and cast them for validation,
with the raw ones they came from, so that the handler call does not resolve them again."""
RESOLVED_QUERY = "rise_mock.resolved_query_params"
"""The same for the query parameters, with the raw query string they came from."""
_FIX = (
    "fix the request to match its description (openapi.yaml; mock_server/control.yaml for /__mock/) "
    "and send it again"
)
_EMPTY = "the body is empty (or null): send the JSON object the operation describes."
PARSED_BODY = "rise_mock.parsed_body"
"""Scope key of a UTF-8 JSON body as the validator parsed it, so that the handler call does not read and
parse it again (`operations.HandlerOperation`); what Connexion's request would parse from the same bytes."""


def describe(error: ValidationError, subject: str) -> str:
    """One sentence naming the field, what was wrong, and (from the schema) what is expected."""
    if error.validator == "required":
        missing = error.message.split("'")[1] if error.message.count("'") >= 2 else error.message
        return f"{subject} field {missing} is required: {_FIX}."
    path = ".".join(str(part) for part in error.absolute_path)
    detail = f"{subject} field {path}: {error.message}" if path else f"{subject}: {error.message}"
    expected = _description(error)
    if expected:
        return f"{detail}. Expected {expected[0].lower()}{expected[1:].rstrip('.')}."
    return f"{detail}: {_FIX}."


def _description(error: ValidationError | None) -> str | None:
    """The nearest schema description up the chain of errors (an anyOf branch has none of its own)."""
    while error is not None:
        if isinstance(error.schema, dict) and error.schema.get("description"):
            return error.schema["description"].strip()
        error = error.parent
    return None


def _length_and_type(headers: list[tuple[bytes, bytes]]) -> tuple[str | None, bool]:
    """The first Content-Length (as Starlette's Headers reads it), and whether a Content-Type is sent."""
    length, typed = None, False
    for key, value in headers:
        if key == b"content-length" and length is None:
            length = value.decode("latin-1")
        elif key == b"content-type":
            typed = True
    return length, typed


async def _buffered(receive: Receive) -> tuple[Receive, str]:
    """The whole body read ahead, and a channel that replays it: for bodies sent without a length."""
    messages: list[Message] = []
    size = 0
    while True:
        message = await receive()
        messages.append(message)
        size += len(message.get("body", b""))
        if message["type"] != "http.request" or not message.get("more_body", False):
            break

    async def replay() -> Message:
        return messages.pop(0) if messages else await receive()

    return replay, str(size)


class RiseJSONBodyValidator(JSONRequestBodyValidator):
    """JSON bodies: malformed or non-UTF-8 bytes are a 400, and messages name the field."""

    def __init__(self, *, schema: dict, **kwargs: t.Any) -> None:
        super().__init__(schema=schema, **kwargs)
        self._compiled = self.compile(schema)

    @staticmethod
    def compile(schema: dict) -> t.Any:
        """The body schema compiled once, as `_validate` uses it."""
        return CompiledSchema(schema)

    async def _parse(self, stream: t.AsyncGenerator[bytes, None], scope: t.Any) -> t.Any:
        return self._decode(b"".join([message async for message in stream]))

    def _decode(self, raw: bytes) -> t.Any:
        try:
            text = raw.decode(self._encoding)
        except (UnicodeDecodeError, LookupError):
            raise BadRequestProblem(
                detail=f"the body is not valid {self._encoding} text: send JSON encoded as UTF-8."
            ) from None
        if not text:
            return None
        try:
            return json.loads(text)
        except json.JSONDecodeError as error:
            raise BadRequestProblem(
                detail=f"the body is not valid JSON ({error}): send a JSON object."
            ) from None
        except (RecursionError, ValueError) as error:  # nesting too deep, a number too long to convert
            raise BadRequestProblem(
                detail=f"the body is JSON this API cannot take ({type(error).__name__}: {error}): "
                "send a flat JSON object as the operation describes it."
            ) from None

    async def wrap_receive(self, receive: Receive, *, scope: Scope) -> tuple[Receive, Scope]:
        """Connexion decides "no body" from Content-Length alone. A chunked body has none, so read it
        first (the body limit, applied outside, bounds it) and say how long it is; an empty body gets a
        message that says what to send. A body is then read, validated and replayed as Connexion's own
        `wrap_receive` does, in one pass over the headers."""
        length, typed = _length_and_type(scope["headers"])
        if length is None:
            receive, length = await _buffered(receive)
            scope = {**scope, "headers": [*scope["headers"], (b"content-length", length.encode())]}
        if length.strip() in ("", "0") and self._required:
            raise BadRequestProblem(detail=_EMPTY)
        if not typed:
            # Connexion would guess JSON for validation but hand the handler raw bytes.
            raise UnsupportedMediaTypeProblem(detail="no Content-Type")
        if not int(length):
            return await super().wrap_receive(receive, scope=scope)  # Connexion's default-body rules
        messages: list[Message] = []
        chunks: list[bytes] = []
        more = True
        while more:
            message = await receive()
            messages.append(message)
            more = message.get("more_body", False)
            chunks.append(message.get("body", b""))
        body = self._decode(b"".join(chunks))
        if not (body is None and self._nullable):
            self._validate(body)
        if self._encoding.lower().replace("_", "-") in _UTF8:
            # The bytes it decoded parse alike as Connexion's request parses them (JSON from bytes is
            # read as UTF-8; a byte order mark or a NUL byte would have failed above).
            scope[PARSED_BODY] = body
        return self._insert_messages(receive, messages=messages), scope

    def _validate(self, body: t.Any) -> dict | None:
        if body is None:
            raise BadRequestProblem(detail=_EMPTY)
        if self._compiled.is_valid(body):
            return None
        error = best_match(self._compiled.iter_errors(body))
        if error is not None:
            raise BadRequestProblem(detail=describe(error, "body"))
        return None


class _Parameters(ScopeHeaders):
    """The parameters of a request as Connexion's validator reads them from a ConnexionRequest (resolved
    and cast by the operation's URI parser), read from the ASGI scope without building one."""

    def __init__(self, scope: Scope, uri_parser: t.Any) -> None:
        super().__init__(scope)
        self._uri_parser = uri_parser
        self._query: dict[str, t.Any] | None = None
        self._path: dict[str, t.Any] | None = None

    @property
    def query_params(self) -> dict[str, t.Any]:
        if self._query is None:
            raw = self.scope["query_string"]
            if not raw:  # no query string: no parameter to resolve
                self._query = {}
            else:
                args = QueryParams(raw)
                self._query = self._uri_parser.resolve_query({key: args.getlist(key) for key in args})
            self.scope[RESOLVED_QUERY] = (raw, self._query)
        return self._query

    @property
    def path_params(self) -> dict[str, t.Any]:
        if self._path is None:
            raw = self.scope.get("path_params", {})
            self._path = self._uri_parser.resolve_path(raw)
            self.scope[RESOLVED_PATH] = (raw, self._path)
        return self._path

    @property
    def cookies(self) -> dict[str, str]:
        return Request(self.scope).cookies


def _reader(kind: str, name: str) -> t.Callable[[_Parameters], t.Any]:
    """How Connexion's validator reads a parameter of this kind and name from the request."""
    if kind == "query":
        return lambda request: request.query_params.get(name)
    if kind == "path":
        key = name.replace("-", "_")
        return lambda request: request.path_params.get(key)
    if kind == "header":
        lowered = name.lower().encode("latin-1")
        return lambda request: first_header(request.scope, lowered)
    return lambda request: request.cookies.get(name)


class RiseParameterValidator(ParameterValidator):
    """Parameters: the message names the parameter and the rule it broke. Each parameter's schema is
    compiled when the validator is built."""

    def validate(self, scope: Scope) -> None:
        """Connexion's `validate_request`, in its order and with its messages, each parameter's value
        read by a reader chosen when the validator was built; a request without a query string has no
        extra query parameter to look for."""
        request = _Parameters(scope, self.uri_parser)
        if self.strict_validation and scope["query_string"]:
            extra = self.validate_query_parameter_list(request, security_params=self.security_query_params)
            if extra:
                raise ExtraParameterProblem(param_type="query", extra_params=extra)
        for kind, param, read in self._readers:
            error = self.validate_parameter(kind, read(request), param)
            if error:
                raise BadRequestProblem(detail=error)

    def __init__(self, parameters: list[dict], *args: t.Any, **kwargs: t.Any) -> None:
        super().__init__(parameters, *args, **kwargs)
        self._readers = [
            (kind, param, _reader(kind, param["name"]))
            for kind in ("query", "path", "header", "cookie")
            for param in self.parameters.get(kind, [])
        ]
        self._compiled = {
            id(param): (
                CompiledSchema(param.get("schema", param), nullable=False),
                Draft4Validator(param.get("schema", param)),
            )
            for params in self.parameters.values()
            for param in params
        }

    def validate_parameter(  # type: ignore[override]  # Connexion calls it through the instance
        self, parameter_type: str, value: t.Any, param: dict, param_name: str | None = None
    ) -> str | None:
        """What Connexion's check says (None when valid), worded by `describe`'s rules for parameters."""
        if value is None or (is_nullable(param) and is_null(value)):
            return ParameterValidator.validate_parameter(parameter_type, value, param, param_name)
        checked, unchecked = self._compiled[id(param)]
        if checked.is_valid(value):
            return None
        first = next(checked.iter_errors(value), None)
        if first is None:
            return None
        error = best_match(unchecked.iter_errors(value))
        reason = error.message if error is not None else str(first).splitlines()[0]
        return f"{parameter_type} parameter {param['name']}: {reason}: {_FIX}."
