"""What the benchmarks share: servers in their own processes on 127.0.0.1, wrk runs, a paced load, RSS.

Every load is bounded in time; every server is stopped when its `with` block ends.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

ROOT = Path(__file__).resolve().parents[1]
KEY = "rise-mock-key"
AUTH = {"Authorization": f"Bearer {KEY}"}
BODY = {"startedAt": "2023-05-02T09:00:00Z", "completedAt": "2023-05-02T10:30:00Z"}
USERS = ["user-ada", "user-grace", "user-alan", "user-katherine"]
COURSES = ["rise-quiz-101", "rise-intro-102", "scorm-forklift-201"]
IMPORT_PATHS = [f"/courses/{c}/users/{u}/completions" for c in COURSES for u in USERS]
REPORT_PATHS = [f"/reports/learners/{u}" for u in USERS]


class BenchError(Exception):
    """A server did not start, or a load got answers it should not have."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    name: str
    url: str
    process: subprocess.Popen

    def rss_mib(self) -> float:
        """Resident memory of the server and every process it started (workers, node under npx)."""
        return sum(_rss_kib(pid) for pid in _tree(self.process.pid)) / 1024

    def cpu_seconds(self) -> float:
        """CPU time (user and system) the server and its processes have used so far: what a request
        costs it, whatever else the machine is doing."""
        return sum(_cpu_seconds(pid) for pid in _tree(self.process.pid))


def _cpu_seconds(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:  # gone already
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _tree(root: int) -> list[int]:
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    parents[int(entry)] = int(stat.read().rsplit(")", 1)[1].split()[1])
            except OSError:  # the process ended while we looked
                continue
    found, frontier = [root], [root]
    while frontier:
        frontier = [pid for pid, parent in parents.items() if parent in frontier]
        found.extend(frontier)
    return found


def _rss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:  # gone already
        return 0
    return 0


@contextmanager
def serving(name: str, command: Sequence[str], port: int, startup_seconds: float = 120) -> Iterator[Server]:
    """Start `command` (which listens on 127.0.0.1:`port`) and wait until it answers HTTP."""
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            list(command), cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            yield _started(name, process, port, log, startup_seconds)
        finally:
            with suppress(ProcessLookupError):  # none left: it failed to start, whose error is raised
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=15)


def _started(name: str, process: subprocess.Popen, port: int, log: Any, startup_seconds: float) -> Server:
    """The server once it answers HTTP; BenchError with its output if it exits or takes too long."""
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + startup_seconds
    while True:
        if process.poll() is not None or time.monotonic() > deadline:
            log.seek(0)
            output = log.read().decode(errors="replace")[-2000:]
            raise BenchError(f"{name} did not start on {url}:\n{output}")
        try:
            httpx.get(url + "/courses", headers=AUTH, timeout=2)
            return Server(name, url, process)
        except httpx.TransportError:
            time.sleep(0.2)


def mock_command(port: int, *options: str) -> list[str]:
    return [sys.executable, "-m", "mock_server", "serve", "--port", str(port), *options]


def baseline_command(port: int) -> list[str]:
    return [
        sys.executable, "-m", "uvicorn", "--app-dir", str(ROOT / "bench"), "baseline:app",
        "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning", "--no-access-log",
    ]  # fmt: skip


def prism_command(port: int) -> list[str] | None:
    """Stoplight Prism 5 mocking the same contract, when npx can install it (None otherwise)."""
    if not shutil.which("npx"):
        return None
    probe = subprocess.run(
        ["npx", "-y", "@stoplight/prism-cli@5", "--version"], capture_output=True, text=True, timeout=300
    )
    if probe.returncode != 0:
        return None
    return [
        "npx", "-y", "@stoplight/prism-cli@5", "mock", str(ROOT / "openapi.yaml"),
        "-h", "127.0.0.1", "-p", str(port),
    ]  # fmt: skip


