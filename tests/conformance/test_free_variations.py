"""No false positives: servers that keep the contract but differ from the mock where the contract leaves
things free pass every check."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from conformance_servers import (
    demo_tenant,
    extra_headers,
    extra_properties,
    offset_clock,
    other_cursor_format,
    other_messages,
    reversed_field_order,
)

from mock_server.http.app import create_app

FREE_VARIATIONS: dict[str, Callable[[], object]] = {
    "field order": lambda: reversed_field_order(create_app()),
    "extra response properties": lambda: extra_properties(create_app()),
    "message texts": lambda: other_messages(create_app()),
    "cursor format inside nextUrl": lambda: other_cursor_format(create_app()),
    "enrolledAt timestamps": lambda: create_app(tenant=demo_tenant(clock=offset_clock)),
    "extra response headers": lambda: extra_headers(create_app()),
}


@pytest.mark.parametrize("variation", FREE_VARIATIONS)
def test_run_passes_server_differing_only_where_contract_is_free(run_cli, variation: str) -> None:
    run = run_cli(FREE_VARIATIONS[variation](), "--max-examples", "5", "--differential-examples", "6")
    assert run.code == 0, f"{variation}: false positives {sorted(run.failed)}\n{run.out}"
    assert not run.failed


def test_other_cursor_format_really_differs(run_cli) -> None:
    """The cursor variation is only a test of something if its nextUrl differs from the mock's."""
    from starlette.testclient import TestClient

    client = TestClient(other_cursor_format(create_app()))
    headers = {"Authorization": "Bearer rise-mock-key"}
    first = client.get("/users?limit=2", headers=headers).json()
    assert "cursor=pos~" in first["nextUrl"]
    second = client.get(first["nextUrl"], headers=headers)
    assert second.status_code == 200
    assert second.json()["users"][0]["id"] not in {user["id"] for user in first["users"]}
