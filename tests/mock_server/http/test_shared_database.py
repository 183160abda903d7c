"""Two mocks over one database serve one tenant, as rise-mock processes on several hosts behind a load
balancer do: what one is told, the other answers (SQLite for workers of one host, PostgreSQL for hosts)."""

from __future__ import annotations

import pytest

AUTH = {"Authorization": "Bearer rise-mock-key"}
BODY = {"startedAt": "2023-05-02T09:00:00Z", "completedAt": "2023-05-02T10:30:00Z"}


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path) -> str:
    if request.param == "sqlite":
        return str(tmp_path / "shared.sqlite3")
    return request.getfixturevalue("postgres_url")


def test_two_mocks_on_one_database_share_the_tenant_the_faults_and_the_journal(make_client, database):
    first, second = make_client(database=database), make_client(database=database)
    assert (
        first.post("/courses/rise-intro-102/users/user-alan/completions", json=BODY, headers=AUTH).status_code
        == 202
    )
    (row,) = second.get("/reports/learners/user-alan", headers=AUTH).json()["courses"]
    assert (row["courseId"], row["duration"]) == ("rise-intro-102", "PT1H30M")
    assert second.post("/__mock/faults", json={"status": 503, "times": 1}).status_code == 204
    assert first.get("/courses", headers=AUTH).status_code == 503
    assert second.get("/courses", headers=AUTH).status_code == 200
    statuses = [entry["status"] for entry in first.get("/__mock/journal").json()["entries"]]
    assert statuses == [202, 200, 503, 200]
    assert second.post("/__mock/reset").status_code == 204
    assert first.get("/reports/learners/user-alan", headers=AUTH).json()["courses"] == []
