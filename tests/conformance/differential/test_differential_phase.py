"""The differential phase in-process: it passes the mock and servers that differ only where the contract
is free, fails each defect naming the rule it breaks with a short sequence, sends the same requests for
the same seed, and waits for lagging reports once instead of after every write."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from conformance_servers import (
    AcceptsUnpublished,
    DropsWrite,
    KeepsOldDates,
    OverwritesEnrollmentDate,
    QuizScoreOnThirdParty,
    UserNotFoundAsNotFound,
    WritesToEveryLearner,
    fills_missing_started_at,
    keeps_two_records,
    mock_app,
    no_allow_header,
    no_auth_check,
    wrong_duration,
)
from differential_harness import SHRINKING, client_of, run_phase
from differential_servers import DEFECTS, FREE, EnrollsNobodyOnPut, LeavesDraftsOut, ignores_offsets
from test_free_variations import FREE_VARIATIONS

from conformance.checks.differential import DifferentialSettings, run_differential
from conformance.checks.differential.verdict import RULES_TESTED, rule_statements
from conformance.profile import load_profile
from mock_server.http.app import create_app
from mock_server.model.seed import DEMO_SEED_PATH, load_seed_file, state_from_document, state_to_document
from mock_server.model.tenant import Tenant

ServerFactory = Callable[[], Any]

MORE_DEFECTS: dict[str, tuple[ServerFactory, str]] = {
    "second import keeps the old dates": (lambda: mock_app(KeepsOldDates), "import.one-record-per-pair"),
    "import answers 202 and records nothing": (lambda: mock_app(DropsWrite), "import.enrolls"),
    "import copied to every learner": (lambda: mock_app(WritesToEveryLearner), "import.stays-in-pair"),
    "import re-dates an enrollment": (lambda: mock_app(OverwritesEnrollmentDate), "import.keeps-enrollment"),
    "quiz score on a third-party course": (
        lambda: mock_app(QuizScoreOnThirdParty),
        "import.no-third-party-score",
    ),
    "duration always PT1H": (lambda: wrong_duration(mock_app()), "report.duration"),
    "two rows for a pair": (lambda: keeps_two_records(mock_app()), "import.one-record-per-pair"),
    "import into an unpublished course accepted": (
        lambda: mock_app(AcceptsUnpublished),
        "errors.course-not-published",
    ),
    "user_not_found answered as not_found": (
        lambda: mock_app(UserNotFoundAsNotFound),
        "errors.user-not-found",
    ),
    "missing startedAt filled in": (lambda: fills_missing_started_at(mock_app()), "import.fields-required"),
    "no key check": (lambda: no_auth_check(mock_app()), "auth.unauthorized"),
    "405 answered as 404 without Allow": (lambda: no_allow_header(mock_app()), "protocol.method-not-allowed"),
}

SIZES: dict[str, tuple[int, int, int]] = {
    # (sequences, steps, seed): a size that finds the defect; the default run is several times larger.
    "pages skip an item": (10, 15, 1),
    "pages repeat an item": (3, 10, 3),
    "email filter matches substrings": (6, 12, 2),
    "email filter is case-sensitive": (6, 12, 1),
    "limit clamped instead of refused": (10, 15, 1),
    "offset ignored": (6, 12, 2),
    "date-only read at noon": (10, 15, 1),
    "equal dates refused": (3, 10, 3),
    "PUT refused on an unpublished course": (6, 12, 1),
    "PUT enrolls nobody": (3, 10, 3),
    "second import keeps the old dates": (6, 12, 2),
    "import copied to every learner": (6, 12, 3),
    "import re-dates an enrollment": (6, 12, 3),
    "quiz score on a third-party course": (10, 15, 1),
    "user_not_found answered as not_found": (3, 10, 3),
    "missing startedAt filled in": (10, 15, 1),
    "405 answered as 404 without Allow": (6, 12, 3),
}


SEEDS_PER_DEFECT = 5
"""Searches of the sizes above, each on the next seed, before a defect counts as missed."""


def _size(name: str) -> dict[str, int]:
    examples, steps, seed = SIZES.get(name, (3, 10, 1))
    return {"examples": examples, "steps": steps, "seed": seed}


def test_differential_phase_passes_the_mock() -> None:
    outcome = run_phase(create_app(), examples=12, steps=15, seed=3)
    assert outcome.findings == []
    assert outcome.examples >= 12
    assert outcome.steps >= 12 * 10


@pytest.mark.parametrize("variation", sorted({**FREE, **FREE_VARIATIONS}))
def test_differential_phase_passes_servers_that_differ_only_where_the_contract_is_free(
    variation: str,
) -> None:
    build = {**FREE, **FREE_VARIATIONS}[variation]
    outcome = run_phase(build(), examples=8, steps=12, seed=2)
    assert outcome.findings == [], "\n\n".join(f.describe() for f in outcome.findings)


@pytest.mark.parametrize("defect", sorted({**DEFECTS, **MORE_DEFECTS}))
def test_differential_phase_fails_each_defect_naming_the_rule_it_breaks(defect: str) -> None:
    build, rule = {**DEFECTS, **MORE_DEFECTS}[defect]
    size = _size(defect)
    # A small search may miss a rare defect on one seed; five seeds in a row hardly do.
    for attempt in range(SEEDS_PER_DEFECT):
        outcome = run_phase(build(), **{**size, "seed": size["seed"] + attempt})
        broken = {finding.rule_id for finding in outcome.findings}
        if rule in broken:
            break
    assert rule in broken, f"{defect}: expected {rule} among {sorted(broken)}"
    finding = next(f for f in outcome.findings if f.rule_id == rule)
    assert finding.steps and finding.exchanges, "a finding shows the requests and responses of its sequence"


def test_differential_phase_shrinks_a_failure_to_the_step_that_shows_it() -> None:
    outcome = run_phase(mock_app(LeavesDraftsOut), examples=3, steps=10, seed=2, **SHRINKING)
    [finding] = outcome.findings
    assert finding.rule_id == "courses.lists-unpublished"
    assert len(finding.steps) == 1 and finding.steps[0].description.startswith("list /courses")
    assert "draft-301" in finding.observed

    offsets = run_phase(ignores_offsets(mock_app()), examples=6, steps=12, seed=2, **SHRINKING)
    found = next(f for f in offsets.findings if f.rule_id == "dates.offset-honoured")
    imports = [s for s in found.steps if s.description.startswith("import")]
    assert len(imports) == 1, found.describe()
    assert any(offset in imports[0].description for offset in ("+0", "-0", "+1", "-1")), found.describe()


def _requests(seed: int) -> list[tuple[str, str, str | None]]:
    client = client_of(create_app())
    with client:
        run_differential(client, load_profile(), DifferentialSettings(examples=4, steps=10, seed=seed))
    return [(e.method, e.url, e.request_body) for e in client.exchanges]


def test_differential_phase_sends_the_same_requests_for_the_same_seed_and_starting_state() -> None:
    first, again, other = _requests(5), _requests(5), _requests(6)
    assert first == again
    assert first != other


def test_differential_phase_keeps_no_example_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    run_phase(create_app(), examples=2, steps=5)
    assert list(tmp_path.iterdir()) == []


def test_differential_phase_starts_from_what_the_target_shows() -> None:
    """A tenant changed by earlier runs (every pair imported, enrollments of all ages) is predicted too."""
    document = state_to_document(load_seed_file(DEMO_SEED_PATH))
    for index, course in enumerate(c["id"] for c in document["courses"] if c["publishedVersion"]):
        for user in ("user-ada", "user-alan"):
            pair = {"courseId": course, "userId": user}
            document["enrollments"].append({**pair, "enrolledAt": f"2022-0{index + 1}-01T08:00:00+02:00"})
            document["completions"].append(
                {
                    **pair,
                    "startedAt": "2021-12-31",
                    "completedAt": "2022-01-01T00:00:00.5Z",
                    "courseVersion": 1,
                }
            )
    tenant = Tenant(state_from_document(document))
    outcome = run_phase(create_app(tenant=tenant), examples=8, steps=12, seed=4)
    assert outcome.findings == [], "\n\n".join(f.describe() for f in outcome.findings)


def _lagging(tenant_class: type[Tenant], lag: float) -> Any:
    tenant = tenant_class(load_seed_file(DEMO_SEED_PATH), report_lag=timedelta(seconds=lag))
    return create_app(tenant=tenant)


def test_differential_phase_waits_for_lagging_reports_once_not_after_every_write() -> None:
    lag = 0.6
    client = client_of(_lagging(Tenant, lag))
    settings = DifferentialSettings(examples=6, steps=12, seed=2, report_timeout=10)
    started = time.monotonic()
    with client:
        outcome = run_differential(client, load_profile(), settings)
    elapsed = time.monotonic() - started
    assert outcome.findings == [], "\n\n".join(f.describe() for f in outcome.findings)
    assert outcome.lagged
    writes = [e for e in client.exchanges if e.method in ("POST", "PUT") and e.status in (202, 204)]
    assert len(writes) > 10
    # one wait to learn that the reports lag, one at the end: far less than one per write
    assert elapsed < 4 * lag + 6, f"{elapsed:.1f} s for {len(writes)} accepted writes under a {lag} s lag"


def test_differential_phase_under_lag_still_fails_a_write_that_never_shows() -> None:
    outcome = run_phase(_lagging(EnrollsNobodyOnPut, 0.3), examples=3, steps=10, seed=3, report_timeout=1.0)
    assert "enroll.creates" in {f.rule_id for f in outcome.findings}


def test_differential_rules_are_rules_of_the_contract() -> None:
    statements = rule_statements()
    assert set(RULES_TESTED) <= set(statements), sorted(set(RULES_TESTED) - set(statements))
    source = "".join(
        path.read_text(encoding="utf-8")
        for path in Path(__file__)
        .resolve()
        .parents[3]
        .joinpath("conformance/checks/differential")
        .glob("*.py")
    )
    named = {rule for rule in statements if f'"{rule}"' in source}
    assert named <= set(RULES_TESTED), sorted(named - set(RULES_TESTED))


def test_milliseconds_variation_really_shows_fewer_digits() -> None:
    """The variation is only a test of something if its reports do differ from the mock's."""
    client = client_of(
        FREE["dates kept to the millisecond"](),
    )
    with client:
        body = {"startedAt": "2023-05-02T09:00:00.123456Z", "completedAt": "2023-05-02T10:00:00Z"}
        assert (
            client.request(
                "POST", "/courses/rise-intro-102/users/user-ada/completions", json_body=body
            ).status
            == 202
        )
        row = client.get("/reports/learners/user-ada").json()["courses"][0]
    assert row["startedAt"] == "2023-05-02T09:00:00.123Z"
