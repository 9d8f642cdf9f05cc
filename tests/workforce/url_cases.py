"""Expected answers of the workforce URLs per persona, for the project-wide URL walker
(tests/web/url_cases.py adds ``workforce_cases()`` to its one table)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from edugov.workforce.models import RotationPlan, RotationProposal


def plan_in(world, county) -> RotationPlan:  # type: ignore[no-untyped-def]
    return RotationPlan.objects.get_or_create(
        county=county, academic_year=world.year, defaults={"effective": dt.date(2025, 9, 1)})[0]


def round_in(world, county):  # type: ignore[no-untyped-def]
    from edugov.workforce.models import PostingRound
    return PostingRound.objects.get_or_create(
        county=county, academic_year=world.year, number=1,
        defaults={"effective": dt.date(2026, 9, 1)})[0]


def pool_in(world, county, staff):  # type: ignore[no-untyped-def]
    from edugov.workforce.models import PoolEntry
    return PoolEntry.objects.get_or_create(round=round_in(world, county), staff=staff,
                                           defaults={"state": "pooled"})[0]


def application_in(world, county, school, staff):  # type: ignore[no-untyped-def]
    """The county's teacher applied (state applied) to an English post at their school, in
    the year's second round: the first is closed by ``round_close``'s case, which would then
    put the still-live applicant in a pool the walker's ``pool_in`` already holds them in."""
    from edugov.workforce.models import PostingApplication, PostingRound, PostOpening
    second = PostingRound.objects.get_or_create(
        county=county, academic_year=world.year, number=2,
        defaults={"effective": dt.date(2026, 9, 1)})[0]
    opening = PostOpening.objects.get_or_create(round=second, institution=school,
                                                subject="english", defaults={"places": 1})[0]
    return PostingApplication.objects.get_or_create(
        opening=opening, staff=staff, defaults={"preference": 1, "state": "applied"})[0]


def title_in(world, staff):  # type: ignore[no-untyped-def]
    from edugov.workforce.models import TitleApplication
    return TitleApplication.objects.get_or_create(
        staff=staff, year=2025, defaults={"current_title": staff.title, "title": "first",
                                          "state": "submitted"})[0]


def proposal_in(world, school, staff):  # type: ignore[no-untyped-def]
    plan = plan_in(world, school.region)
    return RotationProposal.objects.get_or_create(
        plan=plan, staff=staff, defaults={"source": school, "destination": school,
                                          "post": "teacher", "state": "proposed"})[0]


