"""The order of the checks a request goes through: request validation before the lookups, then the
course, its publication and the user (for an import) or the course and the user (for an enrollment);
and unknown IDs refused on every read."""

from __future__ import annotations

import json

from conformance.checks.promises import Probe, expect_code, promise, read, send
from conformance.checks.refusals import JSON, ProtocolRun, Refused, made_up
from conformance.engine.context import CheckContext, completions_path, segment


class PrecedencePromises:
    """Bound to one run's shared state: an enrollment in an unknown course must enroll nobody."""

    def __init__(self, run: ProtocolRun) -> None:
        self.run = run

    @promise("validation.before-lookups")
    def validation_comes_before_lookups(self, ctx: CheckContext) -> str:
        """A malformed request is 400 invalid_request even when it names unknown or unpublished IDs.

        Imports with a missing or malformed date for unknown courses and users and the unpublished course;
        report reads with limit=0 for unknown IDs.
        """
        user, course = ctx.profile.users[0], ctx.profile.no_quiz
        unknown_course, unknown_user = made_up(ctx), made_up(ctx, "conformance-unknown-user")
        targets = [(unknown_course, user), (course, unknown_user), (unknown_course, unknown_user)]
        if ctx.profile.unpublished:
            targets += [(ctx.profile.unpublished, user), (ctx.profile.unpublished, unknown_user)]
        started, _ = ctx.fresh_dates()
        bodies = {
            "no completedAt": {"startedAt": started},
            "startedAt not a date": {"startedAt": "someday", "completedAt": started},
        }
        probes = [
            (f"{name} for ({c}, {u})", Probe("POST", completions_path(c, u), json.dumps(body), JSON))
            for c, u in targets
            for name, body in bodies.items()
        ]
        probes += [
            (
                f"limit=0 for the unknown course {unknown_course}",
                Probe("GET", f"/reports/courses/{unknown_course}?limit=0"),
            ),
            (
                f"limit=0 for the unknown user {unknown_user}",
                Probe("GET", f"/reports/learners/{unknown_user}?limit=0"),
            ),
        ]
        for (what, _), exchange in zip(probes, send(ctx, [p for _, p in probes]), strict=True):
            expect_code(exchange, "invalid_request", "validation.before-lookups", what)
        return (
            f"{len(probes)} malformed requests for unknown or unpublished IDs: each HTTP 400 invalid_request"
        )

    @promise("errors.check-order", "errors.course-not-found", "errors.user-not-found", "enroll.lookups")
    def lookups_run_in_order(self, ctx: CheckContext) -> str:
        """Imports look up course, publication, then user; enrollments course, then user.

        An unknown course is course_not_found even when the user is unknown too; an enrollment in an
        unknown course enrolls nobody.
        """
        course, user = self.run.prepare(ctx)
        unknown_course, unknown_user = made_up(ctx), made_up(ctx, "conformance-unknown-user")
        started, completed = ctx.fresh_dates()
        body = json.dumps({"startedAt": started, "completedAt": completed})
        cases = [
            (
                "an import for an unknown course and user",
                "POST",
                unknown_course,
                unknown_user,
                "course_not_found",
                "errors.check-order",
            ),
            (
                "an import for an unknown course",
                "POST",
                unknown_course,
                user,
                "course_not_found",
                "errors.course-not-found",
            ),
            (
                "an import for an unknown user",
                "POST",
                ctx.profile.no_quiz,
                unknown_user,
                "user_not_found",
                "errors.user-not-found",
            ),
            (
                "an enrollment for an unknown course and user",
                "PUT",
                unknown_course,
                unknown_user,
                "course_not_found",
                "enroll.lookups",
            ),
            (
                "an enrollment in an unknown course",
                "PUT",
                unknown_course,
                user,
                "course_not_found",
                "enroll.lookups",
            ),
            (
                "an enrollment of an unknown user",
                "PUT",
                course,
                unknown_user,
                "user_not_found",
                "enroll.lookups",
            ),
        ]
        if ctx.profile.unpublished:
            cases.insert(
                1,
                (
                    "an import for an unpublished course and an unknown user",
                    "POST",
                    ctx.profile.unpublished,
                    unknown_user,
                    "course_not_published",
                    "errors.check-order",
                ),
            )
        probes = [
            Probe("POST", completions_path(c, u), body, JSON)
            if method == "POST"
            else Probe("PUT", f"/courses/{segment(c)}/users/{segment(u)}")
            for _, method, c, u, _, _ in cases
        ]
        for (what, _, _, _, code, rule), exchange in zip(cases, send(ctx, probes), strict=True):
            expect_code(exchange, code, rule, what)
        self.run.unlisted.append(
            (
                (unknown_course, user),
                Refused(f"an enrollment in the unknown course {unknown_course}", "enroll.lookups"),
            )
        )
        return "; ".join(f"{what}: {code}" for what, _, _, _, code, _ in cases)

    @promise("errors.course-not-found", "errors.user-not-found")
    def unknown_ids_on_reads_are_not_found(self, ctx: CheckContext) -> str:
        """Reading an unknown course or user (or its report) is course_not_found or user_not_found.

        ASCII and non-ASCII IDs alike.
        """
        cases = []
        for course in (made_up(ctx), made_up(ctx, "kurs-ünïcødé")):
            cases += [(f"/courses/{segment(course)}", "course_not_found", "errors.course-not-found")]
            cases += [(f"/reports/courses/{segment(course)}", "course_not_found", "errors.course-not-found")]
        for user in (made_up(ctx, "conformance-unknown-user"), made_up(ctx, "nutzer-ünïcødé")):
            cases += [(f"/users/{segment(user)}", "user_not_found", "errors.user-not-found")]
            cases += [(f"/reports/learners/{segment(user)}", "user_not_found", "errors.user-not-found")]
        for path, code, rule in cases:
            expect_code(read(ctx, path), code, rule, f"GET {path}")
        return f"{len(cases)} reads of unknown IDs: course_not_found / user_not_found"
