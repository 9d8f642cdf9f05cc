"""职称 review by the county bureau: pending applications with the 师德 veto and training
checks, approval (re-checked, written to the title history) and refusal with a reason."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from edugov.workflow.selectors import history_of
from edugov.workforce import views
from edugov.workforce.models import TitleApplication, TitleRecord
from edugov.workforce.rules.titles import TitleRules
from edugov.workforce.selectors.titles import title_checks
from edugov.workforce.services import conduct, titles
from tests.workforce.conftest import new_teacher
from tests.workforce.test_titles_points import keep_on_track

ON = dt.date(2025, 11, 1)


@pytest.fixture(autouse=True)
def fixed_day(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(views, "today", lambda: ON)


@pytest.fixture
def pending(personas, world):  # type: ignore[no-untyped-def]
    """Three applications for 一级教师 in county A: one clean and recommended by the school,
    one whose teacher was sanctioned after applying, one from a teacher behind on training
    (applied under a county rule that does not ask for the training schedule)."""
    admin = personas.school_admin_a
    clean, vetoed, behind = (new_teacher(world.school_a, dt.date(2015, 9, 1), name=name,
                                         title="second")
                             for name in ("甲老师", "乙老师", "丙老师"))
    keep_on_track(admin, clean)
    keep_on_track(admin, vetoed)
    apps = {}
    for staff in (clean, vetoed):
        apps[staff.name] = titles.apply_for_title(actor=admin, staff=staff, title="first",
                                                  year=2025, on=ON)
    apps["丙老师"] = titles.apply_for_title(
        actor=admin, staff=behind, title="first", year=2025, on=ON,
        titles=TitleRules(require_training_on_track=False))
    titles.review_title(actor=admin, application=apps["甲老师"], transition="recommend", on=ON)
    conduct.record_case(actor=personas.county_a, staff=vetoed, occurred=dt.date(2025, 10, 1),
                        decided=dt.date(2025, 10, 20), category="practice", sanction="demerit")
    return apps


def test_the_list_shows_the_checks_and_the_decisions_open(client_for, pending) -> None:
    page = client_for("county_a").get(reverse("workforce:title_reviews")).content.decode()
    rows = {name: page[page.index(name):] for name in pending}
    assert "符合条件" in rows["甲老师"].split("</tr>")[0]
    assert "评审通过" in rows["甲老师"].split("</tr>")[0]
    vetoed = rows["乙老师"].split("</tr>")[0]
    assert "一票否决" in vetoed and "2025年10月20日受到“记过”" in vetoed
    behind = rows["丙老师"].split("</tr>")[0]
    assert "落后进度" in behind and "继续教育学时未达到本周期进度要求" in behind
    # A submitted application waits for the school: the bureau may recommend or refuse it.
    assert "学校推荐" in behind and "评审通过" not in behind
    assert "甲老师" not in client_for("county_b").get(
        reverse("workforce:title_reviews")).content.decode()
    assert client_for("school_admin_a").get(reverse("workforce:title_reviews")).status_code == 403


def test_approval_records_the_title_and_refusal_needs_a_reason(client_for, personas, world,
                                                               pending) -> None:
    client = client_for("county_a")
    url = reverse("workforce:title_reviews")

    def decide(name: str, transition: str, reason: str = "") -> str:
        review = reverse("workforce:title_review", kwargs={"pk": pending[name].pk})
        response = client.post(review, {"transition": transition, "reason": reason})
        assert response["Location"] == url
        return client.get(url).content.decode()

    page = decide("甲老师", "approve", "材料齐全，评审通过")
    assert "甲老师（一级教师，2025年度）：评审通过" in page
    first = pending["甲老师"]
    first.refresh_from_db()
    first.staff.refresh_from_db()
    assert first.state == "approved" and first.staff.title == "first"
    record = TitleRecord.objects.get(staff=first.staff)
    assert (record.title, record.obtained, record.application) == ("first", ON, first)
    assert [(h.to_state, h.reason) for h in history_of(first)][-1] == (
        "approved", "材料齐全，评审通过")

    assert "需要填写理由" in decide("乙老师", "reject")
    decide("乙老师", "reject", "师德处理期内")
    second = TitleApplication.objects.get(pk=pending["乙老师"].pk)
    assert second.state == "rejected"
    assert list(history_of(second))[-1].reason == "师德处理期内"

    # Recommended by the bureau, then refused at approval: the training check still stands.
    decide("丙老师", "recommend")
    page = decide("丙老师", "approve")
    assert "丙老师：未能评审通过。继续教育学时未达到本周期进度要求" in page
    third = TitleApplication.objects.get(pk=pending["丙老师"].pk)
    assert third.state == "recommended" and not TitleRecord.objects.filter(
        staff=third.staff).exists()
    assert client_for("county_b").post(
        reverse("workforce:title_review", kwargs={"pk": third.pk}),
        {"transition": "reject", "reason": "x"}).status_code == 404


def test_approval_re_checks_everything(personas, pending) -> None:
    behind = pending["丙老师"]
    titles.review_title(actor=personas.county_a, application=behind, transition="recommend",
                        on=ON)
    with pytest.raises(ValidationError, match="继续教育学时未达到"):
        titles.review_title(actor=personas.county_a, application=behind, transition="approve",
                            on=ON)
    # Under the county rule it applied by, the same approval goes through.
    titles.review_title(actor=personas.county_a, application=behind, transition="approve",
                        on=ON, titles=TitleRules(require_training_on_track=False))
    behind.staff.refresh_from_db()
    assert behind.staff.title == "first"


def test_checks_for_many_applications_take_five_queries(pending,
                                                        django_assert_num_queries) -> None:
    requests = [(a.staff_id, "second", a.title) for a in pending.values()]
    with django_assert_num_queries(5):
        checks = title_checks(requests, ON)
    assert [c.passed for c in checks] == [True, False, False]
    assert checks[1].veto is not None and checks[2].training is not None
    assert checks[2].training.behind
