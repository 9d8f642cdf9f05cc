"""Admissions' part of `edugov demo`: a 小学一年级 round in progress in the first county.

Built after the registry (``ORDER``), through the enrollment services, so every
application has its workflow history and audit rows like real ones. The round is in
registration when the demo is built (windows are placed around the build time): families
have applied, the schools are verifying, a few applications were returned for correction
(the demo account ``parent1`` holds one of them), the lottery commitment is published, and
up to three hot public schools (and the county's private school, if it has one) are
over-subscribed.

Demo families get accounts ``family0001`` … (the demo password) with the parent role.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from edugov.core.models import Membership, User
from edugov.core.roles import Role
from edugov.demo.context import DemoContext
from edugov.enrollment import services
from edugov.enrollment.models import AdmissionRound, Application, Community
from edugov.enrollment.rules.points import SAMPLE_TABLE
from edugov.registry.choices import Grade, InstitutionKind, Ownership
from edugov.registry.demo.people import (
    STUDENT_LOCAL_CODES,
    STUDENT_MIGRANT_CODES,
    BirthDays,
    Identities,
    mobile_number,
    person_name,
)
from edugov.registry.models import AcademicYear, Institution, Region, SchoolClass

ORDER = 50
VERSION = "1"
#: Applications are written through the services (~20 queries each): cap the round.
MAX_APPLICANTS = 1200
HOT_SCHOOLS = 3
COMMUNITY_NAMES = ("阳光", "幸福", "和平", "锦绣", "翠苑", "金桥", "滨江", "书香", "枫林", "春晖",
                   "紫荆", "怡景", "长青", "明珠", "文汇")
COMMUNITY_SUFFIXES = ("小区", "花园", "家园", "新村", "苑")
RETURN_REASONS = ("户口簿编号与原件不符，请核对后重新填写", "房产证信息不完整，请补充不动产权证号",
                  "居住证已过期，请上传有效居住证信息")


@dataclass
class Plan:
    school: Institution
    communities: list[str]
    weight: float


def build(ctx: DemoContext) -> None:
    registry = ctx.shared.get("registry")
    if registry is None or not registry.county_ids:
        return
    county = Region.objects.get(pk=registry.county_ids[0])
    official = User.objects.filter(memberships__role=Role.COUNTY_BUREAU,
                                   memberships__region=county).first()
    if official is None:
        return
    rng = ctx.rng("enrollment/round")
    now = timezone.now().replace(second=0, microsecond=0)
    # The demo's current year: entrants confirmed in the demo join this year's registry.
    year = AcademicYear.objects.get(pk=registry.current_year_id)
    table = services.save_points_table(
        actor=official, region=county, year=year.start_year,
        name=f"{county.name}{year.start_year}年随迁子女积分入学方案", factors=list(SAMPLE_TABLE))
    day = dt.timedelta(days=1)
    round = services.create_round(
        actor=official, name=f"{county.name}{year.start_year}年小学一年级招生",
        region=county, academic_year=year, entry_grade=Grade.G1,
        registration_opens=now - 10 * day, registration_closes=now + 4 * day,
        verification_closes=now + 10 * day, lottery_at=now + 12 * day,
        publication_at=now + 15 * day, confirmation_closes=now + 40 * day,
        points_table=table)
    plans = plan_schools(ctx, round, county, official, rng)
    services.commit_lottery(actor=official, round=round, now=now - 9 * day)
    applied = apply_families(ctx, round, plans, official, rng, now)
    ctx.counts.update({"admission_rounds": 1, "admission_applications": applied,
                       "admission_schools": len(plans)})
    ctx.shared["enrollment"] = {"round_id": round.pk}


def plan_schools(ctx: DemoContext, round: AdmissionRound, county: Region, official: User,
                 rng: random.Random) -> list[Plan]:
    """Places from this year's grade-1 classes; three communities per public school."""
    schools = list(Institution.objects.filter(
        region__path__startswith=county.path, status="active",
        kind__in=[InstitutionKind.PRIMARY, InstitutionKind.NINE_YEAR]).order_by("code"))
    class_size = max(4, round_half(45 * ctx.scale.class_size_factor))
    hot = hot_schools(schools, rng)
    plans: list[Plan] = []
    for school in schools:
        classes = SchoolClass.objects.filter(institution=school, grade=Grade.G1,
                                             academic_year__is_current=True).count()
        services.set_places(actor=official, round=round, institution=school,
                            classes_planned=max(1, classes), class_size=class_size)
        communities: list[str] = []
        if school.ownership == Ownership.PUBLIC:
            for n in range(3):
                code = f"{school.code}{n + 1:02d}"
                name = rng.choice(COMMUNITY_NAMES) + rng.choice(COMMUNITY_SUFFIXES)
                Community.objects.create(region=school.region, code=code,
                                         name=f"{name}（{school.name}片区）")
                communities.append(code)
        weight = 3.0 if school in hot else (2.0 if school.ownership == Ownership.PRIVATE
                                            else 1.0)
        plans.append(Plan(school, communities, weight))
    rules = [{"school_code": p.school.code, "community_code": c}
             for p in plans for c in p.communities]
    if rules:
        services.import_district_map(actor=official, round=round, rows=rules,
                                     note="演示：初始划片")
    return plans


