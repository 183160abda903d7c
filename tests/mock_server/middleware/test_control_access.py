"""Who may use the control API: anyone on loopback, holders of the admin key when there is one, nobody
when it is not served (beyond loopback without an admin key)."""

from __future__ import annotations

import pytest

ADMIN = "admin-key-0c9d1e"
AUTH = {"Authorization": "Bearer rise-mock-key"}
CONTROL_CALLS = [
    ("GET", "/__mock/state"),
    ("POST", "/__mock/reset"),
    ("GET", "/__mock/journal"),
    ("DELETE", "/__mock/journal"),
    ("GET", "/__mock/faults"),
    ("DELETE", "/__mock/faults"),
    ("GET", "/__mock/reports"),
]
DASHBOARD = ("/__mock", "/__mock/", "/__mock/static/dashboard.js")


def test_without_an_admin_key_the_control_api_needs_no_key(make_client) -> None:
    client = make_client()
    assert client.get("/__mock/state").status_code == 200
    assert client.post("/__mock/reset").status_code == 204
    for path in [path for _, path in CONTROL_CALLS] + list(DASHBOARD):  # the dashboard stays open too
        assert client.get(path).status_code != 401


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer rise-mock-key", f"Bearer {ADMIN}x", ADMIN, f"Basic {ADMIN}"],
    ids=["none", "an API key", "a wrong key", "no scheme", "another scheme"],
)
def test_with_an_admin_key_every_control_call_without_it_is_401(
    make_client, authorization: str | None
) -> None:
    client = make_client(admin_key=ADMIN)
    headers = {} if authorization is None else {"Authorization": authorization}
    for method, path in CONTROL_CALLS:
        answer = client.request(method, path, headers=headers)
        assert answer.status_code == 401, (method, path)
        assert answer.json()["code"] == "unauthorized" and "--admin-key" in answer.json()["message"]
        assert answer.headers["rise-api-version"] == "2020-07-16"


def test_with_an_admin_key_the_control_api_answers_its_bearer_and_changes_nothing_without_it(
    make_client,
) -> None:
    client = make_client(admin_key=ADMIN)
    admin = {"Authorization": f"Bearer {ADMIN}"}
    assert client.post("/__mock/faults", json={"status": 503}).status_code == 401
    assert client.post("/__mock/seed", json={"courses": [], "users": []}).status_code == 401
    assert client.get("/__mock/faults", headers=admin).json() == {"faults": []}
    assert len(client.get("/__mock/state", headers=admin).json()["courses"]) == 4
    assert client.get("/courses", headers=AUTH).status_code == 200  # the Rise API keeps its own keys
    assert client.get("/courses", headers=admin).status_code == 401  # and the admin key is not one


def test_with_an_admin_key_the_control_api_can_still_be_browsed(make_client) -> None:
    client = make_client(admin_key=ADMIN)
    assert client.get("/__mock/ui/").status_code == 200
    spec = client.get("/__mock/openapi.json").json()
    assert spec["components"]["securitySchemes"]["adminKey"]["scheme"] == "bearer"


def test_a_control_api_that_is_not_served_is_404_saying_how_to_serve_it(make_client) -> None:
    client = make_client(control_api=False)
    for method, path in [*CONTROL_CALLS, ("GET", "/__mock/ui/"), ("GET", "/__mock/openapi.json")]:
        answer = client.request(method, path)
        assert answer.status_code == 404, path
        assert answer.json()["code"] == "not_found" and "--admin-key" in answer.json()["message"]
    assert client.get("/courses", headers=AUTH).status_code == 200
    assert client.get("/__mockery", headers=AUTH).status_code == 404  # only /__mock/ itself is gone


def test_with_an_admin_key_the_dashboard_page_loads_and_its_data_needs_the_key(make_client) -> None:
    """The page holds no data (a browser cannot send a bearer key when it opens it); everything it shows
    comes through the control API, which asks for the key, and the page asks the user for it."""
    client = make_client(admin_key=ADMIN)
    page = client.get("/__mock/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "user-ada" not in page.text and "rise-quiz-101" not in page.text
    assert client.get("/__mock/static/dashboard.js").status_code == 200
    assert client.get("/__mock/reports").status_code == 401
