"""Permission-walker cases for the workforce routes (/api/v1/workforce).

test_permissions.ROUTES merges this module's ROUTES; probes and their data live here. Data is
made lazily, once per walk, by the first case that needs it: in each county a rotation plan
with one notified proposal (the county's teacher to its second school), an open posting round
with two posts at the county's school (the teacher applied to the second) and the teacher in
the county pool, training records (a full cycle's hours dated today), a 师德 case, a 积分
item, a submitted 职称 application, a 骨干 honour and a barred person imported by the county;
and teacher_a's account is linked to staff_a (their own record). Workforce paths sort last,
so the link changes nothing for the other apps' probes in the same walk.

Audiences, as the pages have them: bureaus only for establishment, rotation plans, the
negative list, the barred list, 组织调剂 and organising rounds (open, posts, close: last
year's round, with nobody applied, is the one closed); the applicant and their school's
admin for 撤回报名 (an English application made for it); bureaus and school admins for the training
ledger, 入职查询, honours awarded and ranking applicants; every registry role for proposals,
posting, the pool, 职称 applications, honours, a school's staffing, a teacher's progress and
points, and /me. Outside the audience 403; inside it, the other county's objects 404; a
teacher alone sees only self.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from types import ModuleType
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from edugov.core.models import User
from edugov.registry.models import AcademicYear, Institution, Staff
from edugov.workforce.models import (
    BarredPerson,
    ConductCase,
    Honour,
    PointsItem,
    PoolEntry,
    PostingApplication,
    PostingRound,
    PostOpening,
    RotationPlan,
    RotationProposal,
    TitleApplication,
    TrainingRecord,
)
from edugov.workforce.rules.titles import next_title
from tests.factories import id_number_for

if TYPE_CHECKING:
    from tests.api.test_permissions import Case, Ctx, Probe

T0 = timezone.make_aware(dt.datetime(2025, 10, 13, 9, 0))
BUREAUS = frozenset({"superuser", "city_bureau", "county_a", "county_b"})
RECORDERS = BUREAUS | {"school_admin_a"}
REGISTRY = RECORDERS | {"teacher_a"}
#: The second school of each county (made by tests/api/conftest.py): rotation destinations.
SECOND_SCHOOL = {"a": "3198010102", "b": "3198010202"}
W = "/api/v1/workforce"


def walker() -> ModuleType:
    """The walker module, imported late: it imports this one to build its ROUTES."""
    from tests.api import test_permissions

    return test_permissions


def _probe(*args: Any, **kwargs: Any) -> Probe:
    return walker().Probe(*args, **kwargs)


def ensure_data(ctx: Ctx) -> None:
    if RotationPlan.objects.filter(county=ctx.world.county_a).exists():
        return
    User.objects.filter(username="teacher_a").update(staff=ctx.world.staff_a)
    last_year = AcademicYear.objects.get_or_create(start_year=ctx.world.year.start_year - 1)[0]
    # The year the open-round probe opens a first round in.
    AcademicYear.objects.get_or_create(start_year=ctx.world.year.start_year + 1)
    for side in "ab":
        county = getattr(ctx.world, f"county_{side}")
        school = getattr(ctx.world, f"school_{side}")
        staff = getattr(ctx.world, f"staff_{side}")
        plan = RotationPlan.objects.create(county=county, academic_year=ctx.world.year,
                                           effective=dt.date(2025, 9, 1))
        RotationProposal.objects.create(
            plan=plan, staff=staff, source=school,
            destination=Institution.objects.get(code=SECOND_SCHOOL[side]), post="teacher",
            state="notified", state_changed_at=T0)
        posting_round = PostingRound.objects.create(
            county=county, academic_year=ctx.world.year, number=1,
            effective=dt.date(2026, 9, 1))
        PostOpening.objects.create(round=posting_round, institution=school, subject="math",
                                   places=2)
        TrainingRecord.objects.create(staff=staff, course="师德专题培训", hours=Decimal("24"),
                                      level="county", date=dt.date(2024, 10, 15),
                                      provider="县教师发展中心")
        ConductCase.objects.create(staff=staff, institution=school, occurred=dt.date(2025, 1, 10),
                                   decided=dt.date(2025, 2, 10), category="practice",
                                   sanction="warning", veto_until=dt.date(2025, 8, 9))
        PointsItem.objects.create(county=county, year=2024, code="training", label="培训学时",
                                  source="training_hours", per_unit=Decimal("0.1"))
        # A full cycle's hours on the day the walk runs: the 职称 application probe is then
        # refused by nothing but permissions, whatever the date.
        TrainingRecord.objects.create(staff=staff, course="全员培训", hours=Decimal("360"),
                                      level="county", date=dt.date.today(),
                                      provider="县教师发展中心")
        # A second post of the school with the county's teacher applied: ranked by the probe
        # (the first post is left for the application probe).
        ranked = PostOpening.objects.create(round=posting_round, institution=school,
                                            subject="chinese", places=1)
        PostingApplication.objects.create(opening=ranked, staff=staff, preference=2,
                                          state="applied", state_changed_at=T0)
        PoolEntry.objects.create(round=posting_round, staff=staff, state="pooled",
                                 state_changed_at=T0)
        # An application to withdraw, and last year's round (nobody applied) to close.
        withdrawn = PostOpening.objects.create(round=posting_round, institution=school,
                                               subject="english", places=1)
        PostingApplication.objects.create(opening=withdrawn, staff=staff, preference=3,
                                          state="applied", state_changed_at=T0)
        PostingRound.objects.create(county=county, academic_year=last_year, number=1,
                                    effective=dt.date(2025, 9, 1))
        TitleApplication.objects.create(staff=staff, current_title=staff.title,
                                        title=next_title(staff.title) or staff.title, year=2025,
                                        state="submitted", state_changed_at=T0)
        Honour.objects.create(staff=staff, kind="backbone", tier="county",
                              awarded=dt.date(2024, 9, 10), valid_until=dt.date(2027, 9, 9))
        BarredPerson.objects.create(id_number=id_number_for(dt.date(1975, 1, 2), ord(side),
                                                            "M"),
                                    name=f"名单人员{side.upper()}", reason="撤销教师资格",
                                    source="教育局处理决定", region=county)


def plan_id(ctx: Ctx, side: str) -> int:
    ensure_data(ctx)
    return RotationPlan.objects.get(county=getattr(ctx.world, f"county_{side}")).pk


def proposal_id(ctx: Ctx, side: str) -> int:
    ensure_data(ctx)
    return RotationProposal.objects.get(staff=getattr(ctx.world, f"staff_{side}")).pk


def round_id(ctx: Ctx, side: str) -> int:
    ensure_data(ctx)
    return PostingRound.objects.get(county=getattr(ctx.world, f"county_{side}"),
                                    academic_year=ctx.world.year).pk


def closing_round_id(ctx: Ctx, side: str) -> int:
    """Last year's round of the county: closing it settles nobody and leaves this year's."""
    ensure_data(ctx)
    return PostingRound.objects.get(county=getattr(ctx.world, f"county_{side}"),
                                    academic_year__start_year=ctx.world.year.start_year - 1).pk


def withdrawable_id(ctx: Ctx, side: str) -> int:
    ensure_data(ctx)
    return PostingApplication.objects.get(opening__institution=getattr(
        ctx.world, f"school_{side}"), opening__subject="english").pk


def opening_id(ctx: Ctx, side: str) -> int:
    ensure_data(ctx)
    return PostOpening.objects.get(institution=getattr(ctx.world, f"school_{side}"),
                                   subject="math").pk


def ranked_application_id(ctx: Ctx, side: str) -> int:
    ensure_data(ctx)
    return PostingApplication.objects.get(opening__institution=getattr(
        ctx.world, f"school_{side}"), opening__subject="chinese").pk


def pool_entry_id(ctx: Ctx, side: str) -> int:
    ensure_data(ctx)
    return PoolEntry.objects.get(staff=getattr(ctx.world, f"staff_{side}")).pk


def title_application_id(ctx: Ctx, side: str) -> int:
    ensure_data(ctx)
    return TitleApplication.objects.get(staff=getattr(ctx.world, f"staff_{side}"), year=2025).pk


def staff_id(ctx: Ctx, side: str) -> int:
    ensure_data(ctx)
    return int(getattr(ctx.world, f"staff_{side}").pk)


def school_code(ctx: Ctx, side: str) -> str:
    return str(ctx.markers(side)[0])


def county_code(ctx: Ctx, side: str) -> str:
    return str(ctx.markers(side)[2])


def staff_name(ctx: Ctx, side: str) -> str:
    return str(ctx.markers(side)[6])


def other(side: str) -> str:
    return "b" if side == "a" else "a"


def expected(ctx: Ctx, side: str, audience: frozenset[str] | set[str], ok: int = 200,
             regions: bool = False) -> int:
    """401 anonymous, 403 outside the audience, 404 for the county out of reach, else ok."""
    if ctx.anonymous:
        return 401
    if ctx.persona not in audience:
        return 403
    seen = (walker().SEES_REGIONS if regions else walker().SEES)[ctx.persona]
    return ok if side in seen else 404


def listing(audience: frozenset[str] | set[str], key: Callable[[Ctx, str], str],
            regions: bool = False) -> Case:
    """A list: the audience sees its jurisdiction's rows (and only those), others 403."""
    def probes(ctx: Ctx) -> list[Probe]:
        ensure_data(ctx)
        allowed = ctx.persona in audience
        seen = (walker().SEES_REGIONS if regions else walker().SEES)[ctx.persona]
        status = 401 if ctx.anonymous else (200 if allowed else 403)
        return [_probe("GET", {}, status, query="?page_size=500",
                       sees={side: allowed and side in seen for side in "ab"}, key=key)]
    return probes


