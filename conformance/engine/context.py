"""What a check works with: the client, the profile, the report reader, the pairs it may claim, the state of
the reports before the run wrote anything, and the steps a batched check yields (`Send`, `Await`)."""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from conformance.checks.dates import instant_us, rfc3339
from conformance.checks.rows import Row, shows_import
from conformance.engine.client import Exchange, RiseClient
from conformance.engine.pairs import Pair, PairPlanner
from conformance.engine.poller import Poller, Waited
from conformance.engine.reports import ReportReader, segment
from conformance.profile import Profile

WRONG_KEY = "rise-conformance-wrong-key"
"""The key the checks send to see a wrong key refused; never a real one."""


def completions_path(course_id: str, user_id: str) -> str:
    return f"/courses/{segment(course_id)}/users/{segment(user_id)}/completions"


def enrollment_or_import_pair(url: str) -> Pair | None:
    """The (course, user) an enrollment or import URL names, else None."""
    from urllib.parse import unquote, urlsplit

    parts = urlsplit(url).path.split("/")
    if (
        len(parts) in (5, 6)
        and parts[1] == "courses"
        and parts[3] == "users"
        and parts[5:] in ([], ["completions"])
    ):
        return unquote(parts[2]), unquote(parts[4])
    return None


def pair_of(path: str) -> Pair | None:
    """The (course, user) of an import path as sent (IDs percent-encoded), else None."""
    parts = path.split("?")[0].split("/")
    if len(parts) == 6 and parts[1] == "courses" and parts[3] == "users" and parts[5] == "completions":
        from urllib.parse import unquote

        return unquote(parts[2]), unquote(parts[4])
    return None


@dataclass(frozen=True)
class Write:
    """One request that may change the target; --dry-run lists these instead of sending them."""

    method: str
    path: str
    body: Any = None
    token: str | None = ""
    raw_body: str | None = None

    def describe(self) -> str:
        key = {"": "", None: " (no key)"}.get(self.token, " (a wrong key)")  # type: ignore[arg-type]
        if self.raw_body is None and self.body is None:
            return f"{self.method} {self.path}{key}"
        body = self.raw_body if self.raw_body is not None else json.dumps(self.body, ensure_ascii=False)
        return f"{self.method} {self.path}{key} {body}"

    @property
    def pair(self) -> Pair | None:
        return pair_of(self.path)


def import_write(course_id: str, user_id: str, started: str, completed: str, **extra: Any) -> Write:
    return Write(
        "POST",
        completions_path(course_id, user_id),
        {"startedAt": started, "completedAt": completed},
        **extra,
    )


class DryRun(Exception):
    """Raised by `send_all` under --dry-run with the writes the check would have made."""

    def __init__(self, writes: Sequence[Write]) -> None:
        super().__init__(f"{len(writes)} writes planned")
        self.writes = list(writes)


# -- the steps of a batched check -----------------------------------------------------------------------


@dataclass(frozen=True)
class Send:
    """Yielded by a check: send these writes (in order, paced, with every other check's); the check gets
    back the exchanges, one per write."""

    writes: tuple[Write, ...]

    def __init__(self, *writes: Write) -> None:
        object.__setattr__(self, "writes", tuple(writes))


@dataclass(frozen=True)
class Snapshot:
    """The reports as one poll round read them: learner rows by user, course rows by course."""

    learners: dict[str, list[Row]] = field(default_factory=dict)
    courses: dict[str, list[Row]] = field(default_factory=dict)
    exchanges: dict[str, list[Exchange]] = field(default_factory=dict)

    def pair(self, course: str, user: str) -> list[Row]:
        """The learner report's rows for one pair."""
        return [row for row in self.learners.get(user, []) if row.get("courseId") == course]

    def in_course(self, course: str, user: str) -> list[Row]:
        """The course report's rows for one pair."""
        return [row for row in self.courses.get(course, []) if row.get("userId") == user]

    def evidence(self, *keys: str) -> list[Exchange]:
        return [exchange for key in keys for exchange in self.exchanges.get(key, [])]


@dataclass(frozen=True)
class Await:
    """Yielded by a check: resume me once `ready(snapshot)` holds (or --report-timeout runs out).

    `learners` and `courses` name the reports to read; `sentinel` also waits for the run's sentinel
    import, sent after every other write: once it shows, a write sent before it would show too, if the
    tenant applies writes in order.
    """

    ready: Callable[[Snapshot], bool]
    learners: frozenset[str] = frozenset()
    courses: frozenset[str] = frozenset()
    sentinel: bool = False


