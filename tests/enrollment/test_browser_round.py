"""A whole round in a real browser (headless Chromium): a parent applies on a phone-sized
screen, the school verifies, the county draws the lottery, assigns and publishes, and the
parent sees the result.

Time passes by moving the round's windows around the real clock (sessions stay valid).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil

import pytest
from django.utils import timezone

from edugov.enrollment import services
from edugov.enrollment.models import AdmissionRound, Application
from tests import factories as f
from tests.conftest import PASSWORD
from tests.enrollment.conftest import BIRTH, child_of, new_parent

# Playwright's sync API runs an event loop in this thread; the ORM calls of fixtures and
# helpers around it stay synchronous.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = "/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else shutil.which("chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PHONE = {"width": 390, "height": 844}

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="needs Chromium at /usr/bin/chromium or on PATH"),
    pytest.mark.django_db(transaction=True),
]


def move_to(round: AdmissionRound, phase: str) -> None:
    """Shift the windows so that now falls in ``phase`` (registration/verification/lottery)."""
    now = timezone.now()
    day = dt.timedelta(days=1)
    offset = {"registration": 0, "verification": 2, "lottery": 4}[phase]
    start = now - day - offset * day
    AdmissionRound.objects.filter(pk=round.pk).update(
        registration_opens=start, registration_closes=start + 2 * day,
        verification_closes=start + 4 * day, lottery_at=start + 4 * day,
        publication_at=start + 4 * day, confirmation_closes=start + 30 * day)
    round.refresh_from_db()


@pytest.fixture
def browser():  # type: ignore[no-untyped-def]
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


def signed_in(browser, live_server, username: str, viewport=None):  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    context = browser.new_context(locale="zh-CN",
                                  viewport=viewport or {"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit].btn")
    expect(page.locator(".topbar")).to_be_visible()
    return page


def test_a_whole_round_in_the_browser(live_server, browser, admission, personas):
    from playwright.sync_api import expect

    round = admission.round
    move_to(round, "registration")
    # Two other families want the same school; they rank below a district child.
    for n in range(2):
        other = new_parent(f"other{n}")
        app = services.create_application(
            actor=other, guardian=child_of(other, f"邻居{n}"), round=round,
            choices=[admission.public_a], phone="13900000000", hukou_community="C03")
        services.submit(actor=other, application=app)
        services.review(actor=personas.county_a, application=app, decision="verify")
    parent = new_parent("mama")

    # The county publishes the lottery commitment before registration closes.
    county = signed_in(browser, live_server, personas.county_a.username)
    county.goto(f"{live_server.url}/enrollment/rounds/{round.pk}/")
    county.click("#commit")
    expect(county.locator("#commitment")).to_have_text(round.__class__.objects.get(
        pk=round.pk).lottery.commitment)

    # The parent, on a phone: registers the child and applies.
    phone = signed_in(browser, live_server, "mama", viewport=PHONE)
    phone.goto(f"{live_server.url}/enrollment/")
    phone.click("text=登记子女")
    phone.fill("#id_name", "小雨")
    phone.fill("#id_id_number", f.id_number_for(BIRTH, 4321, "F"))
    phone.select_option("#id_sex", "F")
    phone.fill("#id_birth_date", BIRTH.isoformat())
    phone.click("button[type=submit].btn")
    expect(phone.locator(".messages")).to_contain_text("已登记子女：小雨")
    phone.click("text=为小雨报名")
    phone.select_option("#id_choice_1", str(admission.public_a.pk))
    phone.select_option("#id_choice_2", str(admission.public_a2.pk))
    phone.fill("#id_phone", "13812345678")
    phone.fill("#id_hukou_community", "C01")
    phone.fill("#id_property_community", "C01")
    phone.select_option("#id_evidence_kind_1", "hukou_book")
    phone.fill("#id_evidence_number_1", "HK-2025-001")
    phone.click("button[name=submit]")
    expect(phone.locator("#result")).to_have_text("已提交待审核")
    application = Application.objects.get(guardian__user=parent)

    # The school verifies it from its queue.
    school = signed_in(browser, live_server, personas.school_admin_a.username)
    school.goto(f"{live_server.url}/enrollment/review/")
    school.click(f"tr:has-text('{application.number}') >> text=办理")
    school.click("button[value=verify]")
    expect(school.locator(".messages")).to_contain_text(f"审核通过：{application.number}")

    # The lottery, the assignment and publication, by the county.
    move_to(round, "lottery")
    county.goto(f"{live_server.url}/enrollment/rounds/{round.pk}/")
    county.click("#draw")
    expect(county.locator(".messages")).to_contain_text("电脑摇号已完成")
    county.click("#assign")
    expect(county.locator(".messages")).to_contain_text("志愿录取已完成")
    # Before publication the parent sees only that the result is pending.
    phone.goto(f"{live_server.url}/enrollment/applications/{application.pk}/")
    expect(phone.locator("#result")).to_have_text("录取结果待公布")
    county.click("#publish")
    expect(county.locator("#phase")).to_have_text("已公布")
    # The printable draw record carries the revealed seed that matches the commitment.
    county.goto(f"{live_server.url}/enrollment/rounds/{round.pk}/draw/")
    draw = round.__class__.objects.get(pk=round.pk).lottery
    expect(county.locator("#seed")).to_have_text(draw.seed)

    phone.reload()
    expect(phone.locator("#result")).to_have_text("已录取")
    expect(phone.locator("#admitted-school")).to_have_text(admission.public_a.name)
    phone.click("text=接受录取")
    expect(phone.locator(".messages")).to_contain_text("已接受录取")
    # The page fits a phone: nothing wider than the screen.
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"]
    application.refresh_from_db()
    assert application.state == "admitted" and application.accepted_at is not None
    assert application.admitted_institution == admission.public_a
