"""Which rule of the contract a Schemathesis finding involves, decided from the evidence Schemathesis gives
(the case's generation metadata, the failure's message, the response), and conservatively: a finding this
module cannot trace to a rule is unclassified, and counts as a failure.

The traces, each from a fact of the finding:
- a server error breaks `responses.no-server-error`;
- an accepted negative case breaks the rule that decides the violated keyword of the violated component
  (`keywords` of the rules on that node: `minLength` of the email filter is `users.email-not-empty`);
- an error answered with a known code at another status than the contract's, whose body is otherwise the
  contract's error body, breaks the status rule of that code;
- a schema violation at a node whose rule decides the failing keyword breaks that rule;
- a declared header missing or wrong breaks the rule on that header;
- an undeclared method answered otherwise than 405 breaks `protocol.method-not-allowed`;
- a request without a valid key that is accepted breaks `auth.bearer`, one refused otherwise than 401
  breaks `auth.unauthorized`;
- a project check names the rule in its message (`[rule.id]`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

from conformance.engine.catalogue import load_rules
from conformance.engine.results import Basis, Rule
from mock_server.model.contract import ERROR_STATUS, OPERATION_METHODS, load_contract

_SCENARIO_KEYWORDS = {
    "value_above_maximum": "maximum",
    "value_below_minimum": "minimum",
    "string_above_max_length": "maxLength",
    "string_below_min_length": "minLength",
    "array_above_max_items": "maxItems",
    "array_below_min_items": "minItems",
    "object_unexpected_properties": "additionalProperties",
    "object_missing_required_property": "required",
    "missing_parameter": "required",
    "incorrect_type": "type",
    "invalid_enum_value": "enum",
    "invalid_format": "format",
    "invalid_pattern": "pattern",
}
_STATUS_RULES = {
    "course_not_found": "errors.not-found-status",
    "user_not_found": "errors.not-found-status",
    "course_not_published": "errors.not-published-status",
    "unauthorized": "auth.unauthorized",
    "invalid_api_version": "version.others-rejected",
}
_SCHEMA_AT = re.compile(r"Schema at (/\S+?):?\s*$", re.M)
_RULE_IN_MESSAGE = re.compile(r"\[([a-z]+\.[a-z0-9-]+)\]")
_MESSAGE_KEYWORDS = (
    ("is not of type", "type"),
    ("is not one of", "enum"),
    ("is not a valid", "format"),
    ("is not a ", "format"),
    ("does not match", "pattern"),
    ("is a required property", "required"),
    ("Additional properties", "additionalProperties"),
    ("is too short", "minLength"),
    ("is too long", "maxLength"),
    ("is less than the minimum", "minimum"),
    ("is greater than the maximum", "maximum"),
    ("should be non-empty", "minLength"),
)


@dataclass(frozen=True)
class Violation:
    """One constraint a negative case breaks: where (a parameter, a body schema pointer), which keyword."""

    location: str
    parameter: str | None
    pointer: str | None
    keyword: str | None


def classify(check: str, finding: dict[str, Any]) -> str | None:
    """The rule ID a Schemathesis finding breaks, or None when the evidence does not trace it to one.

    `finding` holds `operation` ("GET /users"), `message`, `case` (method, path, meta, body) and `status`
    and `body` of the response (JSON, or None).
    """
    if check == "not_a_server_error":
        return "responses.no-server-error"
    named = _RULE_IN_MESSAGE.search(finding.get("message") or "")
    if check == "import_row_matches_report":
        return named.group(1) if named and named.group(1) in load_rules() else None
    status, body = finding.get("status"), finding.get("body")
    if check in ("status_code_conformance", "response_schema_conformance") and _known_code_elsewhere(
        status, body
    ):
        return _STATUS_RULES.get(body["code"], "errors.statuses")
    if check == "negative_data_rejection" or (check == "status_code_conformance" and _is_negative(finding)):
        return _decided_by(finding)
    if check == "response_schema_conformance":
        return _schema_rule(finding.get("message") or "") or "responses.declared"
    if check == "status_code_conformance":
        return "responses.declared"
    if check == "response_headers_conformance":
        return _header_rule(finding)
    if check == "content_type_conformance":
        is_json_error = (
            isinstance(status, int) and status >= 400 and isinstance(body, dict) and "code" in body
        )
        return (
            "errors.envelope"
            if is_json_error
            else ("errors.code" if (status or 0) >= 400 else "responses.declared")
        )
    if check == "unsupported_method":
        return "protocol.method-not-allowed"
    if check == "ignored_auth":
        return "auth.bearer" if isinstance(status, int) and status < 400 else "auth.unauthorized"
    if check == "positive_data_acceptance":
        operation = finding.get("operation", "")
        return "import.accepted" if operation.startswith("POST ") else None
    return None


def _known_code_elsewhere(status: Any, body: Any) -> bool:
    """An error body with a contract code, answered at another status, and otherwise the contract's body."""
    if not isinstance(body, dict) or not isinstance(status, int):
        return False
    code, message = body.get("code"), body.get("message")
    return (
        code in ERROR_STATUS and ERROR_STATUS[code] != status and isinstance(message, str) and bool(message)
    )


