"""The behaviour part: what the operations do, seen through the reads. Enrollment, report contents,
import dates, lists and filters, and writes that stay inside the profile.

It runs before the semantic checks, so that the checks needing a pair nobody enrolled still find one.
"""

from __future__ import annotations

from conformance.checks.enrollment import ENROLLMENT_CHECKS, enrollment_path
from conformance.checks.expect import expect_accepted, shows_dates
from conformance.checks.import_dates import DATE_CHECKS
from conformance.checks.lists import LIST_CHECKS
from conformance.checks.outside import OutsideProfile
from conformance.checks.pairs import enrolled_pairs, learner_listing, wait_in_both
from conformance.checks.promises import Probe, Promise, RuleBroken, answer, promise, send
from conformance.checks.reports import REPORT_CHECKS
from conformance.engine.context import CheckContext, import_write
from conformance.engine.results import Skip


@promise("import.stays-in-pair")
def writes_stay_in_the_profile(ctx: CheckContext) -> str:
    """An import and an enrollment for profile pairs change nothing of the users outside the profile."""
    watch = OutsideProfile.take(ctx)
    if not watch.users:
        raise Skip("GET /users shows no user outside the profile")
    pairs = enrolled_pairs(ctx, learner_listing(ctx)) or [(ctx.profile.no_quiz, ctx.profile.users[0])]
    course, user = pairs[0]
    started, completed = ctx.fresh_dates()
    [enrolled] = send(ctx, [Probe("PUT", enrollment_path(course, user))])
    if enrolled.status != 204:
        raise RuleBroken("enroll.creates", f"PUT ({course}, {user}): HTTP 204", answer(enrolled), [enrolled])
    sent = [enrolled, *ctx.send_all([import_write(course, user, started, completed)])]
    expect_accepted(sent[1])
    _, _, exchanges, shown = wait_in_both(ctx, course, user, lambda row: shows_dates(row, started, completed))
    if not shown:
        raise RuleBroken(
            "import.shows-in-reports",
            f"both reports to show the import into ({course}, {user})",
            "they did not",
            sent + exchanges,
        )
    changed = watch.changes(ctx)
    if changed:
        raise RuleBroken(
            "import.stays-in-pair",
            f"an import into ({course}, {user}) to change nothing of {', '.join(watch.users)}",
            f"changed: {', '.join(changed)}",
            sent + watch.exchanges[-3:],
        )
    return f"import into ({course}, {user}): {len(watch.users)} users outside the profile unchanged"


BEHAVIOUR_CHECKS: tuple[Promise, ...] = tuple(
    Promise.of(function)
    for function in (
        ENROLLMENT_CHECKS[0],
        REPORT_CHECKS[0],
        *ENROLLMENT_CHECKS[1:],
        *DATE_CHECKS,
        *LIST_CHECKS,
        writes_stay_in_the_profile,
        REPORT_CHECKS[1],
    )
)
"""In run order: the two that need a pair nobody enrolled first; the read of every row last."""
