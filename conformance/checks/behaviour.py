"""The behaviour parts: what the operations do, seen through the reads, one part per subject so that
a run (or a test) can take only the one it needs.

- enrollment: the enrollment endpoint (PUT) and its effect on both reports;
- reports: what an import shows, date forms read as instants, users outside the profile left alone,
  and the rows of both reports agreeing;
- lists: pages, limits, nextUrl, the course and user lists and the email filter.

They run before the semantic checks, so that the checks needing a pair nobody enrolled still find one.
"""

from __future__ import annotations

from conformance.checks.enrollment import ENROLLMENT_CHECKS
from conformance.checks.import_dates import DATE_CHECKS
from conformance.checks.lists import LIST_CHECKS
from conformance.checks.outside import writes_stay_in_the_profile
from conformance.checks.promises import as_check
from conformance.checks.reports import import_enrolls_at_the_import, report_rows_agree
from conformance.engine.results import Check, Part

BEHAVIOUR_PARTS: dict[Part, tuple[Check, ...]] = {
    Part.ENROLLMENT: tuple(as_check(f, Part.ENROLLMENT) for f in ENROLLMENT_CHECKS),
    Part.REPORTS: tuple(
        as_check(f, Part.REPORTS)
        for f in (import_enrolls_at_the_import, *DATE_CHECKS, writes_stay_in_the_profile, report_rows_agree)
    ),
    Part.LISTS: tuple(as_check(f, Part.LISTS) for f in LIST_CHECKS),
}
"""In run order; within a part, the checks that need a pair nobody enrolled come first."""
