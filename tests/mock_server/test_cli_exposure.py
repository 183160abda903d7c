"""`rise-mock serve` at the process edge: what it refuses and warns about beyond loopback, which keys its
output shows, the admin key over a real socket, and database files it cannot use.

Tests bind to 127.0.0.1 only: beyond loopback they stop at the refusal, or use 192.0.2.1 (an address for
documentation, assigned to no interface), which the mock is refused by the system after it has warned."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from mock_server import DEFAULT_API_KEY
from mock_server.cli import main
from mock_server.serving import free_port
from mock_server.store.backend import open_backend

KEY = "s3cret-key-7f2b9c"
ADMIN = "admin-key-0c9d1e"
START_SECONDS = 20.0
STOP_SECONDS = 10.0
IMPORT = "/courses/rise-quiz-101/users/user-ada/completions"
BODY = {"startedAt": "2023-05-01", "completedAt": "2023-05-02"}


def _command(*args: str) -> list[str]:
    return [sys.executable, "-m", "mock_server", "serve", *args]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    """A serve that must end by itself (a refusal)."""
    return subprocess.run(_command(*args), capture_output=True, text=True, timeout=START_SECONDS)


@dataclass
class Served:
    url: str
    out: str = ""
    err: str = ""
    code: int | None = None


@contextmanager
def serving_process(*args: str, ready_headers: dict[str, str] | None = None) -> Iterator[Served]:
    """rise-mock serve on a free 127.0.0.1 port, polled until it answers; stopped with Ctrl-C (SIGINT)."""
    port = free_port()
    served = Served(f"http://127.0.0.1:{port}")
    process = subprocess.Popen(
        _command("--port", str(port), *args),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        deadline = time.monotonic() + START_SECONDS
        while True:
            if process.poll() is not None:
                _, err = process.communicate()
                pytest.fail(f"rise-mock exited with {process.returncode}: {err}")
            try:
                httpx.get(f"{served.url}/courses", headers=ready_headers, timeout=1.0)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    pytest.fail(f"rise-mock did not answer on {served.url} within {START_SECONDS} s")
                time.sleep(0.05)
        yield served
        process.send_signal(signal.SIGINT)
        served.out, served.err = process.communicate(timeout=STOP_SECONDS)
        served.code = process.returncode
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()


@pytest.mark.parametrize("host", ["0.0.0.0", "::"])
def test_beyond_loopback_the_demo_key_is_refused_before_listening(host: str) -> None:
    done = _run("--host", host, "--port", str(free_port()))
    assert done.returncode == 2
    assert "--api-key KEY" in done.stderr and DEFAULT_API_KEY in done.stderr
    assert "Traceback" not in done.stderr and "listening" not in done.stdout


def test_beyond_loopback_the_demo_key_given_as_api_key_is_refused_too() -> None:
    done = _run("--host", "0.0.0.0", "--api-key", DEFAULT_API_KEY, "--port", str(free_port()))
    assert done.returncode == 2 and "demo key" in done.stderr and "listening" not in done.stdout


def test_beyond_loopback_it_warns_what_it_exposes_before_it_binds() -> None:
    port = free_port()
    done = _run("--host", "192.0.2.1", "--port", str(port), "--api-key", KEY)
    warning, refusal = done.stderr.strip().splitlines()
    assert "WARNING" in warning and "192.0.2.1" in warning and f"port {port}" in warning
    assert "control API (/__mock/) is not served (pass --admin-key KEY" in warning
    assert refusal.startswith(f"rise-mock: cannot listen on 192.0.2.1:{port}") and "--host" in refusal
    assert done.returncode == 2 and KEY not in done.stdout + done.stderr


def test_custom_keys_are_masked_in_the_banner_and_the_admin_key_guards_the_control_api() -> None:
    auth = {"Authorization": f"Bearer {KEY}"}
    admin = {"Authorization": f"Bearer {ADMIN}"}
    with serving_process("--api-key", KEY, "--admin-key", ADMIN, ready_headers=auth) as served:
        assert httpx.get(f"{served.url}/__mock/state").status_code == 401
        assert httpx.get(f"{served.url}/__mock/state", headers=auth).status_code == 401
        assert httpx.post(f"{served.url}{IMPORT}?api_key={KEY}", json=BODY, headers=auth).status_code == 400
        assert httpx.post(f"{served.url}{IMPORT}", json=BODY, headers=auth).status_code == 202
        journal = httpx.get(f"{served.url}/__mock/journal", headers=admin)
        assert journal.status_code == 200 and KEY not in journal.text
        assert "api_key=***" in journal.text
    assert served.code == 0, served.err
    assert "s3c…b9c" in served.out and "adm…d1e" in served.out
    assert KEY not in served.out + served.err and ADMIN not in served.out + served.err


def test_on_loopback_the_demo_banner_and_open_control_api_stay_as_they_were() -> None:
    with serving_process() as served:
        assert httpx.get(f"{served.url}/__mock/state").status_code == 200
    assert served.code == 0 and DEFAULT_API_KEY in served.out and served.err == ""


def test_a_db_in_a_missing_folder_exits_2_saying_to_create_it(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-folder" / "tenant.sqlite3"
    done = _run("--db", str(missing), "--port", str(free_port()))
    assert done.returncode == 2
    assert f"the folder {missing.parent} does not exist" in done.stderr and "mkdir -p" in done.stderr
    assert "Traceback" not in done.stderr and "listening" not in done.stdout


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda path: path.write_text("not a database, " * 100), "not a SQLite database"),
        (lambda path: path.mkdir(), "it is a folder"),
        (lambda path: None, "is not a folder"),
    ],
    ids=["not a database", "a folder", "under a file"],
)
def test_a_db_that_cannot_be_opened_exits_2_saying_what_to_do(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], make, expected: str
) -> None:
    path = tmp_path / "tenant.sqlite3"
    if expected == "is not a folder":
        (tmp_path / "file").write_text("x")
        path = tmp_path / "file" / "tenant.sqlite3"
    make(path)
    assert main(["serve", "--db", str(path), "--port", str(free_port())]) == 2
    captured = capsys.readouterr()
    assert expected in captured.err and str(path) in captured.err and "listening" not in captured.out


def _seed_file(tmp_path: Path, course: str) -> Path:
    seed = tmp_path / f"{course}.yaml"
    seed.write_text(
        f"courses: [{{id: {course}, title: One, publishedVersion: 1}}]\n"
        "users: [{id: u1, email: u1@x.test}]\n"
    )
    return seed


def test_seed_over_an_existing_db_is_kept_and_said_so_or_replaced_with_reseed(tmp_path: Path) -> None:
    database = tmp_path / "tenant.sqlite3"
    stored = open_backend(seed=_seed_file(tmp_path, "stored-course"), database=database)
    stored.journal.record(
        at=datetime(2024, 1, 1, tzinfo=UTC), method="GET", path="/courses", query="", content_type=None,
        api_version=None, authorization="none", body=None, status=200, code=None, duration_ms=1.0,
    )  # fmt: skip
    new_seed = _seed_file(tmp_path, "new-course")
    with serving_process("--db", str(database), "--seed", str(new_seed)) as kept:
        assert [c["id"] for c in httpx.get(f"{kept.url}/__mock/state").json()["courses"]] == ["stored-course"]
        journal = httpx.get(f"{kept.url}/__mock/journal").json()["entries"]
        assert [entry["status"] for entry in journal] == [200, 401]  # the stored entry, then the probe
    assert f"--seed {new_seed} was not loaded" in kept.err and "--reseed" in kept.err
    assert "the tenant stored there, not the seed" in kept.out
    with serving_process("--db", str(database), "--seed", str(new_seed), "--reseed") as replaced:
        assert [c["id"] for c in httpx.get(f"{replaced.url}/__mock/state").json()["courses"]] == [
            "new-course"
        ]
        journal = httpx.get(f"{replaced.url}/__mock/journal").json()["entries"]
        assert [entry["status"] for entry in journal] == [401]  # only the readiness probe: the old is gone
    assert "not loaded" not in replaced.err and "not the seed" not in replaced.out
