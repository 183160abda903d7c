"""The protocol promises of the contract, tried on purpose on every operation where they apply.

An unknown path, an undeclared method, a body that is not JSON or is over the limit, key variants and
other `Rise-API-Version` values here; the order of validation and lookups in `precedence.py`, query
parameters in `parameters.py`. Each check sends the requests that try one promise and judges the
answers. Refused writes carry dates of their own and go to one
profile pair; `refused_writes_change_nothing` (in `sweeps.py`) then shows that none of them left a trace.
Accepted writes go to another profile pair, and unknown IDs are made up.
"""

from __future__ import annotations

import base64
import json

from conformance.checks.outside import OutsideProfile
from conformance.checks.parameters import (
    empty_email_filter_is_rejected,
    limit_outside_range_is_rejected,
    unissued_cursor_is_refused_or_read,
)
from conformance.checks.precedence import PrecedencePromises
from conformance.checks.promises import (
    Probe,
    RuleBroken,
    answer,
    as_check,
    expect_code,
    expect_status,
    is_json,
    promise,
    send,
)
from conformance.checks.refusals import JSON, ProtocolRun, made_up, path_of
from conformance.checks.sweeps import Sweeps
from conformance.engine.context import WRONG_KEY, CheckContext, completions_path, segment
from conformance.engine.results import Check, Part
from mock_server.model.contract import (
    API_VERSION,
    MAX_BODY_BYTES,
    VERSION_HEADER,
    declared_methods,
    load_contract,
)

OTHER_VERSIONS = {
    "an older version": "2019-01-01",
    "a newer version": "2024-06-01",
    "a malformed version": "latest",
    "a version in another form": "16-07-2020",
}


class ProtocolPromises:
    """The protocol part's checks, bound to one run's shared state."""

    def __init__(self, run: ProtocolRun) -> None:
        self.run = run

    # -- paths and methods ------------------------------------------------------------------------

    @promise("protocol.unknown-path")
    def unknown_path_is_json_not_found(self, ctx: CheckContext) -> str:
        """A path that is no endpoint (unknown, or with a trailing slash) is a JSON 404 not_found."""
        course, user = ctx.profile.no_quiz, ctx.profile.users[0]
        unknown = made_up(ctx)
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
        """An undeclared method is 405 method_not_allowed, with Allow naming the path's methods.

        PATCH on every path, GET or POST where the path lacks it, OPTIONS and TRACE on two paths; never
        DELETE. The answer carries the error body.
        """
        course, user = self.run.prepare(ctx)
        probes: list[tuple[Probe, frozenset[str]]] = []
        for index, (template, declared) in enumerate(declared_methods().items()):
            path = path_of(template, course, user)
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
        """A body sent as text, as a form or without Content-Type is 415; JSON with a charset is read."""
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

    @promise("import.unknown-fields-rejected")
    def unknown_body_fields_are_refused(self, ctx: CheckContext) -> str:
        """An import body with a field besides startedAt and completedAt is 400 invalid_request.

        Each carries dates of its own, so that the ledger shows they changed nothing either.
        """
        extras = {"score": 50, "courseVersion": 2, "status": "Complete"}
        probes = []
        for name, value in extras.items():
            probe, entry = self.run.refused_import(
                ctx, f"an import with the field {name}", "import.unknown-fields-rejected"
            )
            body = {**json.loads(str(probe.body)), name: value}
            probes.append((Probe(probe.method, probe.path, json.dumps(body), JSON), entry))
        for (_, entry), exchange in zip(probes, self.run.send_refused(ctx, probes), strict=True):
            expect_code(exchange, "invalid_request", "import.unknown-fields-rejected", entry.what)
        return f"imports with {', '.join(extras)}: each HTTP 400 invalid_request"

    @promise("protocol.body-limit")
    def body_over_limit_is_413(self, ctx: CheckContext) -> str:
        """A body one byte over x-max-body-bytes is 413; a body of exactly the limit is read.

        Imports and enrollments alike; read means accepted when valid, 400 invalid_request when not.
        """
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
        """Every wrong way of sending the key is 401 unauthorized, on reads and imports alike.

        A prefix or a suffix of the key, the key in another case, an empty bearer, the Basic or a Token
        scheme, the key without a scheme, and the key in the query.
        """
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
        every = [Probe("GET", path, token=WRONG_KEY) for path in _read_paths(ctx)]
        reads = send(ctx, probes + every)
        sent = self.run.send_refused(ctx, writes)
        names = [*variants, *(["a wrong key"] * len(every)), *variants]
        for name, exchange in zip(names, reads + sent, strict=True):
            what = f"{exchange.method} {exchange.url} with {name}"
            expect_code(exchange, "unauthorized", "auth.unauthorized", what)
        return (
            f"{', '.join(variants)}: each HTTP 401 on a read and on an import; a wrong key on every read too"
        )

    @promise("version.others-rejected", "version.default")
    def other_versions_are_rejected(self, ctx: CheckContext) -> str:
        """Rise-API-Version 2020-07-16 is accepted; older, newer, malformed ones are 400 invalid_api_version.

        On reads, imports and enrollments alike.
        """
        [plain] = send(ctx, [Probe("GET", "/courses?limit=1", headers=((VERSION_HEADER, API_VERSION),))])
        expect_status(plain, 200, "version.default", f"GET /courses with {VERSION_HEADER}: {API_VERSION}")
        older = ((VERSION_HEADER, OTHER_VERSIONS["an older version"]),)
        reads = [
            Probe("GET", "/courses?limit=1", headers=((VERSION_HEADER, v),)) for v in OTHER_VERSIONS.values()
        ] + [Probe("GET", path, headers=older) for path in _read_paths(ctx)]
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
        names = [*OTHER_VERSIONS, *(["an older version"] * (len(reads) - len(OTHER_VERSIONS)))]
        names += [entry.what for _, entry in writes]
        for name, exchange in zip(names, answers, strict=True):
            what = f"{exchange.method} {exchange.url} with {name}"
            expect_code(exchange, "invalid_api_version", "version.others-rejected", what)
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

    def checks(self) -> tuple[Check, ...]:
        """In run order; the sweeps over the whole run come last (see `sweeps.py`)."""
        order = PrecedencePromises(self.run)
        functions = [
            self.unknown_path_is_json_not_found,
            self.undeclared_method_is_405,
            self.body_not_json_is_415,
            self.body_over_limit_is_413,
            self.unknown_body_fields_are_refused,
            self.key_variants_are_unauthorized,
            self.other_versions_are_rejected,
            self.key_is_checked_before_version,
            order.validation_comes_before_lookups,
            order.lookups_run_in_order,
            order.unknown_ids_on_reads_are_not_found,
            empty_email_filter_is_rejected,
            limit_outside_range_is_rejected,
            unissued_cursor_is_refused_or_read,
            *Sweeps(self.run).functions(),
        ]
        return tuple(as_check(function, Part.PROTOCOL) for function in functions)


def protocol_checks(watch: OutsideProfile | None = None) -> tuple[Check, ...]:
    """The protocol part of one run; with `watch`, it ends by comparing the rows of users outside the
    profile with what they were before the run wrote anything."""
    return ProtocolPromises(ProtocolRun(watch)).checks()


def _read_paths(ctx: CheckContext) -> list[str]:
    """Every read operation of the contract, on the profile's IDs."""
    course, user = ctx.profile.quiz, ctx.profile.users[0]
    return [path_of(t, course, user) for t, item in load_contract()["paths"].items() if "get" in item]


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
