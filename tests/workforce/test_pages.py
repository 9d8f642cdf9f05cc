"""Workforce pages: every URL for every persona, and what the pages show and do.

``WORKFORCE_CASES`` is written in the shape of tests/web/url_cases.py, for the project-wide
walker to take over (the lead adds them there)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from edugov.workforce.models import RotationPlan, RotationProposal
from edugov.workforce.services import conduct, posting
from tests.web.url_cases import LOGIN, PERSONAS, REGISTRY, SEES_A, SEES_B, expect
from tests.workforce.conftest import new_teacher

BUREAUS = ("superuser", "city_bureau", "county_a", "county_b")
OUTSIDERS = {"parent": 403, "tutoring_operator": 403, "anonymous": LOGIN}


def bureau_only(ok: int | str = 200) -> dict[str, int | str]:
    return expect(403, **dict.fromkeys(BUREAUS, ok), anonymous=LOGIN)


def scoped(seen_by: tuple[str, ...], audience: tuple[str, ...], ok: int | str = 200
           ) -> dict[str, int | str]:
    """ok for who sees the object, 404 for other members of the page's audience, 403 for
    roles outside the audience, login for anonymous."""
    result = expect(403, anonymous=LOGIN)
    for persona in audience:
        result[persona] = ok if persona in seen_by else 404
    return result


def plan_in(world, county) -> RotationPlan:  # type: ignore[no-untyped-def]
    return RotationPlan.objects.get_or_create(
        county=county, academic_year=world.year, defaults={"effective": dt.date(2025, 9, 1)})[0]


def round_in(world, county):  # type: ignore[no-untyped-def]
    from edugov.workforce.models import PostingRound
    return PostingRound.objects.get_or_create(
        county=county, academic_year=world.year, number=1,
        defaults={"effective": dt.date(2026, 9, 1)})[0]


def proposal_in(world, school, staff):  # type: ignore[no-untyped-def]
    plan = plan_in(world, school.region)
    return RotationProposal.objects.get_or_create(
        plan=plan, staff=staff, defaults={"source": school, "destination": school,
                                          "post": "teacher", "state": "proposed"})[0]


# (name, expected, kwargs(world), method, data)
WORKFORCE_CASES = [
    ("workforce:office", bureau_only(), lambda w: {}, "get", {}),
    ("workforce:conduct_list", bureau_only(), lambda w: {}, "get", {}),
    ("workforce:training", expect(200, teacher_a=403, **OUTSIDERS), lambda w: {}, "get", {}),
    ("workforce:me", expect(200, **OUTSIDERS), lambda w: {}, "get", {}),
    ("workforce:plan_detail", scoped(SEES_A, BUREAUS),
     lambda w: {"pk": plan_in(w, w.county_a).pk}, "get", {}),
    ("workforce:plan_detail", scoped(SEES_B, BUREAUS),
     lambda w: {"pk": plan_in(w, w.county_b).pk}, "get", {}),
    # An unknown action: redirected back with a message (nothing changes).
    ("workforce:plan_action", scoped(SEES_A, BUREAUS, 302),
     lambda w: {"pk": plan_in(w, w.county_a).pk}, "post", {"action": "none"}),
    ("workforce:plan_action", scoped(SEES_B, BUREAUS, 302),
     lambda w: {"pk": plan_in(w, w.county_b).pk}, "post", {"action": "none"}),
    ("workforce:plan_action", expect(405), lambda w: {"pk": plan_in(w, w.county_a).pk},
     "get", {}),
    ("workforce:round_detail", scoped(SEES_A, REGISTRY),
     lambda w: {"pk": round_in(w, w.county_a).pk}, "get", {}),
    ("workforce:round_detail", scoped(SEES_B, REGISTRY),
     lambda w: {"pk": round_in(w, w.county_b).pk}, "get", {}),
    ("workforce:school", scoped(SEES_A, REGISTRY), lambda w: {"pk": w.school_a.pk}, "get", {}),
    ("workforce:school", scoped(SEES_B, REGISTRY), lambda w: {"pk": w.school_b.pk}, "get", {}),
    # A proposal still "proposed": answering is refused by the workflow, redirect + message.
    ("workforce:proposal_respond", scoped(SEES_A, REGISTRY, 302),
     lambda w: {"pk": proposal_in(w, w.school_a, w.staff_a).pk}, "post", {"answer": "confirm"}),
    ("workforce:proposal_respond", scoped(SEES_B, REGISTRY, 302),
     lambda w: {"pk": proposal_in(w, w.school_b, w.staff_b).pk}, "post", {"answer": "confirm"}),
    ("workforce:proposal_respond", expect(405),
     lambda w: {"pk": proposal_in(w, w.school_a, w.staff_a).pk}, "get", {}),
]


def test_every_workforce_url_has_a_case() -> None:
    from tests.web.test_url_permissions import url_names
    names = {n for n, _route in url_names() if n.startswith("workforce:")}
    assert names == {case[0] for case in WORKFORCE_CASES}


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_workforce_url_answers_as_expected(persona, client_for, world) -> None:
    failures = []
    for name, expected, kwargs, method, data in WORKFORCE_CASES:
        url = reverse(name, kwargs=kwargs(world))
        response = getattr(client_for(persona), method)(url, data)
        want = expected[persona]
        if want == LOGIN:
            ok = response.status_code == 302 and "/login/" in response.get("Location", "")
        else:
            ok = response.status_code == want
        if not ok:
            failures.append(f"{method} {name} {url}: want {want}, got {response.status_code}")
    assert not failures, "\n".join(failures)


def test_office_shows_shortage_and_the_plan(client_for, world) -> None:
    plan_in(world, world.county_a)
    page = client_for("county_a").get(reverse("workforce:office")).content.decode()
    assert "东城实验小学" in page and "西城中心小学" not in page
    assert "东城区 2025–2026学年 交流轮岗" in page


def test_conduct_list_is_for_bureaus(client_for, personas, world) -> None:
    conduct.record_case(actor=personas.county_a, staff=world.staff_a,
                        occurred=dt.date(2025, 3, 1), decided=dt.date(2025, 3, 10),
                        category="integrity", sanction="warning")
    page = client_for("city_bureau").get(reverse("workforce:conduct_list")).content.decode()
    assert world.staff_a.name in page and "坚守廉洁自律" in page
    assert world.staff_a.name not in client_for("county_b").get(
        reverse("workforce:conduct_list")).content.decode()


def test_plan_actions_lock_and_exclude(client_for, world) -> None:
    plan = plan_in(world, world.county_a)
    url = reverse("workforce:plan_action", kwargs={"pk": plan.pk})
    client = client_for("county_a")
    client.post(url, {"action": "lock", "staff": world.staff_a.pk,
                      "destination": world.school_a.pk})
    plan.refresh_from_db()
    assert plan.locked == {str(world.staff_a.pk): world.school_a.pk}
    client.post(url, {"action": "exclude", "staff": world.staff_a.pk})
    plan.refresh_from_db()
    assert plan.locked == {} and plan.excluded == [world.staff_a.pk]
    # A teacher of another county cannot be named.
    assert client.post(url, {"action": "exclude", "staff": world.staff_b.pk}).status_code == 404


def test_teacher_page_shows_own_progress_and_answers(client_for, personas, world) -> None:
    personas.teacher_a.staff = world.staff_a
    personas.teacher_a.save(update_fields=["staff"])
    proposal = proposal_in(world, world.school_a, world.staff_a)
    RotationProposal.objects.filter(pk=proposal.pk).update(state="notified")
    client = client_for("teacher_a")
    page = client.get(reverse("workforce:me")).content.decode()
    assert world.staff_a.name in page and "本周期已完成 0.0 学时" in page
    client.post(reverse("workforce:proposal_respond", kwargs={"pk": proposal.pk}),
                {"answer": "contest", "reason": "家中老人需照顾", "next": "me"})
    proposal.refresh_from_db()
    assert proposal.state == "contested"


def test_round_page_lists_openings_for_the_school(client_for, personas, world) -> None:
    posting_round = round_in(world, world.county_a)
    posting.add_opening(actor=personas.school_admin_a, posting_round=posting_round,
                        institution=world.school_a, subject="english", places=2)
    new_teacher(world.school_a, dt.date(2015, 9, 1))
    page = client_for("school_admin_a").get(
        reverse("workforce:round_detail", kwargs={"pk": posting_round.pk})).content.decode()
    assert "英语" in page
