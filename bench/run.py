"""rise-mock beside its peers, the way a user would compare them, in one run on this machine.

    python bench/run.py [--rounds 3] [--seconds 5] [--connections 32] [--rate 200] [--no-prism]
    (make bench)

Servers, each in its own process on 127.0.0.1 with one uvicorn worker unless said:
  bare route      bench/baseline.py: Starlette doing the same upsert and report read, nothing else
  prism           Stoplight Prism 5 mocking the same openapi.yaml (when `npx` can install it)
  mock memory     rise-mock serve
  mock sqlite     rise-mock serve --db FILE
  mock sqlite x2  rise-mock serve --db FILE --workers 2

In alternating rounds (every server once per round, the order turned each round), wrk (`apt-get install
wrk`) sends imports over the demo pairs, then learner report reads, with `--connections` connections for
`--seconds` each; the figures are the medians over the rounds. Then each server gets imports at a fixed
`--rate` well under its capacity, paced, for the latency an importer sees. The machine is shared and
noisy, so what counts are the ratios in one run, not the rates; "CPU us/import" is the CPU time the
server (all its processes) spent per import, which other work on the machine disturbs far less.
"""

from __future__ import annotations

import argparse
import dataclasses
import shutil
import statistics
import sys
import tempfile
from collections import defaultdict
from contextlib import ExitStack
from pathlib import Path

from harness import (
    IMPORT_PATHS,
    REPORT_PATHS,
    Load,
    Server,
    baseline_command,
    free_port,
    mock_command,
    paced,
    prism_command,
    serving,
    wrk,
)

BARE, PRISM, MEMORY, SQLITE, SQLITE_2 = "bare route", "prism", "mock memory", "mock sqlite", "mock sqlite x2"
GOALS = [
    # (what, measured as, at least)
    ("mock memory imports vs Prism", (MEMORY, PRISM), 2.0),
    ("mock memory imports vs the bare route", (MEMORY, BARE), 0.25),
    ("mock sqlite imports, 2 workers vs 1", (SQLITE_2, SQLITE), 1.6),
]
P99_GOAL_MS = 10.0


def _servers(folder: Path, with_prism: bool) -> list[tuple[str, list[str], int]]:
    plans = []
    port = free_port()
    plans.append((BARE, baseline_command(port), port))
    if with_prism:
        port = free_port()
        command = prism_command(port)
        if command is None:
            print("prism: npx could not install @stoplight/prism-cli@5; measured without it", flush=True)
        else:
            plans.append((PRISM, command, port))
    for name, options in (
        (MEMORY, []),
        (SQLITE, ["--db", str(folder / "one.sqlite3")]),
        (SQLITE_2, ["--db", str(folder / "two.sqlite3"), "--workers", "2"]),
    ):
        port = free_port()
        plans.append((name, mock_command(port, *options), port))
    return plans


def _measure(servers: list[Server], args: argparse.Namespace) -> dict[str, dict[str, list[Load]]]:
    figures: dict[str, dict[str, list[Load]]] = defaultdict(lambda: defaultdict(list))
    for server in servers:  # warm-up: first requests, caches, connections
        wrk(server.url, "POST", IMPORT_PATHS, 1, args.connections)
        wrk(server.url, "GET", REPORT_PATHS, 1, args.connections)
    for round_index in range(args.rounds):
        turn = round_index % len(servers)
        for server in servers[turn:] + servers[:turn]:
            before = server.cpu_seconds()
            load = wrk(server.url, "POST", IMPORT_PATHS, args.seconds, args.connections)
            cpu_us = (server.cpu_seconds() - before) / (load.rate * args.seconds) * 1e6
            figures[server.name]["imports"].append(dataclasses.replace(load, cpu_us=cpu_us))
            figures[server.name]["reports"].append(
                wrk(server.url, "GET", REPORT_PATHS, args.seconds, args.connections)
            )
        print(f"round {round_index + 1} of {args.rounds} done", flush=True)
    for server in servers:
        figures[server.name]["rss"] = server.rss_mib()  # type: ignore[assignment]
        figures[server.name]["paced"] = [paced(server.url, IMPORT_PATHS[0], args.rate, args.paced_seconds)]
    return figures


