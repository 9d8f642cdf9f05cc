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


def admin_changelist_cases() -> list[Case]:
    """The admin changelist of every registry and core model: superuser only (no persona
    but the superuser is staff); scoping for staff users is tested in test_admin.py."""
    expected = expect(ADMIN_LOGIN, superuser=200)
    return [
        Case(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist", expected)
        for model in admin.site._registry
        if model._meta.app_label in {"registry", "core"}
    ]


def registry_models() -> list[type]:
    return list(apps.get_app_config("registry").get_models())
