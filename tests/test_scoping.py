"""The one scoping mechanism: who sees which rows."""

from __future__ import annotations

from edugov.registry import selectors


def codes(qs) -> set[str]:  # type: ignore[no-untyped-def]
    return set(qs.values_list("code", flat=True))


def test_city_bureau_sees_both_counties(personas, world):
    assert codes(selectors.institutions_for(personas.city_bureau)) == {"3198010101", "3198010201"}


def test_county_sees_only_its_county(personas, world):
    assert codes(selectors.institutions_for(personas.county_a)) == {"3198010101"}
    assert list(selectors.students_for(personas.county_a)) == [world.student_a]
    assert list(selectors.staff_for(personas.county_b)) == [world.staff_b]


def test_school_admin_and_teacher_see_their_school(personas, world):
    for user in (personas.school_admin_a, personas.teacher_a):
        assert codes(selectors.institutions_for(user)) == {"3198010101"}
        assert list(selectors.enrolments_for(user).values_list("student", flat=True)) == [
            world.student_a.pk]


def test_parent_operator_and_anonymous_see_no_registry_people(personas, world):
    from django.contrib.auth.models import AnonymousUser

    for user in (personas.parent, personas.tutoring_operator, AnonymousUser()):
        assert not selectors.students_for(user).exists()
        assert not selectors.staff_for(user).exists()
        assert not selectors.institutions_for(user).exists()


def test_regions_subtree(personas, world):
    assert set(selectors.regions_for(personas.county_a)) == {world.county_a}
    assert set(selectors.regions_for(personas.city_bureau)) == {
        world.city, world.county_a, world.county_b}
