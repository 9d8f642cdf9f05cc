"""Workforce pages: every URL for every persona, and what the pages show and do.

The URL cases of the workforce pages live in tests/workforce/url_cases.py, walked for every
persona by the project-wide walker in tests/web."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

from edugov.workforce.models import RotationProposal
from edugov.workforce.services import conduct, posting
from tests.workforce.conftest import new_teacher
from tests.workforce.url_cases import plan_in, proposal_in, round_in


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
