"""`rise-conformance`: translates the command line into a run, and the run into output and an exit status.

Exit status: 0 the target conforms; 1 a check failed (or drifted, without --allow-drift); 2 a usage,
profile or connection problem; 130 interrupted by Ctrl-C (after writing the reports of what ran).
"""

from __future__ import annotations

import argparse
import importlib.metadata
import os
import random
import shlex
import sys
from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path

import httpx

from conformance.engine.baseline import load_baseline
from conformance.engine.catalogue import checks_by_rule, load_rules
from conformance.engine.client import mask, parse_rate
from conformance.engine.results import Part
from conformance.engine.runner import all_checks, run
from conformance.engine.settings import (
    CLOCK_TOLERANCE,
    DEFAULT_BUDGET,
    DEFAULT_MAX_EXAMPLES,
    DEFAULT_REPORT_TIMEOUT,
    DIFFERENTIAL_EXTRA_EXAMPLES,
    DIFFERENTIAL_PACED,
    DIFFERENTIAL_STEPS,
    PARTS,
    SCHEMA_PHASES,
    RunSettings,
)
from conformance.environment import KEY_ENV
from conformance.errors import ConformanceError
from conformance.profile import load_profile
from conformance.reporting.catalogue import catalogue_text
from conformance.reporting.console import ConsoleView
from conformance.reporting.junit import write_junit
from conformance.reporting.machine import write_json
from conformance.reporting.markdown import write_markdown
from conformance.schemathesis.phase import HOOKS_MODULE
from conformance.schemathesis.standalone import write_standalone_config
from mock_server.model.contract import CONTRACT_PATH
from mock_server.model.errors import MockError
from mock_server.model.seed import DEFAULT_API_KEY

EXIT_CONFORMS, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rise-conformance",
        description="How far a server is from the Rise API contract, in shape and behaviour.",
    )
    version = importlib.metadata.version("rise-contract")
    parser.add_argument("--version", action="version", version=f"%(prog)s {version}")
    commands = parser.add_subparsers(dest="command", required=True)
    run_cmd = commands.add_parser("run", help="run the conformance suite against a target")
    target = run_cmd.add_mutually_exclusive_group(required=True)
    target.add_argument("--base-url", help="the API root of the target, e.g. https://api.rise.com")
    target.add_argument("--mock", action="store_true", help="start the mock in-process and test it")
    run_cmd.add_argument("--api-key", help=f"the API key (default: ${KEY_ENV}); never shown in any output")
    run_cmd.add_argument("--profile", type=Path, help="YAML naming the courses and users the suite may touch")
    run_cmd.add_argument(
        "--max-examples",
        type=_positive_int,
        default=DEFAULT_MAX_EXAMPLES,
        help=f"Schemathesis cases per operation and phase (default {DEFAULT_MAX_EXAMPLES})",
    )
    run_cmd.add_argument(
        "--report-dir",
        type=Path,
        default=Path("conformance-report"),
        help="where junit.xml and report.md go (default ./conformance-report)",
    )
    run_cmd.add_argument(
        "--report-timeout",
        type=_positive_float,
        default=DEFAULT_REPORT_TIMEOUT,
        help=f"seconds to wait for a report to show an import (default {DEFAULT_REPORT_TIMEOUT:g})",
    )
    run_cmd.add_argument(
        "--rate-limit", type=_rate, help="requests per second as N/s (default 2/s off loopback)"
    )
    run_cmd.add_argument("--seed", type=int, help="seed for the choices and the generated data")
    run_cmd.add_argument(
        "--dry-run", action="store_true", help="list every write the run would make; make none"
    )
    run_cmd.add_argument(
        "--budget",
        type=_positive_int,
        help=f"cap the requests of the run (default {DEFAULT_BUDGET} off loopback, none on loopback)",
    )
    run_cmd.add_argument(
        "--baseline",
        type=Path,
        help="an earlier run's report.json: list what changed on the target since",
    )
    run_cmd.add_argument(
        "--allow-drift",
        action="store_true",
        help="list differences on the contract's decisions (x-assumption) as drift without failing the run",
    )
    run_cmd.add_argument(
        "--differential-examples",
        type=_positive_int,
        help=f"sequences of the differential part (default --max-examples + {DIFFERENTIAL_EXTRA_EXAMPLES} "
        f"unpaced, {DIFFERENTIAL_PACED} when paced: off loopback or with --rate-limit)",
    )
    run_cmd.add_argument(
        "--differential-steps",
        type=_positive_int,
        default=DIFFERENTIAL_STEPS,
        help=f"operations per differential sequence (default {DIFFERENTIAL_STEPS})",
    )
    run_cmd.add_argument(
        "--clock-tolerance",
        type=_positive_float,
        help="seconds the target's clock may differ from this machine's when judging a date set at the "
        f"request (default {CLOCK_TOLERANCE[True]:g} on loopback, {CLOCK_TOLERANCE[False]:g} off it)",
    )
    run_cmd.add_argument(
        "--parts",
        type=_parts,
        default=PARTS,
        help=f"comma-separated parts to run (default {','.join(p.value for p in PARTS)})",
    )
    run_cmd.add_argument(
        "--schema-phases",
        type=_schema_phases,
        default=SCHEMA_PHASES,
        help=f"comma-separated Schemathesis phases of the schema part (default {','.join(SCHEMA_PHASES)})",
    )
    commands.add_parser(
        "rules",
        help="list the contract's rules: ID, statement, where in openapi.yaml, basis, and the checks",
    )
    config_cmd = commands.add_parser(
        "schemathesis-config",
        help="write a schemathesis.toml for plain `schemathesis run` with this project's hooks",
        description="Write DIR/schemathesis.toml: it loads this project's Schemathesis hooks from the "
        "installed package, so `schemathesis run CONTRACT` works from DIR; the command prints the contract's "
        "path.",
    )
    config_cmd.add_argument(
        "dir", nargs="?", type=Path, default=Path("."), help="where to write it (default .)"
    )
    config_cmd.add_argument(
        "--base-url", help="the target, written as base-url (else pass --url when running)"
    )
    config_cmd.add_argument("--force", action="store_true", help="replace an existing schemathesis.toml")
    return parser


