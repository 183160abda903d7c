"""The mock against its own contract: Schemathesis in-process, every operation, every default check,
and the stateful test that follows the contract's links from the import to both reports."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.core.parameters import ParameterLocation

from mock_server import DEFAULT_API_KEY, create_app
from mock_server.model.errors import RiseError
from mock_server.model.rules import import_dates
from mock_server.model.seed import DEMO_SEED_PATH, load_seed_file

AUTH = {"Authorization": f"Bearer {DEFAULT_API_KEY}"}
DEMO = load_seed_file(DEMO_SEED_PATH)

app = create_app(validate_responses=True)
schema = schemathesis.openapi.from_asgi("/openapi.json", app)


def _ordered(body: Any) -> Any:
    """Positive bodies with completedAt before startedAt are invalid by a rule JSON Schema cannot state."""
    if isinstance(body, dict) and {"startedAt", "completedAt"} <= body.keys():
        try:
            import_dates(body)
        except RiseError:
            return {**body, "startedAt": body["completedAt"], "completedAt": body["startedAt"]}
    return body


@schema.hook
def flatmap_case(context: Any, case: Any) -> st.SearchStrategy:
    """Positive cases mostly aim at the demo tenant, so that writes succeed and links are followed."""
    if case.meta is None or not case.meta.generation.mode.is_positive:
        return st.just(case)
    choices = {"courseId": sorted(DEMO.courses), "userId": sorted(DEMO.users)}
    drawn = {
        name: st.sampled_from([*choices[name], value])
        for name, value in (case.path_parameters or {}).items()
        if name in choices
    }
    if not drawn:
        return st.just(case)

    def aimed(ids: dict[str, str]) -> Any:
        case.path_parameters = {**case.path_parameters, **ids}
        return case

    return st.fixed_dictionaries(drawn).map(aimed)


@schemathesis.hook
def before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    """Every positive case of this schema, whichever phase made it: no made-up cursor (a cursor is
    opaque, clients only follow nextUrl) and completedAt not before startedAt."""
    if case.operation.app is not app or case.meta is None or not case.meta.generation.mode.is_positive:
        return
    if case.query:
        case.query.pop("cursor", None)
    case.body = _ordered(case.body)


@pytest.fixture(autouse=True)
def _fresh_tenant():
    from starlette.testclient import TestClient

    TestClient(app).post("/__mock/reset")


@schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_mock_conforms_to_contract(case):
    case.call_and_validate(headers=_credentials(case))


def _credentials(case: Any) -> dict[str, str]:
    """The key, unless this is a negative case that made its headers invalid (say, removed
    Authorization): adding the key back would undo the mutation and make the case valid."""
    meta = case.meta
    if meta is not None and not meta.generation.mode.is_positive:
        headers = meta.components.get(ParameterLocation.HEADER)
        if headers is not None and not headers.mode.is_positive:
            return {}
    return AUTH


class ImportAndReportStateMachine(schema.as_state_machine()):
    def get_call_kwargs(self, case):
        return {"headers": AUTH}


TestStatefulLinks = ImportAndReportStateMachine.TestCase
TestStatefulLinks.settings = settings(
    max_examples=25, stateful_step_count=6, deadline=None, suppress_health_check=list(HealthCheck)
)
