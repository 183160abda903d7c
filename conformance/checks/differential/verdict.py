"""The phase's findings as the run's results, and the rules the phase tests (for the catalogue)."""

from __future__ import annotations

from functools import cache
from typing import Any

from conformance.checks.differential.phase import DifferentialOutcome
from conformance.engine.results import CheckResult, Kind, Outcome
from mock_server.model.contract import load_contract

NAME = "differential"
DESCRIPTION = "random sequences of every operation, each answer compared with the model's prediction"
RULES_TESTED = (
    "auth.before-version",
    "auth.unauthorized",
    "courses.lists-unpublished",
    "courses.read",
    "courses.source",
    "dates.date-only",
    "dates.forms",
    "dates.offset-honoured",
    "enroll.creates",
    "enroll.dated-at-request",
    "enroll.keeps-existing",
    "enroll.lookups",
    "enroll.unpublished-accepted",
    "errors.check-order",
    "errors.code",
    "errors.course-not-found",
    "errors.course-not-published",
    "errors.envelope",
    "errors.not-found-status",
    "errors.not-published-status",
    "errors.statuses",
    "errors.user-not-found",
    "import.accepted",
    "import.dates-ordered",
    "import.empty-body",
    "import.enrollment-dated",
    "import.enrolls",
    "import.fields-required",
    "import.keeps-enrollment",
    "import.no-third-party-score",
    "import.one-record-per-pair",
    "import.quiz-score",
    "import.row-complete",
    "import.shows-in-reports",
    "import.stays-in-pair",
    "import.unknown-fields-rejected",
    "lists.limit",
    "lists.limit-outside-rejected",
    "lists.next-url",
    "lists.pages-complete",
    "protocol.method-not-allowed",
    "report.completed-at",
    "report.duration",
    "report.duration-form",
    "report.enrolled-at",
    "report.membership",
    "report.quiz-null-otherwise",
    "report.quiz-passed",
    "report.row-names",
    "report.same-row",
    "report.status-literals",
    "reports.course",
    "reports.learner",
    "users.email-filter",
    "users.email-not-empty",
    "users.read",
    "validation.before-lookups",
    "validation.invalid-request",
    "version.default",
    "version.on-every-response",
    "version.others-rejected",
)
"""Every rule a differential finding can name."""


@cache
def rule_statements() -> dict[str, str]:
    """Rule ID to statement, from the x-rules of openapi.yaml."""
    found: dict[str, str] = {}

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for rule in node.get("x-rules", []):
                found[rule["id"]] = " ".join(str(rule["statement"]).split())
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(load_contract())
    return found


def as_results(outcome: DifferentialOutcome, seed: int) -> list[CheckResult]:
    """One failed result per broken rule (named `differential: <rule>`), or one passed result."""
    if not outcome.findings:
        evidence = (
            f"{outcome.examples} sequences, {outcome.steps} steps, {outcome.requests} requests "
            f"(seed {seed}); no answer differed from the model. Rules tested: {', '.join(RULES_TESTED)}"
        )
        if outcome.waited:
            evidence += f"; waited {outcome.waited:.1f} s at the end for lagging reports"
        return [
            CheckResult(NAME, Kind.DIFFERENTIAL, DESCRIPTION, Outcome.PASSED, evidence, [], outcome.seconds)
        ]
    statements = rule_statements()
    return [
        CheckResult(
            f"{NAME}: {finding.rule_id}",
            Kind.DIFFERENTIAL,
            statements.get(finding.rule_id, DESCRIPTION),
            Outcome.FAILED,
            f"{finding.describe()}\n(seed {seed})",
            list(finding.exchanges),
            outcome.seconds,
        )
        for finding in outcome.findings
    ]


def planned(profile_pairs: str) -> CheckResult:
    """--dry-run: what the phase would write, without sending anything."""
    evidence = (
        "would send random sequences of every operation: imports and enrollments (PUT) only to the "
        f"profile pairs {profile_pairs} and to IDs made up to be unknown; invalid requests of every kind "
        "(refused, so they change nothing); reads of every list and report"
    )
    return CheckResult(NAME, Kind.DIFFERENTIAL, DESCRIPTION, Outcome.PLANNED, evidence)