def main(
    argv: Sequence[str] | None = None,
    *,
    transport: httpx.BaseTransport | None = None,
    http: httpx.Client | None = None,
) -> int:
    """Entry point of the console script; returns the exit status.

    `transport` or `http` (for tests and embedding) carry the in-process parts' requests instead of the
    network; `--base-url` then only names the target in URLs and output, and the Schemathesis phase still
    needs it to be a running server.
    """
    args = build_parser().parse_args(argv)
    if args.command == "rules":
        _write(catalogue_text(load_rules(), checks_by_rule(all_checks())))
        return EXIT_CONFORMS
    if args.command == "schemathesis-config":
        return _schemathesis_config(args)
    api_key = args.api_key or os.environ.get(KEY_ENV) or (DEFAULT_API_KEY if args.mock else None)
    if not api_key:
        return _usage(f"no API key: pass --api-key KEY or set {KEY_ENV}")
    unusable = _unwritable(args.report_dir)
    if unusable:
        return _usage(f"cannot use --report-dir {args.report_dir} ({unusable}): name a folder you can write")
    seed = args.seed if args.seed is not None else random.randrange(2**31)
    try:
        profile = load_profile(args.profile)
        baseline = load_baseline(args.baseline) if args.baseline else None
        # --mock serves the mock with whichever key the run uses, so RISE_API_KEY may stay set.
        target = _serve_mock(api_key) if args.mock else nullcontext(args.base_url)
        with target as base_url:
            settings = RunSettings(
                base_url=base_url, api_key=api_key, profile=profile, max_examples=args.max_examples,
                report_timeout=args.report_timeout, rate=args.rate_limit, seed=seed,
                dry_run=args.dry_run, parts=args.parts, schema_phases=args.schema_phases,
                allow_drift=args.allow_drift, budget=args.budget,
                command=replay_command(args, seed), baseline=baseline, transport=transport,
                differential_examples=args.differential_examples,
                differential_steps=args.differential_steps, clock_tolerance=args.clock_tolerance,
            )  # fmt: skip
            live = sys.stdout.isatty()
            report = run(settings, ConsoleView(_write, live=live, secret=api_key), http=http)
    except (ConformanceError, MockError) as error:
        return _usage(mask(f"{type(error).__name__}: {error}", api_key))
    # Made only now, so that a usage or connection problem leaves no empty report folder behind.
    args.report_dir.mkdir(parents=True, exist_ok=True)
    junit = write_junit(report, args.report_dir / "junit.xml")
    markdown = write_markdown(report, args.report_dir / "report.md")
    machine = write_json(report, args.report_dir / "report.json")
    _write(f"Reports: {markdown}, {junit}, {machine}\n")
    if report.interrupted:
        return EXIT_INTERRUPTED
    return EXIT_CONFORMS if report.conforms else EXIT_FAILED


