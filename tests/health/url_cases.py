"""Expected answers of the health URLs per persona, for the project-wide URL walker
(tests/web/url_cases.py adds ``HEALTH_CASES`` to its one table)."""

from __future__ import annotations

from edugov.health.models import FollowUp, FollowUpReason
from tests.conftest import World
from tests.web.url_cases import LOGIN, SEES_A, SEES_B, Case, expect, registry_only


def follow_up_in(world: World, county: str) -> int:
    student = world.student_a if county == "a" else world.student_b
    item, _ = FollowUp.objects.get_or_create(
        student=student, academic_year=world.year, reason=FollowUpReason.values[0],
        defaults={"institution": student.current_institution, "state": "notified"})
    return item.pk


def seen_by(personas: tuple[str, ...], ok: int) -> dict[str, int | str]:
    """Objects found through the scoped selectors: everyone else gets 404."""
    return expect(404, anonymous=LOGIN, **dict.fromkeys(personas, ok))


#: A teacher with no class of their own sees no follow-ups (head teachers only).
FOLLOW_UP_A = tuple(p for p in SEES_A if p != "teacher_a")

HEALTH_CASES: list[Case] = [
    *(Case(f"health:{name}", registry_only())
      for name in ("office", "results", "follow_ups", "dashboard")),
    Case("health:my_children", expect(200, anonymous=LOGIN)),
    # Error workbooks are named by the uploading session only: a token from nowhere is 404.
    Case("health:error_workbook", registry_only(404),
         kwargs=lambda w: {"token": "0123456789abcdef0123456789abcdef"}),
    Case("health:student_report", seen_by(SEES_A, 200), label="county A",
         kwargs=lambda w: {"pk": w.student_a.pk}),
    Case("health:student_report", seen_by(SEES_B, 200), label="county B",
         kwargs=lambda w: {"pk": w.student_b.pk}),
    # No screening or failed test this year: no letter to send, for anyone.
    Case("health:parent_letter", expect(404, anonymous=LOGIN),
         kwargs=lambda w: {"pk": w.student_a.pk}),
    # An empty transition is refused by the workflow (409) for whoever may see the item.
    Case("health:follow_up_move", seen_by(FOLLOW_UP_A, 409), method="post",
         label="county A", kwargs=lambda w: {"pk": follow_up_in(w, "a")}),
    Case("health:follow_up_move", seen_by(SEES_B, 409), method="post",
         label="county B", kwargs=lambda w: {"pk": follow_up_in(w, "b")}),
    Case("health:follow_up_move", expect(405), label="GET is refused",
         kwargs=lambda w: {"pk": follow_up_in(w, "a")}),
]
