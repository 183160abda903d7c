"""The protocol promises of the contract, tried on purpose on every operation where they apply.

An unknown path, an undeclared method, a body that is not JSON or is over the limit, key variants,
other `Rise-API-Version` values, and the order of validation and lookups: each check sends the requests
that try one promise and judges the answers. Refused writes carry dates of their own and go to one
profile pair; `refused_writes_change_nothing` (in `sweeps.py`) then shows that none of them left a trace.
Accepted writes go to another profile pair, and unknown IDs are made up.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field

from conformance.checks.outside import OutsideProfile
from conformance.checks.pairs import (
    barrier,
    enrolled_pairs,
    learner_listing,
    rows_of_pair,
    unenrolled_pair,
    view,
)
from conformance.checks.promises import (
    Probe,
    RuleBroken,
    answer,
    as_check,
    expect_code,
    expect_status,
    is_json,
    promise,
    read,
    send,
)
from conformance.engine.context import CheckContext, Pair, completions_path, segment
from conformance.engine.results import Check, Part
from mock_server.model.contract import API_VERSION, MAX_BODY_BYTES, VERSION_HEADER, load_contract

JSON = (("Content-Type", "application/json"),)
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
OTHER_VERSIONS = {
    "an older version": "2019-01-01",
    "a newer version": "2024-06-01",
    "a malformed version": "latest",
    "a version in another form": "16-07-2020",
}
WRONG_KEY = "rise-conformance-wrong-key"


@dataclass(frozen=True)
class Refused:
    """A write the target must refuse: what it was, the rule that refuses it, the dates it carried."""

    what: str
    rule: str
    dates: tuple[str, str] | None = None


@dataclass
class ProtocolRun:
    """What the protocol checks of one run share: the pair refused writes go to (and its rows before
    any of them), the pair accepted writes go to, and the ledger of refused writes."""

    watch: OutsideProfile | None = None
    pair: Pair | None = None
    accepting: Pair | None = None
    before: tuple[object, ...] | None = None
    refused: list[Refused] = field(default_factory=list)
    unlisted: list[tuple[Pair, Refused]] = field(default_factory=list)
    """Pairs a refused write names that no report may list afterwards."""

    def prepare(self, ctx: CheckContext) -> Pair:
        """Choose the pairs once: refused writes go preferably to a pair nobody enrolled and this run
        has not written to. Its rows are read once the reports show every earlier write of the run."""
        if self.pair is None:
            listing = learner_listing(ctx)
            written = {pair: listing.get(pair, {}) for pair in ctx.enrolled_by_run}
            courses = (ctx.profile.no_quiz, *ctx.profile.published_courses)
            self.pair = unenrolled_pair(ctx, {**listing, **written}, courses)
            self.pair = self.pair or (ctx.profile.no_quiz, ctx.profile.users[0])
            others = [p for p in enrolled_pairs(ctx, listing) if p != self.pair]
            spare = [(c, u) for c in ctx.profile.published_courses for u in ctx.profile.users]
            self.accepting = (others or [p for p in spare if p != self.pair])[0]
            if any(e.method in ("POST", "PUT") and e.status < 300 for e in ctx.client.exchanges):
                barrier(ctx, self.accepting)
            mine, theirs, _ = rows_of_pair(ctx, *self.pair)
            self.before = (view(mine), view(theirs))
        return self.pair

    def refused_import(
        self, ctx: CheckContext, what: str, rule: str, **probe: object
    ) -> tuple[Probe, Refused]:
        """A probe importing fresh dates into the refused pair, and its ledger entry."""
        course, user = self.prepare(ctx)
        started, completed = ctx.fresh_dates()
        body = json.dumps({"startedAt": started, "completedAt": completed})
        headers = probe.pop("headers", JSON)
        entry = Refused(what, rule, (started, completed))
        return Probe("POST", completions_path(course, user), body, headers, **probe), entry  # type: ignore[arg-type]

    def refused_enrollment(
        self, ctx: CheckContext, what: str, rule: str, **probe: object
    ) -> tuple[Probe, Refused]:
        course, user = self.prepare(ctx)
        path = f"/courses/{segment(course)}/users/{segment(user)}"
        return Probe("PUT", path, **probe), Refused(what, rule)  # type: ignore[arg-type]

    def send_refused(self, ctx: CheckContext, probes: list[tuple[Probe, Refused]]) -> list:
        sent = send(ctx, [probe for probe, _ in probes])
        self.refused += [entry for _, entry in probes]
        return sent


def _made_up(ctx: CheckContext, prefix: str = "conformance-unknown") -> str:
    return f"{prefix}-{ctx.rng.randrange(16**8):08x}"


def _path_of(template: str, course: str, user: str) -> str:
    return template.replace("{courseId}", segment(course)).replace("{userId}", segment(user))


class ProtocolPromises:
    """The protocol part's checks, bound to one run's shared state."""

    def __init__(self, watch: OutsideProfile | None = None) -> None:
        self.run = ProtocolRun(watch)

    # -- paths and methods ------------------------------------------------------------------------

    @promise("protocol.unknown-path")
    def unknown_path_is_json_not_found(self, ctx: CheckContext) -> str:
        """A path that is no endpoint (unknown, or with a trailing slash) is a JSON 404 not_found."""
        course, user = ctx.profile.no_quiz, ctx.profile.users[0]
        unknown = _made_up(ctx)
        paths = [
            f"/{unknown}",
            "/courses/",
            f"/users/{segment(user)}/",
            "/reports/courses",
            f"/reports/learners/{segment(user)}/",
            f"{completions_path(course, user)}/{unknown}",
        ]
        probes = [Probe("GET", path) for path in paths] + [Probe("POST", f"/{unknown}", "{}", JSON)]
        for probe, exchange in zip(probes, send(ctx, probes), strict=True):
            what = f"{probe.method} {probe.path}"
            expect_code(exchange, "not_found", "protocol.unknown-path", what)
            if not is_json(exchange):
                raise RuleBroken(
                    "protocol.unknown-path", f"{what}: a JSON body", answer(exchange), [exchange]
                )
        return f"{len(probes)} paths that are no endpoint, each HTTP 404 not_found in JSON"

    @promise("protocol.method-not-allowed")
    def undeclared_method_is_405(self, ctx: CheckContext) -> str:
        """A method a path does not declare is 405 method_not_allowed, with an Allow header naming the
        path's methods and the error body (DELETE is never sent)."""
        course, user = self.run.prepare(ctx)
        probes: list[tuple[Probe, frozenset[str]]] = []
        for index, (template, item) in enumerate(load_contract()["paths"].items()):
            declared = frozenset(m.upper() for m in item if m in METHODS)
            path = _path_of(template, course, user)
            tried = ["PATCH", "GET" if "GET" not in declared else "POST"]
            tried += ["OPTIONS", "TRACE"] if index < 2 else []
            for method in tried:
                body = None
                if method in ("PATCH", "POST") and template.endswith("/completions"):
                    probe, entry = self.run.refused_import(
                        ctx, f"{method} {path}", "protocol.method-not-allowed"
                    )
                    self.run.refused.append(entry)
                    probes.append((Probe(method, path, probe.body, JSON), declared))
                    continue
                probes.append((Probe(method, path, body), declared))
        sent = send(ctx, [probe for probe, _ in probes])
        for (probe, declared), exchange in zip(probes, sent, strict=True):
            what = f"{probe.method} {probe.path} (declared: {', '.join(sorted(declared))})"
            expect_code(exchange, "method_not_allowed", "protocol.method-not-allowed", what)
            allow = exchange.response_headers.get("allow")
            allowed = {token.strip().upper() for token in (allow or "").split(",") if token.strip()}
            if allow is None or not declared <= allowed or probe.method in allowed:
                raise RuleBroken(
                    "protocol.method-not-allowed",
                    f"{what}: an Allow header naming {', '.join(sorted(declared))} and not {probe.method}",
                    f"Allow {allow!r}",
                    [exchange],
                )
            if not is_json(exchange):
                raise RuleBroken(
                    "protocol.method-not-allowed", f"{what}: a JSON body", answer(exchange), [exchange]
                )
        return f"{len(sent)} undeclared methods on {len(load_contract()['paths'])} paths: 405 with Allow"

    # -- bodies -----------------------------------------------------------------------------------

    @promise("protocol.media-type")
    def body_not_json_is_415(self, ctx: CheckContext) -> str:
        """A body sent as text/plain, as a form or without Content-Type is 415 unsupported_media_type;
        application/json with a charset is JSON and is read."""
        kinds = {
            "text/plain": (("Content-Type", "text/plain"),),
            "no Content-Type": (),
            "a form": (("Content-Type", "application/x-www-form-urlencoded"),),
        }
        probes = [
            self.run.refused_import(ctx, f"an import sent as {name}", "protocol.media-type", headers=headers)
            for name, headers in kinds.items()
        ]
        sent = self.run.send_refused(ctx, probes)
        for (_, entry), exchange in zip(probes, sent, strict=True):
            expect_code(exchange, "unsupported_media_type", "protocol.media-type", entry.what)
        course, user = self.run.accepting or self.run.prepare(ctx)
        started, completed = ctx.fresh_dates()
        body = json.dumps({"startedAt": started, "completedAt": completed})
        charset = (("Content-Type", "application/json; charset=utf-8"),)
        [accepted] = send(ctx, [Probe("POST", completions_path(course, user), body, charset)])
        expect_status(
            accepted, 202, "protocol.media-type", "an import sent as application/json; charset=utf-8"
        )
        return f"{', '.join(kinds)}: each HTTP 415; application/json; charset=utf-8: HTTP 202"

    @promise("protocol.body-limit")
    def body_over_limit_is_413(self, ctx: CheckContext) -> str:
        """A body one byte over x-max-body-bytes is 413 payload_too_large (imports and enrollments); a
        body of exactly the limit is read: accepted when valid, 400 invalid_request when not."""
        course, user = self.run.prepare(ctx)
        over, entry = self.run.refused_import(ctx, "an import one byte over the limit", "protocol.body-limit")
        over = Probe(over.method, over.path, _padded(str(over.body), MAX_BODY_BYTES + 1), JSON)
        put, put_entry = self.run.refused_enrollment(
            ctx,
            "an enrollment one byte over the limit",
            "protocol.body-limit",
            body=" " * (MAX_BODY_BYTES + 1),
            headers=JSON,
        )
        sent = self.run.send_refused(ctx, [(over, entry), (put, put_entry)])
        for exchange, what in zip(sent, (entry.what, put_entry.what), strict=True):
            expect_code(exchange, "payload_too_large", "protocol.body-limit", what)
        good_course, good_user = self.run.accepting or (course, user)
        started, completed = ctx.fresh_dates()
        valid = _padded(json.dumps({"startedAt": started, "completedAt": completed}), MAX_BODY_BYTES)
        note = "x" * (MAX_BODY_BYTES - len(json.dumps({"startedAt": started, "note": ""})))
        invalid = json.dumps({"startedAt": started, "note": note})
        read_probes = [
            Probe("POST", completions_path(good_course, good_user), valid, JSON),
            Probe("POST", completions_path(course, user), invalid, JSON),
        ]
        valid_answer, invalid_answer = send(ctx, read_probes)
        expect_status(
            valid_answer, 202, "protocol.body-limit", f"a valid import of exactly {MAX_BODY_BYTES} bytes"
        )
        expect_code(
            invalid_answer,
            "invalid_request",
            "protocol.body-limit",
            f"an import of exactly {MAX_BODY_BYTES} bytes without completedAt",
        )
        return (
            f"{MAX_BODY_BYTES + 1} bytes: HTTP 413 (import and enrollment); {MAX_BODY_BYTES} bytes: read "
            "(HTTP 202 when valid, 400 invalid_request when not)"
        )

    # -- keys and versions ------------------------------------------------------------------------

    @promise("auth.unauthorized")
    def key_variants_are_unauthorized(self, ctx: CheckContext) -> str:
        """A prefix or a suffix of the key, the key in another case, an empty bearer, another scheme,
        the key without a scheme and the key in the query are each 401 unauthorized."""
        variants = _key_variants(ctx.client.api_key or "")
        probes: list[Probe] = []
        for name, (token, headers, query) in variants.items():
            shown = next((value for key, value in headers if key == "Authorization"), None)
            shown = f"({name})" if shown is not None or token is not None else None
            probes.append(Probe("GET", f"/courses?limit=1{query}", None, headers, token, shown))
        writes = []
        for name, (token, headers, query) in variants.items():
            probe, entry = self.run.refused_import(ctx, f"an import with {name}", "auth.unauthorized")
            shown = f"({name})" if token is not None or headers else None
            writes.append(
                (
                    Probe(
                        probe.method,
                        probe.path + query.replace("&", "?", 1),
                        probe.body,
                        JSON + headers,
                        token,
                        shown,
                    ),
                    entry,
                )
            )
        reads = send(ctx, probes)
        sent = self.run.send_refused(ctx, writes)
        names = list(variants) * 2
        for name, exchange in zip(names, reads + sent, strict=True):
            expect_code(exchange, "unauthorized", "auth.unauthorized", f"{exchange.method} with {name}")
        return f"{', '.join(variants)}: each HTTP 401 unauthorized on a read and on an import"

    @promise("version.others-rejected", "version.default")
    def other_versions_are_rejected(self, ctx: CheckContext) -> str:
        """Rise-API-Version 2020-07-16 is accepted; an older, a newer or a malformed value is 400
        invalid_api_version, on reads, imports and enrollments alike."""
        [plain] = send(ctx, [Probe("GET", "/courses?limit=1", headers=((VERSION_HEADER, API_VERSION),))])
        expect_status(plain, 200, "version.default", f"GET /courses with {VERSION_HEADER}: {API_VERSION}")
        reads = [
            Probe("GET", "/courses?limit=1", headers=((VERSION_HEADER, v),)) for v in OTHER_VERSIONS.values()
        ]
        writes = []
        for name, value in OTHER_VERSIONS.items():
            rule = "version.others-rejected"
            writes.append(
                self.run.refused_import(
                    ctx, f"an import with {name}", rule, headers=(*JSON, (VERSION_HEADER, value))
                )
            )
            writes.append(
                self.run.refused_enrollment(
                    ctx, f"an enrollment with {name}", rule, headers=((VERSION_HEADER, value),)
                )
            )
        answers = send(ctx, reads) + self.run.send_refused(ctx, writes)
        names = list(OTHER_VERSIONS) + [entry.what for _, entry in writes]
        for name, exchange in zip(names, answers, strict=True):
            expect_code(
                exchange, "invalid_api_version", "version.others-rejected", f"{exchange.method} with {name}"
            )
        others = ", ".join(OTHER_VERSIONS.values())
        return f"{API_VERSION}: HTTP 200; {others}: each HTTP 400 invalid_api_version"

    @promise("auth.before-version")
    def key_is_checked_before_version(self, ctx: CheckContext) -> str:
        """A missing or wrong key with an unknown Rise-API-Version is 401 unauthorized, not 400."""
        version = ((VERSION_HEADER, OTHER_VERSIONS["an older version"]),)
        reads = [
            Probe("GET", "/courses?limit=1", None, version, None),
            Probe("GET", "/users?limit=1", None, version, WRONG_KEY),
        ]
        write = self.run.refused_import(
            ctx,
            "an import with a wrong key and an unknown version",
            "auth.unauthorized",  # what the ledger holds it to: a refused key changes nothing
            headers=JSON + version,
            token=WRONG_KEY,
        )
        answers = send(ctx, reads) + self.run.send_refused(ctx, [write])
        for exchange, what in zip(
            answers, ("no key", "a wrong key", "an import with a wrong key"), strict=True
        ):
            expect_code(exchange, "unauthorized", "auth.before-version", f"{what} and an unknown version")
        return "no key or a wrong key, with an unknown version: each HTTP 401 unauthorized"

    # -- validation and lookups -------------------------------------------------------------------

    @promise("validation.before-lookups")
    def validation_comes_before_lookups(self, ctx: CheckContext) -> str:
        """A malformed import is 400 invalid_request even when its course or user does not exist or the
        course is unpublished; a malformed report query for an unknown ID is 400 too."""
        user, course = ctx.profile.users[0], ctx.profile.no_quiz
        unknown_course, unknown_user = _made_up(ctx), _made_up(ctx, "conformance-unknown-user")
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
        """Imports look up the course, then its publication, then the user; enrollments the course, then
        the user; an unknown course is course_not_found even when the user is unknown too."""
        course, user = self.run.prepare(ctx)
        unknown_course, unknown_user = _made_up(ctx), _made_up(ctx, "conformance-unknown-user")
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
        """Reading a course, a course report, a user or a learner report that does not exist is
        course_not_found or user_not_found (ASCII and non-ASCII IDs alike)."""
        cases = []
        for course in (_made_up(ctx), _made_up(ctx, "kurs-ünïcødé")):
            cases += [(f"/courses/{segment(course)}", "course_not_found", "errors.course-not-found")]
            cases += [(f"/reports/courses/{segment(course)}", "course_not_found", "errors.course-not-found")]
        for user in (_made_up(ctx, "conformance-unknown-user"), _made_up(ctx, "nutzer-ünïcødé")):
            cases += [(f"/users/{segment(user)}", "user_not_found", "errors.user-not-found")]
            cases += [(f"/reports/learners/{segment(user)}", "user_not_found", "errors.user-not-found")]
        for path, code, rule in cases:
            expect_code(read(ctx, path), code, rule, f"GET {path}")
        return f"{len(cases)} reads of unknown IDs: course_not_found / user_not_found"

    # -- parameters -------------------------------------------------------------------------------

    @promise("users.email-not-empty")
    def empty_email_filter_is_rejected(self, ctx: CheckContext) -> str:
        """GET /users?email= (an empty filter) is 400 invalid_request."""
        expect_code(
            read(ctx, "/users?email="), "invalid_request", "users.email-not-empty", "GET /users?email="
        )
        return "GET /users?email=: HTTP 400 invalid_request"

    @promise("lists.limit-outside-rejected")
    def limit_outside_range_is_rejected(self, ctx: CheckContext) -> str:
        """limit 0 or 101 is 400 invalid_request on every list and report."""
        lists = [
            "/courses",
            "/users",
            f"/reports/courses/{segment(ctx.profile.quiz)}",
            f"/reports/learners/{segment(ctx.profile.users[0])}",
        ]
        for path in lists:
            for limit in (0, 101):
                expect_code(
                    read(ctx, f"{path}?limit={limit}"),
                    "invalid_request",
                    "lists.limit-outside-rejected",
                    f"GET {path}?limit={limit}",
                )
        return f"limit 0 and 101 on {len(lists)} lists: each HTTP 400 invalid_request"

    @promise("lists.cursor-opaque")
    def unissued_cursor_is_refused_or_read(self, ctx: CheckContext) -> str:
        """A cursor the server did not issue is 400 invalid_request or read as a position, never a 5xx."""
        seen = []
        for path, key in (("/courses", "courses"), ("/users", "users")):
            exchange = read(ctx, f"{path}?cursor=conformance-not-issued%21")
            body = exchange.json()
            listed = exchange.status == 200 and isinstance(body, dict) and isinstance(body.get(key), list)
            if not listed and (exchange.status, exchange.error_code) != (400, "invalid_request"):
                raise RuleBroken(
                    "lists.cursor-opaque",
                    f"GET {path} with a made-up cursor: HTTP 400 invalid_request or a page",
                    answer(exchange),
                    [exchange],
                )
            seen.append(f"{path}: HTTP {exchange.status}")
        return "a made-up cursor: " + ", ".join(seen)

    def checks(self) -> tuple[Check, ...]:
        """In run order; the sweeps over the whole run come last (see `sweeps.py`)."""
        from conformance.checks.sweeps import Sweeps

        sweeps = Sweeps(self.run)
        functions = [
            self.unknown_path_is_json_not_found,
            self.undeclared_method_is_405,
            self.body_not_json_is_415,
            self.body_over_limit_is_413,
            self.key_variants_are_unauthorized,
            self.other_versions_are_rejected,
            self.key_is_checked_before_version,
            self.validation_comes_before_lookups,
            self.lookups_run_in_order,
            self.unknown_ids_on_reads_are_not_found,
            self.empty_email_filter_is_rejected,
            self.limit_outside_range_is_rejected,
            self.unissued_cursor_is_refused_or_read,
            *sweeps.functions(),
        ]
        return tuple(as_check(function, Part.PROTOCOL) for function in functions)


