"""The dashboard's charts in a real browser (headless Chromium): drawn without a CDN."""

from __future__ import annotations

import os
import shutil

import pytest

from edugov.metrics import selectors, services
from tests.conftest import PASSWORD

# Playwright's sync API runs an event loop in this thread; the live server's ORM calls
# and the fixtures' are still synchronous.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = "/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else shutil.which("chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="needs Chromium at /usr/bin/chromium or on PATH"),
]


def test_ranking_and_trend_charts_render(live_server, metrics_world, personas):  # type: ignore[no-untyped-def]
    sync_api = pytest.importorskip("playwright.sync_api")
    services.compute_and_store(actor=None, year=2024)
    services.compute_and_store(actor=None, year=2025)
    outside: list[str] = []
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_context(locale="zh-CN").new_page()
        # Any request leaving the test server would be a CDN: record and refuse it.
        page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(
            live_server.url) else (outside.append(route.request.url), route.abort()))
        page.goto(f"{live_server.url}/login/?next=/metrics/regions/980100/indicators/"
                  "kg_public_share/%3Fyear%3D2025")
        page.fill("#id_username", personas.city_bureau.username)
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit].btn")
        sync_api.expect(page.locator("h1")).to_contain_text("公办园在园幼儿占比")
        bars = page.locator("svg.bar-chart >> nth=0").locator("g.bar rect")
        sync_api.expect(bars).to_have_count(2)
        widths = [bars.nth(i).bounding_box()["width"] for i in range(2)]
        east = selectors.current_results(2025).get(indicator__code="kg_public_share",
                                                   region__code="980101").value
        west = selectors.current_results(2025).get(indicator__code="kg_public_share",
                                                   region__code="980102").value
        # Drawn to scale, best first: bar lengths in the values' ratio.
        assert widths[1] / widths[0] == pytest.approx(min(east, west) / max(east, west),
                                                      rel=0.02)
        labels = page.locator("svg.bar-chart >> nth=0").locator("text")
        assert "东城区" in " ".join(labels.all_text_contents())
        sync_api.expect(page.locator("svg.line-chart circle")).to_have_count(2)
        browser.close()
    assert not outside
