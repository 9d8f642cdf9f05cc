"""Every read of campus safety for a user, scoped through ``core.scoping.visible_to``.

The four lists and the indicators take a region (which the user must reach, else 404) and
a period, and aggregate in the database: a city's year is hundreds of thousands of
inspection items, so rows are grouped there and only the list's rows come back.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import (
    Case,
    Count,
    F,
    IntegerField,
    Prefetch,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.http import Http404
from django.utils import timezone

from edugov.core.masking import mask_phone
from edugov.core.scoping import visible_to
from edugov.registry.models import Institution, Region, Student
from edugov.safety import workflow as wf
from edugov.safety.choices import Domain, HazardSource, SupervisionLevel
from edugov.safety.models import (
    ChecklistTemplate,
    GridPost,
    Hazard,
    Incident,
    Inspection,
    InspectionResult,
    Notification,
    RiskEntry,
    SafetyArea,
    Schedule,
)
from edugov.safety.rules import grid, indicators, lists
from edugov.safety.rules.grading import GRADE_LABELS
from edugov.workflow.selectors import history_of

DOMAIN_LABELS = dict(Domain.choices)
SOURCE_LABELS = dict(HazardSource.choices)


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date

    @property
    def start_at(self) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(self.start, dt.time()))

    @property
    def end_at(self) -> dt.datetime:
        """Exclusive: midnight after the last day."""
        return timezone.make_aware(dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time()))

    @property
    def label(self) -> str:
        return f"{self.start:%Y年%m月%d日}—{self.end:%Y年%m月%d日}"


# -- items -----------------------------------------------------------------------------


def hazards_for(user: Any) -> QuerySet[Hazard]:
    return visible_to(user, Hazard.objects.all()).select_related("institution")


def inspections_for(user: Any) -> QuerySet[Inspection]:
    return visible_to(user, Inspection.objects.all()).select_related("institution", "template")


def risks_for(user: Any) -> QuerySet[RiskEntry]:
    return visible_to(user, RiskEntry.objects.filter(active=True)).select_related("institution")


def risk_register(user: Any, *, retired: bool = False) -> QuerySet[RiskEntry]:
    """Entries in the register, or those retired from it (销册), in reach."""
    return visible_to(user, RiskEntry.objects.filter(active=not retired)).select_related(
        "institution")


def any_risk_for(user: Any) -> QuerySet[RiskEntry]:
    """In the register or retired: what the edit page may open (a retired one to reinstate)."""
    return visible_to(user, RiskEntry.objects.all()).select_related("institution__region")


def areas_for(user: Any, *, retired: bool = False) -> QuerySet[SafetyArea]:
    """Areas in use (or retired) in reach, each with ``owners``: its current owner post."""
    owners = GridPost.objects.filter(level=grid.AREA_OWNER, active=True).order_by("-pk")
    return (visible_to(user, SafetyArea.objects.filter(active=not retired))
            .select_related("institution")
            .prefetch_related(Prefetch("posts", queryset=owners, to_attr="owners"))
            .order_by("institution__code", "name"))


def any_area_for(user: Any) -> QuerySet[SafetyArea]:
    return visible_to(user, SafetyArea.objects.all()).select_related("institution__region")


def area_owner(area: SafetyArea) -> GridPost | None:
    """The area's current owner post, if anyone holds it."""
    return GridPost.objects.filter(area=area, level=grid.AREA_OWNER, active=True).first()


def major_risks(user: Any) -> QuerySet[RiskEntry]:
    """重大风险 the county lists (风险分级管控: major risks are controlled at bureau level)."""
    return risks_for(user).filter(grade="major").order_by("institution__name", "title")


def schedules_for(user: Any) -> QuerySet[Schedule]:
    return visible_to(user, Schedule.objects.all()).select_related("institution")


def current_templates() -> QuerySet[ChecklistTemplate]:
    """Checklists are the bureau's reference data: every school and bureau user reads them."""
    return ChecklistTemplate.objects.filter(current=True).prefetch_related("items")


def incidents_for(user: Any) -> QuerySet[Incident]:
    return visible_to(user, Incident.objects.all()).select_related("institution")


def incidents_with_links(user: Any) -> QuerySet[Incident]:
    """Incidents in reach with the hazards and inspections linked to them (two queries a page)."""
    return incidents_for(user).prefetch_related(
        Prefetch("hazards", queryset=Hazard.objects.order_by("reported_at", "pk")),
        Prefetch("inspections", queryset=Inspection.objects.select_related("template")
                 .order_by("due_date", "pk")))


