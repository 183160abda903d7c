"""Fixtures shared by the whole suite: rise-contract as a user installs it (a wheel, not this checkout)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from installed_package import BUILD_SOURCES

try:
    import fcntl
except ImportError:  # Windows has none: there each worker builds its own
    fcntl = None

ROOT = Path(__file__).resolve().parents[1]
BUILD_SECONDS = 180
_PIP = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--quiet"]


def _pip(*args: str) -> None:
    done = subprocess.run([*_PIP, *args], capture_output=True, text=True, timeout=BUILD_SECONDS, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture(scope="session")
def installed_package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding rise-contract installed from its wheel (without its dependencies, which the test
    environment has): first on PYTHONPATH (`installed_env`), it is what a process imports.

    Under pytest-xdist the workers share one build: the first to ask builds it in the session's folder
    while the others wait on its lock, then read it (no test writes there)."""
    if fcntl is None or not os.environ.get("PYTEST_XDIST_WORKER"):
        return _install(tmp_path_factory.mktemp("installed"))
    shared = tmp_path_factory.getbasetemp().parent / "installed"
    with open(shared.with_name("installed.lock"), "w", encoding="utf-8") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        built = shared / "built"
        if not built.exists():
            shutil.rmtree(shared, ignore_errors=True)  # what a failed build in another worker left
            shared.mkdir()
            target = _install(shared)
            built.touch()
            return target
    return shared / "site-packages"


def _install(scratch: Path) -> Path:
    """Build the wheel from a copy of the sources in `scratch` and install it there; its folder."""
    source, wheels, target = scratch / "source", scratch / "wheels", scratch / "site-packages"
    source.mkdir()
    for name in BUILD_SOURCES:  # built from a copy, so that the build leaves nothing in the checkout
        if (ROOT / name).is_dir():
            shutil.copytree(
                ROOT / name, source / name, symlinks=True, ignore=shutil.ignore_patterns("__pycache__")
            )
        else:
            shutil.copy2(ROOT / name, source / name)
    _pip("wheel", "--no-deps", "--no-build-isolation", "--wheel-dir", str(wheels), str(source))
    _pip("install", "--no-deps", "--no-index", "--target", str(target), *map(str, wheels.glob("*.whl")))
    return target
