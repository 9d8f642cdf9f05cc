"""Registry routes: thin over registry.selectors (scoping) and registry.services (writes).

Every list is ordered by pk and paginated by core.pagination; every detail of a row
outside the caller's jurisdiction answers 404 because the selector never returns it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Query, Router

from edugov.core.api import ApiRequest
from edugov.core.pagination import Page, given, paginate
from edugov.registry import selectors, services
from edugov.registry.api import schemas as s
from edugov.registry.models import AcademicYear, Assignment, Enrolment, Staff, Student

router = Router()

UNMASK_DOC = ("`unmask=true` 返回完整的{fields}，仅限市、县教育局和学校管理员，"
              "每次都记入审计日志。")
PERSONAL_FIELDS = {
    # The 全国学籍号 is "G" + the 身份证号, so it is as personal as the ID number.
    Student: ["student_no", "id_number", "address", "guardian_phone"],
    Staff: ["id_number", "phone"],
}


def in_region(prefix: str, code: str | None) -> Q:
    """Rows whose region (reached by ``prefix``) is ``code`` or below it.

    Region paths are "/city/county/…/", so a code appears in a path exactly when the
    region is that one or a descendant: no lookup of the filter region is needed.
    """
    return Q(**{f"{prefix}path__contains": f"/{code}/"}) if code else Q()


def exact(**lookups: Any) -> Q:
    """AND of the lookups whose value was given (None means "no filter")."""
    return Q(**given(lookups))


def attach(obj: Any, **values: Any) -> Any:
    """Give a row the extra values its output schema reads (counts, histories, clear data)."""
    obj.__dict__.update(values)
    return obj


def wants_unmask(request: ApiRequest, unmask: bool, obj: Student | Staff) -> None:
    """Attach clear personal fields to ``obj`` when asked and allowed (audited by the service)."""
    if unmask:
        attach(obj, unmasked=services.unmask(actor=request.auth, obj=obj,
                                             fields=PERSONAL_FIELDS[type(obj)]))


# ---------------------------------------------------------------- regions


@router.get("/regions", response=Page[s.RegionOut], tags=["行政区划"],
            summary="行政区划列表")
def list_regions(request: ApiRequest, filters: Query[s.RegionFilters]) -> dict[str, Any]:
    qs = selectors.regions_for(request.auth).select_related("parent").filter(
        exact(level=filters.level, parent__code=filters.parent),
        in_region("", filters.region),
    )
    if filters.q:
        qs = qs.filter(name__contains=filters.q)
    return paginate(qs, filters)


# ---------------------------------------------------------------- institutions


def institution_filters(f: s.InstitutionFilters) -> Q:
    q = exact(kind=f.kind, ownership=f.ownership, locality=f.locality, status=f.status,
              inclusive=f.inclusive, standardized=f.standardized)
    q &= in_region("region__", f.region)
    if f.q:
        q &= Q(name__contains=f.q) | Q(code__startswith=f.q)
    return q


@router.get("/institutions", response=Page[s.InstitutionOut], tags=["学校"],
            summary="学校列表")
def list_institutions(request: ApiRequest,
                      filters: Query[s.InstitutionFilters]) -> dict[str, Any]:
    qs = selectors.institutions_for(request.auth).filter(institution_filters(filters))
    return paginate(qs, filters)


def institution_detail(user: Any, code: str) -> Any:
    institution = get_object_or_404(selectors.institutions_for(user), code=code)
    year = selectors.current_year()
    return attach(
        institution,
        student_count=selectors.students_for(user).filter(
            current_institution=institution).count(),
        staff_count=selectors.staff_for(user).filter(current_institution=institution).count(),
        class_count=selectors.classes_for(user, year=year).filter(
            institution=institution).count() if year else 0,
    )


@router.get("/institutions/{code}", response=s.InstitutionDetail, tags=["学校"],
            summary="学校详情（按学校标识码）")
def get_institution(request: ApiRequest, code: str) -> Any:
    return institution_detail(request.auth, code)


@router.patch("/institutions/{code}", response=s.InstitutionDetail, tags=["学校"],
              summary="修改学校办学条件与状态",
              description="仅市、县教育局和学校管理员可在管辖范围内修改；每次修改写入审计日志。")
def patch_institution(request: ApiRequest, code: str, payload: s.InstitutionPatch) -> Any:
    institution = get_object_or_404(selectors.institutions_for(request.auth), code=code)
    services.update_institution(actor=request.auth, institution=institution,
                                changes=payload.changes())
    return institution_detail(request.auth, code)


# ---------------------------------------------------------------- classes


@router.get("/classes", response=Page[s.ClassOut], tags=["班级"], summary="班级列表")
def list_classes(request: ApiRequest, filters: Query[s.ClassFilters]) -> dict[str, Any]:
    # Academic years are reference data; an unknown year simply has no classes.
    year = (selectors.current_year() if filters.academic_year is None
            else AcademicYear.objects.filter(start_year=filters.academic_year).first())
    qs = selectors.classes_for(request.auth, year=year).filter(
        exact(institution__code=filters.institution, grade=filters.grade),
        in_region("institution__region__", filters.region),
    )
    if year is None and filters.academic_year is not None:
        qs = qs.none()
    return paginate(qs, filters)


@router.get("/classes/{int:class_id}", response=s.ClassOut, tags=["班级"],
            summary="班级详情（含在读人数）")
def get_class(request: ApiRequest, class_id: int) -> Any:
    # classes_for narrows to one academic year; the class's own year is looked up
    # first (reference data), the class itself is then read through the selector.
    year = get_object_or_404(AcademicYear, classes__pk=class_id)
    return get_object_or_404(selectors.classes_for(request.auth, year=year), pk=class_id)


# ---------------------------------------------------------------- students


def with_current_grade(qs: QuerySet[Student]) -> QuerySet[Student]:
    """Annotate the grade of the current year's enrolment (one row per student and year)."""
    year = selectors.current_year()
    if year is None:
        return qs
    grade = Enrolment.objects.filter(student=OuterRef("pk"), academic_year=year).values("grade")
    return qs.annotate(current_grade=Subquery(grade[:1]))


