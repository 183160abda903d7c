"""The behaviour parts: what the operations do, seen through the reads, one part per subject so that
a run (or a test) can take only the one it needs.

- enrollment: how a pair gets enrolled, by PUT or by an import, and keeps its enrollment, as both
  reports show it;
- reports: date forms read as instants, users outside the profile left alone, and the rows of both
  reports agreeing;
- lists: pages, limits, nextUrl, the course and user lists and the email filter.

They run before the semantic checks, so that the checks needing a pair nobody enrolled still find one.
"""

from __future__ import annotations

from conformance.checks.enrollment import (
    enrolling_again_keeps_the_enrollment,
    enrolling_in_an_unpublished_course_is_accepted,
    enrolling_lists_the_pair,
)
from conformance.checks.import_dates import DATE_CHECKS
from conformance.checks.lists import LIST_CHECKS
from conformance.checks.outside import writes_stay_in_the_profile
from conformance.checks.promises import as_check
from conformance.checks.reports import import_enrolls_at_the_import, report_rows_agree
from conformance.engine.results import Check, Part

BEHAVIOUR_PARTS: dict[Part, tuple[Check, ...]] = {
    Part.ENROLLMENT: tuple(
        as_check(f, Part.ENROLLMENT)
        for f in (
            enrolling_lists_the_pair,
            import_enrolls_at_the_import,
            enrolling_again_keeps_the_enrollment,
            enrolling_in_an_unpublished_course_is_accepted,
        )
    ),
    Part.REPORTS: tuple(
        as_check(f, Part.REPORTS) for f in (*DATE_CHECKS, writes_stay_in_the_profile, report_rows_agree)
    ),
    Part.LISTS: tuple(as_check(f, Part.LISTS) for f in LIST_CHECKS),
}
"""In run order. The two checks that need a pair nobody enrolled come first; the second enrollment
check then finds two enrolled pairs, one to try and one to tell when the reports have caught up."""
