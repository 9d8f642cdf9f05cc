"""A real browser: a county user signs in and reads the student list (headless Chromium)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from edugov.core.masking import mask_id_number
from tests.conftest import PASSWORD

CHROMIUM = "/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else shutil.which("chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="needs Chromium at /usr/bin/chromium or on PATH"),
]


@pytest.fixture
def browser_page():  # type: ignore[no-untyped-def]
    sync_api = pytest.importorskip("playwright.sync_api")
    # Playwright's sync API runs an event loop in this thread; Django's ORM calls made by
    # fixtures around it are still synchronous, so tell Django not to refuse them.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_api.sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
            yield context.new_page()
            browser.close()
    finally:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


def test_county_user_reads_the_student_list(live_server, personas, world, browser_page,  # type: ignore[no-untyped-def]
                                            tmp_path: Path) -> None:
    from playwright.sync_api import expect

    page = browser_page
    page.goto(f"{live_server.url}/registry/students/")
    # Anonymous: sent to the sign-in page, which brings us back after signing in.
    expect(page.locator("h1")).to_have_text("登录")
    page.fill("#id_username", personas.county_a.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit].btn")

    expect(page.locator("h1")).to_have_text("学生名单")
    rows = page.locator("main table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(world.student_a.name)
    expect(rows.first).to_contain_text(mask_id_number(world.student_a.id_number))
    assert world.student_a.id_number not in page.content()
    assert world.student_b.name not in page.content()
    expect(page.locator(".topbar")).to_contain_text("东城区")

    shot = tmp_path / "student_list.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    # Kept for a human look: EDUGOV_SCREENSHOT_DIR=/some/dir pytest -m browser
    if target := os.environ.get("EDUGOV_SCREENSHOT_DIR"):
        shutil.copy(shot, Path(target) / shot.name)