def round_half(value: float) -> int:
    return int(value + 0.5)


def hot_schools(schools: list[Institution], rng: random.Random) -> list[Institution]:
    """The demo school account's school and two more public schools everyone wants."""
    public = [s for s in schools if s.ownership == Ownership.PUBLIC]
    account = Membership.objects.filter(role=Role.SCHOOL_ADMIN,
                                        institution__in=public).order_by("user__username")
    first = [m.institution for m in account[:1] if m.institution is not None]
    others = [s for s in public if s not in first]
    rng.shuffle(others)
    return [*first, *others[:HOT_SCHOOLS - len(first)]]


def apply_families(ctx: DemoContext, round: AdmissionRound, plans: list[Plan], official: User,
                   rng: random.Random, now: dt.datetime) -> int:
    places = sum(p.places for p in round.places.all())
    count = min(MAX_APPLICANTS, max(12, int(places * 1.15)))
    families = make_families(ctx, count)
    parent1 = User.objects.filter(username="parent1").first()
    if parent1 is not None:
        families[0] = parent1
    public = [p for p in plans if p.communities]
    private = [p for p in plans if not p.communities]
    identities, births = Identities(), BirthDays()
    stage = ctx.progress.stage("生成入学申请", len(families), "份")
    for n, family in enumerate(families):
        home = weighted(rng, public)
        migrant = rng.random() < 0.15
        sex = rng.choice("MF")
        iso, compact = births.school_cohort(rng, round.academic_year.start_year - 7)
        codes = STUDENT_MIGRANT_CODES if migrant else STUDENT_LOCAL_CODES
        guardian = services.register_child(
            actor=family, id_number=identities.id_number(rng, codes, compact, sex),
            name=person_name(rng, sex, adult=False), sex=sex,
            birth_date=dt.date.fromisoformat(iso))
        choices = choose(rng, home, public, private, round.max_choices)
        community = rng.choice(home.communities)
        fields: dict[str, Any] = ({"migrant": True, "residence_community": community,
                   "points_declared": {"residence_permit_years": rng.randint(1, 8),
                                       "social_insurance_months": rng.randint(6, 90),
                                       "rented_home_months": rng.randint(0, 60)},
                   "evidence": [{"kind": "residence_permit", "number": f"JZZ{n:06d}"}]}
                  if migrant else
                  {"hukou_community": community, "property_community":
                   community if rng.random() < 0.8 else "",
                   "evidence": [{"kind": "hukou_book", "number": f"HK{n:06d}"},
                                {"kind": "property_cert", "number": f"BDC{n:07d}"}]})
        app = services.create_application(actor=family, guardian=guardian, round=round,
                                          choices=[p.school for p in choices],
                                          phone=mobile_number(rng), **fields)
        services.submit(actor=family, application=app)
        review(rng, official, app, first=family is parent1)
        stage.advance(1)
    stage.close()
    return len(families)


def make_families(ctx: DemoContext, count: int) -> list[User]:
    users = [User(username=f"family{n:04d}", display_name=f"演示家长{n:04d}",
                  password=ctx.password_hash) for n in range(1, count + 1)]
    User.objects.bulk_create(users)
    users = list(User.objects.filter(username__startswith="family").order_by("username"))
    Membership.objects.bulk_create(Membership(user=u, role=Role.PARENT) for u in users)
    return users


def weighted(rng: random.Random, plans: list[Plan]) -> Plan:
    return rng.choices(plans, weights=[p.weight for p in plans])[0]


def choose(rng: random.Random, home: Plan, public: list[Plan], private: list[Plan],
           limit: int) -> list[Plan]:
    """First choice mostly the home district's school, sometimes a hot or private one."""
    draw = rng.random()
    if private and draw < 0.12:
        first = rng.choice(private)
    elif draw < 0.35:
        first = weighted(rng, public)
    else:
        first = home
    picked = [first]
    if home not in picked:
        picked.append(home)
    while len(picked) < min(limit, 2 + int(rng.random() < 0.4)) and len(picked) < len(public):
        extra = weighted(rng, public)
        if extra not in picked:
            picked.append(extra)
    return picked[:limit]


def review(rng: random.Random, official: User, app: Application, *, first: bool) -> None:
    """Where verification stands: most verified, some returned or rejected, some waiting."""
    draw = rng.random()
    if first or draw < 0.05:
        services.review(actor=official, application=app, decision="return",
                        reason=rng.choice(RETURN_REASONS))
    elif draw < 0.07:
        services.review(actor=official, application=app, decision="reject",
                        reason="所填房产不在本区，且不符合随迁子女入学条件")
    elif draw < 0.72:
        services.review(actor=official, application=app, decision="verify")