def incidents_after(user: Any, hazard: Hazard) -> QuerySet[Incident]:
    """Incidents in reach that name ``hazard`` among what preceded them."""
    return incidents_for(user).filter(hazards=hazard).order_by("-occurred_at", "-pk")


#: How far back, and how many, an incident's candidate links go (the form stays short).
LINK_WINDOW = dt.timedelta(days=365)
LINK_LIMIT = 100


def _first_of(scoped: QuerySet[Any], recent: Q, domain: str, newest: str,
              keep: Iterable[int], limit: int) -> QuerySet[Any]:
    """The ``recent`` rows of ``scoped``, ``domain`` first then newest, at most ``limit``,
    plus ``keep`` (links already made, shown whatever their age); a plain filter, so a
    form can check a posted id against it."""
    ordering = (Case(When(domain=domain, then=Value(0)), default=Value(1),
                     output_field=IntegerField()), f"-{newest}", "-pk")
    ids = list(scoped.filter(recent).order_by(*ordering).values_list("pk", flat=True)[:limit])
    return scoped.filter(pk__in=[*ids, *keep]).order_by(*ordering)


def link_candidates(user: Any, school: Institution | None, *, domain: str = "",
                    incident: Incident | None = None,
                    today: dt.date | None = None) -> tuple[QuerySet[Hazard], QuerySet[Inspection]]:
    """What an incident at ``school`` may link to: the school's hazards found and
    inspections due in the last 12 months (``domain`` first), and the links it has."""
    if school is None:
        return Hazard.objects.none(), Inspection.objects.none()
    today = today or timezone.localdate()
    since = today - LINK_WINDOW
    hazards = hazards_for(user).filter(institution=school)
    inspections = inspections_for(user).filter(institution=school)
    kept_h: list[int] = []
    kept_i: list[int] = []
    if incident is not None:
        kept_h = list(incident.hazards.values_list("pk", flat=True))
        kept_i = list(incident.inspections.values_list("pk", flat=True))
    return (_first_of(hazards, Q(reported_on__gte=since, reported_on__lte=today), domain,
                      "reported_at", kept_h, LINK_LIMIT),
            _first_of(inspections, Q(due_date__gte=since, due_date__lte=today), domain,
                      "due_date", kept_i, LINK_LIMIT))


def institutions_for(user: Any) -> QuerySet[Institution]:
    return visible_to(user, Institution.objects.filter(status="active")).order_by("code")


def regions_for(user: Any) -> QuerySet[Region]:
    return visible_to(user, Region.objects.all()).order_by("path")


def notifications_for(user: Any) -> QuerySet[Notification]:
    if not getattr(user, "is_authenticated", False):
        return Notification.objects.none()
    return Notification.objects.filter(recipient=user)


def region_for(user: Any, code: str) -> Region:
    """A region the user reaches, or 404; school users get their school's county."""
    region = regions_for(user).filter(code=code).first()
    if region is None:
        raise Http404("区域不存在")
    return region


def default_region(user: Any) -> Region | None:
    """The widest region in the user's reach; for school staff, the county of their school."""
    region = regions_for(user).first()
    if region is not None:
        return region
    school = institutions_for(user).select_related("region").first()
    return school.region if school is not None else None


def hazards_in(user: Any, region: Region | None) -> QuerySet[Hazard]:
    hazards = hazards_for(user)
    if region is not None:
        hazards = hazards.filter(institution__region__path__startswith=region.path)
    return hazards


def filter_hazards(hazards: QuerySet[Hazard], *, state: str = "", grade: str = "",
                   domain: str = "", overdue: bool = False, institution: str = "",
                   now: dt.datetime | None = None) -> QuerySet[Hazard]:
    if state == "open":
        hazards = hazards.filter(state__in=wf.OPEN_STATES)
    elif state:
        hazards = hazards.filter(state=state)
    if grade:
        hazards = hazards.filter(grade=grade)
    if domain:
        hazards = hazards.filter(domain=domain)
    if institution:
        hazards = hazards.filter(institution__code=institution)
    if overdue:
        hazards = hazards.filter(rectify_deadline__lt=now or timezone.now(),
                                 state__in=wf.OPEN_STATES)
    return hazards


#: What one row of the hazard list page shows; read as plain values (no model instances).
HAZARD_PAGE_COLUMNS = ("pk", "code", "domain", "grade", "title", "reported_at",
                       "rectify_deadline", "supervision_level", "supervised", "state")
SUPERVISION_LABELS = dict(SupervisionLevel.choices)