@dataclass(frozen=True)
class Seen:
    """What a check gets back from an `Await`: the reports, whether they caught up, and when."""

    snapshot: Snapshot
    caught_up: bool
    lag: float
    """Seconds from the end of the sends to the poll round that satisfied the check (or gave up)."""
    at: float = 0.0
    """When the snapshot was read (time.monotonic)."""

    def pair(self, course: str, user: str) -> list[Row]:
        return self.snapshot.pair(course, user)

    def row(self, course: str, user: str) -> Row | None:
        rows = self.pair(course, user)
        return rows[0] if rows else None


@dataclass(frozen=True)
class SentWrite:
    """One write the run sent, for the ledger: the check, the write, its answer and when it was sent."""

    check: str
    write: Write
    exchange: Exchange
    at: float

    @property
    def accepted(self) -> bool:
        return 200 <= self.exchange.status < 300


# -- the context ----------------------------------------------------------------------------------------


@dataclass
class CheckContext:
    """Shared by the checks of one run: the client and reports, the pairs, the state before the run."""

    client: RiseClient
    profile: Profile
    report_timeout: float
    dry_run: bool = False
    rng: random.Random = field(default_factory=random.Random)
    before: Snapshot = field(default_factory=Snapshot)
    """Every profile user's learner report as it was before the run wrote anything."""
    pairs: PairPlanner | None = None
    report_lags: list[float] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    sent: list[SentWrite] = field(default_factory=list)
    """Every write the batched checks sent, in order."""
    other_writes: set[Pair] = field(default_factory=set)
    """Pairs written by another part of the run (the Schemathesis phase) while the checks waited."""
    kept_clear: dict[Pair, str] = field(default_factory=dict)
    """Pairs another part judges unchanged (with that part's name): each round's planner keeps them
    clear of accepted writes."""
    caught_up_at: float = 0.0
    """When the latest import known to have shown in the reports was sent (time.monotonic): every write
    sent before it has had its time to show, if the tenant applies writes in order."""
    _reader: ReportReader = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._reader = ReportReader(self.client)
        if self.pairs is None:
            self.new_round()

    def new_round(self) -> PairPlanner:
        """A planner for the next batch of checks, over the reports as `before` has them."""
        self.pairs = PairPlanner(self.profile, self.before, self.rng)
        for pair, holder in self.kept_clear.items():
            self.pairs.keep_clear([pair], holder)
        return self.pairs

    @property
    def planner(self) -> PairPlanner:
        assert self.pairs is not None
        return self.pairs

    # -- data the checks send ---------------------------------------------------------------------------

    def fresh_dates(self, length: timedelta = timedelta(hours=1, minutes=30)) -> tuple[str, str]:
        """A (startedAt, completedAt) pair unlikely to equal anything already on the target."""
        start = datetime(2021, 1, 1, tzinfo=UTC) + timedelta(minutes=self.rng.randrange(0, 2_000_000))
        return rfc3339(start), rfc3339(start + length)

    def fresh_day(self) -> str:
        """A YYYY-MM-DD day unlikely to be used by anything else of the run."""
        day = datetime(2021, 1, 1, tzinfo=UTC) + timedelta(days=self.rng.randrange(0, 1800))
        return day.strftime("%Y-%m-%d")

    def missing_id(self, prefix: str) -> str:
        return f"{prefix}-{self.rng.randrange(16**8):08x}"

    # -- reads ------------------------------------------------------------------------------------------

    def learner_rows(self, user_id: str) -> tuple[list[Row], list[Exchange]]:
        return self._reader.learner_rows(user_id)

    def course_rows(self, course_id: str) -> tuple[list[Row], list[Exchange]]:
        return self._reader.course_rows(course_id)

    def pair_rows(self, course_id: str, user_id: str) -> tuple[list[Row], list[Exchange]]:
        return self._reader.pair_rows(course_id, user_id)

    def send_all(self, writes: Sequence[Write], check: str = "") -> list[Exchange]:
        """For a check that is not batched: send the writes now, in order, or under --dry-run stop the
        check and list them."""
        if self.dry_run:
            raise DryRun(writes)
        sent = []
        for write in writes:
            exchange = self.client.request(
                write.method,
                write.path,
                json_body=write.body,
                content=write.raw_body,
                token=write.token,
                headers={"Content-Type": "application/json"} if write.raw_body is not None else None,
            )
            # When it went out (after pacing): the time its lag counts from.
            self.sent.append(SentWrite(check, write, exchange, self.client.last_write_at))
            sent.append(exchange)
        return sent

    def last_import(self, pair: Pair) -> SentWrite | None:
        """The last accepted import this run sent to `pair` (what its row must show once caught up)."""
        found = [
            sent
            for sent in self.sent
            if sent.accepted and sent.write.method == "POST" and sent.write.pair == pair
        ]
        return found[-1] if found else None

    def first_import(self, pair: Pair) -> SentWrite | None:
        """The first accepted import this run sent to `pair` (the one that enrolled it, if any did)."""
        found = [
            sent
            for sent in self.sent
            if sent.accepted and sent.write.method == "POST" and sent.write.pair == pair
        ]
        return found[0] if found else None

    def shows_last(self, pair: Pair, *, course_report: bool = False, sentinel: bool = False) -> Await:
        """Wait until the pair's rows show its last accepted import, whichever check sent it (read when
        the reports are polled, after every write has gone out)."""
        course, user = pair

        def ready(snapshot: Snapshot) -> bool:
            last = self.last_import(pair)
            if last is None:
                return True
            shown = any(shows_import(row, last.write.body) for row in snapshot.pair(course, user))
            if course_report:
                shown = shown and any(
                    shows_import(row, last.write.body) for row in snapshot.in_course(course, user)
                )
            return shown

        courses = frozenset({course}) if course_report else frozenset()
        return Await(ready, frozenset({user}), courses, sentinel=sentinel)

    def written_pairs(self) -> set[Pair]:
        """Every pair a write of this run named (accepted or not), the other parts' included: the
        batched writes, every import or enrollment the client sent, and the Schemathesis ledger."""
        named = {sent.write.pair for sent in self.sent if sent.write.pair} | self.other_writes
        for exchange in self.client.exchanges:
            pair = enrollment_or_import_pair(exchange.url) if exchange.method in ("POST", "PUT") else None
            if pair is not None:
                named.add(pair)
        return named

    def wait_for(
        self, read: Callable[[], tuple[Any, list[Exchange]]], done: Callable[[Any], bool]
    ) -> tuple[Any, list[Exchange], float | None]:
        """For a check that waits on its own: read until `done` holds or --report-timeout passes;
        (last value, its exchanges, the lag, or None when it timed out)."""
        seen: list[list[Exchange]] = [[]]

        def value() -> Any:
            found, exchanges = read()
            seen[0] = exchanges
            return found

        waited = self.poll(value, done)
        if waited.caught_up:
            self.report_lags.append(waited.seconds)
        return waited.value, seen[0], waited.seconds if waited.caught_up else None

    def poll(self, read: Callable[[], Any], done: Callable[[Any], bool]) -> Waited[Any]:
        """Read until `done` holds or --report-timeout passes (for checks that wait on their own)."""
        return Poller(self.report_timeout).wait(read, done)

    # -- awaits the checks yield ------------------------------------------------------------------------

    def shows(self, course: str, user: str, body: Any, *, course_report: bool = False) -> Await:
        """Wait until the pair's learner row (and course row) show the dates of `body`."""

        def ready(snapshot: Snapshot) -> bool:
            shown = any(shows_import(row, body) for row in snapshot.pair(course, user))
            if course_report:
                shown = shown and any(shows_import(row, body) for row in snapshot.in_course(course, user))
            return shown

        return Await(ready, frozenset({user}), frozenset({course}) if course_report else frozenset())

    def settled(self, *pairs: Pair) -> Await:
        """Wait for the sentinel: then every write sent before it has had time to show (in order)."""
        return Await(lambda snapshot: True, frozenset(user for _, user in pairs), sentinel=True)


def comparable(row: Row | None, fields: Sequence[str]) -> tuple[Any, ...] | None:
    """The fields of a row that a write could change, with dates read as instants."""
    if row is None:
        return None
    return tuple(_instant_or_value(value) for value in map(row.get, fields))


def _instant_or_value(value: Any) -> Any:
    instant = instant_us(value)
    return value if instant is None else instant
