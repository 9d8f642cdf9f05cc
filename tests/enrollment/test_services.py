"""A round through the services: applications, verification, lottery, DA, confirmation."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from edugov.core.models import AuditLog
from edugov.enrollment import selectors, services
from edugov.enrollment.models import Application, SchoolPlaces
from edugov.enrollment.rules import lottery
from edugov.registry.models import Enrolment, Student
from edugov.workflow.definitions import WorkflowError
from edugov.workflow.selectors import history_of
from tests.enrollment.conftest import (
    AFTER_PUBLICATION,
    AT_LOTTERY,
    DURING_REGISTRATION,
    DURING_VERIFICATION,
    T0,
    child_of,
    new_parent,
)

NOW = DURING_REGISTRATION


def apply(admission, parent, choices, *, name="小明", sex="M", community="C01", **fields):
    guardian = child_of(parent, name, sex)
    app = services.create_application(
        actor=parent, guardian=guardian, round=admission.round, choices=choices, now=NOW,
        phone="13800000000", hukou_community=community, property_community=community,
        evidence=[{"kind": "hukou_book", "number": "H1"}], **fields)
    services.submit(actor=parent, application=app, now=NOW)
    return app


def test_places_are_classes_times_size_minus_reserved(admission, personas):
    row = services.set_places(actor=personas.county_a, round=admission.round,
                              institution=admission.public_a2, classes_planned=4, reserved=20,
                              reserved_note="九年一贯制直升")
    assert row.class_size == 45 and row.places == 4 * 45 - 20
    with pytest.raises(PermissionDenied):
        services.set_places(actor=personas.county_b, round=admission.round,
                            institution=admission.public_a2, classes_planned=1)
    private = SchoolPlaces.objects.get(institution=admission.private_p)
    assert private.lottery_only


def test_district_map_versions_and_coverage(admission, personas, world):
    report = services.coverage_report(admission.round)
    assert report.ok
    _, report = services.import_district_map(
        actor=personas.county_a, round=admission.round, note="调整：河畔花园划出",
        rows=[{"school_code": world.school_a.code, "community_code": "C01"},
              {"school_code": admission.public_a2.code, "community_code": "C01"}])
    assert [c.code for c in report.gaps] == ["C02", "C03"]
    assert report.overlaps[0][0].code == "C01"
    assert admission.round.district_maps.count() == 2
    with pytest.raises(ValidationError, match="不在本批次区域内"):
        services.import_district_map(actor=personas.county_a, round=admission.round,
                                     rows=[{"school_code": world.school_b.code,
                                            "community_code": "C09"}])


def test_one_active_application_per_child(admission):
    parent = new_parent("p1")
    guardian = child_of(parent)
    kwargs = dict(actor=parent, guardian=guardian, round=admission.round,
                  choices=[admission.public_a], now=NOW, phone="13800000000")
    first = services.create_application(**kwargs)
    with pytest.raises(ValidationError, match="已有一份有效申请"):
        services.create_application(**kwargs)
    # The database refuses it too, whatever the service checks.
    with pytest.raises(IntegrityError), transaction.atomic():
        Application.objects.create(round=admission.round, guardian=guardian, number="X",
                                   child_id_number=guardian.child_id_number, state="draft")
    services.withdraw(actor=parent, application=first, now=NOW)
    assert services.create_application(**kwargs).state == "draft"


def test_window_and_ownership_rules(admission):
    parent, other = new_parent("p1"), new_parent("p2")
    app = apply(admission, parent, [admission.public_a])
    with pytest.raises(PermissionDenied):
        services.withdraw(actor=other, application=app)
    late = admission.round.registration_closes
    with pytest.raises(ValidationError, match="报名已截止"):
        services.update_application(actor=parent, application=app, now=late, phone="1")
    with pytest.raises(ValidationError, match="报名尚未开始"):
        services.create_application(actor=parent, guardian=child_of(parent, "小红", "F"),
                                    round=admission.round, choices=[admission.public_a],
                                    now=T0.replace(month=4), phone="1")
    with pytest.raises(ValidationError, match="最多可填报"):
        services.create_application(
            actor=parent, guardian=child_of(parent, "小刚"), round=admission.round, now=NOW,
            choices=[admission.public_a, admission.public_a2, admission.private_p,
                     admission.public_a], phone="1")


def test_verification_return_correct_and_resubmit(admission, personas):
    parent = new_parent("p1")
    app = apply(admission, parent, [admission.public_a])
    with pytest.raises(WorkflowError, match="需要填写理由"):
        services.review(actor=personas.school_admin_a, application=app, decision="return",
                        now=NOW)
    services.review(actor=personas.school_admin_a, application=app, decision="return",
                    reason="房产证信息不清晰", now=NOW)
    with pytest.raises(PermissionDenied):  # county B has no jurisdiction here
        services.review(actor=personas.county_b, application=app, decision="verify", now=NOW)
    services.update_application(actor=parent, application=app, now=NOW,
                                evidence=[{"kind": "property_cert", "number": "P-2"}])
    services.submit(actor=parent, application=app, now=NOW)
    services.review(actor=personas.county_a, application=app, decision="verify", now=NOW)
    steps = [(c.transition, c.reason) for c in history_of(app)]
    assert steps == [("create", ""), ("submit", ""), ("return", "房产证信息不清晰"),
                     ("submit", ""), ("verify", "")]
    assert AuditLog.objects.filter(entity="enrollment.application",
                                   object_id=str(app.pk)).count() >= 5


def test_scoping_parent_school_county(admission, personas, world):
    parent, other = new_parent("p1"), new_parent("p2")
    app = apply(admission, parent, [admission.public_a2])
    assert list(selectors.applications_for(parent)) == [app]
    assert not selectors.applications_for(other).exists()
    assert not selectors.applications_for(personas.school_admin_a).exists()  # not named
    assert selectors.applications_for(personas.county_a).get() == app
    assert not selectors.applications_for(personas.county_b).exists()
    assert selectors.applications_for(personas.city_bureau).count() == 1


def test_migrant_points_are_itemised(admission):
    parent = new_parent("p1")
    app = apply(admission, parent, [admission.public_a], community="", migrant=True,
                residence_community="C01",
                points_declared={"residence_permit_years": 3, "social_insurance_months": 24,
                                 "rented_home_months": 30})
    app.refresh_from_db()
    assert str(app.points_total) == "33.00"
    items = {i["code"]: i["points"] for i in app.points_detail["items"]}
    assert items == {"residence_permit_years": "15", "social_insurance_months": "12",
                     "owned_home_months": "0", "rented_home_months": "6", "violations": "0"}


def run_round(admission, personas, applicants):
    county = personas.county_a
    draw = services.commit_lottery(actor=county, round=admission.round, now=NOW,
                                   seed="enrollment-test-seed")
    apps = [apply(admission, new_parent(f"parent{i}"), choices, name=f"童{i}", **kw)
            for i, (choices, kw) in enumerate(applicants)]
    for app in apps:
        services.review(actor=county, application=app, decision="verify",
                        now=DURING_VERIFICATION)
    with pytest.raises(ValidationError, match="审核截止后"):
        services.draw_lottery(actor=county, round=admission.round, now=DURING_VERIFICATION)
    draw = services.draw_lottery(actor=county, round=admission.round, now=AT_LOTTERY)
    stats = services.run_assignment(actor=county, round=admission.round, now=AT_LOTTERY)
    return draw, stats, [Application.objects.get(pk=a.pk) for a in apps]


def test_whole_round_da_lottery_publication_and_confirmation(admission, personas):
    a, a2, p = admission.public_a, admission.public_a2, admission.private_p
    draw, stats, apps = run_round(admission, personas, [
        ([a, a2], {"community": "C01"}),     # district A, both
        ([a, a2], {"community": "C01"}),     # district A, both
        ([a, a2], {"community": "C01"}),     # district A: three for two seats → lottery
        ([a, a2], {"community": "C02"}),     # district A2, prefers A
        ([p, a2], {"community": "C02"}),     # private first
        ([p], {"community": "C03"}),
        ([p], {"community": "C03"}),
        ([a], {"community": "C03"}),         # out of district at a full school
    ])
    assert lottery.verify({"seed": draw.seed, "commitment": draw.commitment,
                           "applicants": draw.applicants, "order": draw.order}) == []
    placed = {x.number: (x.state, x.admitted_institution_id) for x in apps}
    assert sum(1 for s, i in placed.values() if i == a.pk) == 2
    assert sum(1 for s, i in placed.values() if i == p.pk) == 2
    assert stats["placed"] + stats["unplaced"] == 8
    assert apps[7].state == "unplaced"
    # The district-A children outrank the C02 child at A.
    assert apps[3].admitted_institution_id == a2.pk
    for row in SchoolPlaces.objects.filter(round=admission.round):
        assert row.admitted <= row.places
    unplaced = [x for x in apps if x.state == "unplaced"]
    assert unplaced and all(x.unplaced_reasons for x in unplaced)
    # Parents see nothing until publication.
    assert selectors.parent_result(apps[0])["label"] == "录取结果待公布"
    services.publish(actor=personas.county_a, round=admission.round, now=AT_LOTTERY)
    apps[0].refresh_from_db()
    assert selectors.parent_result(apps[0])["state"] in ("admitted", "unplaced")
    # The school confirms its entrants: registry Student + Enrolment.
    admitted_a = [x for x in apps if x.admitted_institution_id == a.pk]
    services.confirm(actor=personas.school_admin_a, application=admitted_a[0],
                     now=AFTER_PUBLICATION)
    student = Student.objects.get(id_number=admitted_a[0].child_id_number)
    enrolment = Enrolment.objects.get(student=student)
    assert enrolment.institution == a and enrolment.grade == 1
    assert enrolment.academic_year == admission.year
    # Per-school draw record for the private school re-verifies with the same seed.
    record = services.school_draw_record(draw, p)
    assert len(record["applicants"]) == 3 and lottery.verify(record) == []


def test_claim_spare_place_and_allocation(admission, personas):
    a, a2 = admission.public_a, admission.public_a2
    _, _, apps = run_round(admission, personas, [
        ([a], {"community": "C01"}), ([a], {"community": "C01"}), ([a], {"community": "C01"}),
    ])
    loser = next(x for x in apps if x.state == "unplaced")
    with pytest.raises(ValidationError, match="补录时间"):
        services.claim_spare_place(actor=loser.guardian.user, application=loser,
                                   institution=a2, now=AT_LOTTERY)
    services.publish(actor=personas.county_a, round=admission.round, now=AT_LOTTERY)
    with pytest.raises(ValidationError, match="学位已满"):
        services.claim_spare_place(actor=loser.guardian.user, application=loser,
                                   institution=a, now=AFTER_PUBLICATION)
    services.claim_spare_place(actor=loser.guardian.user, application=loser, institution=a2,
                               now=AFTER_PUBLICATION)
    loser.refresh_from_db()
    assert loser.state == "admitted" and loser.admitted_institution == a2
    # A winner declines; the seat returns and the county allocates it.
    winner = next(x for x in apps if x.admitted_institution_id == a.pk)
    services.decline(actor=winner.guardian.user, application=winner, now=AFTER_PUBLICATION)
    assert SchoolPlaces.objects.get(round=admission.round, institution=a).free == 1


def test_class_placement_of_confirmed_entrants_is_recorded_and_reproducible(admission,
                                                                           personas):
    a = admission.public_a
    _, _, apps = run_round(admission, personas, [([a], {"community": "C01"})] * 2)
    services.publish(actor=personas.county_a, round=admission.round, now=AT_LOTTERY)
    for app in apps:
        services.confirm(actor=personas.school_admin_a, application=app,
                         now=AFTER_PUBLICATION)
    first = services.place_classes(actor=personas.county_a, round=admission.round,
                                   institution=a, seed="class-seed")
    assert sorted(i for c in first.result for i in c) == sorted(x.number for x in apps)
    assert all(len(c) <= 2 for c in first.result)
    again = services.place_classes(actor=personas.county_a, round=admission.round,
                                   institution=a, seed="class-seed")
    assert again.result == first.result and again.balance["spread"]["size"] <= 1