def detail(audience: frozenset[str] | set[str], param: str,
           value: Callable[[Ctx, str], Any], regions: bool = False) -> Case:
    """One object per county: shown to the audience reaching it, 404 beyond, 403 outside."""
    def probes(ctx: Ctx) -> list[Probe]:
        result = []
        for side in "ab":
            status = expected(ctx, side, audience, regions=regions)
            result.append(_probe("GET", {param: value(ctx, side)}, status,
                                 sees={side: status == 200, other(side): False}))
        return result
    return probes


def by_region(audience: frozenset[str], param: str, key: Callable[[Ctx, str], str],
              extra: str = "") -> Case:
    """A county-wide table asked for by region code: that county's rows only."""
    def probes(ctx: Ctx) -> list[Probe]:
        ensure_data(ctx)
        result = []
        for side in "ab":
            status = expected(ctx, side, audience, regions=True)
            result.append(_probe("GET", {}, status,
                                 query=f"?{param}={county_code(ctx, side)}&year=2025{extra}",
                                 sees={side: status == 200, other(side): False}, key=key))
        return result
    return probes


def plan_actions(ctx: Ctx) -> list[Probe]:
    """取消排除 (include) a teacher of the plan's county: bureaus reaching it, audited."""
    return [_probe("POST", {"plan_id": plan_id(ctx, side)},
                   expected(ctx, side, BUREAUS, regions=True),
                   body={"action": "include", "staff_id": staff_id(ctx, side)},
                   sees={other(side): False}) for side in "ab"]


