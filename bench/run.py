"""Throughput and memory of rise-mock, measured against a bare Starlette baseline in the same run.

    python bench/run.py [--seconds S] [--concurrency C]      (make bench)

Each server runs in its own process on 127.0.0.1 (uvicorn, one worker). The load comes from wrk
(`apt-get install wrk`) for a bounded time per scenario; without wrk a Python client sends a bounded number
of requests instead, and then the client, not the server, may be what limits the figures. Machines here are
shared and noisy, so the figures that matter are the ratios to the baseline in one run, not the rates.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable

import httpx

KEY = "rise-mock-key"
BODY = {"startedAt": "2023-05-02T09:00:00Z", "completedAt": "2023-05-02T10:30:00Z"}
USERS = ["user-ada", "user-grace", "user-alan", "user-katherine"]
COURSES = ["rise-quiz-101", "rise-intro-102", "scorm-forklift-201"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def baseline_app():
    """The same upsert with no contract, no validation, no middleware: the floor any mock pays."""
    from starlette.applications import Starlette
    from starlette.responses import Response
    from starlette.routing import Route

    records: dict[tuple[str, str], dict] = {}

    async def upsert(request):
        body = await request.json()
        records[(request.path_params["course"], request.path_params["user"])] = body
        return Response(status_code=202)

    return Starlette(routes=[Route("/courses/{course}/users/{user}/completions", upsert, methods=["POST"])])


def mock_app(database: str | None):
    from mock_server import create_app

    return create_app(database=database)


def serve(factory: Callable, port: int, *args) -> None:
    import uvicorn

    uvicorn.run(factory(*args), host="127.0.0.1", port=port, log_level="error")


def rss_mib(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


_WRK_SCRIPT = """
local paths = {%s}
local i = 0
wrk.method = "%s"
wrk.headers["Authorization"] = "Bearer %s"
wrk.headers["Content-Type"] = "application/json"
wrk.body = %s
request = function()
  i = i + 1
  return wrk.format(nil, paths[(i %% #paths) + 1])
end
done = function(summary, latency, requests)
  io.write(string.format("RATE %%f ERRORS %%d\\n", summary.requests / (summary.duration / 1e6),
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.timeout))
end
"""


def load_with_wrk(url: str, method: str, paths: list[str], seconds: float, concurrency: int) -> float:
    """Requests per second from wrk; any non-2xx answer or socket error fails the benchmark."""
    body = f"[[{json.dumps(BODY)}]]" if method == "POST" else "nil"
    script = _WRK_SCRIPT % (", ".join(f'"{p}"' for p in paths), method, KEY, body)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
    try:
        command = ["wrk", "-t2", f"-c{concurrency}", f"-d{seconds}s", "-s", handle.name, url]
        output = subprocess.run(
            command, capture_output=True, text=True, timeout=seconds + 60, check=True
        ).stdout
    finally:
        os.unlink(handle.name)
    rate, errors = (float(x) for x in output.split("RATE ")[1].split(" ERRORS "))
    if errors:
        raise RuntimeError(f"{method} {url}: {errors:.0f} failed requests under wrk:\n{output}")
    return rate


async def load_with_httpx(url: str, method: str, paths: list[str], requests: int, concurrency: int) -> float:
    """Requests per second for `requests` calls over `concurrency` connections (bounded in count)."""
    headers = {"Authorization": f"Bearer {KEY}"}
    limits = httpx.Limits(max_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, headers=headers, limits=limits, timeout=30) as client:
        counter = iter(range(requests))

        async def worker() -> None:
            for index in counter:
                kwargs = {"json": BODY} if method == "POST" else {}
                response = await client.request(method, paths[index % len(paths)], **kwargs)
                if response.status_code >= 300:
                    raise RuntimeError(
                        f"{method} {paths[index % len(paths)]} answered {response.status_code}"
                    )

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return requests / (time.perf_counter() - started)


def load(url: str, method: str, paths: list[str], seconds: float, concurrency: int) -> float:
    if shutil.which("wrk"):
        return load_with_wrk(url, method, paths, seconds, concurrency)
    return asyncio.run(load_with_httpx(url, method, paths, int(seconds * 300), concurrency))


IMPORT_PATHS = [f"/courses/{c}/users/{u}/completions" for c in COURSES for u in USERS]
REPORT_PATHS = [f"/reports/learners/{u}" for u in USERS]


def measure(
    name: str, factory: Callable, args: tuple, scenarios: list, seconds: float, concurrency: int
) -> dict:
    port = free_port()
    process = multiprocessing.get_context("spawn").Process(
        target=serve, args=(factory, port, *args), daemon=True
    )
    process.start()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/", timeout=1)
            break
        except httpx.TransportError:
            time.sleep(0.1)
    figures = {"server": name}
    try:
        url = f"http://127.0.0.1:{port}"
        load(url, "POST", IMPORT_PATHS, 1, concurrency)  # warm-up
        for label, method, paths in scenarios:
            figures[label] = load(url, method, paths, seconds, concurrency)
        figures["rss_mib"] = rss_mib(process.pid)
    finally:
        process.terminate()
        process.join(timeout=10)
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=5, help="load time per scenario (default 5)")
    parser.add_argument("--concurrency", type=int, default=16, help="connections (default 16)")
    args = parser.parse_args()
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    imports = [("imports/s", "POST", IMPORT_PATHS)]
    reports = ("reports/s", "GET", REPORT_PATHS)
    with tempfile.TemporaryDirectory() as folder:
        rows = [
            measure("starlette baseline", baseline_app, (), imports, args.seconds, args.concurrency),
            measure(
                "rise-mock (memory)",
                mock_app,
                (None,),
                [*imports, reports],
                args.seconds,
                args.concurrency,
            ),
            measure(
                "rise-mock (sqlite)",
                mock_app,
                (os.path.join(folder, "bench.sqlite3"),),
                [*imports, reports],
                args.seconds,
                args.concurrency,
            ),
        ]
    base = rows[0]["imports/s"]
    client = "wrk" if shutil.which("wrk") else "a Python client (install wrk for server-bound figures)"
    print(
        f"{args.seconds:g} s per scenario, {args.concurrency} connections from {client}, one uvicorn worker"
    )
    print(f"{'server':<22}{'imports/s':>11}{'vs baseline':>13}{'reports/s':>11}{'RSS MiB':>9}")
    for row in rows:
        reports = f"{row['reports/s']:>11.0f}" if "reports/s" in row else f"{'-':>11}"
        print(
            f"{row['server']:<22}{row['imports/s']:>11.0f}{row['imports/s'] / base:>13.2f}"
            f"{reports}{row['rss_mib']:>9.1f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
