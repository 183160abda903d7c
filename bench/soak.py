"""Whether a verdict depends on the seed: 20 consecutive `rise-conformance run --mock`, each with its own
seed, must all pass.

    python bench/soak.py [--runs 20] [--first-seed 1000]

Prints each run's seed, exit status and wall time, then how many passed; exits 1 unless all did.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time

RUN_TIMEOUT_SECONDS = 300


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=20, help="how many runs (default 20)")
    parser.add_argument("--first-seed", type=int, default=1000, help="seed of the first run; then +1 each")
    args = parser.parse_args()
    passed, seconds = 0, []
    for index in range(args.runs):
        seed = args.first_seed + index
        with tempfile.TemporaryDirectory() as reports:
            started = time.perf_counter()
            done = subprocess.run(
                [sys.executable, "-m", "conformance.cli", "run", "--mock", "--seed", str(seed),
                 "--report-dir", reports],
                capture_output=True, text=True, timeout=RUN_TIMEOUT_SECONDS, check=False,
            )  # fmt: skip
            seconds.append(time.perf_counter() - started)
        passed += done.returncode == 0
        print(f"run {index + 1:2d}  seed {seed}  exit {done.returncode}  {seconds[-1]:5.1f} s", flush=True)
        if done.returncode != 0:
            print(done.stdout[-2500:], done.stderr[-1500:], sep="\n")
    print(
        f"{passed}/{args.runs} runs passed; wall time median {statistics.median(seconds):.1f} s, "
        f"max {max(seconds):.1f} s, total {sum(seconds):.0f} s"
    )
    return 0 if passed == args.runs else 1


if __name__ == "__main__":
    sys.exit(main())
