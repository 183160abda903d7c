"""`rise-mock`: serve the mock Rise tenant from the command line."""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import signal
import socket
import sys
from collections.abc import Sequence
from typing import Any

import uvicorn

from mock_server.http.app import DEFAULT_API_KEY, create_app, open_backend
from mock_server.model.contract import CLIENT_CONFIG_PATH, CONTRACT_PATH
from mock_server.model.errors import SeedError
from mock_server.model.tenant import Tenant


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="rise-mock", description="A stateful mock of the Rise API.")
    version = importlib.metadata.version("rise-contract")
    parser.add_argument("--version", action="version", version=f"%(prog)s {version}")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve the mock tenant over HTTP")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    serve.add_argument("--port", type=_port, default=8080, help="port to listen on, 1-65535 (default: 8080)")
    serve.add_argument(
        "--api-key",
        action="append",
        dest="api_keys",
        metavar="KEY",
        help=f"an accepted bearer key; repeat for several (default: {DEFAULT_API_KEY})",
    )
    serve.add_argument(
        "--seed", metavar="FILE", help="YAML seed describing the tenant (default: the demo tenant)"
    )
    serve.add_argument(
        "--base-url",
        metavar="URL",
        help="what absolute URLs in bodies start with (default: http://HOST:PORT)",
    )
    serve.add_argument(
        "--db",
        metavar="FILE",
        help="keep the tenant, journal and faults in this SQLite file, across restarts and workers "
        "(the seed only fills a new file; POST /__mock/reset goes back to it)",
    )
    serve.add_argument(
        "--workers",
        type=int,
        default=1,
        metavar="N",
        help="worker processes (default: 1); more than one needs --db, which they share",
    )
    serve.add_argument(
        "--report-lag",
        type=float,
        default=0,
        metavar="SECONDS",
        help="how long an import or enrollment takes to show in the reports, as Rise documents up to "
        "300 (default: 0)",
    )
    serve.add_argument(
        "--validate-responses",
        action="store_true",
        help="check every response against openapi.yaml too (slower; a mismatch is a 500)",
    )
    contract = commands.add_parser(
        "contract",
        help="print the path of the installed contract (openapi.yaml), e.g. for schemathesis or a generator",
    )
    contract.add_argument(
        "--client-config",
        action="store_true",
        help="print the path of the shipped openapi-python-client config instead",
    )
    return parser


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        port = 0
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"a port is a whole number from 1 to 65535, got {text!r}")
    return port


def can_listen(host: str, port: int) -> str | None:
    """None when host:port is free to listen on, else why not (so the banner never promises a port
    the server then fails to take)."""
    try:
        with socket.create_server((host, port)):
            return None
    except OSError as error:
        return error.strerror or str(error)


def banner(
    *,
    listen_url: str,
    base_url: str,
    api_keys: Sequence[str],
    tenant: Tenant,
    database: str | None = None,
    report_lag: float = 0,
) -> str:
    """What the mock prints when it starts: where it is, how to call it, and what it holds."""
    state = tenant.state()
    courses = ", ".join(
        f"{c.id} ({c.source.value}, {'published' if c.published else 'unpublished'}"
        f"{', quiz' if c.quiz_required else ''})"
        for c in sorted(state.courses.values(), key=lambda c: c.id)
    )
    users = ", ".join(sorted(state.users))
    return "\n".join(
        [
            f"rise-mock listening on {listen_url}",
            *([f"  URLs in bodies start with {base_url}"] if base_url != listen_url else []),
            f"  API key(s):  {', '.join(api_keys)}   (send 'Authorization: Bearer <key>')",
            f"  courses:     {courses}",
            f"  users:       {users}",
            f"  browse:      {base_url}/ui/ (the contract) and {base_url}/__mock/ui/ (the control API)",
            f"  control API: {base_url}/__mock/state, /__mock/journal, /__mock/faults, POST /__mock/reset",
            f"  state kept in {database}" if database else "  state kept in memory (gone when it stops)",
            f"  reports show a write {report_lag:g} s after it"
            if report_lag
            else "  reports show writes at once",
            "  Ctrl-C stops it.",
        ]
    )


_WORKER_CONFIG = "RISE_MOCK_WORKER_CONFIG"


def worker_app() -> Any:
    """The app of one worker process when serving with --workers; its options come from the parent."""
    return create_app(**json.loads(os.environ[_WORKER_CONFIG]))


def serve(args: argparse.Namespace) -> int:
    if args.report_lag < 0:
        print(f"rise-mock: --report-lag must be 0 or more seconds, got {args.report_lag:g}.", file=sys.stderr)
        return 2
    if args.workers < 1 or (args.workers > 1 and not args.db):
        print(
            "rise-mock: --workers above 1 needs --db FILE, so that the workers share one tenant.",
            file=sys.stderr,
        )
        return 2
    api_keys = args.api_keys or [DEFAULT_API_KEY]
    listen_url = f"http://{args.host}:{args.port}"
    base_url = (args.base_url or listen_url).rstrip("/")
    options = {
        "seed": args.seed,
        "api_keys": api_keys,
        "base_url": base_url,
        "validate_responses": args.validate_responses,
        "database": args.db,
        "report_lag": args.report_lag,
    }
    try:
        backend = open_backend(seed=args.seed, database=args.db, report_lag=args.report_lag)
    except SeedError as error:
        print(f"rise-mock: {error}", file=sys.stderr)
        return 2
    refused = can_listen(args.host, args.port)
    if refused:
        print(
            f"rise-mock: cannot listen on {args.host}:{args.port} ({refused}): choose another --port.",
            file=sys.stderr,
        )
        return 2
    print(
        banner(
            listen_url=listen_url,
            base_url=base_url,
            api_keys=api_keys,
            tenant=backend.tenant,
            database=args.db,
            report_lag=args.report_lag,
        ),
        flush=True,
    )
    # SIGTERM (`docker stop`, a CI job ending) stops it as Ctrl-C does: cleanly, with exit status 0.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    if args.workers > 1:
        os.environ[_WORKER_CONFIG] = json.dumps(options)
        target: Any = "mock_server.cli:worker_app"
        uvicorn.run(
            target, factory=True, workers=args.workers, host=args.host, port=args.port, log_level="warning"
        )
    else:
        app = create_app(
            backend=backend, api_keys=api_keys, base_url=base_url, validate_responses=args.validate_responses
        )
        uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    print("rise-mock stopped.", flush=True)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "contract":
        print(CLIENT_CONFIG_PATH if args.client_config else CONTRACT_PATH)
        return 0
    return serve(args)


if __name__ == "__main__":
    sys.exit(main())