def replay_command(args: argparse.Namespace, seed: int) -> str:
    """The command that sends the same requests again (the key comes from the environment, never here)."""
    words = ["rise-conformance", "run"]
    words += ["--mock"] if args.mock else ["--base-url", args.base_url]
    words += ["--seed", str(seed), "--parts", ",".join(part.value for part in args.parts)]
    if args.schema_phases != SCHEMA_PHASES:
        words += ["--schema-phases", ",".join(args.schema_phases)]
    if args.profile:
        words += ["--profile", str(args.profile)]
    if args.max_examples != DEFAULT_MAX_EXAMPLES:
        words += ["--max-examples", str(args.max_examples)]
    if args.report_timeout != DEFAULT_REPORT_TIMEOUT:
        words += ["--report-timeout", f"{args.report_timeout:g}"]
    if args.rate_limit is not None:
        words += ["--rate-limit", f"{args.rate_limit:g}/s"]
    if args.budget is not None:
        words += ["--budget", str(args.budget)]
    if args.differential_examples is not None:
        words += ["--differential-examples", str(args.differential_examples)]
    if args.differential_steps != DIFFERENTIAL_STEPS:
        words += ["--differential-steps", str(args.differential_steps)]
    if args.clock_tolerance is not None:
        words += ["--clock-tolerance", f"{args.clock_tolerance:g}"]
    words += ["--allow-drift"] * args.allow_drift + ["--dry-run"] * args.dry_run
    return shlex.join(words)


def _schemathesis_config(args: argparse.Namespace) -> int:
    try:
        path = write_standalone_config(args.dir, base_url=args.base_url, force=args.force)
    except ConformanceError as error:
        return _usage(str(error))
    url = "" if args.base_url else " --url URL"
    _write(
        f"Wrote {path} (hooks: {HOOKS_MODULE}). From {args.dir}, with ${KEY_ENV} set:\n"
        f"  schemathesis run {CONTRACT_PATH}{url}\n"
    )
    return EXIT_CONFORMS


def _serve_mock(api_key: str) -> AbstractContextManager[str]:
    """The mock on a free loopback port, imported only here: a run against a real tenant never loads it."""
    from mock_server.http.app import create_app
    from mock_server.serving import serving

    return serving(create_app(api_keys=[api_key]))


def _unwritable(folder: Path) -> str | None:
    """Why `folder` could not receive the reports, or None; checked without creating anything."""
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        return f"{existing} is not a folder"
    if not os.access(existing, os.W_OK | os.X_OK):
        return f"{existing} is not writable"
    return None


def _write(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()


def _usage(message: str) -> int:
    sys.stderr.write(f"rise-conformance: {message}\n")
    return EXIT_USAGE


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _positive_float(text: str) -> float:
    value = float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be more than 0, got {value:g}")
    return value


def _rate(text: str) -> float:
    try:
        return parse_rate(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _parts(text: str) -> tuple[Part, ...]:
    chosen = _subset(text, [part.value for part in PARTS], "parts")
    return tuple(part for part in PARTS if part.value in chosen)


def _schema_phases(text: str) -> tuple[str, ...]:
    return _subset(text, SCHEMA_PHASES, "Schemathesis phases")


def _subset(text: str, offered: Sequence[str], what: str) -> tuple[str, ...]:
    """The names `text` lists (comma-separated, one at least), in the order `offered` gives them."""
    names = {name.strip() for name in text.split(",")} - {""}
    if not names or not names <= set(offered):
        raise argparse.ArgumentTypeError(
            f"{what} are {', '.join(offered)}; got {text!r}: name one or more, comma-separated"
        )
    return tuple(name for name in offered if name in names)


if __name__ == "__main__":
    sys.exit(main())
