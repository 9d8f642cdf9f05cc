"""师德: the negative list, the pre-hire check (入职查询) with the hire it guards, and the
annual appraisal with its one-vote veto (rules in ``rules/conduct.py``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404

from edugov.core import audit
from edugov.core.masking import mask_id_number
from edugov.core.models import AuditLog, User
from edugov.registry.models import AcademicYear, Institution, Staff
from edugov.registry.rules.identity import id_number_error
from edugov.registry.selectors import staff_for
from edugov.registry.services import assign_staff, check_identity, require_write
from edugov.workforce.models import Appraisal, BarredPerson, ConductCase, HireCheck
from edugov.workforce.permissions import require_bureau, require_recorder
from edugov.workforce.rules.conduct import (
    APPRAISAL_GRADES,
    CATEGORIES,
    SANCTIONS,
    Case,
    ConductRules,
    appraisal_refusal,
    bars_teaching,
    veto_until,
)
from edugov.workforce.selectors.conduct import cases_of


class HireBlocked(PermissionDenied):
    """The pre-hire check found the person on the barred list; ``reason`` is Chinese."""

    def __init__(self, reason: str, check: HireCheck) -> None:
        super().__init__(reason)
        self.reason = reason
        self.check = check


def visible_staff(actor: User, staff: Staff) -> Staff:
    found = staff_for(actor).filter(pk=staff.pk).first()
    if found is None:
        raise Http404
    return found


@transaction.atomic
def record_case(*, actor: User, staff: Staff, occurred: dt.date, decided: dt.date,
                category: str, sanction: str, description: str = "",
                rules: ConductRules | None = None) -> ConductCase:
    """Put a violation on the negative list (county and city bureaus only)."""
    require_bureau(actor, "登记师德违规")
    staff = visible_staff(actor, staff)
    if category not in CATEGORIES or sanction not in SANCTIONS:
        raise ValidationError("违规类别或处理方式无效")
    if decided < occurred:
        raise ValidationError({"decided": "处理决定日期不能早于违规日期"})
    if staff.current_institution is None:
        raise ValidationError("该教职工当前无任职学校")
    case = ConductCase.objects.create(
        staff=staff, institution=staff.current_institution, occurred=occurred,
        decided=decided, category=category, sanction=sanction, description=description,
        veto_until=veto_until(Case(staff.pk, category, sanction, decided), rules),
        recorded_by=actor)
    audit.record(actor=actor, action=AuditLog.Action.CREATE, entity=audit.entity_name(case),
                 object_id=case.pk,
                 summary=f"师德违规：{staff.pk} {CATEGORIES[category]} {SANCTIONS[sanction]}")
    return case


def _barring_reason(id_number: str) -> tuple[str | None, BarredPerson | None]:
    barred = BarredPerson.objects.filter(id_number=id_number).first()
    if barred is not None:
        return (f"入职查询：此人在禁止从教人员名单中（{barred.reason}；来源：{barred.source}），"
                "不得聘用"), barred
    known = Staff.objects.filter(id_number=id_number).values_list("pk", flat=True).first()
    if known is not None:
        case = bars_teaching(cases_of([known]).get(known, []))
        if case is not None:
            return (f"入职查询：此人曾于{case.decided:%Y年%m月%d日}受到"
                    f"“{SANCTIONS[case.sanction]}”，不得聘用为教师"), None
    return None, None


def pre_hire_check(*, actor: User, id_number: str, name: str,
                   institution: Institution) -> HireCheck:
    """Check a new hire against the barred list and the negative list; the check is kept
    (HireCheck and an audit row) in its own transaction, so a blocked hire stays on record
    even though the hire itself never happens. A malformed ID number is refused unchecked:
    it could match nothing, and a "passed" check on it would be worthless."""
    require_write(actor, institution)
    id_number = id_number.strip().upper()
    if (error := id_number_error(id_number)) is not None:
        raise ValidationError({"id_number": error})
    reason, barred = _barring_reason(id_number)
    with transaction.atomic():
        check = HireCheck.objects.create(
            id_number=id_number, name=name, institution=institution, blocked=reason is not None,
            reason=reason or "入职查询：未发现禁止从教记录", barred=barred, checked_by=actor)
        audit.record(actor=actor, action=AuditLog.Action.CREATE, entity=audit.entity_name(check),
                     object_id=check.pk,
                     summary=f"入职查询 {mask_id_number(id_number)} → "
                             f"{'不得聘用' if check.blocked else '通过'}",
                     details={"blocked": check.blocked, "institution": institution.code})
    return check


def hire(*, actor: User, id_number: str, name: str, sex: str, birth_date: dt.date,
         education: str, institution: Institution, post: str, start: dt.date,
         **staff_fields: Any) -> Staff:
    """Hire someone at ``institution``: the pre-hire check first (a match raises HireBlocked
    with the reason), then the staff record and its assignment (``registry.assign_staff``)
    in one transaction. Someone already on the registry (from another school) is reassigned.
    """
    check_identity(id_number, sex=sex, birth_date=birth_date)
    check = pre_hire_check(actor=actor, id_number=id_number, name=name, institution=institution)
    if check.blocked:
        raise HireBlocked(check.reason, check)
    with transaction.atomic():
        staff, created = Staff.objects.get_or_create(
            id_number=id_number,
            defaults={"name": name, "sex": sex, "birth_date": birth_date,
                      "education": education, **staff_fields})
        assign_staff(actor=actor, staff=staff, institution=institution, post=post, start=start)
        audit.record(actor=actor, action=AuditLog.Action.CREATE if created
                     else AuditLog.Action.UPDATE, entity=audit.entity_name(staff),
                     object_id=staff.pk, summary=f"聘用 {name} → {institution.code}",
                     details={"hire_check": check.pk})
    return staff


@transaction.atomic
def rate(*, actor: User, staff: Staff, academic_year: AcademicYear, grade: str,
         rules: ConductRules | None = None) -> Appraisal:
    """Record the 年度考核 grade; above 不合格 is refused while a 师德 veto runs."""
    require_recorder(actor, "评定年度考核")
    staff = visible_staff(actor, staff)
    if grade not in APPRAISAL_GRADES:
        raise ValidationError({"grade": "考核等次无效"})
    refusal = appraisal_refusal(cases_of([staff.pk]).get(staff.pk, []), grade,
                                (academic_year.start, academic_year.end), rules)
    if refusal:
        raise ValidationError(refusal)
    appraisal, _ = Appraisal.objects.update_or_create(
        staff=staff, academic_year=academic_year, defaults={"grade": grade, "rated_by": actor})
    audit.record(actor=actor, action=AuditLog.Action.UPDATE, entity=audit.entity_name(appraisal),
                 object_id=appraisal.pk,
                 summary=(f"年度考核 {staff.pk} {academic_year.start_year}："
                          f"{APPRAISAL_GRADES[grade]}"))
    return appraisal
