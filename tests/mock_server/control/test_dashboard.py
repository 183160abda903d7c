"""The dashboard at /__mock/: served by the mock with its own files only, and driven in headless Chromium
(Debian's package, installed by `make system-deps`) as a person would use it."""

from __future__ import annotations

import os
import re
import shutil
import warnings
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from mock_server import create_app
from mock_server.control.client import RiseMock
from mock_server.store.faults import Fault

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from starlette.testclient import TestClient

CHROMIUM = os.environ.get("RISE_MOCK_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
"""Debian's chromium (never a browser downloaded by Playwright); RISE_MOCK_CHROMIUM names another."""
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
IMPORT = "/courses/rise-quiz-101/users/user-ada/completions"
BODY = {"startedAt": "2023-05-02T09:00:00Z", "completedAt": "2023-05-02T10:30:00Z"}
WAIT_MS = 10_000
_LOCAL_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")


def test_dashboard_page_and_its_files_are_served_with_a_self_only_policy() -> None:
    with TestClient(create_app()) as client:
        page = client.get("/__mock/")
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        assert "default-src 'self'" in page.headers["content-security-policy"]
        assert "http://" not in page.text and "https://" not in page.text
        for name in ("dashboard.js", "dashboard.css"):
            asset = client.get(f"/__mock/static/{name}")
            assert asset.status_code == 200 and "https://" not in asset.text
        assert client.get("/__mock", follow_redirects=False).headers["location"] == "/__mock/"
        missing = client.get("/__mock/static/..%2Fcontrol.yaml")
        assert missing.status_code == 404 and missing.json()["code"] == "not_found"
        assert client.get("/__mock/journal").json() == {"entries": []}


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.skip(
            f"no Chromium at {CHROMIUM}: `make system-deps` installs Debian's chromium (as root, with apt); "
            "elsewhere install it and set RISE_MOCK_CHROMIUM to its path"
        )
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="playwright is in the test extra: pip install -e .[test]"
    )
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield launched
        launched.close()


def test_dashboard_shows_an_import_and_makes_the_next_one_fail_from_its_form(
    browser, rise_mock: RiseMock, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    page = browser.new_page()
    outside: list[str] = []
    page.on(
        "request",
        lambda request: None if request.url.startswith(rise_mock.url) else outside.append(request.url),
    )
    page.goto(f"{rise_mock.url}/__mock/")

    quiz = page.locator('#courses tr[data-key="rise-quiz-101"]')
    expect(quiz).to_contain_text("version 3", timeout=WAIT_MS)
    expect(quiz.locator("td").nth(4)).to_have_text("yes")
    expect(page.locator('#courses tr[data-key="draft-301"]')).to_contain_text("never")
    expect(page.locator('#users tr[data-key="user-admin"]')).to_contain_text("admin")
    expect(page.locator('#enrollments tr[data-key="rise-quiz-101|user-grace"]')).to_contain_text("2024-01-15")

    assert httpx.post(rise_mock.url + IMPORT, json=BODY, headers=rise_mock.headers).status_code == 202
    row = page.locator('#report-rows tr[data-key="rise-quiz-101|user-ada"]')
    expect(row).to_contain_text("Complete", timeout=WAIT_MS)
    expect(row).to_contain_text("PT1H30M")
    newest = page.locator("#journal-table tbody tr").first
    expect(newest).to_contain_text(f"POST {IMPORT}", timeout=WAIT_MS)
    expect(newest.locator("td.status")).to_have_text("202")
    expect(newest.locator("time")).to_have_text(_LOCAL_DATE_TIME)
    expect(newest.locator("td.body")).to_contain_text('"startedAt":"2023-05-02T09:00:00Z"')

    page.select_option("#fault-status", "503")
    page.fill('#fault-form input[name="times"]', "1")
    page.click('#fault-form button[type="submit"]')
    expect(page.locator("#faults-table tbody tr")).to_contain_text("503", timeout=WAIT_MS)
    assert rise_mock.faults() == [Fault(method="POST", path="/courses/*/users/*/completions", status=503)]

    assert httpx.post(rise_mock.url + IMPORT, json=BODY, headers=rise_mock.headers).status_code == 503
    expect(newest.locator("td.status")).to_have_text("503", timeout=WAIT_MS)
    expect(page.locator("#faults-empty")).to_be_visible(timeout=WAIT_MS)
    assert [i.status for i in rise_mock.imports()] == [202, 503]
    assert [entry.path for entry in rise_mock.journal()] == [IMPORT, IMPORT], (
        "the page itself is not journalled"
    )
    page.screenshot(path=str(tmp_path / "dashboard.png"), full_page=True)

    page.click("#reset")
    expect(row).to_have_count(0, timeout=WAIT_MS)
    expect(page.locator("#journal-empty")).to_be_visible()
    assert rise_mock.completion("rise-quiz-101", "user-ada") is None
    assert outside == [], "the page loads nothing from outside the mock"
    page.close()


def test_dashboard_adds_a_rate_limit_fault_and_clears_faults(browser, rise_mock: RiseMock) -> None:
    from playwright.sync_api import expect

    page = browser.new_page()
    page.goto(f"{rise_mock.url}/__mock/")
    expect(page.locator("#connection")).to_have_text("live", timeout=WAIT_MS)
    page.select_option("#fault-status", "429")
    page.fill('#fault-form input[name="times"]', "2")
    page.fill('#fault-form input[name="retryAfter"]', "4")
    page.click('#fault-form button[type="submit"]')
    expect(page.locator("#faults-table tbody tr")).to_contain_text("429", timeout=WAIT_MS)
    assert rise_mock.faults() == [
        Fault(method="POST", path="/courses/*/users/*/completions", status=429, times=2, retry_after=4)
    ]
    page.click("#clear-faults")
    expect(page.locator("#faults-empty")).to_be_visible(timeout=WAIT_MS)
    assert rise_mock.faults() == []
    page.close()
