"""The workforce API's later routes: the barred list and 入职查询, 职称 applications and their
review, honours, the county pool with 组织调剂, and ranking applicants. Who may call each
route is the API walker's (tests/api/workforce_cases.py); these check what they do."""

from __future__ import annotations

import datetime as dt

import pytest

from edugov.core.models import AuditLog
from edugov.workforce import api
from edugov.workforce.models import (
    BarredPerson,
    HireCheck,
    PoolEntry,
    PostingApplication,
    RotationPlan,
    RotationProposal,
    TitleApplication,
    TitleRecord,
)
from edugov.workforce.services import conduct, posting, titles
from tests import factories as f
from tests.api.conftest import session_client, token_client
from tests.factories import id_number_for
from tests.workforce.conftest import new_teacher
from tests.workforce.test_titles_points import keep_on_track

pytestmark = pytest.mark.django_db

W = "/api/v1/workforce"
ON = dt.date(2025, 11, 1)
EFFECTIVE = dt.date(2026, 9, 1)
BARRED_ID = id_number_for(dt.date(1980, 2, 3), 11, "M")
CLEAR_ID = id_number_for(dt.date(1995, 7, 8), 12, "F")


@pytest.fixture(autouse=True)
def fixed_day(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(api, "today", lambda: ON)


def post(client, url: str, body: dict):  # type: ignore[no-untyped-def]
    return client.post(url, body, content_type="application/json")


def field_errors(response) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {d["field"]: d["message"] for d in response.json()["error"].get("details", [])}


# ---------------------------------------------------------------- barred list, 入职查询


def test_barred_list_is_the_region_and_above_masked(personas, world) -> None:
    for region, number, name in ((world.city, BARRED_ID, "市级名单人员"),
                                 (world.county_b, CLEAR_ID, "西城名单人员")):
        BarredPerson.objects.create(id_number=number, name=name, reason="撤销教师资格",
                                    source="处理决定", region=region)
    county_a = session_client(personas.county_a).get(f"{W}/conduct/barred").json()
    assert [b["name"] for b in county_a["items"]] == ["市级名单人员"]
    item = county_a["items"][0]
    assert BARRED_ID not in str(county_a) and item["id_number"].startswith(BARRED_ID[:3])
    assert item["region"] == {"code": "980100", "name": "示范市"}
    city = session_client(personas.city_bureau).get(f"{W}/conduct/barred?name=西城").json()
    assert [b["name"] for b in city["items"]] == ["西城名单人员"]
    refused = session_client(personas.school_admin_a).get(f"{W}/conduct/barred")
    assert refused.status_code == 403
    assert refused.json()["error"]["message"] == "只有教育局可以查看禁止从教人员名单"


def test_pre_hire_check_answers_match_or_not_and_keeps_each_check(personas, world) -> None:
    BarredPerson.objects.create(id_number=BARRED_ID, name="张三", reason="猥亵儿童罪判决",
                                source="（2024）某刑初12号", region=world.city)
    client = token_client(personas.school_admin_a)
    url = f"{W}/conduct/pre-hire-check"
    hit = post(client, url, {"id_number": BARRED_ID.lower(), "name": "张三",
                             "institution": world.school_a.code})
    assert hit.status_code == 200, hit.content
    body = hit.json()
    assert body["match"] is True and "猥亵儿童罪判决" in body["reason"]
    assert BARRED_ID not in hit.content.decode()
    clear = post(client, url, {"id_number": CLEAR_ID, "institution": world.school_a.code})
    assert clear.json()["match"] is False
    assert clear.json()["reason"] == "入职查询：未发现禁止从教记录"
    # A dismissed teacher on the negative list is refused too.
    conduct.record_case(actor=personas.county_a, staff=world.staff_a,
                        occurred=dt.date(2025, 1, 1), decided=dt.date(2025, 2, 1),
                        category="care", sanction="dismissal")
    dismissed = post(client, url, {"id_number": world.staff_a.id_number,
                                   "institution": world.school_a.code}).json()
    assert dismissed["match"] is True and "开除" in dismissed["reason"]
    checks = HireCheck.objects.order_by("pk")
    assert [c.blocked for c in checks] == [True, False, True]
    assert AuditLog.objects.filter(entity="workforce.hirecheck").count() == 3

    bad = post(client, url, {"id_number": "110101199001011234",
                             "institution": world.school_a.code})
    assert bad.status_code == 422 and field_errors(bad) == {"id_number": "身份证号校验码错误"}
    assert post(client, url, {"id_number": CLEAR_ID,
                              "institution": world.school_b.code}).status_code == 404
    assert HireCheck.objects.count() == 3


# ---------------------------------------------------------------- 职称


def test_title_application_recommended_and_approved(own_teacher, personas, world) -> None:
    staff = world.staff_a
    staff.title = "second"
    staff.save()
    keep_on_track(personas.school_admin_a, staff, on=ON)
    teacher = session_client(own_teacher)
    url = f"{W}/titles/applications"
    created = post(teacher, url, {"title": "first", "year": 2025, "note": "论文两篇"})
    assert created.status_code == 201, created.content
    row = created.json()
    assert (row["staff"]["id"], row["state"], row["title_label"]) == (staff.pk, "submitted",
                                                                     "一级教师")
    assert row["checks"]["passed"] is True and row["checks"]["training_behind"] is False
    assert [a["name"] for a in row["actions"]] == ["withdraw"]
    again = post(teacher, url, {"title": "first", "year": 2025})
    assert again.status_code == 422
    assert field_errors(again) == {"year": "该教职工2025年度已申报职称"}
    skip = post(teacher, url, {"title": "senior", "year": 2026})
    assert skip.status_code == 422 and "职称须逐级申报" in skip.content.decode()

    review = f"{url}/{row['id']}/review"
    assert post(teacher, review, {"action": "approve"}).status_code == 403
    admin = session_client(personas.school_admin_a)
    assert post(admin, review, {"action": "recommend"}).json()["state"] == "recommended"
    assert post(admin, review, {"action": "approve"}).status_code == 403
    assert post(session_client(personas.county_b), review, {"action": "approve"}
                ).status_code == 404
    bureau = session_client(personas.county_a)
    approved = post(bureau, review, {"action": "approve", "reason": "评审通过"})
    assert approved.status_code == 200 and approved.json()["state"] == "approved"
    assert approved.json()["checks"] is None  # decided: no checks any more
    staff.refresh_from_db()
    assert staff.title == "first"
    assert TitleRecord.objects.get(staff=staff).obtained == ON


def test_title_list_shows_the_checks_and_refusal_needs_a_reason(personas, world) -> None:
    teacher = new_teacher(world.school_a, dt.date(2015, 9, 1), title="second")
    keep_on_track(personas.school_admin_a, teacher, on=ON)
    application = titles.apply_for_title(actor=personas.school_admin_a, staff=teacher,
                                         title="first", year=2025, on=ON)
    conduct.record_case(actor=personas.county_a, staff=teacher, occurred=dt.date(2025, 10, 1),
                        decided=dt.date(2025, 10, 20), category="practice", sanction="warning")
    bureau = session_client(personas.county_a)
    listed = bureau.get(f"{W}/titles/applications?pending=true").json()
    assert listed["count"] == 1
    checks = listed["items"][0]["checks"]
    assert checks["passed"] is False and "师德一票否决" in checks["veto"]
    assert checks["refusals"] == [checks["veto"]]
    assert session_client(personas.county_b).get(f"{W}/titles/applications").json()["count"] == 0
    review = f"{W}/titles/applications/{application.pk}/review"
    missing = post(bureau, review, {"action": "reject"})
    assert missing.status_code == 422 and "需要填写理由" in missing.content.decode()
    assert post(bureau, review, {"action": "reject", "reason": "师德处理期内"}
                ).json()["state_label"] == "未通过"
    assert TitleApplication.objects.get().state == "rejected"


# ---------------------------------------------------------------- honours


def test_honours_awarded_listed_and_refused_during_a_veto(own_teacher, personas,
                                                          world) -> None:
    admin = session_client(personas.school_admin_a)
    created = post(admin, f"{W}/honours", {"staff_id": world.staff_a.pk, "kind": "backbone",
                                           "tier": "city", "awarded": "2024-09-10"})
    assert created.status_code == 201, created.content
    assert created.json()["valid_until"] == "2027-09-09" and created.json()["valid"] is True
    world.staff_a.refresh_from_db()
    assert world.staff_a.backbone_level == "city"
    colleague = new_teacher(world.school_a, dt.date(2015, 9, 1))
    post(admin, f"{W}/honours", {"staff_id": colleague.pk, "kind": "rising_star",
                                 "tier": "county", "awarded": "2021-09-01"})
    assert admin.get(f"{W}/honours?valid=false").json()["items"][0]["staff"]["id"] == colleague.pk
    assert [h["staff"]["id"] for h in session_client(own_teacher).get(
        f"{W}/honours").json()["items"]] == [world.staff_a.pk]
    assert post(session_client(own_teacher), f"{W}/honours", {
        "staff_id": world.staff_a.pk, "kind": "excellent", "tier": "school",
        "awarded": "2025-10-01"}).status_code == 403
    conduct.record_case(actor=personas.county_a, staff=colleague, occurred=dt.date(2025, 9, 1),
                        decided=dt.date(2025, 9, 20), category="practice", sanction="warning")
    vetoed = post(admin, f"{W}/honours", {"staff_id": colleague.pk, "kind": "excellent",
                                          "tier": "county", "awarded": "2025-10-01"})
    assert vetoed.status_code == 422 and "师德一票否决" in vetoed.content.decode()
    assert post(admin, f"{W}/honours", {"staff_id": world.staff_b.pk, "kind": "excellent",
                                        "tier": "county", "awarded": "2025-10-01"}
                ).status_code == 404


# ---------------------------------------------------------------- the pool, ranking


@pytest.fixture
def market(personas, world):  # type: ignore[no-untyped-def]
    """County A's first round: two teachers of school A apply for its one maths post."""
    rural = f.InstitutionFactory(region=world.county_a, locality="rural", name="乡村小学")
    first = new_teacher(world.school_a, dt.date(2015, 9, 1), name="甲老师")
    second = new_teacher(world.school_a, dt.date(2016, 9, 1), name="乙老师")
    posting_round = posting.open_round(actor=personas.county_a, county=world.county_a,
                                       academic_year=world.year, number=1, effective=EFFECTIVE)
    town = posting.add_opening(actor=personas.county_a, posting_round=posting_round,
                               institution=world.school_a, subject="math", places=1)
    village = posting.add_opening(actor=personas.county_a, posting_round=posting_round,
                                  institution=rural, subject="math", places=1)
    apps = [posting.apply(actor=personas.school_admin_a, opening=town, staff=s, preference=1)
            for s in (first, second)]
    return posting_round, rural, apps, village


def test_ranks_in_one_request_all_or_none(personas, world, market) -> None:
    posting_round, _rural, (first, second), village = market
    elsewhere = posting.apply(actor=personas.county_a, opening=village, staff=world.staff_a,
                              preference=1)
    url = f"{W}/posting/rounds/{posting_round.pk}/ranks"
    admin = session_client(personas.school_admin_a)
    # The village school's applicant is not school A's to rank: 404, nothing saved.
    assert post(admin, url, {"ranks": [{"application_id": first.pk, "rank": 1},
                                       {"application_id": elsewhere.pk, "rank": 1}]}
                ).status_code == 404
    twice = post(admin, url, {"ranks": [{"application_id": first.pk, "rank": 1},
                                        {"application_id": first.pk, "rank": 2}]})
    assert twice.status_code == 422 and field_errors(twice) == {"ranks": "同一报名只能排序一次"}
    assert set(PostingApplication.objects.values_list("school_rank", flat=True)) == {None}
    done = post(admin, url, {"ranks": [{"application_id": second.pk, "rank": 1},
                                       {"application_id": first.pk, "rank": 2}]})
    assert done.status_code == 200, done.content
    assert done.json()["changed"] == 2
    assert [(a["staff"]["id"], a["school_rank"], a["state"]) for a in
            done.json()["applications"]] == [(second.staff_id, 1, "ranked"),
                                             (first.staff_id, 2, "ranked")]


def test_pool_listed_and_allocated(own_teacher, personas, world, market) -> None:
    posting_round, rural, (first, second), _village = market
    posting.rank_applicants(actor=personas.school_admin_a, posting_round=posting_round,
                            ranks={second.pk: 1, first.pk: 2})
    posting.close_round(actor=personas.county_a, posting_round=posting_round)
    bureau = session_client(personas.county_a)
    pool = bureau.get(f"{W}/posting/pool?county=980101&state=pooled").json()
    assert [(e["staff"]["name"], e["state_label"], e["school"]["code"]) for e in
            pool["items"]] == [("甲老师", "待岗", world.school_a.code)]
    assert session_client(personas.county_b).get(f"{W}/posting/pool").json()["count"] == 0
    assert session_client(own_teacher).get(f"{W}/posting/pool").json()["count"] == 0
    entry = PoolEntry.objects.get()
    url = f"{W}/posting/pool/{entry.pk}/allocate"
    assert post(session_client(personas.school_admin_a), url, {
        "institution": rural.code, "reason": "调剂"}).status_code == 403
    assert post(bureau, url, {"institution": world.school_b.code, "reason": "调剂"}
                ).status_code == 404
    done = post(bureau, url, {"institution": rural.code, "reason": "乡村小学数学缺编"})
    assert done.status_code == 200, done.content
    assert done.json()["state"] == "allocated" and done.json()["destination"]["code"] == rural.code
    first.staff.refresh_from_db()
    assert first.staff.current_institution == rural
    assert first.staff.assignments.get(end__isnull=True).start == EFFECTIVE
    again = post(bureau, url, {"institution": rural.code, "reason": "再次调剂"})
    assert again.status_code == 422


# ---------------------------------------------------------------- answering proposals


def test_a_receiving_school_sees_but_does_not_answer(personas, world) -> None:
    """School A's administrator sees a teacher sent to school A from a rural school, without
    the answers on offer, and is refused if it answers anyway; the bureau over it answers."""
    rural = f.InstitutionFactory(region=world.county_a, locality="rural", name="乡村小学")
    sent = new_teacher(rural, dt.date(2012, 9, 1))
    plan = RotationPlan.objects.create(county=world.county_a, academic_year=world.year,
                                       effective=EFFECTIVE)
    incoming = RotationProposal.objects.create(plan=plan, staff=sent, source=rural,
                                               destination=world.school_a, post="teacher",
                                               state="notified")
    admin = session_client(personas.school_admin_a)
    listed = admin.get(f"{W}/rotation/proposals").json()["items"]
    assert [(p["id"], p["actions"]) for p in listed] == [(incoming.pk, [])]
    url = f"{W}/rotation/proposals/{incoming.pk}/respond"
    refused = post(admin, url, {"answer": "confirm"})
    assert refused.status_code == 403
    assert refused.json()["error"]["message"] == "学校管理员只能答复本校教师的交流安排"
    bureau = session_client(personas.county_a)
    actions = bureau.get(f"{W}/rotation/proposals").json()["items"][0]["actions"]
    assert [a["name"] for a in actions] == ["confirm", "withdraw"]
    assert post(bureau, url, {"answer": "confirm"}).json()["state"] == "confirmed"
