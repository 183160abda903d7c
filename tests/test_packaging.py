"""What the wheel carries: every file the mock, the dashboard, the tester and client generation read at
run time, so that an installed rise-contract works outside this checkout."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from installed_package import installed_env

SHIPPED = [
    "mock_server/openapi.yaml",
    "mock_server/demo_tenant.yaml",
    "mock_server/openapi-python-client.yaml",
    "mock_server/control/control.yaml",
    "mock_server/control/static/dashboard.html",
    "mock_server/control/static/dashboard.js",
    "mock_server/control/static/dashboard.css",
    "conformance/schemathesis/hooks.py",
]


def test_wheel_ships_the_contract_the_seed_the_dashboard_and_the_client_config(
    installed_package: Path,
) -> None:
    for name in SHIPPED:
        assert (installed_package / name).is_file(), f"{name} is not in the wheel"
    root = Path(__file__).resolve().parents[1]
    shipped = (installed_package / "mock_server/openapi.yaml").read_text(encoding="utf-8")
    assert shipped == (root / "openapi.yaml").read_text(encoding="utf-8"), "the wheel's contract is a copy"


def test_installed_package_is_the_one_imported_and_names_its_own_contract(
    installed_package: Path, tmp_path: Path
) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "mock_server", "contract"],
        cwd=tmp_path,
        env=installed_env(installed_package),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert Path(done.stdout.strip()) == installed_package / "mock_server" / "openapi.yaml"
