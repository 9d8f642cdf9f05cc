"""The bureau's pages for 竞聘上岗 (open a round with its dates, set posts, close it, open the
second round, 组织调剂 / 待岗培训 from the county pool) and the services behind them.
Permissions per persona are walked in tests/web (tests/workforce/url_cases.py)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import reverse

from edugov.core.models import AuditLog
from edugov.workforce import views
from edugov.workforce.models import PoolEntry, PostingApplication, PostingRound, PostOpening
from edugov.workforce.services import posting
from tests import factories as f
from tests.workforce.conftest import new_teacher

ON = dt.date(2025, 10, 10)
EFFECTIVE = dt.date(2026, 9, 1)


@pytest.fixture(autouse=True)
def fixed_day(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(views, "today", lambda: ON)


def round_form(world, number: int = 1, **changes: object) -> dict[str, object]:  # type: ignore[no-untyped-def]
    return {"county": world.county_a.pk, "academic_year": world.year.pk, "number": number,
            "name": "2025学年教师竞聘上岗", "opens": "2025-10-01", "closes": "2025-10-20",
            "effective": EFFECTIVE.isoformat(), **changes}


def messages_of(client, url: str) -> str:  # type: ignore[no-untyped-def]
    return client.get(url).content.decode()


def test_opening_a_round_with_its_application_window(client_for, world) -> None:
    client = client_for("county_a")
    url = reverse("workforce:round_new")
    page = client.get(url).content.decode()
    assert "东城区" in page and "西城县" not in page  # only the bureau's own county
    response = client.post(url, round_form(world))
    posting_round = PostingRound.objects.get()
    assert response["Location"] == reverse("workforce:round_detail",
                                           kwargs={"pk": posting_round.pk})
    assert (posting_round.number, posting_round.name, posting_round.opens,
            posting_round.closes) == (1, "2025学年教师竞聘上岗", dt.date(2025, 10, 1),
                                      dt.date(2025, 10, 20))
    assert AuditLog.objects.filter(entity="workforce.postinground",
                                   object_id=str(posting_round.pk), action="create").exists()
    detail = client.get(response["Location"]).content.decode()
    assert "2025学年教师竞聘上岗" in detail and "2025-10-01 至 2025-10-20" in detail

    # The same round again, a window closing before it opens, a second round too early:
    # each refused on the re-shown form with the reason.
    assert "已有第一轮竞聘" in client.post(url, round_form(world)).content.decode()
    backwards = client.post(url, round_form(world, number=2, closes="2025-09-01"))
    assert "报名截止日期不能早于报名开始日期" in backwards.content.decode()
    early = client.post(url, round_form(world, number=2)).content.decode()
    assert "第一轮竞聘结束后才能开始第二轮" in early
    assert PostingRound.objects.count() == 1
    # County B's county is not among the choices of county A's bureau.
    other = client.post(url, round_form(world, county=world.county_b.pk)).content.decode()
    assert "选择一个有效的选项" in other


def test_applications_only_within_the_window(personas, world) -> None:
    posting_round = posting.open_round(
        actor=personas.county_a, county=world.county_a, academic_year=world.year, number=1,
        effective=EFFECTIVE, opens=dt.date(2025, 10, 1), closes=dt.date(2025, 10, 20))
    opening = posting.add_opening(actor=personas.county_a, posting_round=posting_round,
                                  institution=world.school_a, subject="math", places=1)
    for day in (dt.date(2025, 9, 30), dt.date(2025, 10, 21)):
        with pytest.raises(ValidationError, match="报名时间为2025-10-01至2025-10-20"):
            posting.apply(actor=personas.school_admin_a, opening=opening, staff=world.staff_a,
                          preference=1, on=day)
    posting.apply(actor=personas.school_admin_a, opening=opening, staff=world.staff_a,
                  preference=1, on=dt.date(2025, 10, 20))
    assert PostingApplication.objects.count() == 1


def test_posts_rounds_close_second_round_and_the_pool(client_for, personas, world) -> None:
    rural = f.InstitutionFactory(region=world.county_a, locality="rural", name="乡村小学")
    a1 = new_teacher(world.school_a, dt.date(2015, 9, 1), name="甲老师")
    a2 = new_teacher(world.school_a, dt.date(2016, 9, 1), name="乙老师")
    a3 = new_teacher(world.school_a, dt.date(2017, 9, 1), name="丙老师")
    bureau = client_for("county_a")
    bureau.post(reverse("workforce:round_new"), round_form(world))
    round1 = PostingRound.objects.get()
    posts = reverse("workforce:opening_new", kwargs={"pk": round1.pk})
    assert client_for("county_b").get(posts).status_code == 404
    done = bureau.post(posts, {"institution": world.school_a.pk, "subject": "math",
                               "places": "1"})
    assert done["Location"] == posts  # back to the form for the next school's posts
    bureau.post(posts, {"institution": rural.pk, "subject": "math", "places": "3"})
    bureau.post(posts, {"institution": rural.pk, "subject": "math", "places": "1"})
    assert sorted(PostOpening.objects.values_list("institution__name", "places")) == [
        ("东城实验小学", 1), ("乡村小学", 1)]
    refused = bureau.post(posts, {"institution": rural.pk, "subject": "math", "places": "0"})
    assert refused.status_code == 200 and 'class="errorlist"' in refused.content.decode()
    assert PostOpening.objects.get(institution=rural).places == 1
    town = PostOpening.objects.get(institution=world.school_a)
    apps = {s: posting.apply(actor=personas.school_admin_a, opening=town, staff=s,
                             preference=1, on=ON) for s in (a1, a2, a3)}
    posting.rank_applicants(actor=personas.school_admin_a, posting_round=round1,
                            ranks={apps[a2].pk: 1, apps[a1].pk: 2})

    detail = reverse("workforce:round_detail", kwargs={"pk": round1.pk})
    close = reverse("workforce:round_close", kwargs={"pk": round1.pk})
    assert client_for("school_admin_a").post(close).status_code == 403
    assert bureau.post(close)["Location"] == detail
    page = messages_of(bureau, detail)
    assert "本轮竞聘已结束：聘任1人，未聘2人，2人进入县域待岗" in page
    second = (f'{reverse("workforce:round_new")}?number=2&amp;county={world.county_a.pk}'
              f"&amp;year={world.year.pk}")
    assert second in page and "结束本轮并确定聘任" not in page
    assert "未能结束本轮：本轮竞聘已结束" in messages_of(bureau, bureau.post(close)["Location"])
    assert set(PoolEntry.objects.values_list("staff__name", flat=True)) == {"甲老师", "丙老师"}

    form = bureau.get(second.replace("&amp;", "&")).content.decode()
    assert '<option value="2" selected>' in form
    bureau.post(reverse("workforce:round_new"), round_form(
        world, number=2, name="第二轮竞聘", opens="2025-11-01", closes="2025-11-10"))
    round2 = PostingRound.objects.get(number=2)
    assert "开设第二轮竞聘" not in messages_of(bureau, detail)  # once a year
    bureau.post(reverse("workforce:opening_new", kwargs={"pk": round2.pk}),
                {"institution": rural.pk, "subject": "math", "places": "1"})
    late = posting.apply(actor=personas.county_a, opening=PostOpening.objects.get(round=round2),
                         staff=a1, preference=1, on=dt.date(2025, 11, 5))
    posting.rank_applicants(actor=personas.county_a, posting_round=round2, ranks={late.pk: 1})
    bureau.post(reverse("workforce:round_close", kwargs={"pk": round2.pk}))
    a1.refresh_from_db()
    assert a1.current_institution == rural
    # Both rounds show the year's county pool: 甲 placed in round 2, 丙 still waiting.
    pool2 = messages_of(bureau, reverse("workforce:round_detail", kwargs={"pk": round2.pk}))
    assert "二轮聘任" in pool2 and "丙老师" in pool2

    waiting = PoolEntry.objects.get(staff=a3)
    decide = reverse("workforce:pool_decide", kwargs={"pk": waiting.pk})
    assert "组织调剂须选择学校" in bureau.post(
        decide, {"decision": "allocate", "reason": "乡村学校缺数学教师"}).content.decode()
    bureau.post(decide, {"decision": "train", "reason": "教学能力待提升，参加县级培训"})
    waiting.refresh_from_db()
    assert waiting.state == "training"
    bureau.post(decide, {"decision": "allocate", "institution": rural.pk,
                         "reason": "培训合格，调剂到乡村小学"})
    waiting.refresh_from_db()
    a3.refresh_from_db()
    assert (waiting.state, waiting.destination, a3.current_institution) == (
        "allocated", rural, rural)
    assert a3.assignments.get(end__isnull=True).start == EFFECTIVE
    history = bureau.get(decide).content.decode()
    for line in ("进入县域待岗", "待岗培训", "教学能力待提升，参加县级培训", "组织调剂",
                 "培训合格，调剂到乡村小学"):
        assert line in history
    assert 'name="decision"' not in history  # settled: no more decisions


def test_ranks_are_saved_all_or_none(personas, world) -> None:
    rural = f.InstitutionFactory(region=world.county_a, name="乡村小学")
    posting_round = posting.open_round(actor=personas.county_a, county=world.county_a,
                                       academic_year=world.year, number=1, effective=EFFECTIVE)
    own = posting.add_opening(actor=personas.county_a, posting_round=posting_round,
                              institution=world.school_a, subject="math", places=1)
    theirs = posting.add_opening(actor=personas.county_a, posting_round=posting_round,
                                 institution=rural, subject="math", places=1)
    mine = posting.apply(actor=personas.county_a, opening=own, staff=world.staff_a,
                         preference=1, on=ON)
    other = posting.apply(actor=personas.county_a, opening=theirs, staff=world.staff_a,
                          preference=2, on=ON)
    # School A may not rank the applicant to the rural school's post: nothing is saved.
    with pytest.raises(Http404):
        posting.rank_applicants(actor=personas.school_admin_a, posting_round=posting_round,
                                ranks={mine.pk: 1, other.pk: 1})
    with pytest.raises(ValidationError, match="排序应从1开始"):
        posting.rank_applicants(actor=personas.county_a, posting_round=posting_round,
                                ranks={mine.pk: 1, other.pk: 0})
    assert set(PostingApplication.objects.values_list("school_rank", flat=True)) == {None}
    assert posting.rank_applicants(actor=personas.school_admin_a, posting_round=posting_round,
                                   ranks={mine.pk: 1}) == 1
    assert posting.rank_applicants(actor=personas.school_admin_a, posting_round=posting_round,
                                   ranks={mine.pk: 1}) == 0
