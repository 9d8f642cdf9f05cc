"""The expected answer of every URL for every persona: the ONE table the walker checks.

Every named URL pattern of the project (outside the admin's internals and the REST API,
which has its own walker) needs at least one Case here, or test_every_url_has_a_case
fails and names it. Add cases for a new app's URLs next to the others; detail URLs need
one case with an object inside county A and one with an object in county B, so both
"200 in scope" and "404 out of scope" are checked.

Expected values: an HTTP status, or LOGIN / ADMIN_LOGIN for "302 to that login page".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.contrib import admin

from tests.conftest import World

LOGIN = "login"
ADMIN_LOGIN = "admin-login"
Expected = int | str

PERSONAS = ("superuser", "city_bureau", "county_a", "county_b", "school_admin_a", "teacher_a",
            "parent", "tutoring_operator", "anonymous")
#: Personas with a registry role (city/county bureaus, school staff) and the superuser.
REGISTRY = ("superuser", "city_bureau", "county_a", "county_b", "school_admin_a", "teacher_a")
#: Personas whose jurisdiction covers county A / county B objects.
SEES_A = ("superuser", "city_bureau", "county_a", "school_admin_a", "teacher_a")
SEES_B = ("superuser", "city_bureau", "county_b")
UNMASKERS = ("superuser", "city_bureau", "county_a", "county_b", "school_admin_a")


@dataclass(frozen=True)
class Case:
    name: str
    expect: dict[str, Expected]
    kwargs: Callable[[World], dict[str, Any]] = field(default=lambda w: {})
    method: str = "get"
    data: dict[str, Any] = field(default_factory=dict)
    label: str = ""

    def __str__(self) -> str:
        return f"{self.method.upper()} {self.name}{f' [{self.label}]' if self.label else ''}"


def expect(default: Expected, **overrides: Expected) -> dict[str, Expected]:
    unknown = set(overrides) - set(PERSONAS)
    assert not unknown, f"unknown personas {unknown}"
    return {p: overrides.get(p, default) for p in PERSONAS}


def registry_only(ok: Expected = 200) -> dict[str, Expected]:
    """Registry pages: registry roles get ``ok``, parent/operator 403, anonymous to login."""
    return expect(ok, parent=403, tutoring_operator=403, anonymous=LOGIN)


def detail(seen_by: tuple[str, ...], ok: Expected = 200,
           refused: tuple[str, ...] = ()) -> dict[str, Expected]:
    """A registry object: ``ok`` for who sees it, 404 for other registry roles."""
    result = registry_only(ok)
    for persona in REGISTRY:
        if persona not in seen_by:
            result[persona] = 404
        elif persona in refused:
            result[persona] = 403
    return result


def _object_cases(name: str, attr: str, **extra: Any) -> list[Case]:
    """One case per county: the county-A object and the county-B object."""
    refused = extra.pop("refused", ())
    method = extra.pop("method", "get")
    return [
        Case(name, detail(SEES_A, refused=refused),
             kwargs=lambda w, a=attr: {"pk": getattr(w, f"{a}_a").pk}, method=method,
             label="county A"),
        Case(name, detail(SEES_B, refused=refused),
             kwargs=lambda w, a=attr: {"pk": getattr(w, f"{a}_b").pk}, method=method,
             label="county B"),
    ]


NOT_UNMASKERS = tuple(p for p in REGISTRY if p not in UNMASKERS)

CASES: list[Case] = [
    # The web shell.
    Case("web:home", expect(200, anonymous=LOGIN)),
    Case("web:login", expect(302, anonymous=200)),  # signed-in users go home
    Case("web:logout", expect(302), method="post"),
    Case("web:logout", expect(405), label="GET is refused"),
    Case("set_language", expect(302), method="post", data={"language": "en", "next": "/"}),
    # Registry lists.
    Case("registry:institution_list", registry_only()),
    Case("registry:student_list", registry_only()),
    Case("registry:staff_list", registry_only()),
    Case("registry:class_list", registry_only()),
    # Registry details: 200 in scope, 404 outside it.
    *_object_cases("registry:institution_detail", "school"),
    *_object_cases("registry:student_detail", "student"),
    *_object_cases("registry:staff_detail", "staff"),
    *_object_cases("registry:class_detail", "class"),
    # Unmasking: POST only; teachers may see the record but not the clear values.
    *_object_cases("registry:student_unmask", "student", method="post", refused=NOT_UNMASKERS),
    *_object_cases("registry:staff_unmask", "staff", method="post", refused=NOT_UNMASKERS),
    Case("registry:student_unmask", registry_only(405), label="GET is refused",
         kwargs=lambda w: {"pk": w.student_a.pk}),
    Case("registry:staff_unmask", registry_only(405), label="GET is refused",
         kwargs=lambda w: {"pk": w.staff_a.pk}),
    # imports:* cases go here when the imports app defines its URLs.
]

# ---- safety (campus safety, issue 7) — begin; owned by the safety app, edit only here ----


def _safety_object(world: World, kind: str, side: str) -> int:
    """A hazard, inspection, risk, area, incident or schedule at county ``side``'s school,
    made on first use (ORM only)."""
    import datetime as dt

    from django.utils import timezone

    from edugov.safety.models import (
        ChecklistItem,
        ChecklistTemplate,
        Hazard,
        Incident,
        Inspection,
        RiskEntry,
        SafetyArea,
        Schedule,
    )

    school = getattr(world, f"school_{side}")
    at = timezone.make_aware(dt.datetime(2025, 10, 13, 9))
    if kind == "risk":
        risk, _ = RiskEntry.objects.get_or_create(
            institution=school, title="实验室危化品", defaults={
                "domain": "laboratory", "likelihood": 2, "severity": 4, "grade": "significant",
                "review_due": at.date()})
        return risk.pk
    if kind == "area":
        area, _ = SafetyArea.objects.get_or_create(institution=school, name="一号教学楼",
                                                   defaults={"kind": "teaching"})
        return area.pk
    if kind == "incident":
        incident, _ = Incident.objects.get_or_create(
            institution=school, title="学生课间摔伤", defaults={
                "occurred_at": at, "domain": "building", "severity": "IV", "injured": 1})
        return incident.pk
    template, made = ChecklistTemplate.objects.get_or_create(
        code="URL-FIRE", defaults={"domain": "fire", "name": "消防检查"})
    if made:
        ChecklistItem.objects.create(template=template, order=1, text="疏散通道畅通")
    if kind == "inspection":
        inspection, _ = Inspection.objects.get_or_create(
            institution=school, template=template,
            defaults={"domain": "fire", "due_date": at.date(), "state": "planned"})
        return inspection.pk
    if kind == "schedule":
        plan, _ = Schedule.objects.get_or_create(
            institution=school, template_code=template.code, defaults={
                "frequency": "weekly", "inspector_level": "safety_officer",
                "start": at.date(), "end": at.date() + dt.timedelta(days=30)})
        return plan.pk
    hazard, _ = Hazard.objects.get_or_create(
        institution=school, code=f"YHURL{side.upper()}",
        defaults={"domain": "fire", "grade": "general", "title": "指示灯不亮",
                  "source": "staff", "reported_at": at, "reported_on": at.date(),
                  "state": "reported"})
    return hazard.pk


def _safety_cases(name: str, kind: str, *, method: str = "get", ok: Expected = 200,
                  data: dict[str, Any] | None = None,
                  refused: tuple[str, ...] = ()) -> list[Case]:
    """A county-A and a county-B object: ``ok`` for who sees it, 404 for other staff,
    403 for ``refused`` personas who see it but may not act (teachers on the registers)."""
    return [Case(name, detail(seen, ok=ok, refused=refused),
                 kwargs=lambda w, k=kind, s=side: {"pk": _safety_object(w, k, s)},
                 method=method, data=data or {}, label=f"county {side.upper()}")
            for side, seen in (("a", SEES_A), ("b", SEES_B))]


CASES += [
    # Staff pages: bureau and school roles (parents and operators 403, anonymous to login).
    *(Case(f"safety:{name}", registry_only())
      for name in ("home", "hazard_list", "hazard_new", "inspection_list", "lists",
                   "lists_export", "overview", "notifications", "grid", "checklists",
                   "schedules", "risks", "incidents")),
    # Maintenance forms: an empty POST is an invalid form, shown again (200).
    *(Case(f"safety:{name}", registry_only(), method="post", label="invalid form")
      for name in ("grid", "checklists", "schedules", "risks", "incidents")),
    *_safety_cases("safety:hazard_detail", "hazard"),
    *_safety_cases("safety:inspection_form", "inspection"),
    # Actions are POST only; an empty form is refused with a message and a redirect.
    *_safety_cases("safety:hazard_act", "hazard", method="post", ok=302),
    *_safety_cases("safety:hazard_assign", "hazard", method="post", ok=302),
    Case("safety:hazard_act", expect(405), label="GET is refused",
         kwargs=lambda w: {"pk": _safety_object(w, "hazard", "a")}),
    Case("safety:hazard_assign", expect(405), label="GET is refused",
         kwargs=lambda w: {"pk": _safety_object(w, "hazard", "a")}),
    # 群众举报: public.
    Case("safety:public_report", expect(200)),
    # The risk register and areas: school admins and bureaus edit, teachers only read (403).
    Case("safety:areas", registry_only()),
    Case("safety:areas", registry_only(), method="post", label="invalid form"),
    *(case for kind in ("risk", "area") for case in (
        *_safety_cases(f"safety:{kind}_edit", kind, refused=("teacher_a",)),
        *_safety_cases(f"safety:{kind}_edit", kind, method="post", refused=("teacher_a",)),
        # An empty POST names no action: refused with a message and a redirect.
        *_safety_cases(f"safety:{kind}_archive", kind, method="post", ok=302,
                       refused=("teacher_a",)),
        Case(f"safety:{kind}_archive", expect(405), label="GET is refused",
             kwargs=lambda w, k=kind: {"pk": _safety_object(w, k, "a")}),
    )),
    # Incidents: the detail and its links (anyone who may record one may link; an empty
    # POST unticks every link, a valid form, so it redirects).
    *_safety_cases("safety:incident_detail", "incident"),
    *_safety_cases("safety:incident_links", "incident"),
    *_safety_cases("safety:incident_links", "incident", method="post", ok=302),
    # Planning a schedule's inspections: school admins and bureaus over it; teachers 403.
    # An empty POST is an invalid form, shown again (200), and plans nothing.
    *_safety_cases("safety:schedule_plan", "schedule", refused=("teacher_a",)),
    *_safety_cases("safety:schedule_plan", "schedule", method="post",
                   refused=("teacher_a",)),
]
# ---- safety — end ----


def app_cases() -> list[Case]:
    """Other apps keep their cases beside their own tests. Imported when called, not at
    import time, because those modules import this one."""
    from tests.enrollment.url_cases import enrollment_cases
    from tests.health.url_cases import HEALTH_CASES
    from tests.imports.url_cases import IMPORTS_CASES
    from tests.metrics.url_cases import METRICS_CASES
    from tests.workforce.url_cases import workforce_cases

    return [*enrollment_cases(), *workforce_cases(), *METRICS_CASES, *HEALTH_CASES,
            *IMPORTS_CASES]


def admin_changelist_cases() -> list[Case]:
    """The admin changelist of every registry, core and imports model: superuser only (no
    persona but the superuser is staff); scoping for staff users is tested in test_admin.py
    (tests/imports/test_admin.py for import jobs)."""
    expected = expect(ADMIN_LOGIN, superuser=200)
    return [
        Case(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist", expected)
        for model in admin.site._registry
        if model._meta.app_label in {"registry", "core", "imports"}
    ]


def registry_models() -> list[type]:
    return list(apps.get_app_config("registry").get_models())
