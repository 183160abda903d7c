"""The control API takes real tenants: state documents of megabytes, up to its own declared limit, which
round-trip through GET /__mock/state and POST /__mock/seed (also on SQLite)."""

from __future__ import annotations

import http.client
import json
import socket
import urllib.request
from typing import Any

from mock_server.http.app import create_app
from mock_server.model.contract import CONTROL_MAX_BODY_BYTES, MAX_BODY_BYTES
from mock_server.serving import serving

AUTH = {"Authorization": "Bearer rise-mock-key"}
MIB = 1024 * 1024


def tenant_document(courses: int, users: int) -> dict[str, Any]:
    """A tenant with every user enrolled in and having completed every course."""
    course_ids = [f"course-{c:04d}" for c in range(courses)]
    user_ids = [f"user-{u:06d}" for u in range(users)]
    pairs = [(c, u) for c in course_ids for u in user_ids]
    return {
        "courses": [
            {"id": c, "title": f"Course {c}", "source": "rise", "publishedVersion": 2, "quizRequired": True}
            for c in course_ids
        ],
        "users": [
            {"id": u, "email": f"{u}@example.com", "firstName": "Ada", "lastName": "L"} for u in user_ids
        ],
        "enrollments": [{"courseId": c, "userId": u, "enrolledAt": "2024-01-15T09:00:00Z"} for c, u in pairs],
        "completions": [
            {
                "courseId": c,
                "userId": u,
                "startedAt": f"2024-02-{1 + i % 28:02d}T09:{i % 60:02d}:00Z",
                "completedAt": f"2024-03-{1 + i % 28:02d}T10:{i % 60:02d}:00.250+02:00",
                "courseVersion": 2,
                "quizScorePercent": 100,
                "importedAt": "2024-03-30T00:00:00Z",
            }
            for i, (c, u) in enumerate(pairs)
        ],
    }


def _round_trip(client, document: dict[str, Any]) -> None:
    body = json.dumps(document)
    seeded = client.post("/__mock/seed", content=body, headers={"Content-Type": "application/json"})
    assert seeded.status_code == 204, seeded.text
    state = client.get("/__mock/state")
    assert state.status_code == 200
    assert (
        client.post(
            "/__mock/seed", content=state.content, headers={"Content-Type": "application/json"}
        ).status_code
        == 204
    )
    shown = state.json()  # parsed once: at 100000 completions each parse takes a noticeable time
    assert client.get("/__mock/state").json() == shown
    assert len(shown["completions"]) == len(document["completions"])


def test_control_limit_is_its_own_and_at_least_32_mib() -> None:
    assert CONTROL_MAX_BODY_BYTES >= 32 * MIB > MAX_BODY_BYTES


def test_a_seed_of_450_users_well_over_the_rise_api_limit_is_taken(make_client) -> None:
    client = make_client(validate_responses=False)
    document = tenant_document(courses=1, users=450)
    assert len(json.dumps(document)) > MAX_BODY_BYTES
    _round_trip(client, document)
    assert client.get("/users", params={"limit": 100}, headers=AUTH).json()["users"][0]["id"] == "user-000000"


def test_state_round_trips_a_tenant_of_100000_completions(make_client) -> None:
    """Its time (and SQLite's at this size) is printed by bench/seed_round_trip.py."""
    client = make_client(validate_responses=False)
    _round_trip(client, tenant_document(courses=100, users=1000))


def test_state_round_trips_a_tenant_of_10000_completions_on_sqlite(make_client, tmp_path) -> None:
    client = make_client(validate_responses=False, database=tmp_path / "tenant.sqlite3")
    document = tenant_document(courses=10, users=1000)
    _round_trip(client, document)
    client.post("/__mock/reset")  # reset goes back to the big seed, read back from the file
    assert len(client.get("/__mock/state").json()["completions"]) == 10000


def test_a_seed_over_the_control_limit_is_413_before_it_is_read_and_changes_nothing() -> None:
    with serving(create_app()) as url:
        host, port = url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port))) as connection:
            connection.sendall(
                f"POST /__mock/seed HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {CONTROL_MAX_BODY_BYTES + 1}\r\n\r\n{{".encode()
            )
            answer = http.client.HTTPResponse(connection)
            answer.begin()
            body = json.loads(answer.read())
        assert answer.status == 413
        assert answer.getheader("rise-api-version") == "2020-07-16"
        assert body["code"] == "payload_too_large"
        assert str(CONTROL_MAX_BODY_BYTES) in body["message"] and "--seed FILE" in body["message"]
        assert len(json.loads(urllib.request.urlopen(f"{url}/__mock/state").read())["courses"]) == 4


def test_a_seed_streamed_past_the_control_limit_is_413(make_client) -> None:
    client = make_client()

    def chunks():
        yield b'{"courses": [], "users": [], "x": "'
        for _ in range(CONTROL_MAX_BODY_BYTES // MIB + 1):
            yield b"x" * MIB
        yield b'"}'

    answer = client.post("/__mock/seed", content=chunks(), headers={"Content-Type": "application/json"})
    assert answer.status_code == 413 and answer.json()["code"] == "payload_too_large"
    assert len(client.get("/__mock/state").json()["courses"]) == 4