def respond(ctx: Ctx) -> list[Probe]:
    """确认 the county's notified proposal: the registry roles reaching it (teacher_a: their
    own), and bureaus, who may confirm too."""
    return [_probe("POST", {"proposal_id": proposal_id(ctx, side)},
                   expected(ctx, side, REGISTRY), body={"answer": "confirm"},
                   sees={other(side): False}) for side in "ab"]


def apply(ctx: Ctx) -> list[Probe]:
    """Apply the county's teacher to the county's post (teacher_a: for themselves)."""
    return [_probe("POST", {"round_id": round_id(ctx, side)},
                   expected(ctx, side, REGISTRY, ok=201),
                   body={"opening_id": opening_id(ctx, side), "staff_id": staff_id(ctx, side),
                         "preference": 1},
                   sees={other(side): False}) for side in "ab"]


def pre_hire_check(ctx: Ctx) -> list[Probe]:
    """入职查询 for a school of the county: bureaus and school admins reaching it (audited)."""
    ensure_data(ctx)
    clear = id_number_for(dt.date(1990, 5, 6), 3, "F")
    return [_probe("POST", {}, expected(ctx, side, RECORDERS),
                   body={"id_number": clear, "name": "应聘者",
                         "institution": school_code(ctx, side)},
                   sees={other(side): False}) for side in "ab"]


