"""Request bodies of the control API checked with the fast validator: a seed can hold 100,000
completions, which the Rise API's validator would take most of a minute over."""

from __future__ import annotations

import typing as t

from connexion.exceptions import BadRequestProblem

from mock_server.http.validation import RiseJSONBodyValidator
from mock_server.model.schema import SchemaValidator


class ControlJSONBodyValidator(RiseJSONBodyValidator):
    """Parsing and its messages as for the Rise API; the schema check by `model.schema`, compiled once
    per operation (`mock_server.http.operations` builds body validators at start-up)."""

    @staticmethod
    def compile(schema: dict) -> SchemaValidator:
        return SchemaValidator(schema)

    def _validate(self, body: t.Any) -> dict | None:
        if body is None:
            raise BadRequestProblem(
                detail="the body is empty (or null): send the JSON object the operation describes."
            )
        problem = self._compiled.problem(body)
        if problem is not None:
            where = f"body field {problem.where}" if problem.where else "body"
            raise BadRequestProblem(
                detail=f"{where}: {problem.message}: fix it to match mock_server/control/control.yaml "
                "and send it again."
            )
        return None