def _is_negative(finding: dict[str, Any]) -> bool:
    meta = (finding.get("case") or {}).get("meta") or {}
    return (meta.get("generation") or {}).get("mode") == "negative"


def _decided_by(finding: dict[str, Any]) -> str | None:
    """The rule deciding every constraint the negative case broke: the documented one if any decides one,
    else the assumption; None when some constraint is decided by no rule."""
    violations = list(violations_of(finding.get("case") or {}))
    if not violations:
        return None
    operation = _operation(finding.get("case") or {})
    if operation is None:
        return None
    found = [_deciding_rule(operation, violation) for violation in violations]
    rules = [rule for rule in found if rule is not None]
    if len(rules) < len(found):
        return None
    documented = [rule for rule in rules if rule.basis is Basis.DOCUMENTED]
    return (documented or rules)[0].id


def violations_of(case: dict[str, Any]) -> Iterator[Violation]:
    """The constraints a negative case breaks, from Schemathesis' metadata (coverage scenario, mutations)."""
    data = ((case.get("meta") or {}).get("phase") or {}).get("data") or {}
    mutations = data.get("mutations") or []
    for mutation in mutations:
        location = str(mutation.get("parameter_location") or "").lower()
        keywords = mutation.get("keywords") or [None]
        for keyword in keywords:
            yield Violation(location, mutation.get("parameter"), mutation.get("schema_pointer"), keyword)
    if mutations:
        return
    scenario = data.get("scenario")
    location = str(data.get("parameter_location") or "").lower()
    if scenario is None or not location:
        return
    keyword = _SCENARIO_KEYWORDS.get(scenario)
    pointer = data.get("location") if location == "body" else None
    yield Violation(location, data.get("parameter"), pointer, keyword)


def _deciding_rule(operation: _Operation, violation: Violation) -> Rule | None:
    if violation.keyword is None:
        return None
    for pointer in operation.nodes_for(violation):
        for rule in _rules_at(pointer):
            if violation.keyword in rule.keywords:
                return rule
    return None


def _schema_rule(message: str) -> str | None:
    """A schema violation at a node whose rule decides the failing keyword."""
    where = _SCHEMA_AT.search(message)
    keyword = next((keyword for phrase, keyword in _MESSAGE_KEYWORDS if phrase in message), None)
    if where is None or keyword is None:
        return None
    return next((rule.id for rule in _rules_at(where.group(1)) if keyword in rule.keywords), None)


def _header_rule(finding: dict[str, Any]) -> str:
    message = finding.get("message") or ""
    if "Rise-API-Version" in message:
        return "version.on-every-response"
    if "Retry-After" in message:
        return "ratelimit.retry-after"
    return "responses.declared"


