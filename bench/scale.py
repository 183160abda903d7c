"""How rise-mock's latency grows with what it holds, in memory and on SQLite (and PostgreSQL with --pg URL).

    python bench/scale.py [--imports 2000] [--pg postgresql://...]      (part of make bench)

1. Imports with 10,000 and with 1,000,000 completions stored: the median and p99 of single imports over
   stored pairs (upserts), and the ratio of the two (goal: within 1.5x). Both sizes are held at once and
   measured in alternating rounds.
2. Reads of the course report of a course with 10,000 learners: the first page and a page deep inside it
   (by its cursor), of 50 and of 100 rows, beside a page of 50 of a course with 100 learners. A page costs
   the page, not the report, when the 50-row pages cost alike whatever the course and a 100-row page
   about twice a 50-row one.

Requests go through the whole app (every middleware, validation, the handler) as ASGI calls in this
process, so that the figures are the server's, not the network's.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from harness import AUTH

from mock_server import create_app
from mock_server.model.pagination import encode_cursor
from mock_server.model.records import Completion, Course, Enrollment, TenantState, User
from mock_server.model.seed import DEMO_SEED_PATH, load_seed_file
from mock_server.model.store import MemoryStore
from mock_server.model.tenant import Tenant
from mock_server.store.backend import Backend
from mock_server.store.faults import MemoryFaults
from mock_server.store.journal import MemoryJournal

COURSES = 100
ROUNDS = 4
"""Alternating rounds the imports of each store and size are split into."""
WHEN = datetime(2024, 1, 15, 9, 0, tzinfo=UTC)
BODY = json.dumps({"startedAt": "2023-05-02T09:00:00Z", "completedAt": "2023-05-02T10:30:00Z"}).encode()
HEADERS = [(b"host", b"127.0.0.1"), *((k.lower().encode(), v.encode()) for k, v in AUTH.items())]


def tenant_state(completions: int, big_course_learners: int = 10_000) -> TenantState:
    """COURSES courses and completions/COURSES learners, every pair enrolled and completed; plus course
    "big" with `big_course_learners` enrolled learners and "small" with 100."""
    per_course = completions // COURSES
    state = TenantState()
    for c in range(COURSES):
        state.courses[f"course-{c:03d}"] = Course(f"course-{c:03d}", f"Course {c}", published_version=1)
    state.courses["big"] = Course("big", "Big", published_version=1)
    state.courses["small"] = Course("small", "Small", published_version=1)
    for u in range(max(per_course, big_course_learners)):
        user_id = f"user-{u:07d}"
        state.users[user_id] = User(user_id, f"{user_id}@example.com")
    for c in range(COURSES):
        course_id = f"course-{c:03d}"
        for u in range(per_course):
            pair = (course_id, f"user-{u:07d}")
            state.enrollments[pair] = Enrollment(*pair, WHEN)
            state.completions[pair] = Completion(*pair, WHEN, WHEN, 1, None, WHEN)
    for course_id, learners in (("big", big_course_learners), ("small", 100)):
        for u in range(learners):
            pair = (course_id, f"user-{u:07d}")
            state.enrollments[pair] = Enrollment(*pair, WHEN)
    return state


def app_over(store: Any, journal: Any = None, faults: Any = None) -> Any:
    """The mock over a store that already holds its records (a small seed, so that they are kept)."""
    demo = load_seed_file(DEMO_SEED_PATH)
    store.set_seed(demo)
    tenant = Tenant(demo, store=store, keep_existing=True)
    return create_app(backend=Backend(tenant, journal or MemoryJournal(), faults or MemoryFaults()))


async def call(app: Any, method: str, path: str, query: str = "") -> int:
    """One request through the whole ASGI app; its status."""
    body = BODY if method == "POST" else b""
    headers = [*HEADERS, (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    messages = [{"type": "http.request", "body": body, "more_body": False}]
    status = []

    async def receive() -> dict:
        return messages.pop() if messages else {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        if message["type"] == "http.response.start":
            status.append(message["status"])

    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
        "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": query.encode(),
        "root_path": "", "headers": headers, "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80),
    }  # fmt: skip
    await app(scope, receive, send)
    return status[0]


def latencies(app: Any, requests: list[tuple[str, str, str]], expected: int) -> list[float]:
    """Milliseconds of each request, one after the other."""

    async def run() -> list[float]:
        for method, path, query in requests[:50]:  # warm-up
            await call(app, method, path, query)
        found = []
        for method, path, query in requests:
            started = time.perf_counter()
            status = await call(app, method, path, query)
            found.append((time.perf_counter() - started) * 1000)
            if status != expected:
                raise RuntimeError(f"{method} {path}?{query} answered {status}, not {expected}")
        return found

    return asyncio.run(run())


def summary(values: list[float]) -> tuple[float, float]:
    return statistics.median(values), statistics.quantiles(values, n=100)[98]


def import_latencies(app: Any, stored: int, count: int, round_number: int) -> list[float]:
    """Milliseconds of `count` single imports over stored pairs, drawn for this size and round."""
    per_course = stored // COURSES
    rng = random.Random(stored * 100 + round_number)
    pairs = [(rng.randrange(COURSES), rng.randrange(per_course)) for _ in range(count)]
    paths = [("POST", f"/courses/course-{c:03d}/users/user-{u:07d}/completions", "") for c, u in pairs]
    return latencies(app, paths, 202)


def report_pages(app: Any, count: int) -> dict[str, tuple[float, float]]:
    deep = encode_cursor("user-0005000")
    cases = {
        "small course (100 learners), first 50": ("small", ""),
        "big course (10,000 learners), first 50": ("big", "limit=50"),
        "big course, 50 from learner 5,000 on": ("big", f"limit=50&cursor={deep}"),
        "big course, 100 from learner 5,000 on": ("big", f"limit=100&cursor={deep}"),
    }
    return {
        name: summary(latencies(app, [("GET", f"/reports/courses/{course}", query)] * count, 200))
        for name, (course, query) in cases.items()
    }


def stores(state: TenantState, folder: Path, pg: str | None) -> list[tuple[str, Any]]:
    """(name, app) for each medium, each holding `state`."""
    from mock_server.store.sqlite import open_sqlite

    found = [("memory", app_over(MemoryStore(state)))]
    path = folder / f"scale-{len(state.completions)}.sqlite3"
    sqlite = open_sqlite(path)
    sqlite[0].replace(state)
    with closing(sqlite3.connect(path, timeout=300)) as connection:  # steady: the log folded into the file
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    found.append(("sqlite", app_over(*sqlite)))
    if pg:
        from mock_server.store import postgres

        database = postgres.PostgresDatabase(pg)
        store = postgres.PostgresStore(database)
        store.replace(state)
        journal, faults = postgres.PostgresJournal(database), postgres.PostgresFaults(database)
        found.append(("postgresql", app_over(store, journal, faults)))
    return found


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--imports", type=int, default=2000, help="imports measured per size (default 2000)")
    parser.add_argument("--reads", type=int, default=200, help="reads measured per page kind (default 200)")
    parser.add_argument("--large", type=int, default=1_000_000, help="completions in the large tenant")
    parser.add_argument("--pg", metavar="URL", help="also measure PostgreSQL (an empty database or schema)")
    args = parser.parse_args()
    results: dict[str, dict[str, Any]] = {}
    apps: dict[tuple[str, int], Any] = {}
    with tempfile.TemporaryDirectory() as folder:
        for stored in (10_000, args.large):
            started = time.perf_counter()
            state = tenant_state(stored)
            for name, app in stores(state, Path(folder), args.pg):
                loaded = time.perf_counter() - started
                print(f"{name}: {stored:,} completions loaded ({loaded:.0f} s)", flush=True)
                apps[name, stored] = app
            del state
        # Both sizes are held at once and measured in alternating rounds, so that the ratio compares
        # moments of the same load on the machine.
        samples: dict[tuple[str, int], list[float]] = {key: [] for key in apps}
        for round_number in range(ROUNDS):
            for (name, stored), app in apps.items():
                samples[name, stored] += import_latencies(app, stored, args.imports // ROUNDS, round_number)
        for (name, stored), values in samples.items():
            results.setdefault(name, {})[stored] = summary(values)
        for name in dict.fromkeys(name for name, _ in apps):
            results[name]["reports"] = report_pages(apps[name, args.large], args.reads)
    print()
    print(f"imports, {args.imports} per size, one at a time through the whole app (ms)")
    large_p50 = f"{args.large:,}: p50"
    print(
        f"{'store':<12}{'10,000: p50':>13}{'p99':>8}{large_p50:>17}{'p99':>8}{'p50 ratio':>11}  goal <= 1.5x"
    )
    for name, figures in results.items():
        small, large = figures[10_000], figures[args.large]
        ratio = large[0] / small[0]
        print(
            f"{name:<12}{small[0]:>13.3f}{small[1]:>8.3f}{large[0]:>17.3f}{large[1]:>8.3f}{ratio:>10.2f}x"
            f"  {'met' if ratio <= 1.5 else 'NOT met'}"
        )
    print()
    print(f"course report pages, {args.reads} reads each, with {args.large:,} completions stored (ms)")
    for name, figures in results.items():
        pages = figures["reports"]
        base = next(iter(pages.values()))[0]
        for kind, (p50, p99) in pages.items():
            ratio = f"{p50 / base:>5.2f}x the small course's"
            print(f"{name:<12}{kind:<42}p50 {p50:>7.3f}  p99 {p99:>7.3f}  {ratio}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
