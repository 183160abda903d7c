"""Running rise-contract as installed from its wheel (see the `installed_package` fixture in conftest.py)."""

from __future__ import annotations

import os
from pathlib import Path

BUILD_SOURCES = ("pyproject.toml", "README.md", "openapi.yaml", "mock_server", "conformance")
"""What the wheel is built from, as the Dockerfile's build stage copies it (tests/test_container.py checks
that the two lists agree)."""


def installed_env(target: Path, **extra: str) -> dict[str, str]:
    """The environment of a process that imports rise-contract from `target` rather than this checkout."""
    path = os.pathsep.join(filter(None, [str(target), os.environ.get("PYTHONPATH")]))
    return {**os.environ, "PYTHONPATH": path, **extra}
