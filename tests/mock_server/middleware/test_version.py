"""The version stamp every answer gets: set as Starlette's MutableHeaders sets a header."""

from __future__ import annotations

import pytest
from starlette.datastructures import MutableHeaders

from mock_server.middleware.version import stamp
from mock_server.model.contract import API_VERSION, VERSION_HEADER


@pytest.mark.parametrize(
    "headers",
    [
        [],
        [(b"content-type", b"application/json")],
        [(b"rise-api-version", b"old"), (b"content-length", b"2")],
        [(b"content-length", b"2"), (b"rise-api-version", b"old"), (b"x", b"1"), (b"rise-api-version", b"2")],
    ],
    ids=["none", "without it", "first", "twice"],
)
def test_stamp_sets_the_version_header_as_mutable_headers_would(headers):
    expected = {"type": "http.response.start", "headers": list(headers)}
    MutableHeaders(scope=expected)[VERSION_HEADER] = API_VERSION
    message = {"type": "http.response.start", "headers": list(headers)}
    stamp(message)
    assert message["headers"] == expected["headers"]
