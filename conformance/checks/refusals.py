"""What the protocol checks of one run share: the pair refused writes go to (with its rows before any
of them), the pair accepted writes go to, and the ledger of refused writes that
`refused_writes_change_nothing` (in `sweeps.py`) holds them to."""

from __future__ import annotations

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
    written_pairs,
)
from conformance.checks.promises import Probe, send
from conformance.engine.client import Exchange
from conformance.engine.context import CheckContext, Pair, completions_path, segment

JSON = (("Content-Type", "application/json"),)


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
            written = {pair: listing.get(pair, {}) for pair in written_pairs(ctx)}
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

    def send_refused(self, ctx: CheckContext, probes: list[tuple[Probe, Refused]]) -> list[Exchange]:
        sent = send(ctx, [probe for probe, _ in probes])
        self.refused += [entry for _, entry in probes]
        return sent


def made_up(ctx: CheckContext, prefix: str = "conformance-unknown") -> str:
    return f"{prefix}-{ctx.rng.randrange(16**8):08x}"


def path_of(template: str, course: str, user: str) -> str:
    return template.replace("{courseId}", segment(course)).replace("{userId}", segment(user))
