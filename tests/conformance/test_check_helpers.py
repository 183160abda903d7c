"""The helpers the checks share: which rule an answer breaks, the worst of several findings, the pairs a
batched check may claim, and what changed since a baseline."""

from __future__ import annotations

import random

import pytest

from conformance.checks.expect import error_failures, expect_error, raise_worst
from conformance.engine.baseline import compare
from conformance.engine.client import Exchange
from conformance.engine.context import Snapshot
from conformance.engine.pairs import PairPlanner, PairsExhausted
from conformance.engine.results import Check, CheckFailed, Outcome, Part, Result
from conformance.profile import parse_profile

COURSES = {"quiz": "q", "no_quiz": "n", "third_party": "t"}


def _answer(status: int, code: str | None) -> Exchange:
    body = "" if code is None else f'{{"code": "{code}", "message": "m"}}'
    return Exchange("POST", "http://x/courses/c/users/u/completions", {}, "{}", status, {}, body, 0.0)


@pytest.mark.parametrize(
    ("status", "code", "rule"),
    [
        (404, "not_found", "errors.course-not-found"),
        (400, "course_not_found", "errors.not-found-status"),
        (202, None, "errors.course-not-found"),
    ],
)
def test_expect_error_names_the_rule_by_how_the_answer_is_wrong(
    status: int, code: str | None, rule: str
) -> None:
    with pytest.raises(CheckFailed) as failed:
        expect_error(_answer(status, code), "course_not_found")
    assert failed.value.rule == rule


def test_an_accepted_unauthorized_write_breaks_the_documented_auth_rule() -> None:
    [accepted, refused] = error_failures([_answer(202, None), _answer(403, "forbidden")], "unauthorized")
    assert (accepted.rule, refused.rule) == ("auth.bearer", "auth.unauthorized")
    expect_error(_answer(401, "unauthorized"), "unauthorized")


def test_raise_worst_raises_the_documented_finding_before_a_drift() -> None:
    drift = CheckFailed("400", "422", rule="errors.statuses")
    fact = CheckFailed("400", "202", rule="import.fields-required")
    with pytest.raises(CheckFailed) as raised:
        raise_worst([drift, fact])
    assert raised.value is fact
    raise_worst([])


def _planner(users: list[str], enrolled: dict[str, list[str]] | None = None) -> PairPlanner:
    profile = parse_profile({"courses": COURSES, "users": users, "spare_users": ["s1"]})
    before = Snapshot()
    for user in [*users, "s1"]:
        rows = [
            {"courseId": c, "userId": user, "enrolledAt": "2024-01-01T00:00:00Z"}
            for c in (enrolled or {}).get(user, [])
        ]
        before.learners[user] = rows
    return PairPlanner(profile, before, random.Random(1))


def test_accepted_claims_never_share_a_pair_in_a_round() -> None:
    planner = _planner(["u1", "u2"])
    taken = [planner.claim(f"check{i}", "q") for i in range(2)]
    assert len(set(taken)) == 2 and all(course == "q" for course, _ in taken)
    with pytest.raises(PairsExhausted):
        planner.claim("check3", "q")
    assert planner.claim("check4")[0] in ("n", "t"), "a check that takes any course gets a free one"


def test_refused_writes_share_one_pair_no_accepted_import_goes_to() -> None:
    planner = _planner(["u1", "u2"])
    refused = planner.claim_untouched("a")
    assert planner.claim_untouched("b") == refused and refused not in planner.accepted
    assert refused not in planner.unclaimed()


def test_an_unenrolled_pair_comes_from_a_spare_user_only_when_no_regular_one_is_left() -> None:
    planner = _planner(["u1"], {"u1": ["q", "n", "t"]})
    claimed = planner.claim_unenrolled("fresh")
    assert claimed is not None and claimed[1] == "s1"
    assert planner.spare_runs_left() == 2
    everyone = _planner(["u1"], {"u1": ["q", "n", "t"], "s1": ["q", "n", "t"]})
    assert everyone.claim_unenrolled("fresh") is None


def test_an_enrolled_pair_is_one_enrolled_before_the_run() -> None:
    planner = _planner(["u1", "u2"], {"u2": ["n"]})
    assert planner.claim_enrolled("keeps") == ("n", "u2") and planner.enrolled_at(("n", "u2"))
    assert _planner(["u1"]).claim_enrolled("keeps") is None


def _result(name: str, outcome: Outcome, rule: str | None = None) -> Result:
    from conformance.engine.catalogue import rule as catalogue_rule

    return Result(
        Check(name, Part.SEMANTIC, ("import.accepted",)), outcome, rule=catalogue_rule(rule) if rule else None
    )


def test_compare_lists_what_started_failing_and_what_drift_came_or_went() -> None:
    baseline = {
        "version": 1,
        "results": [
            {"check": "a", "rule": None, "outcome": "pass"},
            {"check": "b", "rule": "users.email-not-empty", "outcome": "drift"},
            {"check": "c", "rule": None, "outcome": "skip"},
            {"check": "d", "rule": "import.accepted", "outcome": "failure"},
        ],
    }
    now = [
        _result("a", Outcome.FAILURE, "import.accepted"),
        _result("b", Outcome.PASS),
        _result("c", Outcome.PASS),
        _result("d", Outcome.FAILURE, "import.accepted"),
        _result("e", Outcome.DRIFT, "errors.statuses"),
    ]
    kinds = {(c.kind, c.check) for c in compare(baseline, now)}
    assert kinds == {
        ("started failing", "a"),
        ("drift went away", "b"),
        ("tested again", "c"),
        ("drift appeared", "e"),
    }
