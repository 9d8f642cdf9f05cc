"""A fingerprint of everything the registry demo writes, by natural keys (not row ids)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

from edugov.core.models import Membership, User
from edugov.registry import models as m


def _rows() -> Iterable[Iterable[Any]]:
    yield m.Region.objects.order_by("code").values_list("code", "name", "level", "path")
    yield m.Institution.objects.order_by("code").values_list(
        "code", "name", "kind", "ownership", "inclusive", "rating", "locality", "region__code",
        "standardized", "boarding", "address", "phone", "founded", "teaching_area_m2",
        "sports_area_m2", "equipment_value_yuan", "multimedia_classrooms", "books",
        "music_rooms", "art_rooms")
    yield m.Student.objects.order_by("student_no").values_list(
        "student_no", "id_number", "name", "sex", "birth_date", "hukou_type",
        "hukou_region_code", "address", "guardian_phone", "left_behind", "disabled",
        "hardship", "current_institution__code")
    yield m.Enrolment.objects.order_by("student__student_no", "academic_year__start_year"
                                       ).values_list(
        "student__student_no", "academic_year__start_year", "institution__code", "grade",
        "school_class__number", "status", "entry_date")
    yield m.SchoolClass.objects.order_by("institution__code", "academic_year__start_year",
                                         "grade", "number").values_list(
        "institution__code", "academic_year__start_year", "grade", "number", "name",
        "head_teacher__id_number")
    yield m.Staff.objects.order_by("id_number").values_list(
        "id_number", "name", "sex", "birth_date", "phone", "education", "title", "certified",
        "subject", "backbone_level", "establishment", "current_institution__code",
        "current_post")
    yield m.Assignment.objects.order_by("staff__id_number", "start").values_list(
        "staff__id_number", "institution__code", "post", "start", "end")
    yield m.EducationGroup.objects.order_by("name").values_list("name", "kind", "lead__code",
                                                                "founded")
    yield m.GroupMembership.objects.order_by("group__name", "institution__code").values_list(
        "group__name", "institution__code", "joined", "left")
    yield m.Pairing.objects.order_by("supporter__code", "supported__code", "start").values_list(
        "supporter__code", "supported__code", "start", "end")
    yield User.objects.order_by("username").values_list("username", "display_name",
                                                       "is_superuser")
    yield Membership.objects.order_by("user__username", "role").values_list(
        "user__username", "role", "region__code", "institution__code")


def demo_digest() -> str:
    digest = hashlib.sha256()
    for rows in _rows():
        for row in rows:
            digest.update(repr(row).encode())
    return digest.hexdigest()
