"""竞聘上岗 over the API for the bureau (open a round, set posts, close it) and withdrawing a
posting application (service, round page, API). Who may call each route or URL is the
walkers' (tests/api/workforce_cases.py, tests/workforce/url_cases.py); these check what
they do."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from edugov.core.models import AuditLog
from edugov.workflow.models import StateChange
from edugov.workforce.models import PoolEntry, PostingApplication, PostingRound, PostOpening
from edugov.workforce.services import posting
from tests import factories as f
from tests.api.conftest import session_client, token_client
from tests.workforce.conftest import new_teacher

pytestmark = pytest.mark.django_db

W = "/api/v1/workforce"
EFFECTIVE = dt.date(2026, 9, 1)


def post(client, url: str, body: dict | None = None, method: str = "post"):  # type: ignore[no-untyped-def]
    return getattr(client, method)(url, body or {}, content_type="application/json")


def field_errors(response) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {d["field"]: d["message"] for d in response.json()["error"].get("details", [])}


# ---------------------------------------------------------------- rounds over the API


def test_bureau_opens_a_round_sets_posts_and_closes_it(personas, world) -> None:
    bureau = token_client(personas.county_a)
    opened = post(bureau, f"{W}/posting/rounds", {
        "county": world.county_a.code, "year": 2025, "name": "2025学年竞聘",
        "opens": "2025-10-01", "closes": "2025-10-20", "effective": EFFECTIVE.isoformat()})
    assert opened.status_code == 201, opened.content
    body = opened.json()
    posting_round = PostingRound.objects.get()
    assert (body["id"], body["number"], body["open"]) == (posting_round.pk, 1, True)
    assert (posting_round.name, posting_round.opens, posting_round.closes) == (
        "2025学年竞聘", dt.date(2025, 10, 1), dt.date(2025, 10, 20))
    assert AuditLog.objects.filter(entity="workforce.postinground", action="create",
                                   object_id=str(posting_round.pk)).exists()
    again = post(bureau, f"{W}/posting/rounds", {
        "county": world.county_a.code, "year": 2025, "effective": EFFECTIVE.isoformat()})
    assert again.status_code == 422 and "已有第一轮竞聘" in again.content.decode()
    backwards = post(bureau, f"{W}/posting/rounds", {
        "county": world.county_a.code, "year": 2025, "number": 2, "opens": "2025-10-20",
        "closes": "2025-10-01", "effective": EFFECTIVE.isoformat()})
    assert backwards.status_code == 422
    assert field_errors(backwards) == {"closes": "报名截止日期不能早于报名开始日期"}
    assert post(bureau, f"{W}/posting/rounds", {
        "county": world.county_b.code, "year": 2025, "effective": EFFECTIVE.isoformat()}
    ).status_code == 404

    posts = f"{W}/posting/rounds/{posting_round.pk}/posts"
    set_math = post(bureau, posts, {"institution": world.school_a.code, "subject": "math",
                                    "places": 2}, method="put")
    assert set_math.status_code == 200, set_math.content
    assert (set_math.json()["subject_label"], set_math.json()["places"]) == ("数学", 2)
    # The same school and subject again changes the count (POST works as PUT).
    changed = post(bureau, posts, {"institution": world.school_a.code, "subject": "math",
                                   "places": 3})
    assert changed.status_code == 200 and changed.json()["id"] == set_math.json()["id"]
    assert PostOpening.objects.get().places == 3
    unknown = post(bureau, posts, {"institution": world.school_a.code, "subject": "latin",
                                   "places": 1})
    assert unknown.status_code == 422 and field_errors(unknown) == {"subject": "没有该学科"}
    assert post(bureau, posts, {"institution": world.school_b.code, "subject": "math",
                                "places": 1}).status_code == 404

    closed = post(bureau, f"{W}/posting/rounds/{posting_round.pk}/close")
    assert closed.status_code == 200, closed.content
    assert closed.json()["round"]["open"] is False
    assert {k: closed.json()[k] for k in ("placed", "unplaced", "pooled")} == {
        "placed": 0, "unplaced": 0, "pooled": 0}
    twice = post(bureau, f"{W}/posting/rounds/{posting_round.pk}/close")
    assert twice.status_code == 422 and "本轮竞聘已结束" in twice.content.decode()
    late = post(bureau, posts, {"institution": world.school_a.code, "subject": "math",
                                "places": 1})
    assert late.status_code == 422 and "本轮竞聘已结束" in late.content.decode()


def test_school_roles_cannot_organise_a_round(personas, world) -> None:
    posting_round = posting.open_round(actor=personas.county_a, county=world.county_a,
                                       academic_year=world.year, number=1, effective=EFFECTIVE)
    admin = session_client(personas.school_admin_a)
    refused = post(admin, f"{W}/posting/rounds/{posting_round.pk}/posts", {
        "institution": world.school_a.code, "subject": "math", "places": 1})
    assert refused.status_code == 403
    assert refused.json()["error"]["message"] == "只有教育局可以设置竞聘岗位"
    closing = post(admin, f"{W}/posting/rounds/{posting_round.pk}/close")
    assert closing.status_code == 403 and closing.json()["error"]["message"] == \
        "只有教育局可以结束竞聘"
    assert PostOpening.objects.count() == 0
    assert PostingRound.objects.get().closed_at is None


# ---------------------------------------------------------------- withdrawing an application


@pytest.fixture
def applied(own_teacher, personas, world):  # type: ignore[no-untyped-def]
    """County A's open round: teacher_a (staff_a) and a colleague applied to school A's post."""
    posting_round = posting.open_round(actor=personas.county_a, county=world.county_a,
                                       academic_year=world.year, number=1, effective=EFFECTIVE)
    opening = posting.add_opening(actor=personas.county_a, posting_round=posting_round,
                                  institution=world.school_a, subject="math", places=1)
    colleague = new_teacher(world.school_a, dt.date(2016, 9, 1), name="乙老师")
    own = posting.apply(actor=own_teacher, opening=opening, staff=world.staff_a, preference=1)
    theirs = posting.apply(actor=personas.school_admin_a, opening=opening, staff=colleague,
                           preference=1)
    return posting_round, own, theirs


def test_teacher_withdraws_their_own_and_the_history_stays(own_teacher, personas,
                                                           applied) -> None:
    posting_round, own, theirs = applied
    posting.rank_applicants(actor=personas.school_admin_a, posting_round=posting_round,
                            ranks={own.pk: 1, theirs.pk: 2})
    # Ranks are provisional until the round closes: a ranked application may be withdrawn.
    posting.withdraw_application(actor=own_teacher, application=own, reason=" 家庭原因 ")
    own.refresh_from_db()
    assert own.state == "withdrawn" and own.state_label == "已撤回"
    change = StateChange.objects.filter(object_id=str(own.pk), workflow="workforce_posting",
                                        transition="withdraw").get()
    assert (change.from_state, change.reason, change.actor) == ("ranked", "家庭原因",
                                                                own_teacher)
    assert AuditLog.objects.filter(entity="workforce.postingapplication",
                                   object_id=str(own.pk), summary__contains="withdrawn").exists()
    with pytest.raises(ValidationError, match="已撤回，不能撤回"):
        posting.withdraw_application(actor=own_teacher, application=own, reason="")
    # Settling the round leaves the withdrawn application out: the colleague takes the post.
    summary = posting.close_round(actor=personas.county_a, posting_round=posting_round)
    assert summary == {"placed": 1, "unplaced": 0, "pooled": 0}
    own.refresh_from_db()
    theirs.refresh_from_db()
    assert (own.state, theirs.state) == ("withdrawn", "placed")
    assert not PoolEntry.objects.exists()


def test_who_may_withdraw(own_teacher, personas, world, applied) -> None:
    posting_round, own, theirs = applied
    with pytest.raises(PermissionDenied, match="只有报名教师本人或其所在学校管理员"):
        posting.withdraw_application(actor=own_teacher, application=theirs, reason="")
    with pytest.raises(PermissionDenied, match="只有报名教师本人或其所在学校管理员"):
        posting.withdraw_application(actor=personas.county_a, application=own, reason="")
    # An administrator of another school (here: of the offering school only) may not.
    other = f.InstitutionFactory(region=world.county_a, name="另一所学校")
    outsider = new_teacher(other, dt.date(2018, 9, 1), name="丙老师")
    far = posting.apply(actor=personas.county_a, opening=own.opening, staff=outsider,
                        preference=1)
    with pytest.raises(PermissionDenied, match="学校管理员只能撤回本校教师的竞聘报名"):
        posting.withdraw_application(actor=personas.school_admin_a, application=far, reason="")
    posting.withdraw_application(actor=personas.school_admin_a, application=theirs,
                                 reason="本人申请")
    theirs.refresh_from_db()
    assert theirs.state == "withdrawn"
    posting.close_round(actor=personas.county_a, posting_round=posting_round)
    own.refresh_from_db()
    with pytest.raises(ValidationError, match="本轮竞聘已结束"):
        posting.withdraw_application(actor=own_teacher, application=own, reason="")
    assert own.state == "not_placed"  # unranked: not placed when the round settled


def test_round_page_offers_the_teacher_a_withdraw_button(own_teacher, client_for,
                                                         applied) -> None:
    posting_round, own, theirs = applied
    client = client_for("teacher_a")
    page = reverse("workforce:round_detail", kwargs={"pk": posting_round.pk})
    html = client.get(page).content.decode()
    assert reverse("workforce:posting_withdraw", kwargs={"pk": own.pk}) in html
    assert reverse("workforce:posting_withdraw", kwargs={"pk": theirs.pk}) not in html
    response = client.post(reverse("workforce:posting_withdraw", kwargs={"pk": own.pk}),
                           {"reason": "个人原因"})
    assert response.status_code == 302 and response["Location"] == page
    own.refresh_from_db()
    assert own.state == "withdrawn"
    html = client.get(page).content.decode()
    assert "已撤回" in html
    assert reverse("workforce:posting_withdraw", kwargs={"pk": own.pk}) not in html
    # Someone else's application: refused (403), nothing changes.
    refused = client.post(reverse("workforce:posting_withdraw", kwargs={"pk": theirs.pk}))
    assert refused.status_code == 403
    theirs.refresh_from_db()
    assert theirs.state == "applied"


def test_withdraw_over_the_api(own_teacher, personas, applied) -> None:
    posting_round, own, theirs = applied
    url = f"{W}/posting/applications/{own.pk}/withdraw"
    bureau = post(session_client(personas.county_a), url, {"reason": "x"})
    assert bureau.status_code == 403
    assert bureau.json()["error"]["message"] == "只有报名教师本人或其所在学校管理员可以撤回竞聘报名"
    teacher = token_client(own_teacher)
    # A teacher sees only their own applications: a colleague's is 404.
    assert post(teacher, f"{W}/posting/applications/{theirs.pk}/withdraw").status_code == 404
    done = post(teacher, url, {"reason": "个人原因"})
    assert done.status_code == 200, done.content
    assert (done.json()["id"], done.json()["state"], done.json()["state_label"]) == (
        own.pk, "withdrawn", "已撤回")
    again = post(teacher, url)
    assert again.status_code == 422 and "已撤回，不能撤回" in again.content.decode()
    assert PostingApplication.objects.filter(pk=own.pk).exists()
    detail = token_client(own_teacher).get(f"{W}/posting/rounds/{posting_round.pk}").json()
    assert [(a["id"], a["state"]) for a in detail["applications"]] == [(own.pk, "withdrawn")]
