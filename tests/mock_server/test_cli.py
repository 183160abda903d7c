"""`rise-mock` from the command line: the banner, seed errors, and a real server started and stopped."""

from __future__ import annotations

import importlib.metadata
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from mock_server import DEFAULT_API_KEY
from mock_server.cli import banner, main
from mock_server.model.seed import DEMO_SEED_PATH, load_seed_file
from mock_server.model.tenant import Tenant

DEMO_IDS = [
    "rise-quiz-101",
    "rise-intro-102",
    "scorm-forklift-201",
    "draft-301",
    "user-ada",
    "user-grace",
    "user-alan",
    "user-katherine",
    "user-admin",
]
START_TIMEOUT = 20.0
STOP_TIMEOUT = 10.0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_banner_names_the_url_the_key_and_the_demo_ids() -> None:
    text = banner(
        listen_url="http://127.0.0.1:8080",
        base_url="http://127.0.0.1:8080",
        api_keys=[DEFAULT_API_KEY],
        tenant=Tenant(load_seed_file(DEMO_SEED_PATH)),
    )
    assert "http://127.0.0.1:8080" in text
    assert DEFAULT_API_KEY in text
    for record_id in DEMO_IDS:
        assert record_id in text
    assert "Ctrl-C" in text


def test_banner_says_which_course_is_unpublished_and_which_has_a_quiz() -> None:
    text = banner(
        listen_url="http://x",
        base_url="http://x",
        api_keys=[DEFAULT_API_KEY, "k2"],
        tenant=Tenant(load_seed_file(DEMO_SEED_PATH)),
    )
    assert "draft-301 (rise, unpublished, quiz)" in text
    assert "rise-intro-102 (rise, published)" in text
    assert f"API key(s):  {DEFAULT_API_KEY}, ***" in text


def test_banner_says_where_it_listens_and_what_urls_in_bodies_start_with() -> None:
    text = banner(
        listen_url="http://127.0.0.1:18441",
        base_url="https://api.example.test",
        api_keys=[DEFAULT_API_KEY],
        tenant=Tenant(load_seed_file(DEMO_SEED_PATH)),
    )
    assert text.splitlines()[0] == "rise-mock listening on http://127.0.0.1:18441"
    assert "URLs in bodies start with https://api.example.test" in text


@pytest.mark.parametrize("port", ["0", "99999", "http"])
def test_serve_refuses_a_port_outside_1_to_65535(port: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["serve", "--port", port])
    assert exit_info.value.code == 2
    assert "1 to 65535" in capsys.readouterr().err


def test_serve_on_a_port_in_use_says_so_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        assert main(["serve", "--port", str(port)]) == 2
    captured = capsys.readouterr()
    assert f"cannot listen on 127.0.0.1:{port}" in captured.err
    assert "listening on" not in captured.out


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("courses: [\n  {id: c1\nusers: []\n", "YAML"),
        ("courses: [{id: c1, title: One, colour: red}]\nusers: []\n", "colour"),
        ("courses: [{id: c1, title: One, publishedVersion: x}]\nusers: []\n", "publishedVersion"),
        ("courses: [{id: c1, title: One}, {id: c1, title: Two}]\nusers: []\n", "'c1'"),
        (
            "courses: [{id: c1, title: One}]\nusers: []\n"
            "enrollments: [{courseId: c1, userId: u404, enrolledAt: '2024-01-15'}]\n",
            "'u404'",
        ),
    ],
    ids=["bad YAML", "unknown field", "wrong type", "duplicate ID", "unknown user"],
)
def test_serve_with_a_bad_seed_file_names_the_file_and_the_problem_and_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, problem: str
) -> None:
    seed = tmp_path / "broken-seed.yaml"
    seed.write_text(text, encoding="utf-8")
    assert main(["serve", "--seed", str(seed), "--port", str(_free_port())]) == 2
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    assert str(seed) in captured.err
    assert problem in captured.err
    assert "listening" not in captured.out


def test_serve_with_a_missing_seed_file_names_it_and_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nope.yaml"
    assert main(["serve", "--seed", str(missing), "--port", str(_free_port())]) == 2
    err = capsys.readouterr().err
    assert str(missing) in err
    assert "Traceback" not in err


def test_a_bad_seed_file_in_a_real_process_exits_2_without_a_traceback(tmp_path: Path) -> None:
    seed = tmp_path / "broken-seed.yaml"
    seed.write_text("courses: nope\nusers: []\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "mock_server", "serve", "--seed", str(seed), "--port", str(_free_port())],
        capture_output=True,
        text=True,
        timeout=STOP_TIMEOUT + START_TIMEOUT,
    )
    assert done.returncode == 2
    assert str(seed) in done.stderr
    assert "Traceback" not in done.stderr


def test_an_unknown_option_is_a_usage_error_exiting_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["serve", "--port", "not-a-port"])
    assert exit_info.value.code == 2
    assert "--port" in capsys.readouterr().err


def _wait_until_it_answers(process: subprocess.Popen[str], base_url: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"rise-mock exited with {process.returncode} before answering")
        try:
            if httpx.get(f"{base_url}/__mock/state", timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass  # not listening yet
        time.sleep(0.1)
    pytest.fail(f"rise-mock did not answer on {base_url} within {START_TIMEOUT} s")


def test_serve_answers_over_http_and_stops_cleanly_on_ctrl_c() -> None:
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        [sys.executable, "-m", "mock_server", "serve", "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        _wait_until_it_answers(process, base_url)
        auth = {"Authorization": f"Bearer {DEFAULT_API_KEY}"}
        imported = httpx.post(
            f"{base_url}/courses/rise-quiz-101/users/user-ada/completions",
            json={"startedAt": "2023-05-02T09:00:00Z", "completedAt": "2023-05-02T10:30:00Z"},
            headers=auth,
        )
        assert imported.status_code == 202
        report = httpx.get(f"{base_url}/reports/learners/user-ada", headers=auth)
        assert report.status_code == 200
        (row,) = report.json()["courses"]
        assert (row["courseId"], row["duration"], row["quizScorePercent"]) == (
            "rise-quiz-101",
            "PT1H30M",
            100,
        )
        assert row["courseUrl"] == f"{base_url}/courses/rise-quiz-101"

        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=STOP_TIMEOUT)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, err
    assert "Traceback" not in err
    assert f"listening on {base_url}" in out
    assert DEFAULT_API_KEY in out
    assert "stopped" in out


def test_version_prints_the_installed_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"rise-mock {importlib.metadata.version('rise-contract')}"
