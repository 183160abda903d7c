"""Request bodies of the control API checked with the fast validator: a seed can hold 100,000
completions, which the Rise API's validator would take most of a minute over."""

from __future__ import annotations

import typing as t

from connexion.exceptions import BadRequestProblem

from mock_server.http.validation import RiseJSONBodyValidator
from mock_server.model.schema import SchemaValidator


def control_body_validator() -> type[RiseJSONBodyValidator]:
    """A body validator class for one app's control API, with its own cache of compiled schemas
    (Connexion builds a validator per request, from the operation's schema)."""
    compiled: dict[int, tuple[dict, SchemaValidator]] = {}

    class ControlJSONBodyValidator(RiseJSONBodyValidator):
        """Parsing and its messages as for the Rise API; the schema check by `model.schema`."""

        def _validate(self, body: t.Any) -> dict | None:
            if body is None:
                raise BadRequestProblem(
                    detail="the body is empty (or null): send the JSON object the operation describes."
                )
            schema = self._schema
            if id(schema) not in compiled:
                compiled[id(schema)] = (schema, SchemaValidator(schema))
            problem = compiled[id(schema)][1].problem(body)
            if problem is not None:
                where = f"body field {problem.where}" if problem.where else "body"
                raise BadRequestProblem(
                    detail=f"{where}: {problem.message}: fix it to match mock_server/control/control.yaml "
                    "and send it again."
                )
            return None

    return ControlJSONBodyValidator
