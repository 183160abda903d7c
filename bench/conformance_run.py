"""How long `rise-conformance run --mock` takes with its default settings, against its 60-second budget.

    python bench/conformance_run.py [--runs N]      (part of make bench)

Each run is a fresh process with a new seed; the figures are wall-clock seconds on this machine.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time

BUDGET_SECONDS = 60


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=3, help="how many runs (default 3)")
    args = parser.parse_args()
    seconds = []
    for index in range(args.runs):
        with tempfile.TemporaryDirectory() as reports:
            started = time.perf_counter()
            done = subprocess.run(
                [sys.executable, "-m", "conformance.cli", "run", "--mock", "--report-dir", reports],
                capture_output=True,
                text=True,
                timeout=BUDGET_SECONDS * 3,
            )
            seconds.append(time.perf_counter() - started)
        if done.returncode != 0:
            print(done.stdout[-3000:], done.stderr[-3000:], sep="\n")
            print(f"run {index + 1} exited {done.returncode}: the intact mock should conform")
            return 1
        print(f"run {index + 1}: exit 0 in {seconds[-1]:.1f} s")
    print(
        f"rise-conformance run --mock: median {statistics.median(seconds):.1f} s, max {max(seconds):.1f} s "
        f"over {args.runs} runs; budget {BUDGET_SECONDS} s ({max(seconds) / BUDGET_SECONDS:.0%} of it used)"
    )
    return 0 if max(seconds) < BUDGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