# -- the contract, indexed --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Operation:
    parameters: dict[tuple[str, str], str]
    """(location, name) -> JSON pointer of the parameter node."""
    body: str | None
    """JSON pointer of the request body's schema."""

    def nodes_for(self, violation: Violation) -> list[str]:
        """Pointers of the nodes that may decide the violation, the deepest first."""
        if violation.location != "body":
            pointer = self.parameters.get((violation.location, violation.parameter or ""))
            return [pointer] if pointer else []
        if self.body is None:
            return []
        return list(reversed(_schema_path(self.body, violation.pointer or "")))


def _operation(case: dict[str, Any]) -> _Operation | None:
    method, path = str(case.get("method", "")).lower(), case.get("path")
    return _operations().get((method, path))


@cache
def _operations() -> dict[tuple[str, str], _Operation]:
    contract = load_contract()
    found = {}
    for path, item in contract["paths"].items():
        base = f"/paths/{_escape(path)}"
        shared = _parameters(item.get("parameters", []), f"{base}/parameters")
        for method in OPERATION_METHODS:
            if method not in item:
                continue
            operation = item[method]
            own = _parameters(operation.get("parameters", []), f"{base}/{method}/parameters")
            body = None
            content = (operation.get("requestBody") or {}).get("content", {})
            if "application/json" in content:
                body = _resolve(f"{base}/{method}/requestBody/content/application~1json/schema")
            found[(method, path)] = _Operation({**shared, **own}, body)
    return found


def _parameters(entries: list[dict[str, Any]], base: str) -> dict[tuple[str, str], str]:
    found = {}
    for index, _entry in enumerate(entries):
        pointer = _resolve(f"{base}/{index}")
        node = _node(pointer)
        found[(str(node.get("in")), str(node.get("name")))] = pointer
    return found


def _schema_path(root: str, relative: str) -> list[str]:
    """The pointers of the schema nodes from `root` down along `relative` (refs followed), root first.

    `relative` is a pointer into the body schema as Schemathesis gives it (`/required`,
    `/properties/startedAt/anyOf/0/format`); the walk stops at the first keyword that is no container.
    """
    nodes, pointer = [root], root
    parts = [part for part in relative.split("/") if part]
    index = 0
    while index < len(parts):
        part = parts[index]
        if part in ("properties", "anyOf", "oneOf", "allOf") and index + 1 < len(parts):
            pointer = _resolve(f"{pointer}/{part}/{parts[index + 1]}")
            index += 2
        elif part == "items":
            pointer = _resolve(f"{pointer}/items")
            index += 1
        else:
            break
        nodes.append(pointer)
    return nodes


def _resolve(pointer: str) -> str:
    """Follow `$ref` at `pointer` until a node without one."""
    seen = set()
    while True:
        node = _node(pointer)
        reference = node.get("$ref") if isinstance(node, dict) else None
        if not isinstance(reference, str) or not reference.startswith("#") or pointer in seen:
            return pointer
        seen.add(pointer)
        pointer = reference[1:]


def _node(pointer: str) -> Any:
    node: Any = load_contract()
    for part in [p for p in pointer.split("/") if p]:
        key = part.replace("~1", "/").replace("~0", "~")
        if isinstance(node, list):
            node = node[int(key)] if key.isdigit() and int(key) < len(node) else {}
        elif isinstance(node, dict):
            node = node.get(key, {})
        else:
            return {}
    return node


@cache
def _rules_by_pointer() -> dict[str, tuple[Rule, ...]]:
    found: dict[str, list[Rule]] = {}
    for rule in load_rules().values():
        found.setdefault(rule.pointer, []).append(rule)
    return {pointer: tuple(rules) for pointer, rules in found.items()}


def _rules_at(pointer: str) -> tuple[Rule, ...]:
    return _rules_by_pointer().get(pointer, ())


def _escape(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")
