"""The admissions pages through the test client: parent portal, verification queue, round
management, dashboard; scoped (404 outside the jurisdiction, 403 for the wrong role)."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook

from edugov.core.models import AuditLog
from edugov.enrollment import services
from edugov.enrollment.models import Application, Guardian
from edugov.registry.models import Enrolment, SchoolClass
from tests import factories as f
from tests.enrollment.conftest import (
    AFTER_PUBLICATION,
    AT_LOTTERY,
    BIRTH,
    DURING_REGISTRATION,
    new_parent,
)
from tests.enrollment.test_services import run_round


@pytest.fixture
def clock(monkeypatch):  # type: ignore[no-untyped-def]
    """The pages' clock (services default to timezone.now()), set by each test."""
    state = {"now": DURING_REGISTRATION}
    monkeypatch.setattr("django.utils.timezone.now", lambda: state["now"])
    return state


def client_of(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def messages_of(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [str(m) for m in response.context["messages"]] if response.context else []


def test_parent_registers_applies_is_returned_corrects_and_sees_the_result(
        admission, personas, clock):
    parent = new_parent("mum")
    web = client_of(parent)
    page = web.get(reverse("enrollment:my_applications"))
    assert page.status_code == 200 and admission.round.name in page.content.decode()
    # Register the child: a wrong birth date is refused with the ID rule's message.
    id_number = f.id_number_for(BIRTH, 901, "F")
    bad = web.post(reverse("enrollment:register_child"), {
        "name": "小芳", "id_number": id_number, "sex": "F", "birth_date": "2018-10-04",
        "relation": "母亲"})
    assert bad.status_code == 200 and "出生日期" in bad.content.decode()
    web.post(reverse("enrollment:register_child"), {
        "name": "小芳", "id_number": id_number, "sex": "F", "birth_date": BIRTH.isoformat(),
        "relation": "母亲"})
    child = Guardian.objects.get(user=parent)
    url = reverse("enrollment:apply", args=[admission.round.pk])
    form = {"child": child.pk, "choice_1": admission.public_a.pk,
            "choice_2": admission.public_a2.pk, "phone": "13800001111",
            "hukou_community": "C01", "property_community": "C01",
            "evidence_kind_1": "hukou_book", "evidence_number_1": "HK-1", "submit": "1"}
    missing = web.post(url, {**form, "evidence_number_1": ""})
    assert "请填写材料编号" in missing.content.decode()
    done = web.post(url, form)
    app = Application.objects.get(guardian=child)
    assert done.status_code == 302 and app.state == "submitted"
    assert [c.institution for c in app.choices.all()] == [admission.public_a,
                                                          admission.public_a2]
    assert app.evidence == [{"kind": "hukou_book", "number": "HK-1"}]
    # A second application for the same child is refused with the service's message.
    again = web.post(url, form)
    assert "已有一份有效申请" in again.content.decode()
    # The school returns it with a reason; the parent sees the reason, corrects, resubmits.
    school = client_of(personas.school_admin_a)
    queue = school.get(reverse("enrollment:review_queue"))
    assert app.number in queue.content.decode()
    review = reverse("enrollment:review_application", args=[app.pk])
    no_reason = school.post(review, {"decision": "return", "reason": ""}, follow=True)
    assert "需要填写理由" in " ".join(messages_of(no_reason))
    school.post(review, {"decision": "return", "reason": "户口簿编号与原件不符"})
    app.refresh_from_db()
    assert app.state == "returned"
    detail = web.get(reverse("enrollment:application_detail", args=[app.pk])).content.decode()
    assert "户口簿编号与原件不符" in detail and "退回补正" in detail
    edit = reverse("enrollment:application_edit", args=[app.pk])
    assert web.get(edit).status_code == 200
    web.post(edit, {**form, "evidence_number_1": "HK-2"})
    app.refresh_from_db()
    assert app.state == "submitted" and app.evidence[0]["number"] == "HK-2"
    school.post(review, {"decision": "verify"})
    app.refresh_from_db()
    assert app.state == "verified"
    # The county runs the round from its page.
    county = client_of(personas.county_a)
    clock["now"] = DURING_REGISTRATION
    round_url = reverse("enrollment:round_detail", args=[admission.round.pk])
    county.post(reverse("enrollment:round_action", args=[admission.round.pk,
                                                         "commit_lottery"]))
    clock["now"] = AT_LOTTERY
    county.force_login(personas.county_a)  # sessions expire on the moved clock
    web.force_login(parent)
    for action in ("draw_lottery", "run_assignment"):
        county.post(reverse("enrollment:round_action", args=[admission.round.pk, action]))
    app.refresh_from_db()
    assert app.state == "admitted"
    # Before publication the parent sees only that the result is pending.
    pending = web.get(reverse("enrollment:application_detail", args=[app.pk]))
    assert "录取结果待公布" in pending.content.decode()
    assert admission.public_a.name not in pending.content.decode().split("申请内容")[0]
    county.post(reverse("enrollment:round_action", args=[admission.round.pk, "publish"]))
    assert "已公布" in county.get(round_url).content.decode()
    clock["now"] = AFTER_PUBLICATION
    web.force_login(parent)
    school.force_login(personas.school_admin_a)
    shown = web.get(reverse("enrollment:application_detail", args=[app.pk])).content.decode()
    assert "已录取" in shown and admission.public_a.name in shown
    web.post(reverse("enrollment:application_action", args=[app.pk, "accept"]))
    app.refresh_from_db()
    assert app.accepted_at == AFTER_PUBLICATION
    assert AuditLog.objects.filter(summary__contains="家长接受录取").exists()
    # The school confirms on 报到: the child is enrolled in the registry.
    school.post(review, {"decision": "confirm"})
    app.refresh_from_db()
    assert app.state == "confirmed" and app.student is not None


def test_pages_refuse_other_roles_and_hide_other_jurisdictions(admission, personas):
    parent, other = new_parent("p1"), new_parent("p2")
    guardian = Guardian.objects.create(user=parent, child_id_number=f.id_number_for(BIRTH, 77, "M"),
                                       child_name="小明", child_sex="M", child_birth_date=BIRTH)
    app = services.create_application(actor=parent, guardian=guardian, round=admission.round,
                                      choices=[admission.public_a2], now=DURING_REGISTRATION,
                                      phone="13800000000")
    detail = reverse("enrollment:application_detail", args=[app.pk])
    assert client_of(other).get(detail).status_code == 404
    assert client_of(personas.county_a).get(detail).status_code == 403  # not a parent
    review = reverse("enrollment:review_application", args=[app.pk])
    assert client_of(personas.county_a).get(review).status_code == 200
    assert client_of(personas.school_admin_a).get(review).status_code == 404  # A2 not theirs
    assert client_of(personas.county_b).get(review).status_code == 404
    assert client_of(personas.teacher_a).get(review).status_code == 403
    assert client_of(parent).get(review).status_code == 403
    round_url = reverse("enrollment:round_detail", args=[admission.round.pk])
    assert client_of(personas.county_a).get(round_url).status_code == 200
    assert client_of(personas.city_bureau).get(round_url).status_code == 200
    assert client_of(personas.county_b).get(round_url).status_code == 404
    assert client_of(personas.school_admin_a).get(round_url).status_code == 403
    assert Client().get(round_url).status_code == 302
    # A county B official cannot act on county A's round, even by posting directly.
    action = reverse("enrollment:round_action", args=[admission.round.pk, "commit_lottery"])
    assert client_of(personas.county_b).post(action).status_code == 404
    assert not hasattr(admission.round, "lottery")


def test_dashboard_shows_states_and_oversubscription_in_scope(admission, personas):
    a = admission.public_a
    run_round(admission, personas, [([a], {"community": "C01"})] * 3)
    page = client_of(personas.county_a).get(reverse("enrollment:dashboard"))
    body = page.content.decode()
    assert page.status_code == 200
    demand = {d.places.institution: d for d in page.context["demand"]}
    assert demand[a].first_choice == 3 and demand[a].oversubscribed
    assert demand[a].ratio == pytest.approx(1.5)
    assert page.context["oversubscribed"] == 1 and "1.50" in body
    school = client_of(personas.school_admin_a).get(reverse("enrollment:dashboard"))
    assert [d.places.institution for d in school.context["demand"]] == [a]
    assert client_of(personas.county_b).get(reverse("enrollment:dashboard")).context[
        "demand"] == []


def workbook_bytes(rows: list[list[str]]) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_district_upload_xlsx_and_csv_with_coverage_report(admission, personas, world):
    county = client_of(personas.county_a)
    url = reverse("enrollment:district_upload", args=[admission.round.pk])
    content = workbook_bytes([["学校代码", "小区代码", "地址规则"],
                              [admission.public_a.code, "C01", ""],
                              [admission.public_a2.code, "C01", ""]])
    upload = io.BytesIO(content)
    upload.name = "学区.xlsx"
    page = county.post(url, {"file": upload, "note": "调整"})
    body = page.content.decode()
    assert page.context["map"].version == 2
    assert "幸福里" in body and "河畔花园" in body  # gaps, named
    assert not page.context["report"].ok and page.context["report"].overlaps
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerows([["school_code", "community_code"], [world.school_b.code, "C09"]])
    bad = io.BytesIO(text.getvalue().encode("gb18030"))
    bad.name = "map.csv"
    refused = county.post(url, {"file": bad}).content.decode()
    assert "不在本批次区域内" in refused
    assert admission.round.district_maps.count() == 2
    wrong = io.BytesIO(b"x")
    wrong.name = "map.pdf"
    assert "仅支持" in county.post(url, {"file": wrong}).content.decode()


def test_round_creation_places_and_points_table(admission, personas, world):
    county = client_of(personas.county_a)
    year = f.AcademicYearFactory(start_year=2027, is_current=False)
    data = {"name": "东城区2027年初一招生", "region": world.county_a.pk,
            "academic_year": year.pk, "entry_grade": 7,
            "registration_opens": "2027-05-01T08:00", "registration_closes": "2027-05-20T17:00",
            "verification_closes": "2027-05-30T17:00", "lottery_at": "2027-06-05T09:00",
            "publication_at": "2027-06-10T09:00", "confirmation_closes": "2027-07-01T17:00",
            "max_choices": 2}
    wrong = county.post(reverse("enrollment:round_create"),
                        {**data, "lottery_at": "2027-05-25T09:00"})
    assert "依次排列" in wrong.content.decode()
    created = county.post(reverse("enrollment:round_create"), data)
    assert created.status_code == 302
    round = admission.round.__class__.objects.get(name=data["name"])
    assert round.class_size == 50 and round.max_choices == 2
    # County B may not even choose county A as the region.
    other = client_of(personas.county_b).post(reverse("enrollment:round_create"),
                                             {**data, "name": "越权"})
    assert other.status_code == 200 and "region" in other.context["form"].errors
    county.post(reverse("enrollment:round_places", args=[round.pk]), {
        "institution": admission.public_a2.pk, "classes_planned": 4, "class_size": "",
        "reserved": 20, "reserved_note": "九年一贯制直升", "lottery_only": ""})
    places = round.places.get()
    assert places.places == 4 * 50 - 20 and not places.lottery_only
    points_url = reverse("enrollment:points_table", args=[round.pk])
    assert "residence_permit_years" in county.get(points_url).content.decode()
    bad = county.post(points_url, {"name": "x", "year": 2027, "factors": "[{"})
    assert "JSON格式错误" in bad.content.decode()
    county.post(points_url, {"name": "2027积分方案", "year": 2027,
                             "factors": '[{"code": "years", "name": "居住年限", "unit": "年",'
                                        ' "points_per_unit": 5}]'})
    round.refresh_from_db()
    assert round.points_table.name == "2027积分方案"


def test_draw_record_unplaced_allocation_and_class_lists(admission, personas, clock):
    a, a2, p = admission.public_a, admission.public_a2, admission.private_p
    draw, _stats, apps = run_round(admission, personas, [
        ([a], {"community": "C01"}), ([a], {"community": "C01"}), ([a], {"community": "C01"}),
        ([p], {"community": "C03"}), ([p], {"community": "C03"}), ([p], {"community": "C03"}),
    ])
    county = client_of(personas.county_a)
    record = county.get(reverse("enrollment:draw_record", args=[admission.round.pk]))
    body = record.content.decode()
    assert draw.seed in body and draw.commitment in body
    assert p.name in body
    private = next(row for row in record.context["schools"] if row[0].institution == p)
    assert len(private[1]["order"]) == 3 and len(private[2]) == 2
    assert body.count("<td>录取</td>") == 2 and body.count("<td>未录取</td>") == 1
    # The parent can read the public record too; the seed was secret before the draw.
    assert client_of(apps[0].guardian.user).get(
        reverse("enrollment:draw_record", args=[admission.round.pk])).status_code == 200
    services.publish(actor=personas.county_a, round=admission.round, now=AT_LOTTERY)
    clock["now"] = AFTER_PUBLICATION
    county.force_login(personas.county_a)
    losers = [x for x in apps if x.state == "unplaced"]
    assert len(losers) == 2
    page = county.get(reverse("enrollment:unplaced", args=[admission.round.pk]))
    assert all(x.number in page.content.decode() for x in losers)
    county.post(reverse("enrollment:unplaced", args=[admission.round.pk]),
                {"application": losers[0].pk, "institution": a2.pk})
    losers[0].refresh_from_db()
    assert losers[0].state == "admitted" and losers[0].admitted_institution == a2
    assert losers[0].admitted_choice is None
    # Class lists: the school confirms its entrants, the county places them.
    school = client_of(personas.school_admin_a)
    winners = [x for x in apps if x.admitted_institution_id == a.pk]
    for x in winners:
        school.post(reverse("enrollment:review_application", args=[x.pk]),
                    {"decision": "confirm"})
    url = reverse("enrollment:class_lists", args=[admission.round.pk, a.pk])
    assert school.post(url, {"seed": "s"}).status_code == 403  # the county places
    county.post(url, {"seed": "fixed-seed"})
    lists = school.get(url)
    assert [len(c) for c in lists.context["classes"]] == [2]
    klass = SchoolClass.objects.get(institution=a, academic_year=admission.year, grade=1,
                                    number=1)
    enrolled = Enrolment.objects.filter(school_class=klass)
    assert sorted(e.student.id_number for e in enrolled) == sorted(
        x.child_id_number for x in winners)
    assert client_of(personas.county_b).get(url).status_code == 404
