"""A throwaway PostgreSQL server for the tests: a private cluster (initdb, pg_ctl) in a temporary folder,
listening on 127.0.0.1 and a free port, stopped and deleted when the session ends.

`RISE_TEST_POSTGRES_URL` names a running server to use instead. Without either, the PostgreSQL tests
skip and say how to get one (Debian: `apt-get install postgresql`).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

URL_VARIABLE = "RISE_TEST_POSTGRES_URL"
INSTALL_HINT = (
    "install Debian's postgresql package (apt-get install postgresql) or set RISE_TEST_POSTGRES_URL"
)


class NoPostgres(Exception):
    """No PostgreSQL server could be had; the message says why."""


def _binaries() -> tuple[str, str]:
    """initdb and pg_ctl: on PATH, else Debian's newest under /usr/lib/postgresql."""
    on_path = shutil.which("initdb"), shutil.which("pg_ctl")
    if all(on_path):
        return on_path  # type: ignore[return-value]
    folders = glob.glob("/usr/lib/postgresql/*/bin")
    for folder in sorted(folders, key=lambda f: int(f.split("/")[-2]), reverse=True):
        initdb, pg_ctl = Path(folder, "initdb"), Path(folder, "pg_ctl")
        if initdb.exists() and pg_ctl.exists():
            return str(initdb), str(pg_ctl)
    raise NoPostgres(f"no initdb/pg_ctl found: {INSTALL_HINT}")


def _as_server_user() -> tuple[list[str], int | None]:
    """PostgreSQL refuses to run as root: as root, run it as the `postgres` user Debian's package makes."""
    if os.geteuid() != 0:
        return [], None
    try:
        uid = pwd.getpwnam("postgres").pw_uid
    except KeyError:
        raise NoPostgres(
            f"running as root and there is no postgres user to run the server as: {INSTALL_HINT}"
        ) from None
    return ["runuser", "-u", "postgres", "--"], uid


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _run(command: list[str]) -> None:
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise NoPostgres(f"{' '.join(command)} failed: {done.stdout}{done.stderr}")


@contextmanager
def throwaway_cluster() -> Iterator[str]:
    """The URL of a fresh server (user `rise`, database `postgres`, no password on loopback)."""
    initdb, pg_ctl = _binaries()
    prefix, uid = _as_server_user()
    folder = Path(tempfile.mkdtemp(prefix="rise-pg-"))
    data = folder / "data"
    try:
        if uid is not None:
            os.chown(folder, uid, -1)
        _run([*prefix, initdb, "-D", str(data), "-U", "rise", "-A", "trust", "-E", "UTF8", "--no-sync"])
        port = _free_port()
        options = (
            f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={folder} "
            "-c fsync=off -c full_page_writes=off"
        )
        log = str(folder / "log")
        _run([*prefix, pg_ctl, "-D", str(data), "-l", log, "-o", options, "-w", "-t", "60", "start"])
        try:
            yield f"postgresql://rise@127.0.0.1:{port}/postgres"
        finally:
            subprocess.run(
                [*prefix, pg_ctl, "-D", str(data), "-m", "immediate", "-w", "stop"],
                capture_output=True,
                timeout=60,
            )
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def postgres_server() -> Iterator[str]:
    """The server of `RISE_TEST_POSTGRES_URL`, else a throwaway cluster; NoPostgres when neither."""
    url = os.environ.get(URL_VARIABLE)
    if url:
        yield url
        return
    with throwaway_cluster() as started:
        yield started
