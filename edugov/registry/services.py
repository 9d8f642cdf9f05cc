"""Every write to the registry: keyword-only, one transaction, one audit row."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from edugov.core import audit
from edugov.core.models import AuditLog, User
from edugov.core.roles import REGISTRY_WRITE_ROLES, UNMASK_ROLES
from edugov.core.scoping import scope_of, visible_to
from edugov.registry.models import (
    AcademicYear,
    Assignment,
    Enrolment,
    Institution,
    SchoolClass,
    Staff,
    Student,
)
from edugov.registry.rules.identity import id_number_error, id_number_mismatch


def require_write(actor: User, institution: Institution) -> None:
    """Writers need a write role and the institution inside their jurisdiction."""
    if not scope_of(actor).has_role(*REGISTRY_WRITE_ROLES):
        raise PermissionDenied("无权修改基础数据")
    if not visible_to(actor, Institution.objects.filter(pk=institution.pk)).exists():
        raise PermissionDenied("该学校不在您的管辖范围内")


def check_identity(id_number: str, *, sex: str, birth_date: dt.date) -> None:
    error = id_number_error(id_number) or id_number_mismatch(
        id_number, sex=sex, birth_date=birth_date)
    if error:
        raise ValidationError({"id_number": error})


@transaction.atomic
def enrol_student(
    *,
    actor: User,
    student_no: str,
    name: str,
    sex: str,
    birth_date: dt.date,
    id_number: str | None,
    hukou_type: str,
    institution: Institution,
    academic_year: AcademicYear,
    grade: int,
    school_class: SchoolClass | None = None,
    entry_date: dt.date | None = None,
    **extra: Any,
) -> Student:
    """Create or update a student by 学籍号 and set their enrolment for the year."""
    require_write(actor, institution)
    if id_number:
        check_identity(id_number, sex=sex, birth_date=birth_date)
    student, created = Student.objects.update_or_create(
        student_no=student_no,
        defaults=dict(name=name, sex=sex, birth_date=birth_date, id_number=id_number or None,
                      hukou_type=hukou_type, current_institution=institution, **extra),
    )
    Enrolment.objects.update_or_create(
        student=student, academic_year=academic_year,
        defaults=dict(institution=institution, grade=grade, school_class=school_class,
                      entry_date=entry_date),
    )
    audit.record(actor=actor, action=AuditLog.Action.CREATE if created else AuditLog.Action.UPDATE,
                 entity="registry.student", object_id=student.pk,
                 summary=f"{name} @ {institution.code}")
    return student


@transaction.atomic
def ensure_class(*, actor: User, institution: Institution, academic_year: AcademicYear,
                 grade: int, number: int, name: str = "") -> SchoolClass:
    """The class numbered ``number`` of a grade in a year, created if it does not exist."""
    require_write(actor, institution)
    klass, created = SchoolClass.objects.get_or_create(
        institution=institution, academic_year=academic_year, grade=grade, number=number,
        defaults={"name": name})
    if created:
        audit.record(actor=actor, action=AuditLog.Action.CREATE, entity="registry.schoolclass",
                     object_id=klass.pk, summary=f"{institution.code} {klass}")
    return klass


@transaction.atomic
def place_in_class(*, actor: User, school_class: SchoolClass,
                   students: Sequence[Student]) -> int:
    """Put students enrolled at the class's school that year into the class (分班)."""
    require_write(actor, school_class.institution)
    placed = Enrolment.objects.filter(
        student__in=students, academic_year=school_class.academic_year,
        institution=school_class.institution).update(school_class=school_class)
    if placed != len(students):
        raise ValidationError("部分学生未在该校该学年注册学籍，不能编入班级")
    audit.record(actor=actor, action=AuditLog.Action.UPDATE, entity="registry.schoolclass",
                 object_id=school_class.pk, summary=f"编入 {placed} 名学生")
    return placed


@transaction.atomic
def assign_staff(
    *, actor: User, staff: Staff, institution: Institution, post: str, start: dt.date
) -> Assignment:
    """Close the staff member's open assignment the day before ``start`` and open a new one."""
    require_write(actor, institution)
    open_assignment = staff.assignments.filter(end__isnull=True).first()
    if open_assignment is not None:
        if open_assignment.start >= start:
            raise ValidationError({"start": "新任职开始日期应晚于当前任职开始日期"})
        open_assignment.end = start - dt.timedelta(days=1)
        open_assignment.save(update_fields=["end"])
    assignment = Assignment.objects.create(staff=staff, institution=institution, post=post,
                                           start=start)
    staff.current_institution = institution
    staff.current_post = post
    staff.save(update_fields=["current_institution", "current_post", "updated_at"])
    audit.record(actor=actor, action=AuditLog.Action.CREATE, entity="registry.assignment",
                 object_id=assignment.pk, summary=f"{staff.name} → {institution.code} {post}")
    return assignment


def unmask(*, actor: User, obj: Student | Staff, fields: list[str]) -> dict[str, str]:
    """Return the personal fields in clear for a role that needs them; audited."""
    if not scope_of(actor).has_role(*UNMASK_ROLES):
        raise PermissionDenied("您的角色无权查看完整个人信息")
    values = {f: str(getattr(obj, f) or "") for f in fields}
    audit.record(actor=actor, action=AuditLog.Action.UNMASK, entity=audit.entity_name(obj),
                 object_id=obj.pk, summary=",".join(fields))
    return values


#: Institution fields a writer may change through update_institution (facilities, status).
INSTITUTION_EDITABLE = frozenset({
    "teaching_area_m2", "sports_area_m2", "equipment_value_yuan", "multimedia_classrooms",
    "books", "music_rooms", "art_rooms", "status",
})


@transaction.atomic
def update_institution(
    *, actor: User, institution: Institution, changes: dict[str, Any]
) -> Institution:
    """Change facility figures and status; the audit row keeps each old and new value."""
    unknown = set(changes) - INSTITUTION_EDITABLE
    if unknown:
        raise ValidationError({f: "该字段不能在此修改" for f in sorted(unknown)})
    require_write(actor, institution)
    # Lock the row so two concurrent edits cannot each overwrite the other's figures.
    current = Institution.objects.select_for_update().get(pk=institution.pk)
    diff = {f: [str(getattr(current, f)), str(v)] for f, v in changes.items()
            if getattr(current, f) != v}
    for field, value in changes.items():
        setattr(current, field, value)
    current.full_clean()
    current.save(update_fields=[*changes, "updated_at"])
    audit.record(actor=actor, action=AuditLog.Action.UPDATE, entity="registry.institution",
                 object_id=current.pk, summary=f"{current.code} {','.join(sorted(diff))}",
                 details={"changes": diff})
    return current
