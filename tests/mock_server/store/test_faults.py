"""Faults: matching, counting down, and the answers they give through the app."""

from __future__ import annotations

from mock_server.store.faults import Fault, MemoryFaults, fault_from_json, fault_json

AUTH = {"Authorization": "Bearer rise-mock-key"}
IMPORT = "/courses/rise-quiz-101/users/user-ada/completions"
BODY = {"startedAt": "2023-05-01", "completedAt": "2023-05-02"}


def test_fault_matches_method_and_path_glob():
    fault = Fault(method="post", path="/courses/*/users/*/completions")
    assert fault.matches("POST", IMPORT)
    assert not fault.matches("GET", IMPORT)
    assert not fault.matches("POST", "/courses/rise-quiz-101")


def test_faults_take_counts_down_and_then_forgets_the_fault():
    faults = MemoryFaults()
    faults.add(Fault(status=503, times=2))
    assert faults.take("GET", "/courses").status == 503
    assert faults.pending()[0].times == 1
    assert faults.take("GET", "/courses").status == 503
    assert faults.take("GET", "/courses") is None


def test_faults_fire_in_the_order_they_were_added():
    faults = MemoryFaults()
    faults.add(Fault(path="/users", status=500))
    faults.add(Fault(status=429))
    assert faults.take("GET", "/courses").status == 429
    assert faults.take("GET", "/users").status == 500


def test_fault_json_round_trip():
    fault = Fault(method="POST", path="/x", status=429, times=3, delay_ms=5, retry_after=2)
    assert fault_from_json(fault_json(fault)) == fault


def test_app_answers_a_rate_limit_fault_with_retry_after_then_recovers(client):
    assert client.post("/__mock/faults", json={"status": 429, "times": 1, "retryAfter": 2}).status_code == 204
    limited = client.post(IMPORT, json=BODY, headers=AUTH)
    assert limited.status_code == 429
    assert limited.headers["retry-after"] == "2"
    assert limited.json()["code"] == "rate_limited"
    assert "DELETE /__mock/faults" in limited.json()["message"]
    assert client.post(IMPORT, json=BODY, headers=AUTH).status_code == 202


def test_app_fault_with_status_zero_only_delays_the_real_answer(client):
    client.post("/__mock/faults", json={"status": 0, "delayMs": 10})
    assert client.post(IMPORT, json=BODY, headers=AUTH).status_code == 202
    assert client.get("/__mock/faults").json() == {"faults": []}


def test_app_faults_leave_the_control_api_alone_and_can_be_cleared(client):
    client.post("/__mock/faults", json={"status": 500, "times": 5})
    assert client.get("/__mock/state").status_code == 200
    assert client.delete("/__mock/faults").status_code == 204
    assert client.get("/courses", headers=AUTH).status_code == 200


def test_app_refuses_an_invalid_fault_and_adds_nothing(client):
    response = client.post("/__mock/faults", json={"status": 200})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_request"
    assert "status" in response.json()["message"]
    assert client.get("/__mock/faults").json() == {"faults": []}
