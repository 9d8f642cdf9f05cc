"""Permission-walker cases for the health routes (/api/v1/health).

test_permissions.ROUTES merges this module's ROUTES; probes and their data live here. Data
(a result, a screening and a follow-up per county's student; the parent account linked to
county A's student as its guardian) is made lazily, once per walk, by the first case.
"""

from __future__ import annotations

from types import ModuleType
from typing import TYPE_CHECKING, Any

from edugov.core.models import User
from edugov.enrollment.models import Guardian
from edugov.health.models import FitnessResult, FollowUp, VisionScreening

if TYPE_CHECKING:
    from tests.api.test_permissions import Case, Ctx, Probe

V1 = "/api/v1/health"
#: Health data is for registry roles: the parent and the operator are refused (403).
REFUSED = {"parent", "tutoring_operator"}
#: Who may import (the registry's write roles); the teacher is refused.
IMPORTERS = {"superuser", "city_bureau", "county_a", "county_b", "school_admin_a"}
#: Who may take a follow-up's steps: the school (principal, head teacher), not bureaus.
MOVERS = {"superuser", "school_admin_a"}
#: Rankings are for the city and county bureaus.
RANKERS = {"superuser", "city_bureau", "county_a", "county_b"}


def walker() -> ModuleType:
    """The walker module, imported late: it imports this one to build its ROUTES."""
    from tests.api import test_permissions

    return test_permissions


def _probe(*args: Any, **kwargs: Any) -> Probe:
    return walker().Probe(*args, **kwargs)


def student(ctx: Ctx, side: str) -> Any:
    return getattr(ctx.world, f"student_{side}")


def ensure_data(ctx: Ctx) -> None:
    w = ctx.world
    if FitnessResult.objects.exists():
        return
    for side in "ab":
        pupil, school = student(ctx, side), getattr(w, f"school_{side}")
        klass = getattr(w, f"class_{side}")
        place = {"student": pupil, "academic_year": w.year, "institution": school,
                 "school_class": klass, "grade": 3, "sex": pupil.sex}
        FitnessResult.objects.create(**place, standard="csnhs-2014", total=52.5, level="fail")
        VisionScreening.objects.create(**place, age=9, myopia=True, myopia_severity="low")
        FollowUp.objects.create(student=pupil, academic_year=w.year, institution=school,
                                school_class=klass, reason="fitness", state="notified")
    a = w.student_a
    # The parent persona's account (the personas fixture names it "parent").
    Guardian.objects.create(user=User.objects.get(username="parent"),
                            child_id_number=a.id_number, child_name=a.name, child_sex=a.sex,
                            child_birth_date=a.birth_date)


def status(ctx: Ctx, side: str, *, allowed: set[str] | None = None,
           sees: dict[str, set[str]] | None = None, ok: int = 200) -> int:
    """401 anonymous; 403 for personas outside ``allowed`` (default: registry roles);
    404 outside the jurisdiction; else ``ok``."""
    if ctx.anonymous:
        return 401
    if ctx.persona in REFUSED or (allowed is not None and ctx.persona not in allowed):
        return 403
    return ok if side in (sees or walker().SEES)[ctx.persona] else 404


def records(ctx: Ctx) -> list[Probe]:
    """A list of the user's students' records: each county's row only where it is seen."""
    ensure_data(ctx)
    seen = walker().SEES[ctx.persona]
    code = 401 if ctx.anonymous else 403 if ctx.persona in REFUSED else 200
    return [_probe("GET", {}, code, query="?page_size=500",
                   sees={side: side in seen for side in "ab"},
                   key=lambda c, s: c.markers(s)[5])]


def follow_ups(ctx: Ctx) -> list[Probe]:
    """As records, except a teacher heading no class sees no follow-up at all."""
    ensure_data(ctx)
    seen = set() if ctx.persona == "teacher_a" else walker().SEES[ctx.persona]
    code = 401 if ctx.anonymous else 403 if ctx.persona in REFUSED else 200
    return [_probe("GET", {}, code, query="?page_size=500",
                   sees={side: side in seen for side in "ab"},
                   key=lambda c, s: c.markers(s)[5])]


def report(ctx: Ctx) -> list[Probe]:
    """A student's report card: who sees the student, and the parent their own child."""
    ensure_data(ctx)
    seen = walker().SEES[ctx.persona] | ({"a"} if ctx.persona == "parent" else set())
    probes = []
    for side in "ab":
        code = 401 if ctx.anonymous else 200 if side in seen else 404
        probes.append(_probe("GET", {"student_id": student(ctx, side).pk}, code,
                             sees={side: side in seen, "ab".replace(side, ""): False}))
    return probes


def rates(ctx: Ctx) -> list[Probe]:
    """Each county's school's rates: 404 outside the jurisdiction, 403 for non-registry roles."""
    ensure_data(ctx)
    probes = []
    for side in "ab":
        code = status(ctx, side)
        probes.append(_probe("GET", {}, code, query=f"?school={ctx.markers(side)[0]}&by=grade",
                             sees={side: code == 200, "ab".replace(side, ""): False}))
    return probes


def rankings(ctx: Ctx) -> list[Probe]:
    """Ranking within each county: bureaus reaching it only; school roles 403."""
    ensure_data(ctx)
    probes = []
    for side in "ab":
        code = status(ctx, side, allowed=RANKERS, sees=walker().SEES_REGIONS)
        probes.append(_probe("GET", {"rate": "pass_rate"}, code,
                             query=f"?region={ctx.markers(side)[2]}",
                             sees={side: code == 200, "ab".replace(side, ""): False}))
    return probes


def follow_up_id(ctx: Ctx, side: str) -> int:
    ensure_data(ctx)
    return FollowUp.objects.get(student=student(ctx, side)).pk


def transition(ctx: Ctx) -> list[Probe]:
    """登记复测 on each county's follow-up: the school moves it (200); a bureau in scope is
    refused (403); out of scope, or a teacher heading no class, 404."""
    probes = []
    for side in "ab":
        seen = set() if ctx.persona == "teacher_a" else walker().SEES[ctx.persona]
        code = status(ctx, side, sees={ctx.persona: seen})
        if code == 200 and ctx.persona not in MOVERS:
            code = 403
        probes.append(_probe("POST", {"follow_up_id": follow_up_id(ctx, side)}, code,
                             body={"transition": "retest"}))
    return probes


def imports(ctx: Ctx) -> list[Probe]:
    """An upload without a file: 422 for importers in scope — after the 403/404 checks,
    so the walker sees who may import where without writing anything."""
    probes = []
    for side in "ab":
        code = status(ctx, side, ok=422)
        if code == 422 and ctx.persona not in IMPORTERS:
            code = 403
        probes.append(_probe("POST", {"code": ctx.markers(side)[0], "kind": "fitness"}, code))
    return probes


ROUTES: dict[tuple[str, str], Case] = {
    ("GET", f"{V1}/fitness-results"): records,
    ("GET", f"{V1}/vision-screenings"): records,
    ("GET", f"{V1}/students/{{student_id}}/report"): report,
    ("GET", f"{V1}/rates/fitness"): rates,
    ("GET", f"{V1}/rates/vision"): rates,
    ("GET", f"{V1}/rankings/{{rate}}"): rankings,
    ("GET", f"{V1}/follow-ups"): follow_ups,
    ("POST", f"{V1}/follow-ups/{{follow_up_id}}/transition"): transition,
    ("POST", f"{V1}/schools/{{code}}/imports/{{kind}}"): imports,
}
