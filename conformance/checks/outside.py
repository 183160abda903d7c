"""Users outside the profile: the run never writes to them, so what the reports show of them must not
change. `OutsideProfile` reads their rows (read-only) before writes and again after them; the protocol
part compares over the whole run, `writes_stay_in_the_profile` over the batched checks' writes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from conformance.checks.expect import expect_accepted
from conformance.checks.pairs import view
from conformance.checks.promises import RuleBroken, answer, promise
from conformance.engine.batch import Steps
from conformance.engine.client import Exchange
from conformance.engine.context import CheckContext, Send, Write, import_write, segment
from conformance.engine.results import Skip

MAX_WATCHED = 10
"""Users outside the profile whose learner reports are read; a few are enough to see a stray write."""
Snapshot = dict[str, tuple[Any, ...]]


@dataclass
class OutsideProfile:
    """The report rows of users outside the profile: in their own learner reports, and in the course
    reports of the profile courses."""

    users: list[str] = field(default_factory=list)
    before: Snapshot = field(default_factory=dict)
    exchanges: list[Exchange] = field(default_factory=list)

    @classmethod
    def take(cls, ctx: CheckContext) -> OutsideProfile:
        """Read the rows now, of the users GET /users lists on its first page and the profile leaves out."""
        listing = ctx.client.get("/users?limit=100")
        body = listing.json()
        listed = body.get("users") if isinstance(body, dict) else None
        profile = set(ctx.profile.all_users)
        users = [
            str(user["id"])
            for user in listed or []
            if isinstance(user, dict) and "id" in user and user["id"] not in profile
        ][:MAX_WATCHED]
        watch = cls(users)
        watch.before = watch.read(ctx)
        return watch

    def read(self, ctx: CheckContext) -> Snapshot:
        """What the reports show of the watched users now."""
        found: Snapshot = {}
        self.exchanges = []
        watched = set(self.users)
        for user in self.users:
            exchange = ctx.client.get(f"/reports/learners/{segment(user)}?limit=100")
            self.exchanges.append(exchange)
            found[f"learner report of {user}"] = _rows(exchange, "courses", "courseId", None)
        for course in ctx.profile.courses:
            exchange = ctx.client.get(f"/reports/courses/{segment(course)}?limit=100")
            self.exchanges.append(exchange)
            found[f"course report of {course}"] = _rows(exchange, "learners", "userId", watched)
        return found

    def changes(self, ctx: CheckContext) -> list[str]:
        """Where the watched users' rows differ from the first reading."""
        after = self.read(ctx)
        return sorted(
            where for where in set(self.before) | set(after) if self.before.get(where) != after.get(where)
        )


def _rows(exchange: Exchange, key: str, by: str, only: set[str] | None) -> tuple[Any, ...]:
    """The rows of one report page as comparable values (its status when it is not a list)."""
    body = exchange.json()
    rows = body.get(key) if isinstance(body, dict) else None
    if exchange.status != 200 or not isinstance(rows, list):
        return (exchange.status,)
    kept = [row for row in rows if isinstance(row, dict) and (only is None or row.get(by) in only)]
    return tuple(sorted(((str(row.get(by)), view(row)) for row in kept), key=lambda item: item[0]))


@promise("import.stays-in-pair")
def writes_stay_in_the_profile(ctx: CheckContext) -> Steps:
    """An import and an enrollment for profile pairs change nothing of the users outside the profile.

    It reads the users outside the profile first; then, once every write of the run has had its time to
    show (the sentinel import has shown), reads them again. The writes are the run's own imports and
    enrollments, or when it has none an enrollment and an import of this check's.
    """
    watch = OutsideProfile.take(ctx)
    if not watch.users:
        raise Skip("GET /users shows no user outside the profile", short="no user outside the profile")
    # The round's own imports and enrollments do, when it has both; else this check sends one of each.
    has_both = bool(ctx.planner.enrolling) and not ctx.dry_run
    pair = ctx.planner.observe("writes_stay_in_the_profile", lambda found: True) if has_both else None
    sent: list[Exchange] = []
    if pair is None:
        pair = ctx.planner.claim("writes_stay_in_the_profile")
        started, completed = ctx.fresh_dates()
        enrolled, imported = yield Send(
            Write("PUT", f"/courses/{segment(pair[0])}/users/{segment(pair[1])}"),
            import_write(*pair, started, completed),
        )
        if enrolled.status != 204:
            raise RuleBroken("enroll.creates", f"PUT {pair}: HTTP 204", answer(enrolled), [enrolled])
        expect_accepted(imported)
        sent = [enrolled, imported]
    course, user = pair
    seen = yield ctx.shows_last(pair, course_report=True, sentinel=True)
    if not seen.caught_up:
        raise RuleBroken(
            "import.shows-in-reports",
            f"both reports to show the import into ({course}, {user})",
            "they did not",
            sent + seen.snapshot.evidence(user, course),
        )
    changed = watch.changes(ctx)
    if changed:
        raise RuleBroken(
            "import.stays-in-pair",
            f"the run's imports and enrollments to change nothing of {', '.join(watch.users)}",
            f"changed: {', '.join(changed)}",
            sent + watch.exchanges[-3:],
        )
    return f"import into ({course}, {user}) and the run's others: {len(watch.users)} users outside unchanged"
