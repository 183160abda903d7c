"""A client generated from the contract with openapi-python-client and the shipped config: a short package
name, the import dates as a real union, one shared error model, enum members that read, and it imports a
completion into the mock."""

from __future__ import annotations

import datetime
import importlib
import subprocess
import sys
import typing
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from mock_server.control.client import RiseMock

GENERATE_SECONDS = 120


def _installed_path(*options: str) -> Path:
    done = subprocess.run(
        [sys.executable, "-m", "mock_server", "contract", *options],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return Path(done.stdout.strip())


@pytest.fixture(scope="module")
def rise_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    """The generated package, imported from a temporary folder (and forgotten afterwards)."""
    generator = Path(sys.executable).with_name("openapi-python-client")
    if not generator.exists():
        pytest.skip("openapi-python-client is in the test extra: pip install -e .[test]")
    folder = tmp_path_factory.mktemp("generated")
    contract, config = _installed_path(), _installed_path("--client-config")
    done = subprocess.run(
        [str(generator), "generate", "--path", str(contract), "--config", str(config)],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=GENERATE_SECONDS,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Warning" not in done.stdout + done.stderr, done.stdout + done.stderr
    sys.path.insert(0, str(folder / "rise-client"))
    try:
        yield importlib.import_module("rise_client")
    finally:
        sys.path.remove(str(folder / "rise-client"))
        for name in [name for name in sys.modules if name.split(".")[0] == "rise_client"]:
            del sys.modules[name]


def test_generated_client_has_a_short_name_and_one_shared_error_model(rise_client: ModuleType) -> None:
    models_folder = Path(rise_client.__file__).parent / "models"
    models = sorted(path.stem for path in models_folder.glob("*.py") if path.stem != "__init__")
    assert rise_client.__name__ == "rise_client"
    assert [name for name in models if "error" in name] == ["error", "error_code"]
    assert not [name for name in models if "response" in name or "rise_api_version" in name], models


def test_generated_client_types_the_import_dates_as_a_union_and_names_enum_members(
    rise_client: ModuleType,
) -> None:
    models = importlib.import_module("rise_client.models")
    hints = typing.get_type_hints(models.ImportCompletionRequest)
    assert set(typing.get_args(hints["started_at"])) == {datetime.date, datetime.datetime}
    assert set(typing.get_args(hints["completed_at"])) == {datetime.date, datetime.datetime}
    assert models.ApiVersion.V2020_07_16.value == "2020-07-16"
    assert models.ReportRowStatus.NOT_STARTED.value == "Not Started"
    assert models.ErrorCode.COURSE_NOT_FOUND.value == "course_not_found"


def test_generated_client_imports_a_completion_and_reads_errors(
    rise_client: ModuleType, rise_mock: RiseMock
) -> None:
    models = importlib.import_module("rise_client.models")
    imports = importlib.import_module("rise_client.api.completions.import_course_completion")
    client = rise_client.AuthenticatedClient(base_url=rise_mock.url, token=rise_mock.api_key)
    body = models.ImportCompletionRequest(
        started_at=datetime.date(2023, 5, 1),
        completed_at=datetime.datetime(2023, 5, 2, 10, 30, tzinfo=datetime.UTC),
    )
    with client:
        accepted = imports.sync_detailed("rise-quiz-101", "user-ada", client=client, body=body,
                                         rise_api_version=models.ApiVersion.V2020_07_16)  # fmt: skip
        refused = imports.sync_detailed("no-such-course", "user-ada", client=client, body=body)
    assert accepted.status_code == 202
    row = rise_mock.wait_for_report("rise-quiz-101", "user-ada", timeout=5)
    assert (row.status, row.duration) == ("Complete", "P1DT10H30M")
    assert refused.status_code == 404
    assert isinstance(refused.parsed, models.Error)
    assert refused.parsed.code is models.ErrorCode.COURSE_NOT_FOUND
