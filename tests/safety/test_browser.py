"""A real browser through the whole hazard path (headless Chromium):

a teacher inspects on a phone and fails an item → the hazard appears → the principal
assigns it → the teacher starts and submits the rectification → the county verifies and
closes it (a 较大 hazard: only the bureau may sign off) → the history shows every step.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

from edugov.core.models import User
from edugov.safety.models import Hazard
from tests.conftest import PASSWORD, Personas
from tests.safety.conftest import SafetyWorld

CHROMIUM = "/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else shutil.which("chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="needs Chromium at /usr/bin/chromium or on PATH"),
]


@pytest.fixture
def browser() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api")
    # Playwright's sync API runs an event loop in this thread; the ORM calls of fixtures
    # and assertions around it are synchronous, so Django must not refuse them.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_api.sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            yield chromium
            chromium.close()
    finally:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


def signed_in(browser: Any, base: str, user: User, path: str, **device: Any) -> Any:
    """A page of a fresh browser context, signed in through the login form, at ``path``."""
    page = browser.new_context(locale="zh-CN", **device).new_page()
    page.goto(base + path)
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit].btn")
    page.wait_for_url(f"**{path}")
    return page


def act(page: Any, button: str, **fields: str) -> None:
    """Press one action button on the hazard page, filling its form's fields first."""
    from playwright.sync_api import expect

    form = page.locator("form.action-form", has=page.locator(f"button:text-is('{button}')"))
    for name, value in fields.items():
        form.locator(f"[name={name}]").fill(value)
    form.locator("button").click()
    expect(page.locator(".messages")).to_be_visible()


def test_inspection_to_closure_in_a_browser(live_server: Any, browser: Any, personas: Personas,
                                            safety: SafetyWorld) -> None:
    from playwright.sync_api import expect

    base = live_server.url
    items = list(safety.template.items.order_by("order"))

    # 1. The teacher's phone: fail the first item, read the extinguisher, photograph the log.
    phone = signed_in(browser, base, personas.teacher_a,
                      f"/safety/inspections/{safety.inspection.pk}/", **PHONE)
    expect(phone.locator("h1")).to_have_text("消防日巡查")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scroll
    phone.locator(f"input[name=item-{items[0].pk}][value=fail]").check()
    phone.fill(f"input[name=note-{items[0].pk}]", "楼梯间堆放纸箱")
    phone.locator(f"input[name=item-{items[1].pk}][value=pass]").check()
    phone.fill(f"input[name=reading-{items[1].pk}]", "1.2")
    phone.locator(f"input[name=item-{items[2].pk}][value=pass]").check()
    phone.set_input_files(f"input[name=photo-{items[2].pk}]", files=[
        {"name": "duty-log.jpg", "mimeType": "image/jpeg", "buffer": b"\xff\xd8\xff\xe0jpeg"}])
    phone.click("button:text-is('提交检查结果')")
    expect(phone.locator(".messages")).to_contain_text("发现隐患 1 条")
    hazard = Hazard.objects.get(inspection=safety.inspection)
    assert hazard.grade == "significant" and hazard.title.endswith("楼梯间堆放纸箱")

    # 2. The principal finds it in the hazard list and assigns it.
    desk = signed_in(browser, base, personas.school_admin_a, "/safety/hazards/?state=open",
                     **DESKTOP)
    desk.click(f"a:text-is('{hazard.code}')")
    expect(desk.locator("#hazard-state")).to_have_text("已上报")
    desk.fill("#id_owner_name", "刘老师")
    desk.fill("#id_measures", "清理楼梯间杂物，张贴禁放标识")
    desk.click("#assign-form button")
    expect(desk.locator("#hazard-state")).to_have_text("已交办")

    # 3. The teacher starts the work and submits it for acceptance, from the phone.
    phone.goto(f"{base}/safety/hazards/{hazard.pk}/")
    act(phone, "开始整改")
    expect(phone.locator("#hazard-state")).to_have_text("整改中")
    act(phone, "提交验收", evidence="杂物已清理，标识已张贴")
    expect(phone.locator("#hazard-state")).to_have_text("待验收")
    # A 较大 hazard is signed off by the bureau only: the school cannot verify it.
    desk.reload()
    act(desk, "验收通过")
    expect(desk.locator(".messages")).to_contain_text("较大及以上隐患须由教育局验收销号")
    expect(desk.locator("#hazard-state")).to_have_text("待验收")

    # 4. The county verifies and closes it.
    county = signed_in(browser, base, personas.county_a, f"/safety/hazards/{hazard.pk}/",
                       **DESKTOP)
    act(county, "验收通过")
    expect(county.locator("#hazard-state")).to_have_text("已验收")
    act(county, "销号")
    expect(county.locator("#hazard-state")).to_have_text("已销号")

    # 5. The history, as the page shows it.
    rows = county.locator("#hazard-history tbody tr")
    expect(rows).to_have_count(6)
    shown = [[cell.strip() for cell in row] for row in rows.evaluate_all(
        "rows => rows.map(r => [...r.cells].slice(1).map(c => c.innerText))")]
    assert shown == [
        ["上报", "— → 已上报", "teacher_a", ""],
        ["交办整改", "已上报 → 已交办", "school_a", ""],
        ["开始整改", "已交办 → 整改中", "teacher_a", ""],
        ["提交验收", "整改中 → 待验收", "teacher_a", "杂物已清理，标识已张贴"],
        ["验收通过", "待验收 → 已验收", "county_a", ""],
        ["销号", "已验收 → 已销号", "county_a", ""],
    ]
    hazard.refresh_from_db()
    assert hazard.state == "closed" and hazard.closed_on_time is True


def test_an_incident_linked_to_the_hazard_before_it_in_a_browser(
        live_server: Any, browser: Any, personas: Personas, world: Any) -> None:
    """The principal records an incident at phone width, ticking the hazard found the week
    before; the incident page links to the hazard, and the hazard page to the incident."""
    import datetime as dt

    from django.utils import timezone
    from playwright.sync_api import expect

    from edugov.safety import services

    week_ago = timezone.now() - dt.timedelta(days=7)
    hazard = services.report_hazard(actor=personas.teacher_a, institution=world.school_a,
                                    domain="building", title="楼梯扶手松动", now=week_ago)
    page = signed_in(browser, live_server.url, personas.school_admin_a, "/safety/incidents/",
                     **PHONE)
    form = page.locator("#incident-form")
    if not form.count():  # a user reaching several schools picks one first
        page.select_option("#incident-step-one select[name=school]", str(world.school_a.pk))
        page.click("#incident-step-one button[type=submit]")
        form = page.locator("#incident-form")
    occurred = timezone.localtime(timezone.now() - dt.timedelta(days=1))
    form.locator("[name=occurred_at]").fill(occurred.strftime("%Y-%m-%dT%H:%M"))
    form.locator("[name=domain]").select_option("building")
    form.locator("[name=title]").fill("学生在楼梯摔伤")
    form.locator("[name=injured]").fill("1")
    form.locator(f"input[name=hazards][value='{hazard.pk}']").check()
    form.locator("button[type=submit]").click()

    page.wait_for_url("**/safety/incidents/*/")
    expect(page.locator("h1")).to_contain_text("学生在楼梯摔伤")
    page.locator(".links-list a", has_text=str(hazard.code or hazard.pk)).first.click()
    page.wait_for_url(f"**/safety/hazards/{hazard.pk}/")
    expect(page.locator("#hazard-incidents")).to_contain_text("学生在楼梯摔伤")
    assert Hazard.objects.get(pk=hazard.pk).incidents.get().title == "学生在楼梯摔伤"