def student_filters(f: s.StudentFilters) -> Q:
    q = exact(current_institution__code=f.institution, sex=f.sex, hukou_type=f.hukou_type,
              left_behind=f.left_behind, disabled=f.disabled, hardship=f.hardship)
    q &= in_region("current_institution__region__", f.region)
    if f.grade is not None:
        year = selectors.current_year()
        # One enrolment per student and year, so this join cannot duplicate rows.
        q &= Q(enrolments__academic_year=year, enrolments__grade=f.grade)
    if f.q:
        q &= Q(name__contains=f.q) | Q(student_no=f.q)
    return q


@router.get("/students", response=Page[s.StudentOut], tags=["学生"],
            summary="学生列表（个人信息脱敏）")
def list_students(request: ApiRequest, filters: Query[s.StudentFilters]) -> dict[str, Any]:
    qs = selectors.students_for(request.auth).filter(student_filters(filters))
    return paginate(with_current_grade(qs), filters)


@router.get("/students/{int:student_id}", response=s.StudentDetail, tags=["学生"],
            summary="学生详情（含学籍注册历史）",
            description=UNMASK_DOC.format(fields="学籍号、身份证号、住址、监护人电话"))
def get_student(request: ApiRequest, student_id: int, unmask: bool = False) -> Any:
    student = get_object_or_404(with_current_grade(selectors.students_for(request.auth)),
                                pk=student_id)
    wants_unmask(request, unmask, student)
    return attach(student, history=selectors.enrolments_for(request.auth)
                  .filter(student=student).order_by("academic_year__start_year", "pk"))


# ---------------------------------------------------------------- staff


