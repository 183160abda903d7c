"""The CPU an import and a report read cost inside the app, without sockets: what the hot path's changes move.

    python bench/app_cpu.py [--chunks 9] [--requests 3000] [--db FILE]

Builds the app as `rise-mock serve` does (in memory, or on SQLite with `--db`) and calls it as uvicorn does:
each request its own task, with a `send` bound to a transport the app can find. It prints the CPU time per
request of the best and the median chunk; the best is the steadiest figure on a shared machine, and two
versions compare fairly only in alternating runs of this script.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from collections.abc import Sequence
from typing import Any

from harness import BODY, IMPORT_PATHS, KEY, REPORT_PATHS

from mock_server.http.app import create_app

_BODY = json.dumps(BODY).encode()


class _Transport:
    """What the mock's connection middleware looks for behind `send` (uvicorn's transport)."""

    def close(self) -> None:
        pass

    def is_closing(self) -> bool:
        return False


class _Cycle:
    """A request cycle as uvicorn's: its `send` is a bound method of an object with a transport."""

    transport = _Transport()

    def __init__(self) -> None:
        self.statuses: list[int] = []

    async def send(self, message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            self.statuses.append(message["status"])


def _scope(method: str, path: str) -> dict[str, Any]:
    headers = [(b"host", b"127.0.0.1:8080"), (b"authorization", f"Bearer {KEY}".encode())]
    if method == "POST":
        headers += [(b"content-type", b"application/json"), (b"content-length", str(len(_BODY)).encode())]
    return {
        "type": "http", "asgi": {"version": "3.0", "spec_version": "2.3"}, "http_version": "1.1",
        "server": ("127.0.0.1", 8080), "client": ("127.0.0.1", 50000), "scheme": "http", "method": method,
        "root_path": "", "path": path, "raw_path": path.encode(), "query_string": b"", "headers": headers,
        "state": {},
    }  # fmt: skip


async def _requests(app: Any, method: str, paths: Sequence[str], count: int) -> None:
    cycle = _Cycle()

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": _BODY if method == "POST" else b"", "more_body": False}

    loop = asyncio.get_running_loop()
    for index in range(count):
        await loop.create_task(app(_scope(method, paths[index % len(paths)]), receive, cycle.send))
    expected = 202 if method == "POST" else 200
    if set(cycle.statuses) != {expected}:
        raise SystemExit(f"{method} answered {sorted(set(cycle.statuses))}, expected {expected}")


async def _measure(app: Any, method: str, paths: Sequence[str], chunks: int, count: int) -> list[float]:
    await _requests(app, method, paths, count)  # warm-up
    figures = []
    for _ in range(chunks):
        started = time.process_time()
        await _requests(app, method, paths, count)
        figures.append((time.process_time() - started) / count * 1e6)
    return sorted(figures)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=9)
    parser.add_argument("--requests", type=int, default=3000, help="requests per chunk")
    parser.add_argument("--db", help="serve the tenant from this SQLite file")
    args = parser.parse_args()
    app = create_app(database=args.db) if args.db else create_app()
    for label, method, paths in (("import", "POST", IMPORT_PATHS), ("report read", "GET", REPORT_PATHS)):
        figures = asyncio.run(_measure(app, method, paths, args.chunks, args.requests))
        print(
            f"{label:12s} CPU us/request: best {figures[0]:.1f}, median {statistics.median(figures):.1f}"
            f" ({args.chunks} chunks of {args.requests})",
            flush=True,
        )


if __name__ == "__main__":
    main()