def hazard_page_rows(user: Any, filters: Mapping[str, str],
                     now: dt.datetime | None = None) -> QuerySet[Any]:
    """The hazard list page's query: scoped, filtered, newest first on the
    (reported_at, id) index, as ``values()`` so a page costs one narrow query."""
    hazards = filter_hazards(
        visible_to(user, Hazard.objects.all()), state=filters.get("state", ""),
        grade=filters.get("grade", ""), domain=filters.get("domain", ""),
        overdue=filters.get("overdue") == "1", institution=filters.get("school", ""), now=now)
    return hazards.order_by("-reported_at", "-id").values(*HAZARD_PAGE_COLUMNS,
                                                         unit=F("institution__name"))


def label_hazard_rows(rows: Iterable[dict[str, Any]], *, now: dt.datetime) -> list[dict[str, Any]]:
    """Add the Chinese labels and the overdue flag in Python: cheaper than template lookups."""
    labelled = []
    for row in rows:
        deadline = row["rectify_deadline"]
        labelled.append({
            **row, "domain_label": DOMAIN_LABELS.get(row["domain"], row["domain"]),
            "grade_label": GRADE_LABELS.get(row["grade"], row["grade"]),
            "state_label": wf.HAZARD.label(row["state"]),
            "supervision_label": SUPERVISION_LABELS.get(row["supervision_level"], ""),
            "overdue": deadline is not None and deadline < now and row["state"] in wf.OPEN_STATES,
        })
    return labelled


def labelled_history(item: Hazard | Inspection) -> list[dict[str, Any]]:
    """An item's history as people read it: 操作 and 状态 in Chinese, who, when, why."""
    flow = item.workflow
    names = {t.name: t.label for t in flow.transitions}
    rows = []
    for change in history_of(item):
        rows.append({"at": change.at, "action": names.get(change.transition, "上报"
                                                          if change.transition == "create"
                                                          else change.transition),
                     "from_label": flow.label(change.from_state) if change.from_state else "",
                     "to_label": flow.label(change.to_state),
                     "actor": str(change.actor) if change.actor else "系统",
                     "reason": change.reason, "evidence": change.evidence.get("note", "")})
    return rows


# -- grid ------------------------------------------------------------------------------


def posts_in(user: Any, region: Region | None = None) -> QuerySet[GridPost]:
    """Active posts: those of schools in reach, and those of regions in reach."""
    schools = visible_to(user, GridPost.objects.filter(active=True, institution__isnull=False))
    regions = GridPost.objects.filter(active=True,
                                      region__in=visible_to(user, Region.objects.all()))
    posts = GridPost.objects.filter(Q(pk__in=schools.values("pk")) | Q(pk__in=regions.values("pk")))
    if region is not None:
        posts = posts.filter(Q(region__path__startswith=region.path)
                             | Q(institution__region__path__startswith=region.path))
    return posts.select_related("region", "institution", "area")


def responsibility_list(user: Any, region: Region | None = None) -> list[dict[str, Any]]:
    """责任清单 records: region posts first (by region), then schools by code."""
    posts = posts_in(user, region).order_by(
        F("institution__code").asc(nulls_first=True), "region__path", "level", "area__name")
    return [{"unit": p.institution.name if p.institution else p.region.name if p.region else "",
             "level": p.level, "area": p.area.name if p.area else "",
             "person": p.person_name, "phone": mask_phone(p.phone), "duty": p.duty}
            for p in posts]


def grid_gaps(user: Any, region: Region | None = None) -> list[grid.Gap]:
    regions = regions_for(user)
    schools = institutions_for(user)
    areas = visible_to(user, SafetyArea.objects.filter(active=True))
    if region is not None:
        regions = regions.filter(path__startswith=region.path)
        schools = schools.filter(region__path__startswith=region.path)
        areas = areas.filter(institution__region__path__startswith=region.path)
    posts = [grid.Post(p.level, p.region_id, p.institution_id, p.area_id)
             for p in posts_in(user, region)]
    return grid.find_gaps(
        posts=posts,
        regions=[(r.pk, r.level == "county") for r in regions.filter(level__in=("city", "county"))],
        institutions=list(schools.values_list("pk", flat=True)),
        areas=list(areas.values_list("pk", "institution_id")))