def protocol_checks(watch: OutsideProfile | None = None) -> tuple[Check, ...]:
    """The protocol part of one run; with `watch`, it ends by comparing the rows of users outside the
    profile with what they were before the run wrote anything."""
    return ProtocolPromises(watch).checks()


def _padded(body: str, size: int) -> str:
    """`body` (JSON) with trailing whitespace up to `size` bytes: the same document, a chosen length."""
    return body + " " * (size - len(body.encode("utf-8")))


def _key_variants(key: str) -> dict[str, tuple[str | None, tuple[tuple[str, str], ...], str]]:
    """Name -> (bearer token or None, other headers, query) for every wrong way of sending the key."""
    basic = base64.b64encode(f"{key}:".encode()).decode("ascii")
    variants: dict[str, tuple[str | None, tuple[tuple[str, str], ...], str]] = {
        "a prefix of the key": (key[:-1], (), ""),
        "the key with a character added": (key + "x", (), ""),
        "the key in another case": (key.swapcase(), (), ""),
        "an empty bearer": (None, (("Authorization", "Bearer"),), ""),
        "the Basic scheme": (None, (("Authorization", f"Basic {basic}"),), ""),
        "a Token scheme": (None, (("Authorization", f"Token {key}"),), ""),
        "the key without a scheme": (None, (("Authorization", key),), ""),
        "the key in the query": (None, (), f"&api_key={key}&access_token={key}"),
    }
    if len(key) < 2:
        del variants["a prefix of the key"]
    if key.swapcase() == key:
        del variants["the key in another case"]
    return variants
