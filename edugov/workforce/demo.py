"""The workforce's part of `edugov demo`, built after the registry (``ORDER``).

* a training ledger for every teacher of every county (2021–2025 cycle so far), written in
  bulk: most teachers on track, some behind, a few already at 360 hours;
* a few 师德 cases per county (the negative list) and a short barred list from the city;
* 骨干 honours for the teachers the registry made 骨干, with their terms;
* in the first county: a rotation plan for the current year, ready to solve (solving takes
  the optimiser up to a minute, so the demo leaves the button to the user), a 积分 scheme for
  the previous year, and an open first posting round with posts at two schools.

Rows are written directly or in bulk (the demo is synthetic history, not a user's action);
every number comes from ``ctx.rng`` streams, so the same seed builds the same data.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from edugov.demo.context import DemoContext
from edugov.registry.choices import Post
from edugov.registry.models import AcademicYear, Institution, Region, Staff
from edugov.registry.rules.identity import with_check_digit
from edugov.workforce.models import (
    BarredPerson,
    ConductCase,
    Honour,
    PointsItem,
    PostingRound,
    PostOpening,
    RotationPlan,
    TrainingRecord,
)
from edugov.workforce.rules.conduct import Case, veto_until
from edugov.workforce.rules.titles import honour_valid_until

ORDER = 60
VERSION = "1"

COURSES = (("新课标解读与教学设计", "county", "县教师进修学校"),
           ("信息技术应用能力提升", "provincial", "省教育厅教师培训中心"),
           ("班主任工作专题研修", "city", "市教育科学研究院"),
           ("学科教学能力提升", "county", "县教师进修学校"),
           ("校本研修", "school", "本校"),
           ("国培计划示范性项目", "national", "国培计划项目办"))
#: Cycle so far: 2021 to the summer before the current year (the demo's "today" is in it).
TRAINING_YEARS = range(2021, 2026)
POINTS_ITEMS = (("load", "教学工作量", "evidence", "0.5", "20", "节/周"),
                ("training", "培训学时", "training_hours", "0.05", "5", "学时"),
                ("honours", "荣誉称号", "honours", "2", "8", "项"),
                ("rural", "农村学校任教", "rural_years", "1", "6", "年"),
                ("conduct", "师德违规扣分", "conduct", "-10", None, "件"))
CASES = (("practice", "criticism", "组织学生参加有偿补课"),
         ("integrity", "warning", "收受学生家长礼品"),
         ("care", "admonition", "课堂上言语讽刺学生"),
         ("propriety", "demerit", "在网络上发表不当言论"))


def build(ctx: DemoContext) -> None:
    registry = ctx.shared.get("registry")
    if registry is None:
        return
    current = AcademicYear.objects.get(pk=registry.current_year_id)
    counties = list(Region.objects.filter(pk__in=registry.county_ids).order_by("code"))
    teachers = 0
    for county in counties:
        staff = list(Staff.objects.filter(
            current_institution__region__path__startswith=county.path,
            current_post__in=[Post.TEACHER, Post.PRINCIPAL]).order_by("pk").values_list(
                "pk", "backbone_level", "current_institution_id"))
        teachers += len(staff)
        write_training(ctx, ctx.rng(f"workforce/training/{county.code}"), staff)
        write_cases(ctx.rng(f"workforce/conduct/{county.code}"), staff)
        write_honours(ctx.rng(f"workforce/honours/{county.code}"), staff)
    ctx.writer.finish()
    write_barred(ctx.rng("workforce/barred"), Region.objects.get(pk=registry.city_ids[0]))
    if counties:
        first_county(ctx.rng("workforce/first"), counties[0], current)
    ctx.counts.update({
        "training_records": TrainingRecord.objects.count(),
        "conduct_cases": ConductCase.objects.count(),
        "honours": Honour.objects.count(),
        "barred": BarredPerson.objects.count(),
        "teachers_with_training": teachers,
    })


def write_training(ctx: DemoContext, rng: random.Random,
                   staff: list[tuple[int, str, int]]) -> None:
    sink = ctx.writer.table(TrainingRecord, ["id", "staff", "course", "hours", "level",
                                             "date", "provider"])
    for pk, _backbone, _school in staff:
        # Diligence varies: about one teacher in five falls behind the pro-rata pace.
        yearly = rng.choice((24, 48, 60, 72, 72, 72, 84, 96))
        for year in TRAINING_YEARS:
            left = yearly + rng.choice((-12, 0, 0, 12))
            for index, (course, level, provider) in enumerate(rng.sample(COURSES, 2)):
                hours = left if index else min(left, rng.choice((12, 24, 36)))
                left -= hours
                if hours <= 0:
                    continue
                day = dt.date(year, rng.choice((3, 4, 5, 7, 8)), rng.randint(1, 28))
                sink.add((ctx.writer.next_id(TrainingRecord), pk, f"{course}（{year}）",
                          str(Decimal(hours)), level, day.isoformat(), provider))


def write_cases(rng: random.Random, staff: list[tuple[int, str, int]]) -> None:
    if not staff:
        return
    for category, sanction, description in rng.sample(CASES, min(len(CASES), 1 + len(staff)
                                                                   // 400)):
        pk, _backbone, school = rng.choice(staff)
        occurred = dt.date(2025, rng.randint(1, 6), rng.randint(1, 28))
        decided = occurred + dt.timedelta(days=rng.randint(10, 40))
        ConductCase.objects.create(
            staff_id=pk, institution_id=school, occurred=occurred, decided=decided,
            category=category, sanction=sanction, description=description,
            veto_until=veto_until(Case(pk, category, sanction, decided)))


def write_honours(rng: random.Random, staff: list[tuple[int, str, int]]) -> None:
    rows = []
    for pk, backbone, _school in staff:
        if backbone == "none":
            continue
        awarded = dt.date(rng.choice((2023, 2024, 2025)), 9, 10)
        rows.append(Honour(staff_id=pk, kind="backbone", tier=backbone, awarded=awarded,
                           valid_until=honour_valid_until("backbone", awarded),
                           awarded_by="教育局"))
    Honour.objects.bulk_create(rows, batch_size=2000)


def write_barred(rng: random.Random, city: Region) -> None:
    reasons = (("因猥亵儿童罪被判处刑罚", "人民法院刑事判决书"),
               ("被撤销教师资格", "教育行政部门撤销教师资格决定"),
               ("因体罚学生造成严重后果被开除", "原任职学校处分决定"))
    for index, (reason, source) in enumerate(reasons):
        birth = dt.date(rng.randint(1970, 1990), rng.randint(1, 12), rng.randint(1, 28))
        number = with_check_digit(f"110101{birth:%Y%m%d}{100 + 2 * index + 1:03d}")
        BarredPerson.objects.create(id_number=number, name=f"禁止从教人员{index + 1}",
                                    reason=reason, source=source, region=city)


def first_county(rng: random.Random, county: Region, year: AcademicYear) -> None:
    RotationPlan.objects.create(county=county, academic_year=year, effective=year.start)
    for code, label, source, per_unit, cap, unit in POINTS_ITEMS:
        PointsItem.objects.create(county=county, year=year.start_year - 1, code=code,
                                  label=label, source=source, per_unit=Decimal(per_unit),
                                  cap=None if cap is None else Decimal(cap), unit=unit)
    posting_round = PostingRound.objects.create(
        county=county, academic_year=year, number=1,
        effective=dt.date(year.start_year + 1, 9, 1))
    schools = list(Institution.objects.filter(
        region__path__startswith=county.path, kind__in=["primary", "junior"],
        status="active").order_by("code")[:2])
    for school in schools:
        for subject in rng.sample(["chinese", "math", "english", "pe"], 2):
            PostOpening.objects.create(round=posting_round, institution=school,
                                       subject=subject, places=rng.randint(1, 3))
