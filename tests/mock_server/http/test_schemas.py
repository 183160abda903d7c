"""The compiled validators accept exactly what jsonschema accepts, on every request schema of both
contracts: what jsonschema-rs passes, jsonschema passes too (so no invalid request gets through the fast
path), and valid requests do take the fast path."""

from __future__ import annotations

from typing import Any

import pytest
from connexion.spec import Specification
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mock_server.http.schemas import CompiledSchema
from mock_server.model.contract import CONTRACT_PATH, CONTROL_CONTRACT_PATH

DATES = [
    "2023-05-02T09:00:00Z", "2023-05-02", "2023-05-02T11:00:00+02:00", "2016-12-31T23:59:60Z",
    "2023-05-02t09:00:00z", "2023-05-02T09:00:00.123456789Z", "2023-13-02", "2023-02-30",
    "2023-05-02T25:00:00Z", "2023-05-02T09:00:00", "2023-05-02 09:00:00Z", "20230502", "", "not a date",
    "2023-05-02T09:00:00+0200", "\uff12\uff10\uff12\uff13-05-02", "2023-05-02\n",
]  # fmt: skip


def _request_schemas() -> list[tuple[str, dict[str, Any], bool]]:
    """(where, schema, nullable) of every body and parameter, resolved as Connexion hands them over."""
    found = []
    for path in (CONTRACT_PATH, CONTROL_CONTRACT_PATH):
        spec = Specification.load(path)
        for route, item in spec["paths"].items():
            shared = item.get("parameters", [])
            for method, operation in item.items():
                if not isinstance(operation, dict) or method == "parameters":
                    continue
                for parameter in [*shared, *operation.get("parameters", [])]:
                    where = f"{path.name} {method.upper()} {route} {parameter['in']} {parameter['name']}"
                    found.append((where, parameter.get("schema", parameter), False))
                for media, content in operation.get("requestBody", {}).get("content", {}).items():
                    found.append(
                        (f"{path.name} {method.upper()} {route} body {media}", content["schema"], True)
                    )
    return found


SCHEMAS = _request_schemas()
COMPILED: dict[str, CompiledSchema] = {}
STRATEGIES: dict[str, st.SearchStrategy[Any]] = {}
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats()
    | st.sampled_from(DATES)
    | st.text(max_size=12)
)


def _names(schema: Any) -> list[str]:
    """Property names anywhere in the schema, so generated objects often have the expected keys."""
    if isinstance(schema, list):
        return [name for value in schema for name in _names(value)]
    if not isinstance(schema, dict):
        return []
    own = list(schema.get("properties", {}))
    return own + [name for value in schema.values() for name in _names(value)]


def _values(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    keys = st.sampled_from(_names(schema) or ["x"]) | st.text(max_size=6)
    return st.recursive(
        SCALARS,
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=6),
        max_leaves=12,
    )


@pytest.mark.parametrize(("where", "schema", "nullable"), SCHEMAS, ids=[s[0] for s in SCHEMAS])
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_compiled_schema_accepts_only_what_jsonschema_accepts(where, schema, nullable, data) -> None:
    if where not in COMPILED:
        COMPILED[where], STRATEGIES[where] = CompiledSchema(schema, nullable=nullable), _values(schema)
    compiled = COMPILED[where]
    value = data.draw(STRATEGIES[where])
    try:
        fast = compiled.fast.is_valid(value)
    except (ValueError, TypeError, OverflowError):
        fast = False  # jsonschema-rs cannot take it: the reference decides alone
    reference = compiled.reference.is_valid(value)
    if fast:
        assert reference, f"{where}: jsonschema-rs accepts {value!r}, jsonschema does not"
    assert compiled.is_valid(value) == reference


def test_compiled_schema_takes_the_fast_path_for_valid_imports() -> None:
    (body,) = [schema for where, schema, _ in SCHEMAS if "completions body" in where]
    compiled = CompiledSchema(body)
    for started, completed in [
        ("2023-05-02T09:00:00Z", "2023-05-02T10:30:00Z"),
        ("2023-05-01", "2023-05-03"),
    ]:
        assert compiled.fast.is_valid({"startedAt": started, "completedAt": completed})
    assert not compiled.is_valid({"startedAt": "2023-05-01"})
    assert not compiled.is_valid({"startedAt": "2023-05-01", "completedAt": "2023-05-03", "extra": 1})


def test_compiled_schema_lets_nullable_null_through_as_connexion_does() -> None:
    schema = {"type": "object", "properties": {"a": {"type": "string", "nullable": True, "enum": ["x"]}}}
    compiled = CompiledSchema(schema)
    assert compiled.fast.is_valid({"a": None})
    assert compiled.reference.is_valid({"a": None})
    assert not compiled.is_valid({"a": "y"})
    assert not CompiledSchema(schema, nullable=False).is_valid({"a": None})
