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


SECRET = "s3cret-key-7f2b9c"
ADMIN = "admin-key-0c9d1e"


def _send_keys_everywhere(client) -> None:
    """The configured keys where a careless client puts them: query string (plain and encoded), body
    (JSON value, JSON key, text), path and headers."""
    auth = {"Authorization": f"Bearer {SECRET}"}
    client.post(f"{IMPORT}?api_key={SECRET}", json={**BODY, "apiKey": SECRET, SECRET: 1}, headers=auth)
    client.get("/courses", params={"token": f"{ADMIN}+x", "admin": ADMIN}, headers=auth)
    client.post(IMPORT, content=f"key={SECRET}&admin={ADMIN}", headers={**auth, "Content-Type": "text/plain"})
    client.get(f"/courses/{SECRET}", headers={**auth, "Rise-API-Version": SECRET})
    client.get("/users", params={"email": f"x{SECRET}_{ADMIN}y"}, headers=auth)


def test_journal_redacts_every_configured_key_in_query_body_path_and_headers(make_client):
    client = make_client(api_keys=[SECRET], admin_key=ADMIN)
    _send_keys_everywhere(client)
    journal = client.get("/__mock/journal", headers={"Authorization": f"Bearer {ADMIN}"}).text
    assert SECRET not in journal and ADMIN not in journal
    assert "s3cret" not in journal and "admin-key" not in journal  # no fragment either
    first, second, text, path, glued = client.get(
        "/__mock/journal", headers={"Authorization": f"Bearer {ADMIN}"}
    ).json()["entries"]
    assert first["query"] == "api_key=***"
    assert first["body"] == {**BODY, "apiKey": "***", "***": 1}
    assert first["status"] == 400  # the unknown fields; the journal still shows what was sent
    assert second["query"] == "token=***%2Bx&admin=***"
    assert text["body"] == "key=***&admin=***"
    assert (path["path"], path["apiVersion"]) == ("/courses/***", "***")
    assert glued["query"] == "email=x***_***y"  # keys this long are hidden inside other words too


def test_sqlite_file_never_holds_a_configured_key(make_client, tmp_path):
    database = tmp_path / "tenant.sqlite3"
    client = make_client(api_keys=[SECRET], admin_key=ADMIN, database=database)
    _send_keys_everywhere(client)
    assert (
        len(client.get("/__mock/journal", headers={"Authorization": f"Bearer {ADMIN}"}).json()["entries"])
        == 5
    )
    files = list(tmp_path.iterdir())
    assert database in files
    for path in files:  # the database, its write-ahead log and its index
        raw = path.read_bytes()
        assert SECRET.encode() not in raw and ADMIN.encode() not in raw, path.name


def test_journal_with_a_one_character_key_hides_only_whole_occurrences(make_client):
    client = make_client(api_keys=["1"])
    client.get("/courses?limit=10", headers={"Authorization": "Bearer 1"})
    client.get("/courses/1", headers={"Authorization": "Bearer 1"})
    listed, course = client.get("/__mock/journal").json()["entries"]
    assert (listed["query"], listed["status"]) == ("limit=10", 200)
    assert (course["path"], course["status"]) == ("/courses/***", 404)
