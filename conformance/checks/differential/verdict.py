"""The phase's findings as the run's results, and the rules the phase tests (for the catalogue)."""

from __future__ import annotations

from conformance.checks.differential.phase import DifferentialOutcome
from conformance.engine.catalogue import finding_outcome, load_rules
from conformance.engine.results import Check, Outcome, Part, Result
from conformance.profile import Profile

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


DIFFERENTIAL_CHECK = Check(NAME, Part.DIFFERENTIAL, RULES_TESTED, summary=DESCRIPTION)


def rule_statements() -> dict[str, str]:
    return {rule_id: rule.statement for rule_id, rule in load_rules().items()}


def as_results(outcome: DifferentialOutcome, seed: int) -> list[Result]:
    """One result per broken rule (a check named `differential: <rule>`: a failure when Rise documents
    the rule, drift when it is a decision of this contract), or one passed result."""
    if not outcome.findings and outcome.budget_spent and outcome.steps == 0:
        why = "the request budget (--budget) ran out before its first sequence"
        return [Result(DIFFERENTIAL_CHECK, Outcome.SKIP, observed=why, reason="request budget spent")]
    if not outcome.findings:
        observed = (
            f"{outcome.examples} sequences, {outcome.steps} steps, {outcome.requests} requests "
            f"(seed {seed}); no answer differed from the model"
        )
        if outcome.lagged:
            observed += (
                f"; the reports lagged, and the phase waited {outcome.waited:.1f} s at its end for them"
            )
        if outcome.budget_spent:
            observed += "; stopped there by the request budget (--budget), its last writes not waited for"
        return [Result(DIFFERENTIAL_CHECK, Outcome.PASS, observed=observed, seconds=outcome.seconds)]
    rules = load_rules()
    results = []
    for finding in outcome.findings:
        rule = rules.get(finding.rule_id)
        check = Check(
            f"{NAME}: {finding.rule_id}", Part.DIFFERENTIAL, (finding.rule_id,), summary=DESCRIPTION
        )
        steps = tuple(f"{index}. {step.describe()}" for index, step in enumerate(finding.steps, 1))
        results.append(
            Result(
                check,
                finding_outcome(rule) if rule is not None else Outcome.FAILURE,
                expected=finding.expected,
                observed=finding.observed,
                exchanges=tuple(finding.exchanges),
                rule=rule,
                seconds=outcome.seconds,
                details=(f"sequence of {len(finding.steps)} steps (seed {seed}):\n" + "\n".join(steps),),
            )
        )
    return results


def planned(profile: Profile) -> Result:
    """--dry-run: what the phase would write, without sending anything."""
    pairs = ", ".join(f"({c}, {u})" for c in profile.courses for u in profile.users)
    observed = (
        "would send random sequences of every operation: imports and enrollments (PUT) only to the "
        f"profile pairs {pairs} and to IDs made up to be unknown; invalid requests of every kind "
        "(refused, so they change nothing); reads of every list and report"
    )
    return Result(DIFFERENTIAL_CHECK, Outcome.PLANNED, observed=observed)
