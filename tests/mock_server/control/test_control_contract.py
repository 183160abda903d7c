"""control.yaml declares what the control API may answer: 401 with an admin key, 413 past its own limit,
network faults, and journal entries of connections that ended early."""

from __future__ import annotations

from mock_server.model.contract import CONTROL_CONTRACT_PATH, CONTROL_MAX_BODY_BYTES, load_contract

CONTROL = load_contract(CONTROL_CONTRACT_PATH)
SCHEMAS = CONTROL["components"]["schemas"]


def _operations():
    for path, item in CONTROL["paths"].items():
        for method, operation in item.items():
            yield f"{method.upper()} {path}", operation


def test_every_control_operation_declares_401_and_the_admin_key_scheme() -> None:
    assert CONTROL["components"]["securitySchemes"]["adminKey"] == {
        **CONTROL["components"]["securitySchemes"]["adminKey"],
        "type": "http",
        "scheme": "bearer",
    }
    assert {"adminKey": []} in CONTROL["security"] and {} in CONTROL["security"]
    for name, operation in _operations():
        assert operation["responses"]["401"] == {"$ref": "#/components/responses/Unauthorized"}, name


def test_seed_declares_413_with_the_limit_the_mock_applies() -> None:
    responses = dict(_operations())["POST /seed"]["responses"]
    assert responses["413"] == {"$ref": "#/components/responses/PayloadTooLarge"}
    assert CONTROL["components"]["responses"]["PayloadTooLarge"]["x-max-body-bytes"] == CONTROL_MAX_BODY_BYTES


def test_fault_schema_declares_the_network_faults() -> None:
    network = SCHEMAS["Fault"]["properties"]["network"]
    assert set(network["enum"]) == {"drop", "truncate", None} and network["nullable"] is True


def test_journal_entry_declares_an_answerless_status_and_who_disconnected() -> None:
    properties = SCHEMAS["JournalEntry"]["properties"]
    assert properties["status"]["nullable"] is True
    assert set(properties["disconnected"]["enum"]) == {"client", "fault", None}
