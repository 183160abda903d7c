"""JSON Schemas compiled once: jsonschema-rs decides whether a value is valid, jsonschema words why not.

Connexion validates with jsonschema's Draft 4 validator extended for OpenAPI's `nullable`, and builds it
anew for every request. A `CompiledSchema` is built once per schema at start-up. Its fast validator is
given the same format checks (jsonschema's own functions) and the same `nullable` rule, so it accepts
exactly what jsonschema accepts; whenever it rejects a value (or cannot take it, such as an integer
past 64 bits), jsonschema, the reference, decides and words the error, so messages stay as they were.
`tests/mock_server/http/test_schemas.py` checks the two agree on generated values of every request
schema of both contracts.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from functools import partial
from typing import Any

import jsonschema_rs
from connexion.json_schema import Draft4RequestValidator
from jsonschema import Draft4Validator, FormatChecker, ValidationError

from mock_server.model.schema import json_schema

FORMAT_CHECKER: FormatChecker = Draft4Validator.FORMAT_CHECKER
"""The format checks Connexion validates requests with (those jsonschema has for Draft 4)."""


def _formats(schema: Any) -> set[str]:
    """Every format name used anywhere in `schema`."""
    found: set[str] = set()
    if isinstance(schema, dict):
        if isinstance(schema.get("format"), str):
            found.add(schema["format"])
        for value in schema.values():
            found |= _formats(value)
    elif isinstance(schema, list):
        for value in schema:
            found |= _formats(value)
    return found


def _conforms(checker: FormatChecker, name: str, instance: Any) -> bool:
    """`checker.conforms(instance, name)`, calling the format's function as `FormatChecker.check` does
    without the two calls and the FormatError it goes through (a date-time body is checked twice per
    import)."""
    found = checker.checkers.get(name)
    if found is None:
        return True
    function, raises = found
    try:
        return bool(function(instance))
    except raises:
        return False


class CompiledSchema:
    """A schema validated as Connexion validates it, compiled once.

    `nullable`: OpenAPI's `nullable` counts, as in request bodies (Connexion's Draft4RequestValidator);
    parameters are validated with plain Draft 4, after Connexion has let a nullable null through.
    """

    def __init__(
        self,
        schema: dict[str, Any],
        *,
        format_checker: FormatChecker | None = FORMAT_CHECKER,
        nullable: bool = True,
    ) -> None:
        self.schema = schema
        validator_cls = Draft4RequestValidator if nullable else Draft4Validator
        self.reference = validator_cls(schema, format_checker=format_checker)
        """jsonschema: the validator that has the last word, and whose errors the messages are made of."""
        formats = {}
        if format_checker is not None:
            formats = {name: partial(_conforms, format_checker, name) for name in _formats(schema)}
        self.fast: Any = jsonschema_rs.Draft4Validator(
            json_schema(schema) if nullable else copy.deepcopy(schema),
            formats=formats,
            validate_formats=format_checker is not None,
            ignore_unknown_formats=True,
        )
        """jsonschema-rs: what it accepts, jsonschema accepts (tests/mock_server/http/test_schemas.py)."""

    def is_valid(self, instance: Any) -> bool:
        """True when jsonschema would accept `instance`, decided by the compiled validator first."""
        try:
            fast = self.fast.is_valid(instance)
        except (ValueError, TypeError, OverflowError):
            fast = False  # a value jsonschema-rs cannot convert (an integer past 64 bits): ask the reference
        return fast or self.reference.is_valid(instance)

    def iter_errors(self, instance: Any) -> Iterator[ValidationError]:
        """jsonschema's errors, only worth asking for once `is_valid` said no."""
        return self.reference.iter_errors(instance)
