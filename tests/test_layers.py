"""The arrows that must never exist (pyproject.toml, [tool.importlinter]) do not exist."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or "lint-imports"


def test_import_contracts_hold() -> None:
    done = subprocess.run([LINT_IMPORTS, "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


def test_importing_the_model_loads_no_http_library() -> None:
    """The tester's oracle and the pytest plugin can import the model without Connexion's cost."""
    code = (
        "import sys, mock_server.model.tenant, mock_server.model.seed, conformance.checks.semantic;"
        "print(sorted(m for m in ('connexion', 'starlette', 'uvicorn') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
