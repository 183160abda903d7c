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

from mock_server.exposure import Exposure, is_wildcard, local_url, url_host
from mock_server.http.app import DEFAULT_API_KEY, create_app, open_backend
from mock_server.model.contract import CLIENT_CONFIG_PATH, CONTRACT_PATH
from mock_server.model.errors import SeedError
from mock_server.model.redaction import shown_key
from mock_server.model.tenant import Tenant
from mock_server.store.sqlite import DatabaseError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="rise-mock", description="A stateful mock of the Rise API.")
    version = importlib.metadata.version("rise-contract")
    parser.add_argument("--version", action="version", version=f"%(prog)s {version}")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve the mock tenant over HTTP")
    serve.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default: 127.0.0.1); beyond loopback it needs --api-key, and the "
        "control API --admin-key",
    )
    serve.add_argument("--port", type=_port, default=8080, help="port to listen on, 1-65535 (default: 8080)")
    serve.add_argument(
        "--api-key",
        action="append",
        dest="api_keys",
        metavar="KEY",
        help=f"an accepted bearer key; repeat for several (default: {DEFAULT_API_KEY}, on loopback only)",
    )
    serve.add_argument(
        "--admin-key",
        metavar="KEY",
        help="bearer key the control API (/__mock/) then needs; beyond loopback it is served only with one",
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
        "(the seed only fills a new file, unless --reseed; POST /__mock/reset goes back to it)",
    )
    serve.add_argument(
        "--reseed",
        action="store_true",
        help="with --db: replace the tenant stored there (and its journal and faults) with the seed",
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
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        with socket.create_server((host.strip("[]"), port), family=family):
            return None
    except OSError as error:
        return error.strerror or str(error)


def _shown_keys(api_keys: Sequence[str]) -> str:
    """The demo key as it is (it is public); any other key masked, as every log may keep the banner."""
    return ", ".join(key if key == DEFAULT_API_KEY else shown_key(key) for key in api_keys)


def _control_line(base_url: str, admin_key: str | None, control_api: bool) -> str:
    if not control_api:
        return "  control API: not served on this address (start with --admin-key KEY to serve it)"
    paths = f"{base_url}/__mock/state, /__mock/journal, /__mock/faults, POST /__mock/reset"
    if admin_key is None:
        return f"  control API: {paths}"
    return f"  control API: {paths}   (admin key {shown_key(admin_key)}: 'Authorization: Bearer <admin key>')"


def banner(
    *,
    listen_url: str,
    base_url: str | None,
    api_keys: Sequence[str],
    tenant: Tenant,
    database: str | None = None,
    report_lag: float = 0,
    admin_key: str | None = None,
    control_api: bool = True,
    kept: bool = False,
    local: str | None = None,
) -> str:
    """What the mock prints when it starts: where it is, how to call it, and what it holds. No key but
    the public demo key is printed in full. `base_url` None: body URLs follow each request's address;
    `local` is where this machine reaches it (for a wildcard host); `kept`: the database's own tenant."""
    state = tenant.state()
    courses = ", ".join(
        f"{c.id} ({c.source.value}, {'published' if c.published else 'unpublished'}"
        f"{', quiz' if c.quiz_required else ''})"
        for c in sorted(state.courses.values(), key=lambda c: c.id)
    )
    users = ", ".join(sorted(state.users))
    browse = base_url or local or listen_url
    if base_url is None:
        urls = ["  URLs in bodies start with the address each request came to"]
    else:
        urls = [f"  URLs in bodies start with {base_url}"] if base_url != listen_url else []
    if not database:
        kept_in = "  state kept in memory (gone when it stops)"
    elif kept:
        kept_in = f"  state kept in {database}: the tenant stored there, not the seed (--reseed replaces it)"
    else:
        kept_in = f"  state kept in {database}"
    return "\n".join(
        [
            f"rise-mock listening on {listen_url}",
            *urls,
            f"  API key(s):  {_shown_keys(api_keys)}   (send 'Authorization: Bearer <key>')",
            f"  courses:     {courses}",
            f"  users:       {users}",
            f"  browse:      {browse}/ui/ (the contract)"
            + (f" and {browse}/__mock/ui/ (the control API)" if control_api else ""),
            _control_line(browse, admin_key, control_api),
            kept_in,
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
    exposure = Exposure(args.host, args.port, tuple(api_keys), args.admin_key)
    refusal = exposure.refusal(keys_given=bool(args.api_keys))
    if refusal:
        print(f"rise-mock: {refusal}", file=sys.stderr)
        return 2
    listen_url = f"http://{url_host(args.host)}:{args.port}"
    # On a wildcard host no single address reaches it; body URLs then follow each request's Host.
    base_url = args.base_url.rstrip("/") if args.base_url else None
    if base_url is None and not is_wildcard(args.host):
        base_url = listen_url
    options = {
        "seed": args.seed,
        "api_keys": api_keys,
        "base_url": base_url,
        "validate_responses": args.validate_responses,
        "database": args.db,
        "report_lag": args.report_lag,
        "admin_key": args.admin_key,
        "control_api": exposure.control_api,
    }
    try:
        backend = open_backend(
            seed=args.seed, database=args.db, report_lag=args.report_lag, reseed=args.reseed
        )
    except (SeedError, DatabaseError) as error:
        print(f"rise-mock: {error}", file=sys.stderr)
        return 2
    if backend.kept and args.seed:
        print(
            f"rise-mock: --seed {args.seed} was not loaded: {args.db} already holds a tenant, which is "
            "kept; pass --reseed to replace it with the seed.",
            file=sys.stderr,
            flush=True,
        )
    for warning in exposure.warnings(base_url_given=bool(args.base_url)):
        print(f"rise-mock: {warning}", file=sys.stderr, flush=True)
    refused = can_listen(args.host, args.port)
    if refused:
        print(
            f"rise-mock: cannot listen on {args.host}:{args.port} ({refused}): choose another --port"
            + (" or --host" if exposure.exposed else "")
            + ".",
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
            admin_key=args.admin_key,
            control_api=exposure.control_api,
            kept=backend.kept,
            local=local_url(args.host, args.port),
        ),
        flush=True,
    )
    # SIGTERM (`docker stop`, a CI job ending) stops it as Ctrl-C does: cleanly, with exit status 0.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    if args.workers > 1:
        os.environ[_WORKER_CONFIG] = json.dumps(options)
        target: Any = "mock_server.cli:worker_app"
        uvicorn.run(
            target,
            factory=True,
            workers=args.workers,
            host=args.host.strip("[]"),
            port=args.port,
            log_level="warning",
        )
    else:
        app = create_app(
            backend=backend,
            api_keys=api_keys,
            base_url=base_url,
            validate_responses=args.validate_responses,
            admin_key=args.admin_key,
            control_api=exposure.control_api,
        )
        uvicorn.run(app, host=args.host.strip("[]"), port=args.port, log_level="warning")
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