def _median(loads: list[Load]) -> Load:
    fields = ("rate", "p50_ms", "p99_ms", "cpu_us")
    rate, p50, p99, cpu = (statistics.median(getattr(load, field) for load in loads) for field in fields)
    return Load(rate, p50, p99, lost=sum(load.lost for load in loads), cpu_us=cpu)


def _ratio(value: float, base: float | None) -> str:
    return f"{value / base:.2f}x" if base else "-"


def _report(figures: dict, args: argparse.Namespace) -> None:
    imports = {name: _median(f["imports"]) for name, f in figures.items()}
    reports = {name: _median(f["reports"]) for name, f in figures.items()}
    bare = imports[BARE].rate
    prism = imports[PRISM].rate if PRISM in imports else None
    bare_reports = reports[BARE].rate
    prism_reports = reports[PRISM].rate if PRISM in reports else None
    print()
    print(
        f"wrk, {args.connections} connections, {args.seconds} s per load, median of {args.rounds} "
        f"alternating rounds; paced: {args.rate} imports/s for {args.paced_seconds} s"
    )
    header = (
        f"{'server':<15}{'imports/s':>10}{'x bare':>8}{'x prism':>8}{'p50 ms':>8}{'p99 ms':>8}"
        f"{'reports/s':>10}{'x bare':>8}{'x prism':>8}{'p50 ms':>8}{'p99 ms':>8}"
        f"{'RSS MiB':>9}{'@' + str(args.rate) + '/s p50':>12}{'p99':>7}{'CPU us/import':>15}"
    )
    print(header)
    for name, f in figures.items():
        i, r, p = imports[name], reports[name], f["paced"][0]
        print(
            f"{name:<15}{i.rate:>10.0f}{_ratio(i.rate, bare):>8}{_ratio(i.rate, prism):>8}"
            f"{i.p50_ms:>8.1f}{i.p99_ms:>8.1f}"
            f"{r.rate:>10.0f}{_ratio(r.rate, bare_reports):>8}{_ratio(r.rate, prism_reports):>8}"
            f"{r.p50_ms:>8.1f}{r.p99_ms:>8.1f}{f['rss']:>9.1f}{p.p50_ms:>12.2f}{p.p99_ms:>7.2f}"
            f"{i.cpu_us:>15.0f}"
        )
    lost = {name: imports[name].lost + reports[name].lost for name in figures}
    if any(lost.values()):
        print(
            "requests left unanswered (socket errors or over 10 s): "
            + ", ".join(f"{name} {count}" for name, count in lost.items() if count)
        )
    print()
    for what, (name, base), goal in GOALS:
        if name in imports and base in imports:
            ratio = imports[name].rate / imports[base].rate
            print(f"{what}: {ratio:.2f}x (goal at least {goal}x): {'met' if ratio >= goal else 'NOT met'}")
    p99 = figures[MEMORY]["paced"][0].p99_ms
    print(
        f"mock memory p99 at {args.rate} imports/s: {p99:.2f} ms (goal under {P99_GOAL_MS:g} ms): "
        f"{'met' if p99 < P99_GOAL_MS else 'NOT met'}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds (default 3)")
    parser.add_argument("--seconds", type=int, default=5, help="seconds per wrk load (default 5)")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections (default 32)")
    parser.add_argument("--rate", type=int, default=200, help="paced imports per second (default 200)")
    parser.add_argument("--paced-seconds", type=int, default=10, help="seconds of paced load (default 10)")
    parser.add_argument("--no-prism", action="store_true", help="leave Stoplight Prism out")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        print("bench/run.py needs wrk: apt-get install -y wrk", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as folder, ExitStack() as stack:
        plans = _servers(Path(folder), with_prism=not args.no_prism)
        servers = [stack.enter_context(serving(name, command, port)) for name, command, port in plans]
        figures = _measure(servers, args)
    _report(figures, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
