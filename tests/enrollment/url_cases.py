"""Expected answers of the admissions URLs per persona, for the project-wide URL walker.

``tests/web/url_cases.py`` holds the one table; add these with, at its end::

    from tests.enrollment.url_cases import enrollment_cases
    CASES += enrollment_cases()

Objects are made on first use from the walker's World (a round per county with the
county's school, and an application by the ``parent`` persona in each), so the cases need
no fixture of their own. No case changes state: POSTs are refused or fail validation.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from edugov.core.models import User
from edugov.enrollment.models import (
    AdmissionRound,
    Application,
    ApplicationChoice,
    Guardian,
    SchoolPlaces,
)
from edugov.registry import models as m
from tests.conftest import World

T0 = dt.datetime(2025, 5, 1, 8, 0, tzinfo=dt.UTC)
ID_NUMBERS = {"a": "110101201810030011", "b": "110101201810030038"}


def round_in(world: World, county: str) -> AdmissionRound:
    region = world.county_a if county == "a" else world.county_b
    school = world.school_a if county == "a" else world.school_b
    year, _ = m.AcademicYear.objects.get_or_create(start_year=2026,
                                                   defaults={"is_current": False})
    round, created = AdmissionRound.objects.get_or_create(
        region=region, academic_year=year, entry_grade=1, defaults=dict(
            name=f"{region.name}2026年小学一年级招生", registration_opens=T0,
            registration_closes=T0 + dt.timedelta(days=20),
            verification_closes=T0 + dt.timedelta(days=30),
            lottery_at=T0 + dt.timedelta(days=35), publication_at=T0 + dt.timedelta(days=40),
            confirmation_closes=T0 + dt.timedelta(days=60)))
    if created:
        SchoolPlaces.objects.create(round=round, institution=school, classes_planned=1,
                                    class_size=45)
    return round


def application_in(world: World, county: str) -> Application:
    """The ``parent`` persona's child's submitted application naming the county's school."""
    round = round_in(world, county)
    parent = User.objects.get(username="parent")
    guardian, _ = Guardian.objects.get_or_create(
        user=parent, child_id_number=ID_NUMBERS[county],
        defaults=dict(child_name=f"小{county.upper()}", child_sex="M",
                      child_birth_date=dt.date(2018, 10, 3)))
    app, created = Application.objects.get_or_create(
        round=round, child_id_number=guardian.child_id_number,
        defaults=dict(guardian=guardian, number=f"2026{county}00001", state="submitted",
                      phone="13800000000"))
    if created:
        ApplicationChoice.objects.create(application=app, rank=1,
                                         institution=round.places.get().institution)
    return app


def places_in(world: World, county: str) -> SchoolPlaces:
    return round_in(world, county).places.get()


def round_kwargs(county: str) -> Any:
    return lambda w: {"pk": round_in(w, county).pk}


def application_kwargs(county: str) -> Any:
    return lambda w: {"pk": application_in(w, county).pk}