def staff_filters(f: s.StaffFilters) -> Q:
    q = exact(current_institution__code=f.institution, current_post=f.post, sex=f.sex,
              education=f.education, title=f.title, subject=f.subject,
              backbone_level=f.backbone_level, establishment=f.establishment,
              certified=f.certified)
    q &= in_region("current_institution__region__", f.region)
    if f.q:
        q &= Q(name__contains=f.q)
    return q


@router.get("/staff", response=Page[s.StaffOut], tags=["教职工"],
            summary="教职工列表（个人信息脱敏）")
def list_staff(request: ApiRequest, filters: Query[s.StaffFilters]) -> dict[str, Any]:
    return paginate(selectors.staff_for(request.auth).filter(staff_filters(filters)), filters)


def tenure(staff: Staff, history: list[Assignment], today: dt.date) -> dict[str, Any] | None:
    """Continuous service at the current institution: the trailing run of assignments there.

    A post change (teacher → principal) opens a new assignment at the same school;
    tenure counts from the first of the run, while a gap or another school ends it.
    """
    if staff.current_institution is None or not history:
        return None
    run: list[Assignment] = []
    for assignment in reversed(history):
        if assignment.institution_id != staff.current_institution_id:
            break
        if run and assignment.end != run[-1].start - dt.timedelta(days=1):
            break
        run.append(assignment)
    if not run:
        return None
    since = run[-1].start
    days = (today - since).days
    return {"institution": staff.current_institution, "since": since, "days": days,
            "years": round(days / 365.25, 1)}


@router.get("/staff/{int:staff_id}", response=s.StaffDetail, tags=["教职工"],
            summary="教职工详情（含任职历史与任职年限）",
            description=UNMASK_DOC.format(fields="身份证号、电话"))
def get_staff(request: ApiRequest, staff_id: int, unmask: bool = False) -> Any:
    staff = get_object_or_404(selectors.staff_for(request.auth), pk=staff_id)
    wants_unmask(request, unmask, staff)
    history = list(selectors.assignments_for(request.auth).filter(staff=staff)
                   .order_by("start", "pk"))
    return attach(staff, history=history, tenure=tenure(staff, history, timezone.localdate()))


# ---------------------------------------------------------------- groups and pairings


@router.get("/groups", response=Page[s.GroupOut], tags=["集团化办学"], summary="教育集团列表")
def list_groups(request: ApiRequest, filters: Query[s.GroupFilters]) -> dict[str, Any]:
    qs = selectors.groups_for(request.auth).filter(
        exact(kind=filters.kind), in_region("lead__region__", filters.region))
    if filters.institution:
        qs = qs.filter(Q(lead__code=filters.institution)
                       | Q(members__institution__code=filters.institution)).distinct()
    if filters.q:
        qs = qs.filter(name__contains=filters.q)
    qs = qs.annotate(member_count=Count("members", filter=Q(members__left__isnull=True),
                                        distinct=True))
    return paginate(qs, filters)


@router.get("/pairings", response=Page[s.PairingOut], tags=["集团化办学"],
            summary="结对帮扶列表")
def list_pairings(request: ApiRequest, filters: Query[s.PairingFilters]) -> dict[str, Any]:
    qs = selectors.pairings_for(request.auth).filter(
        in_region("supported__region__", filters.region))
    if filters.institution:
        qs = qs.filter(Q(supporter__code=filters.institution)
                       | Q(supported__code=filters.institution))
    if filters.active is not None:
        today = timezone.localdate()
        on = Q(start__lte=today) & (Q(end__isnull=True) | Q(end__gte=today))
        qs = qs.filter(on) if filters.active else qs.exclude(on)
    return paginate(qs, filters)


# ---------------------------------------------------------------- academic years


@router.get("/academic-years", response=Page[s.AcademicYearOut], tags=["学年"],
            summary="学年列表")
def list_academic_years(request: ApiRequest,
                        filters: Query[s.AcademicYearFilters]) -> dict[str, Any]:
    # Academic years are reference data every signed-in user may read.
    qs = AcademicYear.objects.filter(exact(is_current=filters.current))
    return paginate(qs, filters)