def workforce_cases() -> list[Any]:
    # Imported here: tests/web/url_cases.py imports this module at its end.
    from tests.web.url_cases import LOGIN, REGISTRY, SEES_A, SEES_B, Case, expect

    BUREAUS = ("superuser", "city_bureau", "county_a", "county_b")
    OUTSIDERS = {"parent": 403, "tutoring_operator": 403, "anonymous": LOGIN}

    def bureau_only(ok: int | str = 200) -> dict[str, int | str]:
        return expect(403, **dict.fromkeys(BUREAUS, ok), anonymous=LOGIN)

    def scoped(seen_by: tuple[str, ...], audience: tuple[str, ...], ok: int | str = 200
               ) -> dict[str, int | str]:
        """ok for who sees the object, 404 for others of the page's audience, 403 outside."""
        result = expect(403, anonymous=LOGIN)
        for persona in audience:
            result[persona] = ok if persona in seen_by else 404
        return result

    rows = [
        ("workforce:office", bureau_only(), lambda w: {}, "get", {}),
        ("workforce:conduct_list", bureau_only(), lambda w: {}, "get", {}),
        ("workforce:training", expect(200, teacher_a=403, **OUTSIDERS), lambda w: {}, "get", {}),
        ("workforce:me", expect(200, **OUTSIDERS), lambda w: {}, "get", {}),
        ("workforce:plan_detail", scoped(SEES_A, BUREAUS),
         lambda w: {"pk": plan_in(w, w.county_a).pk}, "get", {}),
        ("workforce:plan_detail", scoped(SEES_B, BUREAUS),
         lambda w: {"pk": plan_in(w, w.county_b).pk}, "get", {}),
        # An unknown action: redirected back with a message (nothing changes).
        ("workforce:plan_action", scoped(SEES_A, BUREAUS, 302),
         lambda w: {"pk": plan_in(w, w.county_a).pk}, "post", {"action": "none"}),
        ("workforce:plan_action", scoped(SEES_B, BUREAUS, 302),
         lambda w: {"pk": plan_in(w, w.county_b).pk}, "post", {"action": "none"}),
        ("workforce:plan_action", expect(405), lambda w: {"pk": plan_in(w, w.county_a).pk},
         "get", {}),
        ("workforce:round_detail", scoped(SEES_A, REGISTRY),
         lambda w: {"pk": round_in(w, w.county_a).pk}, "get", {}),
        ("workforce:round_detail", scoped(SEES_B, REGISTRY),
         lambda w: {"pk": round_in(w, w.county_b).pk}, "get", {}),
        ("workforce:school", scoped(SEES_A, REGISTRY), lambda w: {"pk": w.school_a.pk}, "get", {}),
        ("workforce:school", scoped(SEES_B, REGISTRY), lambda w: {"pk": w.school_b.pk}, "get", {}),
        # A proposal still "proposed": answering is refused by the workflow, redirect + message.
        # teacher_a's account has no staff record linked here: it answers nobody's (403).
        ("workforce:proposal_respond", {**scoped(SEES_A, REGISTRY, 302), "teacher_a": 403},
         lambda w: {"pk": proposal_in(w, w.school_a, w.staff_a).pk}, "post", {"answer": "confirm"}),
        ("workforce:proposal_respond", scoped(SEES_B, REGISTRY, 302),
         lambda w: {"pk": proposal_in(w, w.school_b, w.staff_b).pk}, "post", {"answer": "confirm"}),
        ("workforce:proposal_respond", expect(405),
         lambda w: {"pk": proposal_in(w, w.school_a, w.staff_a).pk}, "get", {}),
    ]
    # 撤回报名: the applicant or their school's admin (bureaus 403 — not theirs to withdraw);
    # teacher_a's account is not linked to staff_a here, so it withdraws nobody's (403).
    withdrawers = ("superuser", "school_admin_a", "teacher_a")
    rows += [
        ("workforce:posting_withdraw", {**scoped(SEES_A, withdrawers, 302), "teacher_a": 403},
         lambda w: {"pk": application_in(w, w.county_a, w.school_a, w.staff_a).pk}, "post", {}),
        ("workforce:posting_withdraw", scoped(SEES_B, withdrawers, 302),
         lambda w: {"pk": application_in(w, w.county_b, w.school_b, w.staff_b).pk}, "post", {}),
        ("workforce:posting_withdraw", expect(405),
         lambda w: {"pk": application_in(w, w.county_a, w.school_a, w.staff_a).pk}, "get", {}),
    ]
    rows += form_rows(scoped, bureau_only, BUREAUS, OUTSIDERS)
    rows += import_rows(bureau_only, OUTSIDERS)
    rows += bureau_rows(scoped, bureau_only, BUREAUS)
    return [Case(name, expected, kwargs=kwargs, method=method, data=data)
            for name, expected, kwargs, method, data in rows]


RECORDERS = ("superuser", "city_bureau", "county_a", "county_b", "school_admin_a")
#: A well-formed token that names no staged upload: 404 for whoever may import (an upload is
#: only ever found in its own user's folder), 403 for roles that may not.
NO_UPLOAD = "0" * 32


def form_rows(scoped, bureau_only, bureaus, outsiders):  # type: ignore[no-untyped-def]
    """The forms over the services, for a county-A and a county-B object. An empty POST
    re-shows the form with its errors (200) and writes nothing."""
    from tests.web.url_cases import REGISTRY, SEES_A, SEES_B, expect

    # teacher_a's account is not linked to staff_a here: applying for someone else is 403.
    title_a = scoped(SEES_A, REGISTRY)
    title_a["teacher_a"] = 403
    rows = []
    for method in ("get", "post"):
        rows += [
            ("workforce:conduct_new", scoped(SEES_A, bureaus),
             lambda w: {"pk": w.staff_a.pk}, method, {}),
            ("workforce:conduct_new", scoped(SEES_B, bureaus),
             lambda w: {"pk": w.staff_b.pk}, method, {}),
            ("workforce:honour_new", scoped(SEES_A, RECORDERS),
             lambda w: {"pk": w.staff_a.pk}, method, {}),
            ("workforce:honour_new", scoped(SEES_B, RECORDERS),
             lambda w: {"pk": w.staff_b.pk}, method, {}),
            ("workforce:title_apply", title_a, lambda w: {"pk": w.staff_a.pk}, method, {}),
            ("workforce:title_apply", scoped(SEES_B, REGISTRY),
             lambda w: {"pk": w.staff_b.pk}, method, {}),
            ("workforce:posting_apply", scoped(SEES_A, REGISTRY),
             lambda w: {"pk": round_in(w, w.county_a).pk}, method, {}),
            ("workforce:posting_apply", scoped(SEES_B, REGISTRY),
             lambda w: {"pk": round_in(w, w.county_b).pk}, method, {}),
        ]
    ranking = tuple(p for p in REGISTRY if p != "teacher_a")
    rows += [
        # Nothing filled in: redirected back to the round with a message.
        ("workforce:posting_rank", scoped(SEES_A, ranking, 302),
         lambda w: {"pk": round_in(w, w.county_a).pk}, "post", {}),
        ("workforce:posting_rank", scoped(SEES_B, ranking, 302),
         lambda w: {"pk": round_in(w, w.county_b).pk}, "post", {}),
        ("workforce:posting_rank", expect(405),
         lambda w: {"pk": round_in(w, w.county_a).pk}, "get", {}),
    ]
    return rows


