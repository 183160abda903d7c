"""Validating large documents against this project's OpenAPI schemas, fast.

A tenant's state document (a seed, `POST /__mock/seed`) can hold 100,000 completions; the pure-Python
validator takes about 40 s over one, jsonschema-rs about a second. OpenAPI 3.0 schemas are JSON Schema
Draft 4 plus `nullable`, so each schema is rewritten once as plain Draft 4 (a nullable type also allows
null) and compiled with jsonschema-rs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import jsonschema_rs


def json_schema(node: Any) -> Any:
    """An OpenAPI 3.0 schema (with everything under it) as plain JSON Schema Draft 4."""
    if isinstance(node, list):
        return [json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    converted = {key: json_schema(value) for key, value in node.items() if key != "nullable"}
    if node.get("nullable") is True:
        if isinstance(converted.get("type"), str):
            converted["type"] = [converted["type"], "null"]
        if "enum" in converted and None not in converted["enum"]:
            converted["enum"] = [*converted["enum"], None]
    return converted


@dataclass(frozen=True)
class SchemaProblem:
    """Where a document breaks its schema (`courses[3].title`, empty for the whole document) and how."""

    where: str
    message: str


class SchemaValidator:
    """One OpenAPI schema compiled for validation; `#/components/...` references resolve in `components`."""

    def __init__(self, schema: dict[str, Any], components: dict[str, Any] | None = None) -> None:
        root = json_schema(schema)
        if components is not None:
            root = {**root, "components": json_schema(components)}
        self._validator = jsonschema_rs.Draft4Validator(root, validate_formats=True)

    def problem(self, document: Any) -> SchemaProblem | None:
        """The first problem, in document order, or None when the document is valid."""
        if self._validator.is_valid(document):
            return None
        errors = sorted(self._validator.iter_errors(document), key=lambda e: _sort_key(e.instance_path))
        first = errors[0]
        return SchemaProblem(_where(first.instance_path), first.message)


def _sort_key(path: Any) -> list[tuple[int, Any]]:
    return [(0, part) if isinstance(part, int) else (1, str(part)) for part in path]


def _where(path: Any) -> str:
    return "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in path).lstrip(".")