def apply_for_title(ctx: Ctx) -> list[Probe]:
    """The county's teacher applies for the next title for next year (teacher_a: themselves)."""
    ensure_data(ctx)
    probes = []
    for side in "ab":
        staff = Staff.objects.get(pk=staff_id(ctx, side))
        probes.append(_probe("POST", {}, expected(ctx, side, REGISTRY, ok=201),
                             body={"staff_id": staff.pk, "title": next_title(staff.title),
                                   "year": 2026},
                             sees={other(side): False}))
    return probes


def review_title(ctx: Ctx) -> list[Probe]:
    """不予通过 (with the reason) the county's submitted application: school admins and
    bureaus reaching it; teacher_a sees their own but the transition is not theirs (403)."""
    def status(side: str) -> int:
        code = expected(ctx, side, REGISTRY)
        return 403 if code == 200 and ctx.persona == "teacher_a" else code
    return [_probe("POST", {"application_id": title_application_id(ctx, side)}, status(side),
                   body={"action": "reject", "reason": "材料不全"},
                   sees={other(side): False}) for side in "ab"]


def award_honour(ctx: Ctx) -> list[Probe]:
    ensure_data(ctx)
    return [_probe("POST", {}, expected(ctx, side, RECORDERS, ok=201),
                   body={"staff_id": staff_id(ctx, side), "kind": "excellent", "tier": "county",
                         "awarded": "2025-10-01"},
                   sees={other(side): False}) for side in "ab"]


def allocate(ctx: Ctx) -> list[Probe]:
    """组织调剂 the county's pooled teacher to their own school (so nobody moves and later
    probes still find them there): bureaus reaching it."""
    return [_probe("POST", {"entry_id": pool_entry_id(ctx, side)},
                   expected(ctx, side, BUREAUS),
                   body={"institution": school_code(ctx, side), "reason": "本校同学科缺编"},
                   sees={other(side): False}) for side in "ab"]


def rank(ctx: Ctx) -> list[Probe]:
    """The school ranks the applicant to its second post: its admin and bureaus reaching it."""
    return [_probe("POST", {"round_id": round_id(ctx, side)}, expected(ctx, side, RECORDERS),
                   body={"ranks": [{"application_id": ranked_application_id(ctx, side),
                                    "rank": 1}]},
                   sees={other(side): False}) for side in "ab"]


def open_round(ctx: Ctx) -> list[Probe]:
    """Open next year's first round in the county: bureaus reaching it (201), audited."""
    ensure_data(ctx)
    return [_probe("POST", {}, expected(ctx, side, BUREAUS, ok=201, regions=True),
                   body={"county": county_code(ctx, side),
                         "year": ctx.world.year.start_year + 1, "number": 1,
                         "effective": f"{ctx.world.year.start_year + 2}-09-01"},
                   sees={other(side): False}) for side in "ab"]


def set_post(method: str) -> Case:
    """A physics post at the county's school in this year's round: bureaus reaching it."""
    def probes(ctx: Ctx) -> list[Probe]:
        return [_probe(method, {"round_id": round_id(ctx, side)}, expected(ctx, side, BUREAUS),
                       body={"institution": school_code(ctx, side), "subject": "physics",
                             "places": 1},
                       sees={other(side): False}) for side in "ab"]
    return probes


def close_round(ctx: Ctx) -> list[Probe]:
    """Close last year's round (no applications): bureaus reaching it."""
    return [_probe("POST", {"round_id": closing_round_id(ctx, side)},
                   expected(ctx, side, BUREAUS), sees={other(side): False}) for side in "ab"]


