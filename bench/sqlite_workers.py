"""How far two SQLite workers get beyond one, beside how far two processes could get on this machine.

    python bench/sqlite_workers.py [--rounds 3] [--seconds 5] [--connections 32]

In alternating rounds, wrk (`apt-get install wrk`) sends imports over the demo pairs to
  sqlite x1   rise-mock serve --db FILE
  sqlite x2   rise-mock serve --db FILE --workers 2
  ceiling     two independent in-memory mocks loaded at once (half the connections each): what two server
              processes make on this machine beside wrk, with nothing shared between them
  memory x1   one in-memory mock, the ceiling's reference
and prints the medians, the CPU each server spent per import, and the two ratios: sqlite x2 / x1 (goal
1.6) and ceiling / memory x1 (what the machine allows).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
from collections import defaultdict
from pathlib import Path

from harness import IMPORT_PATHS, free_port, mock_command, serving, wrk

WARM_SECONDS = 2


def _one(command_options: list[str], seconds: int, connections: int) -> tuple[float, float]:
    """Imports/s of one server, and the CPU µs it spent per import."""
    port = free_port()
    with serving("mock", mock_command(port, *command_options), port) as server:
        wrk(server.url, "POST", IMPORT_PATHS, WARM_SECONDS, connections)
        before = server.cpu_seconds()
        load = wrk(server.url, "POST", IMPORT_PATHS, seconds, connections)
        spent = server.cpu_seconds() - before
    return load.rate, spent / (load.rate * seconds) * 1e6


def _ceiling(seconds: int, connections: int) -> float:
    """Imports/s of two independent in-memory mocks under load at once."""
    rates: list[float] = []
    first, second = free_port(), free_port()
    with serving("a", mock_command(first), first) as a, serving("b", mock_command(second), second) as b:
        for server in (a, b):
            wrk(server.url, "POST", IMPORT_PATHS, WARM_SECONDS, connections // 2)

        def load(url: str) -> None:
            rates.append(wrk(url, "POST", IMPORT_PATHS, seconds, connections // 2).rate)

        threads = [threading.Thread(target=load, args=(server.url,)) for server in (a, b)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    return sum(rates)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=32)
    args = parser.parse_args()
    rates: dict[str, list[float]] = defaultdict(list)
    cpu: dict[str, list[float]] = defaultdict(list)
    with tempfile.TemporaryDirectory(prefix="rise-bench-") as scratch:
        folder = Path(scratch)
        for round_number in range(args.rounds):
            for name, options in (
                ("sqlite x1", ["--db", str(folder / "one.sqlite3")]),
                ("sqlite x2", ["--db", str(folder / "two.sqlite3"), "--workers", "2"]),
                ("memory x1", []),
            ):
                rate, per_import = _one(options, args.seconds, args.connections)
                rates[name].append(rate)
                cpu[name].append(per_import)
            rates["ceiling"].append(_ceiling(args.seconds, args.connections))
            print(f"round {round_number + 1} of {args.rounds} done", file=sys.stderr)
    median = {name: statistics.median(values) for name, values in rates.items()}
    print(f"wrk, {args.connections} connections, {args.seconds} s per load, median of {args.rounds} rounds")
    for name in ("sqlite x1", "sqlite x2", "memory x1", "ceiling"):
        spent = f"{statistics.median(cpu[name]):6.0f} CPU us/import" if name in cpu else ""
        print(f"{name:10} {median[name]:8.0f} imports/s  {spent}")
    print(f"sqlite, 2 workers vs 1: {median['sqlite x2'] / median['sqlite x1']:.2f}x (goal at least 1.6x)")
    print(f"two independent processes vs one: {median['ceiling'] / median['memory x1']:.2f}x (the machine)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