@dataclass(frozen=True)
class Load:
    """What one run measured: requests per second, latency percentiles in milliseconds, and how many
    requests got no answer (socket errors, or none within wrk's timeout)."""

    rate: float
    p50_ms: float
    p99_ms: float
    lost: int = 0
    cpu_us: float = 0.0
    """Server CPU per request in microseconds (0 when not measured)."""


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
  io.write(string.format("RESULT %%f %%d %%d %%f %%f\\n", summary.requests / (summary.duration / 1e6),
    summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.timeout, latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
"""


def wrk(url: str, method: str, paths: Sequence[str], seconds: int, connections: int) -> Load:
    """As many requests as `connections` keep in flight for `seconds`. Any non-2xx answer fails the
    benchmark (a server that answers errors fast is not faster); requests left unanswered are counted."""
    body = f"[[{json.dumps(BODY)}]]" if method == "POST" else "nil"
    script = _WRK_SCRIPT % (", ".join(f'"{p}"' for p in paths), method, KEY, body)
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as handle:
        handle.write(script)
        handle.flush()
        command = [
            "wrk",
            "-t2",
            f"-c{connections}",
            f"-d{seconds}s",
            "--timeout",
            "10s",
            "-s",
            handle.name,
            url,
        ]
        done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
    if done.returncode != 0 or "RESULT " not in done.stdout:
        raise BenchError(f"wrk against {url} failed:\n{done.stdout}\n{done.stderr}")
    rate, status_errors, socket_errors, p50, p99 = done.stdout.split("RESULT ")[1].split()
    if int(status_errors):
        raise BenchError(f"{method} {url}: {status_errors} non-2xx answers")
    return Load(float(rate), float(p50), float(p99), int(socket_errors))


def paced(url: str, path: str, rate: int, seconds: int) -> Load:
    """`rate` imports a second for `seconds`, each sent at its scheduled time whatever the answers before
    it did, over keep-alive connections used in turn and opened as needed (again when the server closed
    one); a request's latency counts from its scheduled
    time, so that a stall is not hidden. The client writes prepared bytes and reads just enough of each
    answer, so that it costs little next to the server it measures."""
    return asyncio.run(_paced(url, path, rate, seconds))


async def _paced(url: str, path: str, rate: int, seconds: int) -> Load:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    body = json.dumps(BODY).encode()
    request = (
        f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nAuthorization: Bearer {KEY}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode() + body
    idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
    latencies: list[float] = []
    failures: list[str] = []

    async def one(at: float) -> None:
        await asyncio.sleep(max(0.0, at - time.perf_counter()))
        reader, writer = idle.pop(0) if idle else await asyncio.open_connection(host, port)
        try:
            writer.write(request)
            status = await _read_answer(reader)
        except (asyncio.IncompleteReadError, ConnectionError):  # the server closed it: once more, anew
            reader, writer = await asyncio.open_connection(host, port)
            writer.write(request)
            status = await _read_answer(reader)
        latencies.append((time.perf_counter() - at) * 1000)
        idle.append((reader, writer))
        if status >= 300:
            failures.append(str(status))

    for _ in range(8):  # connections open before the clock starts
        idle.append(await asyncio.open_connection(host, port))
    start = time.perf_counter() + 0.1
    await asyncio.gather(*(one(start + i / rate) for i in range(rate * seconds)))
    for _, writer in idle:
        writer.close()
    if failures:
        raise BenchError(f"POST {url}{path}: {len(failures)} answers were not 2xx, first: {failures[0]}")
    cuts = statistics.quantiles(latencies, n=100)
    return Load(len(latencies) / seconds, cuts[49], cuts[98])


async def _read_answer(reader: asyncio.StreamReader) -> int:
    """Read one HTTP/1.1 answer (by Content-Length, or chunked); its status."""
    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").lower()
    status = int(head.split(" ", 2)[1])
    if "transfer-encoding: chunked" in head:
        while True:
            size = int((await reader.readuntil(b"\r\n")).strip(), 16)
            await reader.readexactly(size + 2)
            if size == 0:
                return status
    for line in head.split("\r\n"):
        if line.startswith("content-length:"):
            await reader.readexactly(int(line.split(":", 1)[1]))
    return status
