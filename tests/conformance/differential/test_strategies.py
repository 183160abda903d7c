"""The differential machine's import bodies: every valid one is taken by the model and every invalid one
refused by the mock; the valid ones use every spelling the contract allows."""

from __future__ import annotations

import re
from typing import Any

from hypothesis import HealthCheck, given, settings

from conformance.checks.differential import strategies as gen
from conformance.engine.client import RiseClient
from conformance.engine.inprocess import AppTransport
from mock_server.http.app import create_app
from mock_server.model import rules

FORMS = {
    "date": re.compile(r"^\d{4}-\d{2}-\d{2}$"),
    "Z": re.compile(r"T.*Z$"),
    "z": re.compile(r"[Tt].*z$"),
    "lower t": re.compile(r"\dt\d"),
    "offset": re.compile(r"[+-]\d{2}:\d{2}$"),
    "fraction": re.compile(r":\d{2}\.\d+"),
}
IMPORT = "/courses/rise-intro-102/users/user-ada/completions"
JSON = {"Content-Type": "application/json"}
DRAWS = settings(max_examples=200, deadline=None, derandomize=True, database=None)


def test_valid_bodies_are_taken_and_spelled_every_way_the_contract_allows() -> None:
    seen: set[str] = set()

    @DRAWS
    @given(gen.valid_bodies())
    def taken(body: dict[str, str]) -> None:
        started, completed = rules.import_dates(body)
        assert completed >= started
        seen.update(
            form for form, pattern in FORMS.items() for value in body.values() if pattern.search(value)
        )

    taken()
    assert seen == set(FORMS)


def test_invalid_bodies_are_refused_by_the_mock_as_invalid_requests() -> None:
    transport = AppTransport(create_app())
    client = RiseClient("http://127.0.0.1", "rise-mock-key", transport=transport)

    @settings(DRAWS, max_examples=80, suppress_health_check=list(HealthCheck))
    @given(gen.invalid_bodies())
    def refused(body: Any) -> None:
        if body is None:  # JSON null, which json_body=None would leave out
            answer = client.request(
                "POST", IMPORT, content="null", headers={"Content-Type": "application/json"}
            )
        else:
            answer = client.request("POST", IMPORT, json_body=body)
        assert answer.status == 400 and answer.error_code == "invalid_request", (body, answer.response_body)

    try:
        refused()
    finally:
        client.close()
        transport.close()
