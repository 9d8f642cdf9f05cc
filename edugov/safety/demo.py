"""Campus safety's part of `edugov demo`, built after the registry (``ORDER``).

For the demo city (every county of the first city): the grid (a 分管领导 per bureau, a
安全股室 per county, a principal and, for most schools, a 安全专干 — a few gaps are left for
the gaps report), the checklists of four domains, each school's monthly self-inspection
schedule, and a year of inspections (November 2024 – October 2025) with every item's
result. Failed items raised hazards, which went the whole way to 销号 with their history
— except the recent ones, still in progress, some of them past their deadline, and a few
major (重大) ones under 挂牌督办. Plus a risk register with some 重大 risks and a few
incidents. Rows are written in bulk (synthetic history, not users' actions); every number
comes from ``ctx.rng`` streams, so the same seed builds the same data.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType

from edugov.demo.context import DemoContext
from edugov.registry.models import Institution, Region
from edugov.safety import workflow as wf
from edugov.safety.models import (
    ChecklistItem,
    ChecklistTemplate,
    GridPost,
    Hazard,
    Incident,
    Inspection,
    InspectionResult,
    RiskEntry,
    Schedule,
)
from edugov.safety.rules import deadlines, grading
from edugov.workflow.models import StateChange

ORDER = 70
VERSION = "1"

#: The demo's year of inspections, and its "today" (hazards after it are still open).
START, TODAY = dt.date(2024, 11, 1), dt.date(2025, 10, 31)
UTC = dt.UTC
CHECKLISTS = {
    "fire": ("FIRE-M", "消防安全月度自查", (
        ("疏散通道、安全出口畅通", grading.SIGNIFICANT),
        ("灭火器在有效期、压力正常", grading.GENERAL),
        ("应急照明和疏散指示完好", grading.GENERAL), ("消防控制室24小时双人值班", grading.MAJOR))),
    "food": ("FOOD-M", "食品安全（阳光厨房）月度自查", (
        ("从业人员健康证有效", grading.GENERAL),
        ("食品留样48小时、每样≥125克", grading.SIGNIFICANT),
        ("冷藏温度0–8℃", grading.GENERAL), ("原料索证索票齐全", grading.GENERAL))),
    "building": ("BUILD-M", "校舍建筑月度自查", (
        ("墙体、楼板无裂缝", grading.MAJOR), ("栏杆高度≥1.1米且牢固", grading.SIGNIFICANT),
        ("门窗玻璃无破损", grading.GENERAL), ("屋面无渗漏", grading.GENERAL))),
    "electricity": ("ELEC-M", "用电安全（智慧用电）月度自查", (
        ("配电箱上锁、标识清楚", grading.GENERAL), ("无私拉乱接电线", grading.SIGNIFICANT),
        ("漏电保护器试跳正常", grading.SIGNIFICANT), ("宿舍无大功率电器", grading.GENERAL))),
}
FAIL_RATE = 0.04
PERSON_NAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"


@dataclass
class Counts:
    inspections: int = 0
    results: int = 0
    hazards: int = 0
    overdue: int = 0
    major_open: int = 0


def stamp(day: dt.date, hour: int = 10) -> str:
    """A timestamp as both backends store it (UTC, no offset; Beijing is UTC+8)."""
    return dt.datetime.combine(day, dt.time(hour)).replace(tzinfo=UTC).strftime(
        "%Y-%m-%d %H:%M:%S")


def person(rng: random.Random) -> str:
    return rng.choice(PERSON_NAMES) + rng.choice(("老师", "主任", "校长", "科长"))


def phone(rng: random.Random) -> str:
    return f"139{rng.randint(0, 99_999_999):08d}"


def build(ctx: DemoContext) -> None:
    registry = ctx.shared.get("registry")
    if registry is None or not registry.city_ids:
        return
    city = Region.objects.get(pk=registry.city_ids[0])
    counties = list(Region.objects.filter(parent=city).order_by("code"))
    schools = list(Institution.objects.filter(region__path__startswith=city.path,
                                              status="active").order_by("code"))
    build_grid(ctx.rng("safety/grid"), city, counties, schools)
    templates = build_checklists()
    counts = Counts()
    for county in counties:
        county_schools = [s for s in schools if s.region.path.startswith(county.path)]
        build_inspections(ctx, ctx.rng(f"safety/inspections/{county.code}"), county_schools,
                          templates, counts)
    ctx.writer.finish()
    build_risks_and_incidents(ctx.rng("safety/risks"), schools)
    ctx.counts.update({"safety_inspections": counts.inspections,
                       "safety_results": counts.results, "safety_hazards": counts.hazards,
                       "safety_hazards_overdue": counts.overdue,
                       "safety_hazards_major_open": counts.major_open})


def build_grid(rng: random.Random, city: Region, counties: list[Region],
               schools: list[Institution]) -> None:
    since = dt.date(2024, 9, 1)
    posts = [GridPost(level="bureau_lead", region=r, person_name=person(rng), phone=phone(rng),
                      duty="分管教育系统安全工作", since=since) for r in (city, *counties)]
    posts += [GridPost(level="county_section", region=c, person_name=person(rng),
                       phone=phone(rng), duty="县区学校安全监管", since=since) for c in counties]
    for school in schools:
        posts.append(GridPost(level="principal", institution=school, person_name=person(rng),
                              phone=phone(rng), duty="学校安全第一责任人", since=since))
        if rng.random() < 0.93:  # a few schools still lack a 安全专干: the gaps report shows them
            posts.append(GridPost(level="safety_officer", institution=school,
                                  person_name=person(rng), phone=phone(rng),
                                  duty="日常巡查与隐患台账", since=since))
    GridPost.objects.bulk_create(posts, batch_size=2000)


def build_checklists() -> dict[str, tuple[ChecklistTemplate, list[ChecklistItem]]]:
    templates = {}
    for domain, (code, name, items) in CHECKLISTS.items():
        template = ChecklistTemplate.objects.create(code=code, domain=domain, name=name)
        made = ChecklistItem.objects.bulk_create([
            ChecklistItem(template=template, order=n, text=text, failure_grade=grade)
            for n, (text, grade) in enumerate(items, start=1)])
        templates[domain] = (template, made)
    return templates


def month_ends() -> list[dt.date]:
    days, month = [], START
    while month <= TODAY:
        following = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        days.append(min(following - dt.timedelta(days=1), TODAY))
        month = following
    return days


def build_inspections(ctx: DemoContext, rng: random.Random, schools: list[Institution],
                      templates: dict[str, tuple[ChecklistTemplate, list[ChecklistItem]]],
                      counts: Counts) -> None:
    writer = ctx.writer
    inspections = writer.table(Inspection, [
        "id", "institution", "schedule", "template", "domain", "kind", "due_date", "state",
        "state_changed_at", "due_at", "performed_at", "note"])
    results = writer.table(InspectionResult, ["id", "inspection", "item", "passed", "note"])
    history = HistoryWriter(ctx)
    dates = month_ends()
    for school in schools:
        plans = Schedule.objects.bulk_create([
            Schedule(institution=school, template_code=t.code, frequency="monthly",
                     inspector_level="safety_officer", start=START, end=dt.date(2026, 8, 31))
            for t, _items in templates.values()])
        for plan, (domain, (template, items)) in zip(plans, templates.items(), strict=True):
            for due in dates:
                pk = writer.next_id(Inspection)
                missed = rng.random() < 0.03
                state = wf.MISSED if missed else wf.COMPLETED
                inspections.add((pk, school.pk, plan.pk, template.pk, domain, "self",
                                 due.isoformat(), state, stamp(due, 9), stamp(due, 16),
                                 None if missed else stamp(due, 2), ""))
                history.add(Inspection, pk, wf.INSPECTION.name, "create", "", wf.PLANNED,
                            stamp(due - dt.timedelta(days=20), 1))
                history.add(Inspection, pk, wf.INSPECTION.name, "miss" if missed else "complete",
                            wf.PLANNED, state, stamp(due + dt.timedelta(days=int(missed)), 2))
                counts.inspections += 1
                if missed:
                    continue
                for item in items:
                    passed = rng.random() >= FAIL_RATE
                    result = writer.next_id(InspectionResult)
                    results.add((result, pk, item.pk, passed, "" if passed else "现场检查发现问题"))
                    counts.results += 1
                    if not passed:
                        write_hazard(ctx, rng, history, counts, school=school, domain=domain,
                                     item=item, inspection=pk, result=result, found=due)


#: The path of a hazard that went the whole way, with days after discovery for each step.
CLOSURE_PATH = (("assign", wf.REPORTED, wf.ASSIGNED), ("accept", wf.ASSIGNED, wf.RECTIFYING),
                ("submit", wf.RECTIFYING, wf.SUBMITTED), ("verify", wf.SUBMITTED, wf.VERIFIED),
                ("close", wf.VERIFIED, wf.CLOSED))


def write_hazard(ctx: DemoContext, rng: random.Random, history: HistoryWriter, counts: Counts,
                 *, school: Institution, domain: str, item: ChecklistItem, inspection: int,
                 result: int, found: dt.date) -> None:
    grade = item.failure_grade
    reported = dt.datetime.combine(found, dt.time(2)).replace(tzinfo=UTC)
    deadline = deadlines.rectify_deadline(grade, reported)
    allowed = (deadline - reported).days
    age = (TODAY - found).days
    # Recent hazards are in progress; old ones are closed, a few late (or still open: overdue).
    steps = len(CLOSURE_PATH) if age > allowed + 20 and rng.random() < 0.96 else \
        rng.randint(0, len(CLOSURE_PATH) - 1)
    took = rng.uniform(0.3, 1.5 if rng.random() < 0.8 else 2.5) * allowed
    when = [reported + dt.timedelta(days=took * (n + 1) / len(CLOSURE_PATH))
            for n in range(steps)]
    state = CLOSURE_PATH[steps - 1][2] if steps else wf.REPORTED
    closed_at = when[-1] if state == wf.CLOSED else None
    pk = ctx.writer.next_id(Hazard)
    code = f"YH{found:%Y%m%d}{pk:06d}"
    ctx.writer.table(Hazard, [
        "id", "code", "institution", "domain", "grade", "title", "source", "inspection",
        "result", "reported_at", "reported_on", "owner_name", "measures", "interim_controls",
        "rectify_deadline", "supervision_level", "supervised", "state", "state_changed_at",
        "due_at", "submitted_at", "closed_at", "closed_on_time", "rectification_days",
        "description", "location", "reporter_contact",
    ]).add((
        pk, code, school.pk, domain, grade, item.text, "inspection", inspection, result,
        fmt(reported), found.isoformat(), person(rng) if steps else "",
        "按检查要求限期整改" if steps else "",
        "设置警戒隔离，专人值守" if grade == grading.MAJOR and steps else "", fmt(deadline),
        0 if grade == grading.GENERAL else 1, grade == grading.MAJOR, state,
        fmt(when[-1] if when else reported),
        None if state == wf.CLOSED else fmt(deadline if steps else reported + dt.timedelta(2)),
        fmt(when[2]) if steps >= 3 else None, fmt(closed_at) if closed_at else None,
        None if closed_at is None else closed_at <= deadline,
        None if closed_at is None else round((closed_at - reported).total_seconds() / 86400, 1),
        "", "", "",
    ))
    history.add(Hazard, pk, wf.HAZARD.name, "create", "", wf.REPORTED, fmt(reported))
    for (name, source, target), at in zip(CLOSURE_PATH, when, strict=False):
        history.add(Hazard, pk, wf.HAZARD.name, name, source, target, fmt(at))
    counts.hazards += 1
    today = dt.datetime.combine(TODAY, dt.time(16)).replace(tzinfo=UTC)
    if state != wf.CLOSED and deadline < today:
        counts.overdue += 1
    if state != wf.CLOSED and grade == grading.MAJOR:
        counts.major_open += 1


def fmt(moment: dt.datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


class HistoryWriter:
    """The workflow history rows of the generated items (content type + object id)."""

    def __init__(self, ctx: DemoContext) -> None:
        self.writer = ctx.writer
        self.sink = ctx.writer.table(StateChange, [
            "id", "content_type", "object_id", "workflow", "transition", "from_state",
            "to_state", "at", "reason", "evidence"])
        self.types: dict[Any, int] = {}

    def add(self, model: Any, pk: int, workflow: str, transition: str, source: str,
            target: str, at: str) -> None:
        if model not in self.types:
            self.types[model] = ContentType.objects.get_for_model(model).pk
        self.sink.add((self.writer.next_id(StateChange), self.types[model], str(pk), workflow,
                       transition, source, target, at, "", "{}"))


RISKS = (("fire", "学生宿舍消防疏散", 3, 5), ("drowning", "学校周边水塘防溺水", 4, 5),
         ("traffic", "校门口上下学交通拥堵", 4, 3), ("food", "食堂集中供餐食物中毒", 2, 5),
         ("building", "老旧教学楼结构安全", 3, 5), ("laboratory", "化学实验室危化品存放", 2, 4))
INCIDENTS = (("traffic", "IV", "放学途中学生被电动车剐蹭", 1),
             ("other", "IV", "体育课学生扭伤脚踝", 1),
             ("food", "IV", "个别学生午餐后肠胃不适", 3))


def build_risks_and_incidents(rng: random.Random, schools: list[Institution]) -> None:
    matrix = grading.DEFAULT_MATRIX
    risks = []
    for school in rng.sample(schools, min(len(schools), max(3, len(schools) // 8))):
        for domain, title, likelihood, severity in rng.sample(RISKS, 2):
            likelihood = max(1, min(5, likelihood + rng.choice((-1, 0, 0, 1))))
            risks.append(RiskEntry(
                institution=school, domain=domain, title=title, likelihood=likelihood,
                severity=severity, grade=matrix.grade(likelihood, severity),
                controls="落实专人管控，定期巡查", owner_name=person(rng),
                review_due=TODAY + dt.timedelta(days=rng.randint(-20, 90)),
                last_reviewed=TODAY - dt.timedelta(days=rng.randint(30, 200))))
    RiskEntry.objects.bulk_create(risks, batch_size=2000)
    for school in rng.sample(schools, min(len(schools), 3)):
        domain, level, title, injured = rng.choice(INCIDENTS)
        occurred = dt.datetime.combine(TODAY - dt.timedelta(days=rng.randint(10, 300)),
                                       dt.time(8)).replace(tzinfo=UTC)
        Incident.objects.create(institution=school, occurred_at=occurred, domain=domain,
                                severity=level, title=title, injured=injured,
                                response="及时送医并通知家长", follow_up="开展专题安全教育")
