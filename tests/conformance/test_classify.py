"""Schemathesis findings are traced to the rule of the contract they involve, conservatively."""

from __future__ import annotations

from typing import Any

import pytest

from conformance.schemathesis.classify import classify, violations_of

IMPORT = "/courses/{courseId}/users/{userId}/completions"


def _negative(
    scenario: str, location: str, parameter: str | None, *, method: str = "GET", path: str = "/users",
    pointer: str | None = None,
) -> dict[str, Any]:  # fmt: skip
    data = {"scenario": scenario, "parameter": parameter, "parameter_location": location, "location": pointer}
    meta = {"generation": {"mode": "negative"}, "phase": {"name": "coverage", "data": data}}
    return {"case": {"method": method, "path": path, "meta": meta}}


@pytest.mark.parametrize(
    ("finding", "rule"),
    [
        (_negative("string_below_min_length", "query", "email"), "users.email-not-empty"),
        (_negative("value_above_maximum", "query", "limit", path="/courses"), "lists.limit-outside-rejected"),
        (_negative("invalid_enum_value", "header", "Rise-API-Version"), "version.others-rejected"),
        (
            _negative("object_unexpected_properties", "body", "application/json", method="POST", path=IMPORT,
                      pointer="/additionalProperties"),
            "import.unknown-fields-rejected",
        ),
        (
            _negative("object_missing_required_property", "body", "application/json", method="POST",
                      path=IMPORT, pointer="/required"),
            "import.fields-required",
        ),
        (
            _negative("invalid_format", "body", "application/json", method="POST", path=IMPORT,
                      pointer="/properties/startedAt/anyOf/0/format"),
            "dates.forms",
        ),
    ],
)  # fmt: skip
def test_accepted_negative_case_breaks_the_rule_deciding_the_violated_keyword(finding, rule) -> None:
    assert classify("negative_data_rejection", finding) == rule


def test_negative_case_on_a_component_no_rule_decides_is_unclassified() -> None:
    finding = _negative("string_below_min_length", "path", "courseId", path="/courses/{courseId}")
    assert classify("negative_data_rejection", finding) is None


def test_a_violation_decided_by_a_documented_rule_wins_over_an_assumption() -> None:
    mutations = [
        {"parameter_location": "body", "parameter": None, "schema_pointer": "/additionalProperties",
         "keywords": ["additionalProperties"]},
        {"parameter_location": "body", "parameter": None, "schema_pointer": "/required",
         "keywords": ["required"]},
    ]  # fmt: skip
    meta = {
        "generation": {"mode": "negative"},
        "phase": {"name": "fuzzing", "data": {"mutations": mutations}},
    }
    finding = {"case": {"method": "POST", "path": IMPORT, "meta": meta}}
    assert [v.keyword for v in violations_of(finding["case"])] == ["additionalProperties", "required"]
    assert classify("negative_data_rejection", finding) == "import.fields-required"


@pytest.mark.parametrize(
    ("code", "status", "rule"),
    [
        ("course_not_published", 404, "errors.not-published-status"),
        ("user_not_found", 400, "errors.not-found-status"),
        ("invalid_request", 422, "errors.statuses"),
    ],
)
def test_a_known_code_at_another_status_breaks_the_status_rule(code: str, status: int, rule: str) -> None:
    finding = {"status": status, "body": {"code": code, "message": "m"}}
    assert classify("status_code_conformance", finding) == rule
    assert classify("response_schema_conformance", finding) == rule


def test_an_undeclared_status_without_a_contract_error_body_is_a_declared_response_failure() -> None:
    assert classify("status_code_conformance", {"status": 203, "body": {"users": []}}) == "responses.declared"
    assert classify("status_code_conformance", {"status": 422, "body": {"code": "nope", "message": "m"}}) == (
        "responses.declared"
    )


def test_schema_violation_at_a_node_whose_rule_decides_the_keyword() -> None:
    message = '"NotStarted" is not one of "Not Started", "In Progress" or "Complete"\n\nSchema at ' + (
        "/components/schemas/ReportRow/properties/status:\n\n    {}"
    )
    assert classify("response_schema_conformance", {"message": message}) == "report.status-literals"
    title = '42 is not of type "string"\n\nSchema at /components/schemas/Course/properties/title:\n\n    {}'
    assert classify("response_schema_conformance", {"message": title}) == "responses.declared"


@pytest.mark.parametrize(
    ("check", "finding", "rule"),
    [
        ("not_a_server_error", {"status": 500}, "responses.no-server-error"),
        ("ignored_auth", {"status": 200}, "auth.bearer"),
        ("ignored_auth", {"status": 403}, "auth.unauthorized"),
        ("unsupported_method", {"status": 404}, "protocol.method-not-allowed"),
        ("response_headers_conformance", {"message": "missing:\n- `Rise-API-Version`"},
         "version.on-every-response"),
        ("content_type_conformance", {"status": 404, "body": None}, "errors.code"),
        ("content_type_conformance", {"status": 404, "body": {"code": "not_found"}}, "errors.envelope"),
        ("content_type_conformance", {"status": 200, "body": None}, "responses.declared"),
        ("import_row_matches_report", {"message": "expected 1 row [import.one-record-per-pair]"},
         "import.one-record-per-pair"),
        ("positive_data_acceptance", {"operation": "GET /users"}, None),
    ],
)  # fmt: skip
def test_each_check_traces_its_findings(check: str, finding: dict[str, Any], rule: str | None) -> None:
    assert classify(check, finding) == rule