def describe_gaps(gaps: Iterable[grid.Gap]) -> list[dict[str, str]]:
    gaps = list(gaps)
    regions = dict(Region.objects.filter(pk__in={g.region_id for g in gaps}).values_list(
        "pk", "name"))
    schools = dict(Institution.objects.filter(pk__in={g.institution_id for g in gaps})
                   .values_list("pk", "name"))
    areas = dict(SafetyArea.objects.filter(pk__in={g.area_id for g in gaps}).values_list(
        "pk", "name"))
    return [{"unit": regions.get(g.region_id or 0) or schools.get(g.institution_id or 0, ""),
             "area": areas.get(g.area_id or 0, ""), "gap": g.label} for g in gaps]


# -- the four lists --------------------------------------------------------------------


def inspection_summary(user: Any, region: Region, period: Period) -> list[dict[str, Any]]:
    """排查清单 records: per school and domain, inspections due/done, items, failures."""
    inspections = visible_to(user, Inspection.objects.filter(
        institution__region__path__startswith=region.path,
        due_date__gte=period.start, due_date__lte=period.end))
    key = ("institution_id", "domain")
    rows: dict[tuple[int, str], dict[str, Any]] = {}
    for r in inspections.values(*key, unit=F("institution__name"), code=F("institution__code")) \
            .annotate(due=Count("id"), done=Count("id", filter=Q(state=wf.COMPLETED))):
        rows[(r["institution_id"], r["domain"])] = {**r, "items": 0, "failed": 0, "hazards": 0,
                                                    "domain_label": DOMAIN_LABELS[r["domain"]]}
    results = InspectionResult.objects.filter(inspection__in=inspections.values("pk")).values(
        institution_id=F("inspection__institution_id"), domain=F("inspection__domain")) \
        .annotate(items=Count("id"), failed=Count("id", filter=Q(passed=False)))
    for r in results:
        row = rows.get((r["institution_id"], r["domain"]))
        if row is not None:
            row["items"], row["failed"] = r["items"], r["failed"]
    found = _hazards_reported(user, region, period).values(*key).annotate(n=Count("id"))
    for r in found:
        row = rows.get((r["institution_id"], r["domain"]))
        if row is not None:
            row["hazards"] = r["n"]
    return sorted(rows.values(), key=lambda r: (r["code"], r["domain"]))


def _hazards_reported(user: Any, region: Region, period: Period) -> QuerySet[Hazard]:
    return hazards_in(user, region).filter(reported_at__gte=period.start_at,
                                           reported_at__lt=period.end_at)


HAZARD_FIELDS = ("code", "domain", "title", "location", "grade", "reported_at", "source",
                 "owner_name", "rectify_deadline", "interim_controls", "supervised", "state",
                 "measures", "submitted_at", "closed_at")


def _hazard_records(hazards: QuerySet[Hazard]) -> list[dict[str, Any]]:
    records = []
    for h in hazards.order_by("institution__code", "reported_at", "pk").values(
            *HAZARD_FIELDS, unit=F("institution__name")).iterator(chunk_size=5000):
        h["domain_label"] = DOMAIN_LABELS[h["domain"]]
        h["source_label"] = SOURCE_LABELS[h["source"]]
        h["state_label"] = wf.HAZARD.label(h["state"])
        h["owner"] = h["owner_name"]
        records.append(h)
    return records


def hazard_list(user: Any, region: Region, period: Period) -> list[dict[str, Any]]:
    """隐患清单 records: hazards found in the period (public reports not accepted excluded)."""
    return _hazard_records(_hazards_reported(user, region, period).exclude(state=wf.DISMISSED))


def rectification_list(user: Any, region: Region, period: Period) -> list[dict[str, Any]]:
    """整改清单 records: hazards found in the period, closed in it, or still open from before."""
    hazards = hazards_in(user, region).filter(
        Q(reported_at__gte=period.start_at, reported_at__lt=period.end_at)
        | Q(closed_at__gte=period.start_at, closed_at__lt=period.end_at)
        | Q(reported_at__lt=period.start_at, state__in=wf.OPEN_STATES)
    ).exclude(state__in=(wf.DISMISSED, wf.REPORTED))
    return _hazard_records(hazards)


@dataclass(frozen=True)
class FourLists:
    region: Region
    period: Period
    tables: dict[str, tuple[list[str], list[tuple[Any, ...]]]]


LIST_TITLES = {"responsibility": "责任清单", "inspection": "排查清单", "hazard": "隐患清单",
               "rectification": "整改清单"}


