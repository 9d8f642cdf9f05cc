"""The workforce REST API (/api/v1/workforce): shapes, scoping, masking and write round trips.

Who may call which route, per persona and in both sign-in modes, is the API walker's
(tests/api/workforce_cases.py); these tests check what the routes return and do.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from edugov.core.models import AuditLog
from edugov.registry.models import Institution
from edugov.workflow.selectors import history_of
from edugov.workforce import services
from edugov.workforce.models import (
    PostingApplication,
    RotationPlan,
    RotationProposal,
    TrainingRecord,
)
from edugov.workforce.selectors.establishment import school_subject_gaps, subject_gaps_by_school
from edugov.workforce.services import conduct, points, posting
from tests import factories as f
from tests.api.conftest import session_client, token_client
from tests.workforce.conftest import new_teacher
from tests.workforce.test_rotation_flow import enrol, teacher

pytestmark = pytest.mark.django_db

W = "/api/v1/workforce"
EFFECTIVE = dt.date(2025, 9, 1)


@pytest.fixture
def county(world):
    """County A: a town school with long-serving 骨干 maths teachers, two rural schools."""
    rural = [f.InstitutionFactory(region=world.county_a, locality="rural", name=f"乡村小学{i}")
             for i in (1, 2)]
    enrol(world.school_a, world.year, 380)
    for school in rural:
        enrol(school, world.year, 190)
    town = [teacher(world.school_a, "math", dt.date(2012, 9, 1), backbone="county")
            for _ in range(5)]
    town += [teacher(world.school_a, "math", dt.date(2023, 9, 1)) for _ in range(3)]
    for school in rural:
        teacher(school, "math", dt.date(2015, 9, 1))
    return rural, town


def notified(world, staff, source, destination) -> RotationProposal:  # type: ignore[no-untyped-def]
    plan = RotationPlan.objects.get_or_create(
        county=source.region, academic_year=world.year, defaults={"effective": EFFECTIVE})[0]
    return RotationProposal.objects.create(plan=plan, staff=staff, source=source,
                                           destination=destination, post="teacher",
                                           state="notified")


# ---------------------------------------------------------------- establishment


def test_establishment_rows_subjects_and_approved_total(personas, world, county) -> None:
    rural, _ = county
    body = session_client(personas.county_a).get(
        f"{W}/establishment?region=980101&approved=40").json()
    assert body["region"] == {"code": "980101", "name": "东城区"} and body["year"] == 2025
    rows = {r["school"]["code"]: r for r in body["items"]}
    assert set(rows) == {world.school_a.code, *(s.code for s in rural)}
    town = rows[world.school_a.code]
    # 381 pupils (380 + the world's one) ÷ 19 = 20.05 → 21 posts; 9 在编 staff.
    assert (town["students"], town["norm"], town["established"]) == (381, 21, 9)
    assert town["shortage"] == 12 and town["surplus"] == 0
    maths = next(s for s in town["subjects"] if s["subject"] == "math")
    assert maths["subject_label"] == "数学" and maths["actual"] == 9
    assert maths["surplus"] == 9 - maths["need"]
    totals = body["totals"]
    assert totals["needed"] == sum(r["norm"] for r in rows.values())
    assert totals["approved"] == 40
    assert totals["within_approved"] is (totals["needed"] <= 40)
    assert totals["headroom"] == 40 - totals["needed"]
    assert session_client(personas.county_a).get(
        f"{W}/establishment?region=980101").json()["totals"]["approved"] is None


def test_establishment_queries_do_not_grow_with_schools(personas, world) -> None:
    client = session_client(personas.county_a)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"{W}/establishment?region=980101").status_code == 200
        return len(captured)

    queries()  # the session and the user's scope are loaded once
    before = queries()
    for i in range(4):
        school = f.InstitutionFactory(region=world.county_a, name=f"新校{i}")
        enrol(school, world.year, 50)
        teacher(school, "chinese", dt.date(2020, 9, 1))
    assert queries() == before


def test_subject_gaps_by_school_agrees_with_one_school(world, county) -> None:
    rural, _ = county
    schools = Institution.objects.filter(pk__in=[world.school_a.pk, *(s.pk for s in rural)])
    gaps = subject_gaps_by_school(schools, world.year.pk)
    for school in schools:
        assert gaps[school.pk] == school_subject_gaps(school, world.year.pk)


def test_establishment_refusals(personas, world) -> None:
    refused = session_client(personas.school_admin_a).get(f"{W}/establishment?region=980101")
    assert refused.status_code == 403
    assert refused.json()["error"]["message"] == "只有教育局可以查看编制核定"
    assert session_client(personas.county_b).get(
        f"{W}/establishment?region=980101").status_code == 404
    unknown = session_client(personas.county_a).get(f"{W}/establishment?region=980101&year=1999")
    assert unknown.status_code == 422
    assert unknown.json()["error"]["details"][0] == {
        "field": "year", "loc": ["year"], "type": "invalid", "message": "没有该学年"}


def test_city_sees_both_counties_in_its_table(personas, world) -> None:
    body = session_client(personas.city_bureau).get(f"{W}/establishment?region=980100").json()
    assert {r["school"]["code"] for r in body["items"]} == {world.school_a.code,
                                                            world.school_b.code}
    page = session_client(personas.city_bureau).get(
        f"{W}/establishment?region=980100&page_size=1&page=2").json()
    assert page["count"] == 2 and len(page["items"]) == 1
    assert page["totals"]["needed"] == body["totals"]["needed"]  # totals cover every page


# ---------------------------------------------------------------- rotation


def test_eligible_list_and_quota(personas, world, county) -> None:
    _, town = county
    client = session_client(personas.county_a)
    body = client.get(f"{W}/rotation/eligible?county=980101").json()
    assert body["on"] == "2025-09-01"  # no plan yet: the academic year's first day
    names = {r["staff"]["name"] for r in body["items"]}
    # Five 骨干 since 2012, two rural teachers since 2015, staff_a since 2019: ≥ 6 years.
    assert {s.name for s in town[:5]} <= names and not {s.name for s in town[5:]} & names
    assert body["eligible"] == body["count"] == 8 and body["quota_minimum"] == 1
    assert body["backbone_eligible"] == 5
    row = next(r for r in body["items"] if r["staff"]["id"] == town[0].pk)
    assert row["reason_label"] == "在同一学校连续任教满规定年限" and row["years"] == 13
    assert row["school"]["code"] == world.school_a.code and row["post_label"] == "专任教师"
    everyone = client.get(f"{W}/rotation/eligible?county=980101&all=true").json()
    short = next(r for r in everyone["items"] if r["staff"]["id"] == town[5].pk)
    assert short["eligible"] is False and short["reason_label"] == "连续任教年限不足"
    assert client.get(f"{W}/rotation/eligible?county=980102").status_code == 404


def test_plan_round_trip_lock_solve_notify_and_answers(personas, world, county) -> None:
    rural, town = county
    plan = services.create_plan(actor=personas.county_a, county=world.county_a,
                                academic_year=world.year, effective=EFFECTIVE)
    bureau = session_client(personas.county_a)
    url = f"{W}/rotation/plans/{plan.pk}/actions"

    locked = bureau.post(url, {"action": "lock", "staff_id": town[0].pk,
                               "destination": rural[1].code}, content_type="application/json")
    assert locked.status_code == 200, locked.content
    assert locked.json()["message"] == f"已锁定：{town[0].name} → 乡村小学2"
    assert locked.json()["plan"]["locked"] == [
        {"staff": {"id": town[0].pk, "name": town[0].name},
         "destination": {"code": rural[1].code, "name": "乡村小学2"}}]
    excluded = bureau.post(url, {"action": "exclude", "staff_id": town[1].pk},
                           content_type="application/json").json()
    assert excluded["plan"]["excluded"] == [{"id": town[1].pk, "name": town[1].name}]
    assert AuditLog.objects.filter(entity="workforce.rotationplan",
                                   object_id=str(plan.pk)).count() == 3  # create, lock, exclude

    solved = bureau.post(url, {"action": "solve"}, content_type="application/json").json()
    result = solved["plan"]["result"]
    assert solved["message"].startswith("求解完成") and result["status"] == "optimal"
    assert all(c["passed"] for c in result["checks"])
    assert {c["level_label"] for c in result["coefficients"]} == {"小学"}
    backbone = next(c for c in result["coefficients"] if c["indicator"] == "backbone")
    assert backbone["indicator_label"] == "每百名学生拥有县级以上骨干教师数"
    assert backbone["after"] < backbone["before"]  # 骨干 spread towards the rural schools
    moves = solved["plan"]["items"]
    assert moves and all(p["state"] == "proposed" for p in moves)
    assert {p["staff"]["id"]: p["destination"]["code"] for p in moves}[town[0].pk] == \
        rural[1].code
    assert town[1].pk not in {p["staff"]["id"] for p in moves}

    notify = bureau.post(url, {"action": "notify"}, content_type="application/json").json()
    assert notify["message"] == f"已通知 {len(moves)} 人"
    assert notify["plan"]["states"] == {"notified": len(moves)}

    detail = bureau.get(f"{W}/rotation/plans/{plan.pk}").json()
    assert detail["status"] == "optimal" and detail["proposals"] == len(moves)
    listed = bureau.get(f"{W}/rotation/plans?county=980101").json()
    assert [p["id"] for p in listed["items"]] == [plan.pk]
    assert listed["items"][0]["moves"] == len(moves)

    # The sending school answers: a contest needs a reason, then is recorded.
    proposal = RotationProposal.objects.get(plan=plan, staff=town[0])
    school = session_client(personas.school_admin_a)
    respond = f"{W}/rotation/proposals/{proposal.pk}/respond"
    missing = school.post(respond, {"answer": "contest"}, content_type="application/json")
    assert missing.status_code == 422
    assert missing.json()["error"]["details"][0]["message"] == "执行“提出异议”需要填写理由"
    answered = school.post(respond, {"answer": "contest", "reason": "承担毕业班教学"},
                           content_type="application/json").json()
    assert answered["state"] == "contested" and answered["state_label"] == "有异议"
    assert [(h.transition, h.reason) for h in history_of(proposal)][-1] == (
        "contest", "承担毕业班教学")
    # A bureau may confirm but never contest.
    refused = bureau.post(respond, {"answer": "contest", "reason": "x"},
                          content_type="application/json")
    assert refused.status_code == 403
    assert refused.json()["error"]["message"] == "您的角色不能执行“提出异议”"


def test_plan_action_refusals(personas, world, county) -> None:
    _, town = county
    plan = services.create_plan(actor=personas.county_a, county=world.county_a,
                                academic_year=world.year, effective=EFFECTIVE)
    url = f"{W}/rotation/plans/{plan.pk}/actions"
    body = {"action": "exclude", "staff_id": town[0].pk}
    school = session_client(personas.school_admin_a).post(url, body,
                                                          content_type="application/json")
    assert school.status_code == 403
    assert school.json()["error"]["message"] == "只有教育局可以调整交流轮岗方案"
    assert session_client(personas.county_b).post(
        url, body, content_type="application/json").status_code == 404
    city = session_client(personas.city_bureau)
    other_county = city.post(url, {"action": "exclude", "staff_id": world.staff_b.pk},
                             content_type="application/json")
    assert other_county.status_code == 422
    assert other_county.json()["error"]["details"][0]["field"] == "staff_id"
    no_school = city.post(url, {"action": "lock", "staff_id": town[0].pk},
                          content_type="application/json")
    assert no_school.status_code == 422
    unknown = city.post(url, {"action": "publish"}, content_type="application/json")
    assert unknown.status_code == 422
    plan.refresh_from_db()
    assert plan.locked == {} and plan.excluded == []


def test_teacher_sees_and_answers_only_their_own_proposal(own_teacher, personas, world) -> None:
    colleague = new_teacher(world.school_a, dt.date(2010, 9, 1))
    second = f.InstitutionFactory(region=world.county_a, locality="rural")
    mine = notified(world, world.staff_a, world.school_a, second)
    theirs = notified(world, colleague, world.school_a, second)
    client = token_client(own_teacher)
    listed = client.get(f"{W}/rotation/proposals").json()
    assert [p["id"] for p in listed["items"]] == [mine.pk]
    assert [a["name"] for a in listed["items"][0]["actions"]] == ["confirm", "contest"]
    assert client.post(f"{W}/rotation/proposals/{theirs.pk}/respond", {"answer": "confirm"},
                       content_type="application/json").status_code == 404
    done = client.post(f"{W}/rotation/proposals/{mine.pk}/respond", {"answer": "confirm"},
                       content_type="application/json")
    assert done.status_code == 200 and done.json()["state"] == "confirmed"
    # The school's administrator sees both, sending and receiving side alike.
    admin = session_client(personas.school_admin_a).get(f"{W}/rotation/proposals").json()
    assert admin["count"] == 2
    school = session_client(own_teacher).get(f"{W}/schools/{world.school_a.code}").json()
    assert [p["id"] for p in school["outgoing"]] == [mine.pk]


# ---------------------------------------------------------------- posting


@pytest.fixture
def round_a(personas, world):
    rural = f.InstitutionFactory(region=world.county_a, locality="rural", name="乡村小学")
    posting_round = posting.open_round(actor=personas.county_a, county=world.county_a,
                                       academic_year=world.year, number=1,
                                       effective=dt.date(2026, 9, 1))
    posting.add_opening(actor=personas.county_a, posting_round=posting_round,
                        institution=world.school_a, subject="math", places=1)
    village = posting.add_opening(actor=personas.county_a, posting_round=posting_round,
                                  institution=rural, subject="math", places=1)
    return posting_round, village


def test_teacher_applies_for_a_post_at_another_school(own_teacher, personas, world,
                                                      round_a) -> None:
    posting_round, village = round_a
    client = session_client(own_teacher)
    detail = client.get(f"{W}/posting/rounds/{posting_round.pk}").json()
    # Posts are advertised county-wide: the teacher sees the village school's post too.
    assert sorted(o["school"]["name"] for o in detail["openings"]) == ["东城实验小学", "乡村小学"]
    assert detail["open"] is True and detail["number_label"] == "第一轮竞聘"
    url = f"{W}/posting/rounds/{posting_round.pk}/applications"
    created = client.post(url, {"opening_id": village.pk, "preference": 2},
                          content_type="application/json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["staff"]["id"] == world.staff_a.pk and body["school"]["name"] == "乡村小学"
    assert body["state"] == "applied" and body["preference"] == 2
    application = PostingApplication.objects.get(pk=body["id"])
    assert [h.to_state for h in history_of(application)] == ["applied"]
    again = client.post(url, {"opening_id": village.pk}, content_type="application/json")
    assert again.status_code == 422
    assert again.json()["error"]["details"][0]["message"] == "该教职工已报名此岗位"
    colleague = new_teacher(world.school_a, dt.date(2015, 9, 1))
    for_other = client.post(url, {"opening_id": village.pk, "staff_id": colleague.pk},
                            content_type="application/json")
    assert for_other.status_code == 403
    assert for_other.json()["error"]["message"] == "教师只能为本人报名"
    # The teacher sees their own application only; the school admin also the colleague's.
    posting.apply(actor=personas.school_admin_a, opening=village, staff=colleague, preference=1)
    mine = client.get(f"{W}/posting/rounds/{posting_round.pk}").json()["applications"]
    assert [a["staff"]["id"] for a in mine] == [world.staff_a.pk]
    admin = session_client(personas.school_admin_a).get(
        f"{W}/posting/rounds/{posting_round.pk}").json()["applications"]
    assert len(admin) == 2


def test_closed_round_refuses_applications(personas, world, round_a) -> None:
    posting_round, village = round_a
    posting.close_round(actor=personas.county_a, posting_round=posting_round)
    client = session_client(personas.school_admin_a)
    assert client.get(f"{W}/posting/rounds?open=true").json()["count"] == 0
    assert client.get(f"{W}/posting/rounds?open=false").json()["items"][0]["open"] is False
    refused = client.post(f"{W}/posting/rounds/{posting_round.pk}/applications",
                          {"opening_id": village.pk, "staff_id": world.staff_a.pk},
                          content_type="application/json")
    assert refused.status_code == 422
    assert refused.json()["error"]["details"][0]["message"] == "本轮竞聘已结束"
    no_staff = client.post(f"{W}/posting/rounds/{posting_round.pk}/applications",
                           {"opening_id": village.pk}, content_type="application/json")
    assert no_staff.status_code == 422  # a school admin has no own record to default to


# ---------------------------------------------------------------- 师德, training, points


def test_negative_list_is_bureau_only_and_masked(personas, world) -> None:
    conduct.record_case(actor=personas.county_a, staff=world.staff_a,
                        occurred=dt.date(2025, 3, 1), decided=dt.date(2025, 3, 10),
                        category="integrity", sanction="dismissal", description="收受家长礼金")
    body = session_client(personas.city_bureau).get(f"{W}/conduct/cases").json()
    (case,) = body["items"]
    assert case["staff"]["name"] == world.staff_a.name
    number = world.staff_a.id_number
    assert case["staff"]["id_number"] == number[:6] + "********" + number[-4:]
    assert number not in str(body)
    assert case["category_label"] == "坚守廉洁自律" and case["sanction_label"] == "开除"
    assert case["veto_until"] is None and case["veto_active"] is True  # for good
    assert session_client(personas.county_b).get(f"{W}/conduct/cases").json()["count"] == 0
    for persona in ("school_admin_a", "teacher_a", "parent"):
        refused = session_client(getattr(personas, persona)).get(f"{W}/conduct/cases")
        assert refused.status_code == 403
        assert refused.json()["error"]["message"] == "只有教育局可以查看师德负面清单"


def test_training_ledger_and_progress(personas, world) -> None:
    behind = new_teacher(world.school_a, dt.date(2015, 9, 1))
    for staff, hours in ((world.staff_a, "300"), (behind, "10")):
        TrainingRecord.objects.create(staff=staff, course="课程", hours=Decimal(hours),
                                      level="county", date=dt.date(2026, 6, 1), provider="县")
    client = session_client(personas.county_a)
    records = client.get(f"{W}/training/records?level=county").json()
    assert {r["staff"]["id"] for r in records["items"]} == {world.staff_a.pk, behind.pk}
    assert records["items"][0]["level_label"] == "县级"
    assert records["items"][0]["school"]["code"] == world.school_a.code
    assert client.get(f"{W}/training/records?date_from=2026-07-01").json()["count"] == 0
    progress = client.get(f"{W}/training/progress?on=2026-11-30").json()
    assert progress["cycle"] == {"start": "2026-01-01", "end": "2030-12-31",
                                 "label": "2026—2030周期"}
    assert progress["summary"]["teachers"] == 2 and progress["summary"]["behind"] == 1
    lagging = client.get(f"{W}/training/progress?on=2026-11-30&behind=true").json()
    assert [r["staff"]["id"] for r in lagging["items"]] == [behind.pk]
    assert lagging["items"][0]["hours"] == 10.0 and lagging["items"][0]["shortfall"] > 0
    assert lagging["summary"]["teachers"] == 2  # the summary is of everyone filtered
    assert session_client(personas.county_b).get(f"{W}/training/records").json()["count"] == 0
    refused = session_client(personas.teacher_a).get(f"{W}/training/records")
    assert refused.status_code == 403
    assert refused.json()["error"]["message"] == "只有教育局或学校管理员可以查看培训学时台账"


def test_teacher_progress_and_points_are_their_own(own_teacher, personas, world) -> None:
    colleague = new_teacher(world.school_a, dt.date(2015, 9, 1))
    TrainingRecord.objects.create(staff=world.staff_a, course="国培", hours=Decimal("40"),
                                  level="national", date=dt.date(2025, 3, 1), provider="国培")
    points.define_item(actor=personas.county_a, county=world.county_a, year=2024,
                       code="training", label="培训学时", source="training_hours",
                       per_unit=Decimal("0.5"), cap=Decimal("15"))
    client = session_client(own_teacher)
    mine = client.get(f"{W}/training/progress/{world.staff_a.pk}?on=2025-06-30").json()
    assert mine["hours"] == 40.0 and mine["required"] == 360.0
    assert [r["course"] for r in mine["records"]] == ["国培"]
    score = client.get(f"{W}/points/{world.staff_a.pk}").json()
    assert score["year"] == 2024 and score["county"]["code"] == "980101"
    assert score["lines"] == [{"code": "training", "label": "培训学时", "units": 40.0,
                               "points": 15.0}]  # 40 × 0.5 = 20, capped at 15
    assert score["total"] == 15.0 and score["scheme"] is True
    assert client.get(f"{W}/points/{world.staff_a.pk}?year=2023").json()["scheme"] is False
    for url in (f"{W}/training/progress/{colleague.pk}", f"{W}/points/{colleague.pk}"):
        assert client.get(url).status_code == 404
        assert session_client(personas.school_admin_a).get(url).status_code == 200
    assert session_client(personas.county_b).get(
        f"{W}/points/{world.staff_a.pk}").status_code == 404


# ---------------------------------------------------------------- a school, /me


def test_school_staffing(personas, world) -> None:
    body = session_client(personas.school_admin_a).get(
        f"{W}/schools/{world.school_a.code}").json()
    assert body["school"]["name"] == "东城实验小学" and body["year"] == 2025
    assert body["establishment"] == {"students": 1, "norm": 1, "established": 1,
                                     "shortage": 0, "surplus": 0}
    assert [s["name"] for s in body["staff"]] == [world.staff_a.name]
    assert body["staff"][0]["subject_label"] == "数学"
    assert "id_number" not in body["staff"][0]
    assert {g["subject"] for g in body["subjects"]} >= {"chinese", "math"}
    assert session_client(personas.school_admin_a).get(
        f"{W}/schools/{world.school_b.code}").status_code == 404


def test_me_is_the_teachers_own_record_masked(own_teacher, personas, world) -> None:
    second = f.InstitutionFactory(region=world.county_a, locality="rural")
    proposal = notified(world, world.staff_a, world.school_a, second)
    body = token_client(own_teacher).get(f"{W}/me").json()
    staff = body["staff"]
    number = world.staff_a.id_number
    assert staff["id"] == world.staff_a.pk and staff["school"]["code"] == world.school_a.code
    assert staff["id_number"] == number[:6] + "********" + number[-4:]
    assert staff["phone"] == "139****1111"
    assert body["progress"]["required"] == 360.0 and body["points"]["year"] == 2024
    assert [p["id"] for p in body["proposals"]] == [proposal.pk]
    assert body["training"] == [] and body["applications"] == []
    unlinked = session_client(personas.school_admin_a).get(f"{W}/me").json()
    assert unlinked["staff"] is None and unlinked["proposals"] == []
    refused = session_client(personas.parent).get(f"{W}/me")
    assert refused.status_code == 403
    assert refused.json()["error"]["message"] == "只有教育局、学校管理员或教师可以查看本人教师档案"
