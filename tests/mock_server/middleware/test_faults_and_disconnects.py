"""Faults as Rise would answer them, network faults an importer must survive, and clients that hang up:
through a real server on 127.0.0.1, since a dropped or cut connection only exists on a socket."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from mock_server.http.app import create_app
from mock_server.serving import serving

AUTH = {"Authorization": "Bearer rise-mock-key"}
IMPORT = "/courses/rise-quiz-101/users/user-ada/completions"
BODY = {"startedAt": "2023-05-01T09:00:00Z", "completedAt": "2023-05-01T10:00:00Z"}
POLL_SECONDS = 5.0


@pytest.fixture(scope="module")
def served() -> Iterator[str]:
    with serving(create_app()) as url:
        yield url


@pytest.fixture
def url(served: str) -> str:
    httpx.post(f"{served}/__mock/reset").raise_for_status()
    return served


def _journal(url: str, count: int) -> list[dict[str, Any]]:
    """The journal once it holds `count` entries (the server records a request when it is done)."""
    deadline = time.monotonic() + POLL_SECONDS
    while True:
        entries = httpx.get(f"{url}/__mock/journal").json()["entries"]
        if len(entries) >= count or time.monotonic() > deadline:
            return entries
        time.sleep(0.02)


def _fault(url: str, **fault: Any) -> None:
    response = httpx.post(f"{url}/__mock/faults", json=fault)
    assert response.status_code == 204, response.text


def _completions(url: str) -> list[dict[str, Any]]:
    return httpx.get(f"{url}/__mock/state").json()["completions"]


@pytest.mark.parametrize("status", [408, 429, 500, 502, 503, 504])
def test_every_fault_answer_carries_the_version_header_and_the_error_envelope(url: str, status: int) -> None:
    _fault(url, status=status)
    answer = httpx.get(f"{url}/courses", headers=AUTH)
    assert answer.status_code == status
    assert answer.headers["rise-api-version"] == "2020-07-16"
    assert answer.headers["content-type"] == "application/json"
    body = answer.json()
    assert set(body) == {"code", "message"} and body["code"] and "DELETE /__mock/faults" in body["message"]


def test_a_429_fault_without_retry_after_still_says_to_wait_one_second(url: str) -> None:
    _fault(url, status=429)
    assert httpx.get(f"{url}/__mock/faults").json()["faults"][0]["retryAfter"] == 1
    answer = httpx.get(f"{url}/courses", headers=AUTH)
    assert (answer.status_code, answer.headers["retry-after"]) == (429, "1")
    _fault(url, status=503)
    assert "retry-after" not in httpx.get(f"{url}/courses", headers=AUTH).headers


def test_a_drop_fault_closes_the_connection_with_no_answer_and_processes_nothing(url: str) -> None:
    _fault(url, network="drop", path="/courses/*/users/*/completions")
    with pytest.raises(httpx.RemoteProtocolError, match="without sending a response"):
        httpx.post(f"{url}{IMPORT}", json=BODY, headers=AUTH)
    assert _completions(url) == []
    (entry,) = _journal(url, 1)
    assert (entry["status"], entry["disconnected"], entry["body"]) == (None, "fault", BODY)
    assert httpx.post(f"{url}{IMPORT}", json=BODY, headers=AUTH).status_code == 202  # used up


def test_a_truncate_fault_processes_the_import_then_cuts_the_answer_short(url: str) -> None:
    _fault(url, network="truncate", method="POST")
    with pytest.raises(httpx.RemoteProtocolError, match="received 0 bytes, expected 1"):
        httpx.post(f"{url}{IMPORT}", json=BODY, headers=AUTH)
    (completion,) = _completions(url)
    assert completion["startedAt"] == BODY["startedAt"]  # the import happened: a retry must be safe
    (entry,) = _journal(url, 1)
    assert (entry["status"], entry["disconnected"]) == (202, "fault")


def test_a_truncate_fault_on_a_read_sends_half_of_the_body_it_promises(url: str) -> None:
    full = httpx.get(f"{url}/courses", headers=AUTH).content
    _fault(url, network="truncate", path="/courses")
    with httpx.Client() as client, client.stream("GET", f"{url}/courses", headers=AUTH) as answer:
        assert answer.status_code == 200
        assert answer.headers["content-length"] == str(len(full))
        assert answer.headers["rise-api-version"] == "2020-07-16"
        received = bytearray()
        with pytest.raises(httpx.RemoteProtocolError, match=f"expected {len(full)}"):
            for chunk in answer.iter_raw():
                received.extend(chunk)
    assert bytes(received) == full[: len(full) // 2]


@pytest.mark.parametrize(
    ("fault", "named"),
    [
        ({"network": "drop", "status": 503}, "status"),
        ({"network": "truncate", "retryAfter": 2}, "retryAfter"),
        ({"network": "lost"}, "network"),
    ],
    ids=["with a status", "with retryAfter", "unknown kind"],
)
def test_a_network_fault_that_cannot_be_is_refused_and_adds_nothing(
    url: str, fault: dict, named: str
) -> None:
    answer = httpx.post(f"{url}/__mock/faults", json=fault)
    assert answer.status_code == 400
    assert answer.json()["code"] == "invalid_request" and named in answer.json()["message"]
    assert httpx.get(f"{url}/__mock/faults").json() == {"faults": []}


def test_a_client_that_hangs_up_mid_body_is_journalled_as_such_not_as_a_400(url: str) -> None:
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port))) as connection:
        connection.sendall(
            f"POST {IMPORT} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer rise-mock-key\r\n"
            'Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"startedAt": '.encode()
        )
    (entry,) = _journal(url, 1)
    assert (entry["status"], entry["code"], entry["disconnected"]) == (None, None, "client")
    assert entry["body"] == '{"startedAt": '
    assert _completions(url) == []


def test_a_client_that_gives_up_during_a_slow_answer_is_journalled_as_gone(url: str) -> None:
    _fault(url, status=0, delayMs=600)
    with pytest.raises(httpx.ReadTimeout):
        httpx.post(f"{url}{IMPORT}", json=BODY, headers=AUTH, timeout=0.2)
    (entry,) = _journal(url, 1)
    assert (entry["status"], entry["disconnected"]) == (202, "client")
    assert len(_completions(url)) == 1  # processed all the same, as a slow server would