def enrollment_cases() -> list[Any]:
    from tests.web.url_cases import LOGIN, Case, expect

    parent_page = expect(403, superuser=200, parent=200, anonymous=LOGIN)
    verifier = expect(200, teacher_a=403, parent=403, tutoring_operator=403, anonymous=LOGIN)
    bureau = expect(200, school_admin_a=403, teacher_a=403, parent=403, tutoring_operator=403,
                    anonymous=LOGIN)

    def scoped(base: dict[str, Any], county: str, ok: Any = 200) -> dict[str, Any]:
        """``base`` with the other county's bureau (and for B, school A) at 404."""
        result = dict(base)
        for persona, value in base.items():
            if value == 200:
                result[persona] = ok
        if county == "a":
            result["county_b"] = 404
        else:
            result["county_a"] = 404
            if result.get("school_admin_a") == ok:
                result["school_admin_a"] = 404
        return result

    def own(county: str) -> dict[str, Any]:
        # Only the guardian sees their application: the superuser is not the guardian.
        return expect(403, superuser=404, parent=200, anonymous=LOGIN)

    cases: list[Any] = [
        Case("enrollment:my_applications", parent_page),
        # Sign-up is for visitors; anyone signed in is sent to their applications.
        Case("enrollment:signup", expect(302, anonymous=200)),
        Case("enrollment:register_child", parent_page),
        Case("enrollment:review_queue", verifier),
        Case("enrollment:dashboard", verifier),
        Case("enrollment:round_list", bureau),
        Case("enrollment:round_create", bureau),
    ]
    for county in ("a", "b"):
        label = f"county {county.upper()}"
        rnd, app = round_kwargs(county), application_kwargs(county)
        cases += [
            Case("enrollment:apply", parent_page, label=label,
                 kwargs=lambda w, c=county: {"round_pk": round_in(w, c).pk}),
            Case("enrollment:application_detail", own(county), kwargs=app, label=label),
            Case("enrollment:application_edit", own(county), kwargs=app, label=label),
            Case("enrollment:application_action",
                 expect(403, superuser=404, parent=302, anonymous=LOGIN), method="post",
                 kwargs=lambda w, c=county: {"pk": application_in(w, c).pk,
                                             "action": "accept"},
                 label=f"{label}, refused: not published"),
            Case("enrollment:claim_place",
                 scoped(expect(409, tutoring_operator=404, anonymous=LOGIN,
                               **({"school_admin_a": 404, "teacher_a": 404}
                                  if county == "b" else {})), county, ok=409),
                 method="post", label=f"{label}, refused: not published",
                 kwargs=lambda w, c=county: {"pk": application_in(w, c).pk,
                                             "places_pk": places_in(w, c).pk}),
            Case("enrollment:review_application",
                 scoped(expect(200, teacher_a=403, parent=403, tutoring_operator=403,
                               anonymous=LOGIN), county), kwargs=app, label=label),
            Case("enrollment:round_detail", scoped(bureau, county), kwargs=rnd, label=label),
            Case("enrollment:district_upload", scoped(bureau, county), kwargs=rnd, label=label),
            Case("enrollment:points_table", scoped(bureau, county), kwargs=rnd, label=label),
            Case("enrollment:unplaced", scoped(bureau, county), kwargs=rnd, label=label),
            Case("enrollment:round_places", scoped(bureau, county, ok=302), method="post",
                 kwargs=rnd, label=f"{label}, empty form"),
            Case("enrollment:round_action", scoped(bureau, county, ok=302), method="post",
                 kwargs=lambda w, c=county: {"pk": round_in(w, c).pk,
                                             "action": "run_assignment"},
                 label=f"{label}, refused: no draw yet"),
            Case("enrollment:draw_record", expect(200, anonymous=LOGIN), kwargs=rnd,
                 label=label),
            Case("enrollment:class_lists",
                 scoped(expect(200, teacher_a=403, parent=403, tutoring_operator=403,
                               anonymous=LOGIN), county),
                 kwargs=lambda w, c=county: {"pk": round_in(w, c).pk,
                                             "institution_pk": places_in(w, c).institution_id},
                 label=label),
        ]
    # POST-only views refuse GET before anything else.
    cases += [
        Case("enrollment:application_action", expect(405), label="GET is refused",
             kwargs=lambda w: {"pk": application_in(w, "a").pk, "action": "accept"}),
        Case("enrollment:claim_place", expect(405), label="GET is refused",
             kwargs=lambda w: {"pk": application_in(w, "a").pk,
                               "places_pk": places_in(w, "a").pk}),
        Case("enrollment:round_places", expect(405), label="GET is refused",
             kwargs=lambda w: {"pk": round_in(w, "a").pk}),
        Case("enrollment:round_action", expect(405), label="GET is refused",
             kwargs=lambda w: {"pk": round_in(w, "a").pk, "action": "publish"}),
    ]
    return cases
