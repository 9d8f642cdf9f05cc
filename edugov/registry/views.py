"""Registry pages: scoped lists with filters, detail pages, audited unmasking.

Every object is fetched from a ``registry.selectors`` queryset, so a row outside the
user's jurisdiction answers 404 exactly as a row that does not exist.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, cast

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from edugov.core.models import User
from edugov.core.roles import REGISTRY_ROLES, REGISTRY_WRITE_ROLES, UNMASK_ROLES
from edugov.core.scoping import scope_of
from edugov.registry import selectors, services
from edugov.registry.choices import EnrolmentStatus, Grade, Post
from edugov.registry.forms import (
    ClassFilter,
    FilterForm,
    InstitutionFilter,
    StaffFilter,
    StudentFilter,
)
from edugov.registry.models import AcademicYear, Staff, Student
from edugov.web.pagination import paginate

#: Personal fields shown masked, and revealed together by "显示完整信息".
STUDENT_PERSONAL = ["student_no", "id_number", "address", "guardian_phone"]
STAFF_PERSONAL = ["id_number", "phone"]

View = Callable[..., HttpResponse]


def registry_page(view: View) -> View:
    """Signed in, and holding a role that works with the registry (403 otherwise)."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not scope_of(request.user).has_role(*REGISTRY_ROLES):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def signed_in(request: HttpRequest) -> User:
    """The user of a view behind @registry_page, which has already refused anonymous ones."""
    return cast(User, request.user)


def _list_page(request: HttpRequest, template: str, form: FilterForm, queryset: Any,
               **context: Any) -> HttpResponse:
    page = paginate(request, form.apply(queryset))
    scope = scope_of(request.user)
    return render(request, template, {
        "form": form, "page": page, "query": form.querystring(),
        "can_export": scope.has_role(*REGISTRY_WRITE_ROLES), **context,
    })


# Institutions -------------------------------------------------------------------------

@registry_page
def institution_list(request: HttpRequest) -> HttpResponse:
    form = InstitutionFilter(request.GET, user=request.user)
    return _list_page(request, "registry/institution_list.html", form,
                      selectors.institutions_for(request.user).order_by("code"))


@registry_page
def institution_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    institution = get_object_or_404(selectors.institutions_for(user), pk=pk)
    year = selectors.current_year()
    classes = list(selectors.classes_for(user, year=year).filter(institution=institution)
                   .order_by("grade", "number"))
    enrolled = selectors.enrolments_for(user).filter(institution=institution,
                                                     status=EnrolmentStatus.ACTIVE)
    if year is not None:
        enrolled = enrolled.filter(academic_year=year)
    grade_labels = dict(Grade.choices)
    students_by_grade = [
        (grade_labels.get(r["grade"], r["grade"]), r["n"])
        for r in enrolled.order_by().values("grade").annotate(n=Count("pk")).order_by("grade")
    ]
    post_labels = dict(Post.choices)
    staff_by_post = [
        (post_labels.get(r["current_post"], r["current_post"] or "—"), r["n"])
        for r in selectors.staff_for(user).filter(current_institution=institution).order_by()
        .values("current_post").annotate(n=Count("pk")).order_by("current_post")
    ]
    groups = selectors.groups_for(user).filter(
        Q(lead=institution) | Q(members__institution=institution, members__left__isnull=True)
    ).distinct()
    pairings = selectors.pairings_for(user).filter(
        Q(supporter=institution) | Q(supported=institution)).order_by("-start")
    return render(request, "registry/institution_detail.html", {
        "institution": institution, "year": year, "classes": classes,
        "students_by_grade": students_by_grade,
        "students_total": sum(n for _g, n in students_by_grade),
        "staff_by_post": staff_by_post, "staff_total": sum(n for _p, n in staff_by_post),
        "groups": groups, "pairings": pairings,
    })


# Students ------------------------------------------------------------------------------

@registry_page
def student_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = StudentFilter(request.GET, user=user)
    this_year = selectors.enrolments_for(user).filter(academic_year=selectors.current_year())
    students = selectors.students_for(user).order_by("pk").prefetch_related(
        Prefetch("enrolments", queryset=this_year, to_attr="this_year"))
    return _list_page(request, "registry/student_list.html", form, students)


def _student_page(request: HttpRequest, student: Student,
                  clear: dict[str, str] | None = None) -> HttpResponse:
    enrolments = selectors.enrolments_for(request.user).filter(student=student).order_by(
        "-academic_year__start_year")
    return render(request, "registry/student_detail.html", {
        "student": student, "enrolments": enrolments, "clear": clear,
        "can_unmask": scope_of(request.user).has_role(*UNMASK_ROLES),
    })


@registry_page
def student_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _student_page(request, get_object_or_404(selectors.students_for(request.user), pk=pk))


@never_cache  # clear personal data must not stay in a browser or proxy cache
@registry_page
@require_POST
def student_unmask(request: HttpRequest, pk: int) -> HttpResponse:
    student = get_object_or_404(selectors.students_for(request.user), pk=pk)
    clear = services.unmask(actor=signed_in(request), obj=student, fields=STUDENT_PERSONAL)
    return _student_page(request, student, clear)


# Staff ---------------------------------------------------------------------------------

@registry_page
def staff_list(request: HttpRequest) -> HttpResponse:
    form = StaffFilter(request.GET, user=request.user)
    return _list_page(request, "registry/staff_list.html", form,
                      selectors.staff_for(request.user).order_by("pk"))


def _staff_page(request: HttpRequest, staff: Staff,
                clear: dict[str, str] | None = None) -> HttpResponse:
    user = request.user
    assignments = [
        (a, round(a.tenure_days() / 365.25, 1))
        for a in selectors.assignments_for(user).filter(staff=staff).order_by("-start")
    ]
    head_of = selectors.classes_for(user).filter(head_teacher=staff)
    return render(request, "registry/staff_detail.html", {
        "staff": staff, "assignments": assignments, "head_of": head_of, "clear": clear,
        "can_unmask": scope_of(user).has_role(*UNMASK_ROLES),
    })


@registry_page
def staff_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _staff_page(request, get_object_or_404(selectors.staff_for(request.user), pk=pk))


@never_cache
@registry_page
@require_POST
def staff_unmask(request: HttpRequest, pk: int) -> HttpResponse:
    staff = get_object_or_404(selectors.staff_for(request.user), pk=pk)
    return _staff_page(request, staff,
                       services.unmask(actor=signed_in(request), obj=staff, fields=STAFF_PERSONAL))


# Classes -------------------------------------------------------------------------------

@registry_page
def class_list(request: HttpRequest) -> HttpResponse:
    form = ClassFilter(request.GET, user=request.user)
    year = form.year_chosen() or selectors.current_year()
    classes = selectors.classes_for(request.user, year=year).order_by(
        "institution__code", "grade", "number")
    return _list_page(request, "registry/class_list.html", form, classes, year=year)


@registry_page
def class_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    # classes_for() is per academic year; take the class's own year (years are not
    # personal data) so last year's classes, linked from enrolment history, still open.
    year = get_object_or_404(AcademicYear, classes__pk=pk)
    school_class = get_object_or_404(selectors.classes_for(user, year=year), pk=pk)
    roster = selectors.enrolments_for(user).filter(school_class=school_class).order_by(
        "student__student_no")
    return render(request, "registry/class_detail.html", {
        "class": school_class, "roster": roster,
    })