#: The applicant or their school's admin withdraws (superuser: anyone's); bureaus do not.
WITHDRAWERS = frozenset({"superuser", "school_admin_a", "teacher_a"})


def withdraw(ctx: Ctx) -> list[Probe]:
    """Withdraw the county's English application: teacher_a their own, school_admin_a their
    school's teacher's; the other county's is 404; bureaus and outsiders 403."""
    return [_probe("POST", {"application_id": withdrawable_id(ctx, side)},
                   expected(ctx, side, WITHDRAWERS), body={"reason": "个人原因"},
                   sees={other(side): False}) for side in "ab"]


def me(ctx: Ctx) -> list[Probe]:
    """Only teacher_a has a linked staff record: they see themselves, nobody else anything."""
    ensure_data(ctx)
    if ctx.anonymous:
        return [_probe("GET", {}, 401)]
    if ctx.persona not in REGISTRY:
        return [_probe("GET", {}, 403)]
    own = ctx.persona == "teacher_a"
    return [_probe("GET", {}, 200, sees={"a": own, "b": False})]


ROUTES: dict[tuple[str, str], Any] = {
    ("GET", f"{W}/establishment"): by_region(BUREAUS, "region", school_code),
    ("GET", f"{W}/rotation/eligible"): by_region(BUREAUS, "county", staff_name,
                                                    "&all=true"),
    ("GET", f"{W}/rotation/plans"): listing(BUREAUS, county_code, regions=True),
    ("GET", f"{W}/rotation/plans/{{plan_id}}"): detail(BUREAUS, "plan_id", plan_id,
                                                        regions=True),
    ("POST", f"{W}/rotation/plans/{{plan_id}}/actions"): plan_actions,
    ("GET", f"{W}/rotation/proposals"): listing(REGISTRY, staff_name),
    ("POST", f"{W}/rotation/proposals/{{proposal_id}}/respond"): respond,
    ("GET", f"{W}/posting/rounds"): listing(REGISTRY, county_code),
    ("GET", f"{W}/posting/rounds/{{round_id}}"): detail(REGISTRY, "round_id", round_id),
    ("POST", f"{W}/posting/rounds/{{round_id}}/applications"): apply,
    ("GET", f"{W}/conduct/cases"): listing(BUREAUS, staff_name),
    ("GET", f"{W}/training/records"): listing(RECORDERS, staff_name),
    ("GET", f"{W}/training/progress"): listing(RECORDERS, staff_name),
    ("GET", f"{W}/training/progress/{{staff_id}}"): detail(REGISTRY, "staff_id", staff_id),
    ("GET", f"{W}/points/{{staff_id}}"): detail(REGISTRY, "staff_id", staff_id),
    ("GET", f"{W}/schools/{{code}}"): detail(REGISTRY, "code", school_code),
    ("GET", f"{W}/me"): me,
    ("GET", f"{W}/conduct/barred"): listing(BUREAUS, county_code, regions=True),
    ("POST", f"{W}/conduct/pre-hire-check"): pre_hire_check,
    ("GET", f"{W}/titles/applications"): listing(REGISTRY, staff_name),
    ("POST", f"{W}/titles/applications"): apply_for_title,
    ("POST", f"{W}/titles/applications/{{application_id}}/review"): review_title,
    ("GET", f"{W}/honours"): listing(REGISTRY, staff_name),
    ("POST", f"{W}/honours"): award_honour,
    ("GET", f"{W}/posting/pool"): listing(REGISTRY, staff_name),
    ("POST", f"{W}/posting/pool/{{entry_id}}/allocate"): allocate,
    ("POST", f"{W}/posting/rounds/{{round_id}}/ranks"): rank,
    ("POST", f"{W}/posting/rounds"): open_round,
    ("PUT", f"{W}/posting/rounds/{{round_id}}/posts"): set_post("PUT"),
    ("POST", f"{W}/posting/rounds/{{round_id}}/posts"): set_post("POST"),
    ("POST", f"{W}/posting/rounds/{{round_id}}/close"): close_round,
    ("POST", f"{W}/posting/applications/{{application_id}}/withdraw"): withdraw,
}
