"""The Schemathesis hooks: no generated request touches transport framing; writes stay on their pairs;
the budget stops Schemathesis as Ctrl-C would."""

from __future__ import annotations

import pytest

from conformance.environment import BUDGET_SPENT_LINE
from conformance.profile import load_profile
from conformance.schemathesis import hooks
from conformance.schemathesis.hooks import (
    FRAMING_HEADERS,
    allowed_pairs,
    drop_framing_headers,
    keep_to_allowed_pairs,
    positive_case_edits,
)


def test_generated_framing_headers_are_dropped_whatever_their_case() -> None:
    headers = {"Content-Length": "uy}e", "transfer-encoding": "chunked", "HOST": "x", "Connection": "close",
               "Rise-API-Version": "2020-07-16"}  # fmt: skip
    drop_framing_headers(headers)
    assert headers == {"Rise-API-Version": "2020-07-16"}
    assert {"content-length", "transfer-encoding", "host", "connection"} == FRAMING_HEADERS
    drop_framing_headers(None)


def test_positive_writes_go_only_to_the_allowed_pairs() -> None:
    profile = load_profile()
    pairs = allowed_pairs(profile, "rise-intro-102/user-alan,scorm-forklift-201/user-ada")
    assert pairs == [("rise-intro-102", "user-alan"), ("scorm-forklift-201", "user-ada")]
    for seed in range(6):
        path = {"courseId": "x", "userId": "y"}
        positive_case_edits(profile, seed, path, None, None, pairs)
        assert (path["courseId"], path["userId"]) in pairs
    assert len(allowed_pairs(profile, None)) == len(profile.users) * 3


def test_a_negative_case_naming_a_held_pair_goes_to_an_allowed_one_and_made_up_ids_stay() -> None:
    profile = load_profile()
    pairs = [("rise-intro-102", "user-alan")]
    held = {"courseId": "rise-quiz-101", "userId": "user-ada"}
    keep_to_allowed_pairs(profile, 3, held, pairs)
    assert held == {"courseId": "rise-intro-102", "userId": "user-alan"}
    made_up = {"courseId": "", "userId": "user-ada"}
    keep_to_allowed_pairs(profile, 3, made_up, pairs)
    assert made_up == {"courseId": "", "userId": "user-ada"}


def test_the_budget_stops_schemathesis_as_ctrl_c_would(monkeypatch, capsys) -> None:
    monkeypatch.setattr(hooks, "_sent", 0)
    hooks.spend("2")
    hooks.spend("2")
    with pytest.raises(KeyboardInterrupt):
        hooks.spend("2")
    assert BUDGET_SPENT_LINE in capsys.readouterr().out
    hooks.spend(None)
