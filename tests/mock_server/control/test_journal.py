"""The request journal: what an importer sent and what the mock answered."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

AUTH = {"Authorization": "Bearer rise-mock-key"}
IMPORT = "/courses/rise-quiz-101/users/user-ada/completions"
BODY = {"startedAt": "2023-05-01", "completedAt": "2023-05-02"}


def entries(client, since: int = 0) -> list[dict]:
    return client.get("/__mock/journal", params={"since": since}).json()["entries"]


def test_journal_records_request_body_status_and_error_code(client):
    client.post(IMPORT, json=BODY, headers=AUTH)
    client.post("/courses/nope/users/user-ada/completions", json=BODY, headers=AUTH)
    ok, missing = entries(client)
    assert (ok["method"], ok["path"], ok["status"], ok["code"], ok["body"]) == (
        "POST",
        IMPORT,
        202,
        None,
        BODY,
    )
    assert (missing["status"], missing["code"]) == (404, "course_not_found")
    assert missing["id"] > ok["id"]


def test_journal_never_keeps_the_api_key(client):
    client.post(IMPORT, json=BODY, headers=AUTH)
    client.get("/courses", headers={"Authorization": "Bearer wrong-key"})
    client.get("/courses")
    journal = client.get("/__mock/journal").text
    assert "rise-mock-key" not in journal and "wrong-key" not in journal
    assert [e["authorization"] for e in entries(client)] == ["bearer", "bearer", "none"]


def test_journal_shows_bodies_the_api_refused_without_reading(client):
    client.post(IMPORT, content=b"not json at all", headers={**AUTH, "Content-Type": "text/plain"})
    client.post(IMPORT, json=BODY)
    refused, unauthenticated = entries(client)
    assert (refused["status"], refused["body"]) == (415, "not json at all")
    assert (unauthenticated["status"], unauthenticated["body"]) == (401, BODY)


def test_journal_since_returns_only_newer_entries_and_skips_the_control_api(client):
    client.get("/courses", headers=AUTH)
    last = entries(client)[-1]["id"]
    client.get("/users", headers=AUTH)
    client.get("/__mock/state")
    client.get("/ui/")
    assert [e["path"] for e in entries(client, since=last)] == ["/users"]


def test_journal_clear_empties_it(client):
    client.get("/courses", headers=AUTH)
    assert client.delete("/__mock/journal").status_code == 204
    assert entries(client) == []


def test_journal_and_faults_are_emptied_by_reset(client):
    client.get("/courses", headers=AUTH)
    client.post("/__mock/faults", json={"status": 503})
    assert client.post("/__mock/reset").status_code == 204
    assert entries(client) == []
    assert client.get("/__mock/faults").json() == {"faults": []}


@pytest.mark.parametrize("database", [False, True], ids=["memory", "sqlite"])
def test_journal_time_is_an_rfc3339_date_time_in_utc(make_client, tmp_path, database):
    client = make_client(database=tmp_path / "mock.sqlite3" if database else None)
    client.get("/courses", headers=AUTH)
    (entry,) = entries(client)
    assert entry["at"].endswith("Z") and "T" in entry["at"]
    arrived = datetime.fromisoformat(entry["at"].replace("Z", "+00:00"))
    assert abs(datetime.now(UTC) - arrived) < timedelta(minutes=1)
