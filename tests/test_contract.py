"""The contract itself: a valid OpenAPI 3.0.3 document whose examples obey its own schemas."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from openapi_schema_validator import OAS30Validator
from openapi_spec_validator import validate

from conformance.engine.catalogue import load_rules
from mock_server.model.contract import CONTRACT_PATH, CONTROL_CONTRACT_PATH, ERROR_STATUS, load_contract
from mock_server.model.seed import DEMO_SEED_PATH, load_seed_file

CONTRACT = load_contract(CONTRACT_PATH)
METHODS = {"get", "put", "post", "delete", "patch", "head", "options"}


def node_ref_parts(ref: str) -> list[str]:
    assert ref.startswith("#/"), f"only local references are expected, got {ref}"
    return ref[2:].split("/")


def deref(node: Any, root: dict[str, Any] = CONTRACT) -> Any:
    while isinstance(node, dict) and "$ref" in node:
        target: Any = root
        for part in node_ref_parts(node["$ref"]):
            target = target[part]
        node = target
    return node


def media_types() -> Iterator[tuple[str, dict[str, Any]]]:
    """("METHOD /path status media-type", media object) for every request and response body."""
    for path, item in CONTRACT["paths"].items():
        for method, operation in item.items():
            if method not in METHODS:
                continue
            bodies = [("request", deref(operation.get("requestBody", {})))]
            bodies += [(status, deref(r)) for status, r in operation["responses"].items()]
            for status, body in bodies:
                for media_type, media in body.get("content", {}).items():
                    yield f"{method.upper()} {path} {status} {media_type}", media


def component_media_types() -> Iterator[tuple[str, dict[str, Any]]]:
    """The bodies of the shared responses, including those no operation lists (405)."""
    for name, response in CONTRACT["components"]["responses"].items():
        for media_type, media in response.get("content", {}).items():
            yield f"components/responses/{name} {media_type}", media


def media_examples() -> Iterator[tuple[str, Any, dict[str, Any]]]:
    """(where, example value, schema) for every example attached to a request or response body."""
    for where, media in [*media_types(), *component_media_types()]:
        if "example" in media:
            yield where, media["example"], media["schema"]
        for name, example in media.get("examples", {}).items():
            yield f"{where} ({name})", deref(example)["value"], media["schema"]


def schema_validator(schema: dict[str, Any]) -> OAS30Validator:
    return OAS30Validator(
        {**schema, "components": CONTRACT["components"]}, format_checker=OAS30Validator.FORMAT_CHECKER
    )


def walk(node: Any, where: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(node, dict):
        yield where, node
        for key, value in node.items():
            yield from walk(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from walk(value, f"{where}/{index}")


@pytest.mark.parametrize("path", [CONTRACT_PATH, CONTROL_CONTRACT_PATH], ids=lambda p: p.name)
def test_contract_is_valid_openapi_3_0_3(path):
    document = load_contract(path)
    assert document["openapi"] == "3.0.3"
    validate(document)


EXAMPLES = list(media_examples())


@pytest.mark.parametrize(("where", "value", "schema"), EXAMPLES, ids=[e[0] for e in EXAMPLES])
def test_contract_example_matches_its_schema(where, value, schema):
    errors = [e.message for e in schema_validator(schema).iter_errors(value)]
    assert not errors, f"{where}: {errors}"


def test_contract_has_an_example_for_every_json_body():
    examples = {where.split(" (")[0] for where, _, _ in EXAMPLES}
    for where, _ in media_types():
        assert where in examples, f"{where} has no example"


def test_contract_examples_use_only_demo_tenant_ids():
    demo = load_seed_file(DEMO_SEED_PATH)
    known = set(demo.courses) | set(demo.users)
    for where, value, _ in EXAMPLES:
        for _, node in walk(value):
            for key in ("id", "courseId", "userId"):
                if isinstance(node.get(key), str):
                    assert node[key] in known, f"{where}: {key} {node[key]!r} is not in the demo tenant"


def test_contract_error_codes_are_all_declared_with_a_status():
    declared = set(CONTRACT["components"]["schemas"]["ErrorCode"]["enum"])
    assert declared == set(ERROR_STATUS)
    for where, node in walk(CONTRACT["components"]["responses"]):
        if "code" in node.get("properties", {}) and "enum" in node["properties"]["code"]:
            assert set(node["properties"]["code"]["enum"]) <= declared, where


ERROR_RESPONSES = sorted(name for name, r in CONTRACT["components"]["responses"].items() if "content" in r)


def test_contract_lets_every_operation_be_rate_limited():
    for item in CONTRACT["paths"].values():
        for method, operation in item.items():
            if method in METHODS:
                assert operation["responses"]["429"] == {"$ref": "#/components/responses/RateLimited"}


@pytest.mark.parametrize("name", ERROR_RESPONSES)
def test_contract_error_response_codes_match_their_status(name):
    response = CONTRACT["components"]["responses"][name]
    schema = response["content"]["application/json"]["schema"]
    assert schema["allOf"] == [{"$ref": "#/components/schemas/Error"}], f"{name}: one shared Error model"
    codes = schema["properties"]["code"]["enum"]
    statuses = {ERROR_STATUS[code] for code in codes}
    assert len(statuses) == 1, f"{name} mixes statuses {statuses}"
    for path, item in CONTRACT["paths"].items():
        for method, operation in item.items():
            for status, ref in operation.get("responses", {}).items() if method in METHODS else []:
                if ref.get("$ref", "").endswith(f"/{name}"):
                    assert int(status) in statuses, f"{method} {path} uses {name} for {status}"


def test_contract_marks_every_assumption_with_a_note():
    marked = [(where, node) for where, node in walk(CONTRACT) if node.get("x-assumption") is True]
    assert len(marked) >= 15
    for where, node in marked:
        note = node.get("x-assumption-note", "")
        assert isinstance(note, str) and note.strip(), f"{where} has x-assumption without a note"


def test_contract_declares_security_and_version_header_on_every_operation():
    assert CONTRACT["security"] == [{"bearerAuth": []}]
    for path, item in CONTRACT["paths"].items():
        names = {deref(p)["name"] for p in item.get("parameters", [])}
        assert "Rise-API-Version" in names, path
        for method, operation in item.items():
            if method in METHODS:
                assert "401" in operation["responses"], f"{method} {path} lacks its 401"
                assert "400" in operation["responses"], f"{method} {path} lacks its 400"


def test_contract_links_the_import_to_both_reports():
    responses = CONTRACT["paths"]["/courses/{courseId}/users/{userId}/completions"]["post"]["responses"]
    links = responses["202"]["links"]
    assert {link["operationId"] for link in links.values()} == {"getCourseReport", "getLearnerReport"}


def contract_rules() -> list[tuple[str, dict[str, Any]]]:
    return [(where, rule) for where, node in walk(CONTRACT) for rule in node.get("x-rules", [])]


def test_every_rule_has_a_stable_id_a_basis_and_a_statement():
    rules = contract_rules()
    ids = [rule.get("id") for _, rule in rules]
    assert len(ids) == len(set(ids)), f"rule IDs appear twice: {sorted(i for i in ids if ids.count(i) > 1)}"
    for where, rule in rules:
        assert {"id", "basis", "statement"} <= set(rule), f"{where}: rule {rule} needs id, basis, statement"
        known = {"id", "basis", "statement", "keywords"}
        assert set(rule) <= known, f"{where}: {rule['id']} has unknown keys"
        assert all(isinstance(k, str) for k in rule.get("keywords", [])), f"{where}: {rule['id']} keywords"
        assert rule["basis"] in ("documented", "assumption"), f"{where}: {rule['id']} basis {rule['basis']!r}"
        assert rule["statement"].strip(), f"{where}: {rule['id']} has no statement"


def test_every_decision_and_every_operation_states_its_rules():
    """A decision (x-assumption) or an operation without rules is a promise nothing can be checked against.
    The document's own format (info) is the one decision that is not behavioural."""
    untraced = [
        where
        for where, node in walk(CONTRACT)
        if where != "/info"
        and "/links/" not in where
        and (node.get("x-assumption") is True or "operationId" in node)
        and not node.get("x-rules")
        and not any(r for _, r in walk(node) if r.get("x-rules"))
    ]
    assert not untraced, f"these contract nodes state behaviour but carry no x-rules: {untraced}"


def test_contract_reads_the_same_when_libyaml_cannot_be_trusted_in_the_process() -> None:
    """After `yaml` is imported a second time in a process (pytester's in-process runs do it), libyaml's
    loader makes nodes no constructor knows: the contract is then read with the pure-Python loader."""
    script = (
        "import json, sys, yaml\n"
        "for name in [m for m in sys.modules if m == 'yaml' or m.startswith('yaml.')]:\n"
        "    del sys.modules[name]\n"
        "from mock_server.model import contract\n"
        "from conformance.engine.catalogue import load_rules\n"
        "print(json.dumps([contract.YAML_LOADER.__name__, contract.load_contract(), len(load_rules())]))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    loader, document, rules = json.loads(done.stdout)
    assert loader == "SafeLoader"
    assert document == json.loads(json.dumps(load_contract()))
    assert rules == len(load_rules())