def build_list(user: Any, code: str, region: Region, period: Period,
               now: dt.datetime | None = None) -> tuple[list[str], list[tuple[Any, ...]]]:
    """One of the four lists as (headers, rows), in the layout a county submits."""
    now = now or timezone.now()
    if code == "responsibility":
        return ([c.label for c in lists.RESPONSIBILITY_COLUMNS],
                lists.responsibility_rows(responsibility_list(user, region)))
    if code == "inspection":
        return ([c.label for c in lists.INSPECTION_COLUMNS],
                lists.inspection_rows(inspection_summary(user, region, period)))
    if code == "hazard":
        return ([c.label for c in lists.HAZARD_COLUMNS],
                lists.hazard_rows(hazard_list(user, region, period)))
    if code == "rectification":
        return ([c.label for c in lists.RECTIFICATION_COLUMNS],
                lists.rectification_rows(rectification_list(user, region, period), now=now))
    raise Http404("清单不存在")


def four_lists(user: Any, region: Region, period: Period,
               now: dt.datetime | None = None) -> FourLists:
    return FourLists(region, period, {code: build_list(user, code, region, period, now)
                                      for code in LIST_TITLES})


# -- indicators ------------------------------------------------------------------------


def safety_counts(user: Any, region: Region, period: Period,
                  now: dt.datetime | None = None) -> indicators.SafetyCounts:
    now = now or timezone.now()
    inspections = visible_to(user, Inspection.objects.filter(
        institution__region__path__startswith=region.path,
        due_date__gte=period.start, due_date__lte=min(period.end, timezone.localdate(now))))
    insp = inspections.aggregate(due=Count("id"), done=Count("id", filter=Q(state=wf.COMPLETED)),
                                 missed=Count("id", filter=Q(state=wf.MISSED)))
    found = _hazards_reported(user, region, period).exclude(state=wf.DISMISSED)
    closed = Q(state=wf.CLOSED)
    haz = found.aggregate(
        found=Count("id"), closed=Count("id", filter=closed),
        on_time=Count("id", filter=closed & Q(closed_on_time=True)),
        days=Sum("rectification_days", filter=closed),
        supervised=Count("id", filter=Q(supervised=True, grade="major")),
        overdue=Count("id", filter=Q(state__in=wf.OPEN_STATES, rectify_deadline__lt=now)))
    incidents = incidents_for(user).filter(
        institution__region__path__startswith=region.path,
        occurred_at__gte=period.start_at, occurred_at__lt=period.end_at)
    inc = incidents.aggregate(n=Count("id"), serious=Count("id", filter=Q(
        severity__in=("I", "II", "III")) | Q(deaths__gt=0)))
    students = visible_to(user, Student.objects.filter(
        current_institution__region__path__startswith=region.path)).count()
    days = haz["days"]
    return indicators.SafetyCounts(
        inspections_due=insp["due"], inspections_done=insp["done"],
        hazards_found=haz["found"], hazards_closed=haz["closed"],
        hazards_closed_on_time=haz["on_time"],
        rectification_days_total=days or 0.0,
        supervised_major=haz["supervised"], overdue_hazards=haz["overdue"],
        overdue_inspections=insp["missed"], incidents=inc["n"],
        serious_incidents=inc["serious"], students=students)


def hazards_by_domain_and_grade(user: Any, region: Region,
                                period: Period) -> list[dict[str, Any]]:
    """隐患发现数 by domain (rows) and grade (columns)."""
    table: dict[str, dict[str, int]] = defaultdict(dict)
    found = _hazards_reported(user, region, period).exclude(state=wf.DISMISSED)
    for r in found.values("domain", "grade").annotate(n=Count("id")):
        table[r["domain"]][r["grade"]] = r["n"]
    return [{"domain": DOMAIN_LABELS[d], **{GRADE_LABELS[g]: table[d].get(g, 0)
                                            for g in GRADE_LABELS},
             "合计": sum(table[d].values())}
            for d in DOMAIN_LABELS if d in table]


def by_school(user: Any, region: Region, period: Period,
              now: dt.datetime | None = None) -> list[dict[str, Any]]:
    """The county overview: per school, hazards found, closed, open, overdue."""
    now = now or timezone.now()
    found = _hazards_reported(user, region, period).exclude(state=wf.DISMISSED)
    rows = found.values(school_code=F("institution__code"), unit=F("institution__name")).annotate(
        found=Count("id"), closed=Count("id", filter=Q(state=wf.CLOSED)),
        major=Count("id", filter=Q(grade="major")),
        overdue=Count("id", filter=Q(state__in=wf.OPEN_STATES, rectify_deadline__lt=now)),
    ).order_by("-overdue", "-found", "school_code")
    return [{**r, "rate": indicators.ratio(r["closed"], r["found"])} for r in rows]
