"""SQLite under real load, through real processes: concurrent imports of one pair over two workers leave
one record, and every acknowledged import survives the server being killed."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from mock_server import DEFAULT_API_KEY
from mock_server.serving import free_port

AUTH = {"Authorization": f"Bearer {DEFAULT_API_KEY}"}
START_SECONDS = 30.0
REQUEST_SECONDS = 30.0
CONCURRENT_IMPORTS = 500
DURABILITY_USERS = 300
KILL_AFTER_ACKS = 100


@contextmanager
def rise_mock(*args: str) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """rise-mock serve in its own process group on a free 127.0.0.1 port, polled until it answers."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        [sys.executable, "-m", "mock_server", "serve", "--port", str(port), *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + START_SECONDS
        while True:
            if process.poll() is not None:
                pytest.fail(f"rise-mock exited with {process.returncode}: {process.stderr.read().decode()}")
            try:
                if httpx.get(f"{url}/courses", headers=AUTH, timeout=1.0).status_code == 200:
                    break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    pytest.fail(f"rise-mock did not answer on {url} within {START_SECONDS} s")
                time.sleep(0.05)
        yield url, process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGINT)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        process.stderr.close()


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue  # the process ended while we looked
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _dates(index: int) -> dict[str, str]:
    started = datetime(2023, 1, 1, tzinfo=UTC) + timedelta(minutes=index)
    completed = started + timedelta(seconds=index + 1)
    return {"startedAt": started.isoformat(), "completedAt": completed.isoformat()}


async def _import_all(url: str, bodies: list[tuple[str, dict[str, str]]], limit: int) -> list[object]:
    async with httpx.AsyncClient(
        base_url=url, headers=AUTH, timeout=REQUEST_SECONDS, limits=httpx.Limits(max_connections=limit)
    ) as client:
        return await asyncio.gather(
            *(client.post(path, json=body) for path, body in bodies), return_exceptions=True
        )


def test_500_concurrent_imports_of_one_pair_over_two_workers_leave_one_record(tmp_path: Path) -> None:
    database = tmp_path / "tenant.sqlite3"
    path = "/courses/rise-quiz-101/users/user-ada/completions"
    bodies = [_dates(index) for index in range(CONCURRENT_IMPORTS)]
    with rise_mock("--workers", "2", "--db", str(database)) as (url, process):
        assert len(_children(process.pid)) >= 2  # two workers (and any process uvicorn keeps beside them)
        answers = asyncio.run(_import_all(url, [(path, body) for body in bodies], CONCURRENT_IMPORTS))
        report = httpx.get(f"{url}/reports/learners/user-ada", headers=AUTH).json()["courses"]
    assert [getattr(answer, "status_code", answer) for answer in answers] == [202] * CONCURRENT_IMPORTS
    with sqlite3.connect(database) as db:
        rows = db.execute("SELECT course_id, user_id, started_at, completed_at FROM completions").fetchall()
        enrollments = db.execute("SELECT COUNT(*) FROM enrollments WHERE user_id = 'user-ada'").fetchone()
    assert len(rows) == 1 and rows[0][:2] == ("rise-quiz-101", "user-ada")
    sent = {
        (datetime.fromisoformat(b["startedAt"]), datetime.fromisoformat(b["completedAt"])) for b in bodies
    }
    assert (datetime.fromisoformat(rows[0][2]), datetime.fromisoformat(rows[0][3])) in sent  # one request's
    assert enrollments == (1,)
    (row,) = report
    assert row["courseId"] == "rise-quiz-101" and row["status"] == "Complete"


def test_every_acknowledged_import_survives_a_sigkill(tmp_path: Path) -> None:
    seed = tmp_path / "tenant.yaml"
    users = [f"user-{index:03d}" for index in range(DURABILITY_USERS)]
    seed.write_text(
        "courses: [{id: c1, title: One, publishedVersion: 1}]\nusers:\n"
        + "".join(f"  - {{id: {user}, email: {user}@example.com}}\n" for user in users)
    )
    database = tmp_path / "tenant.sqlite3"
    acknowledged: dict[str, dict[str, str]] = {}
    with rise_mock("--seed", str(seed), "--db", str(database)) as (url, process):

        async def import_until_killed() -> int:
            gate = asyncio.Semaphore(16)
            failures = 0
            async with httpx.AsyncClient(base_url=url, headers=AUTH, timeout=REQUEST_SECONDS) as client:

                async def one(index: int) -> None:
                    nonlocal failures
                    async with gate:
                        body = _dates(index)
                        try:
                            answer = await client.post(
                                f"/courses/c1/users/{users[index]}/completions", json=body
                            )
                        except httpx.TransportError:
                            failures += 1
                            return
                    if answer.status_code == 202:
                        acknowledged[users[index]] = body
                        if len(acknowledged) == KILL_AFTER_ACKS:
                            os.killpg(process.pid, signal.SIGKILL)

                await asyncio.gather(*(one(index) for index in range(DURABILITY_USERS)))
            return failures

        failures = asyncio.run(import_until_killed())
        process.wait(timeout=10)
    assert process.returncode == -signal.SIGKILL
    assert len(acknowledged) >= KILL_AFTER_ACKS and failures > 0  # killed in the middle of the imports
    with rise_mock("--seed", str(seed), "--db", str(database)) as (url, _):
        kept = {c["userId"]: c for c in httpx.get(f"{url}/__mock/state").json()["completions"]}
    for user, body in acknowledged.items():
        assert user in kept, f"the acknowledged import for {user} was lost"
        assert datetime.fromisoformat(
            kept[user]["startedAt"].replace("Z", "+00:00")
        ) == datetime.fromisoformat(body["startedAt"])