def import_rows(bureau_only, outsiders):  # type: ignore[no-untyped-def]
    """Uploads: the barred list for bureaus, training hours for bureaus and school admins.
    An empty POST re-shows the upload form with "this field is required" (200)."""
    from tests.web.url_cases import LOGIN, expect

    def trainers(ok: int | str = 200) -> dict[str, int | str]:
        return expect(ok, teacher_a=403, **outsiders)

    rows = []
    for kind, audience in (("barred", bureau_only), ("training", trainers)):
        token = {"kind": kind, "token": NO_UPLOAD}
        rows += [
            ("workforce:import_upload", audience(), lambda w, k=kind: {"kind": k}, "get", {}),
            ("workforce:import_upload", audience(), lambda w, k=kind: {"kind": k}, "post", {}),
            ("workforce:import_report", audience(404), lambda w, t=token: t, "get", {}),
            ("workforce:import_errors", audience(404), lambda w, t=token: t, "get", {}),
            ("workforce:import_confirm", audience(404), lambda w, t=token: t, "post", {}),
        ]
    rows += [
        ("workforce:import_upload", expect(404, anonymous=LOGIN),
         lambda w: {"kind": "students"}, "get", {}),
        ("workforce:import_report", bureau_only(404),
         lambda w: {"kind": "barred", "token": "not-a-token"}, "get", {}),
        ("workforce:import_confirm", expect(405),
         lambda w: {"kind": "barred", "token": NO_UPLOAD}, "get", {}),
    ]
    return rows


def bureau_rows(scoped, bureau_only, bureaus):  # type: ignore[no-untyped-def]
    """The bureau's pages for 竞聘 rounds and 职称 review. Empty POSTs re-show the form (200)
    or, for the one-button actions, redirect with a message; closing a round with nobody
    applied places nobody (last, so the other cases see the rounds open)."""
    from tests.web.url_cases import SEES_A, SEES_B, expect

    rows = [("workforce:title_reviews", bureau_only(), lambda w: {}, "get", {})]
    for method in ("get", "post"):
        rows += [
            ("workforce:round_new", bureau_only(), lambda w: {}, method, {}),
            ("workforce:opening_new", scoped(SEES_A, bureaus),
             lambda w: {"pk": round_in(w, w.county_a).pk}, method, {}),
            ("workforce:opening_new", scoped(SEES_B, bureaus),
             lambda w: {"pk": round_in(w, w.county_b).pk}, method, {}),
            ("workforce:pool_decide", scoped(SEES_A, bureaus),
             lambda w: {"pk": pool_in(w, w.county_a, w.staff_a).pk}, method, {}),
            ("workforce:pool_decide", scoped(SEES_B, bureaus),
             lambda w: {"pk": pool_in(w, w.county_b, w.staff_b).pk}, method, {}),
        ]
    rows += [
        # No decision named: a message and back to the list.
        ("workforce:title_review", scoped(SEES_A, bureaus, 302),
         lambda w: {"pk": title_in(w, w.staff_a).pk}, "post", {}),
        ("workforce:title_review", scoped(SEES_B, bureaus, 302),
         lambda w: {"pk": title_in(w, w.staff_b).pk}, "post", {}),
        ("workforce:title_review", expect(405), lambda w: {"pk": title_in(w, w.staff_a).pk},
         "get", {}),
        ("workforce:round_close", expect(405), lambda w: {"pk": round_in(w, w.county_a).pk},
         "get", {}),
        ("workforce:round_close", scoped(SEES_A, bureaus, 302),
         lambda w: {"pk": round_in(w, w.county_a).pk}, "post", {}),
        ("workforce:round_close", scoped(SEES_B, bureaus, 302),
         lambda w: {"pk": round_in(w, w.county_b).pk}, "post", {}),
    ]
    return rows
