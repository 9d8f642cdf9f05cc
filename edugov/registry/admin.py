"""Admin for every registry model, scoped like the pages (see core.admin.ScopedAdminMixin).

Large tables (students, enrolments, staff) use raw-id widgets for their foreign keys so a
change form never renders a select of 300k options, and their lists mask ID numbers.
"""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from edugov.core.admin import ScopedAdminMixin
from edugov.core.masking import mask_id_number, mask_student_no
from edugov.registry import models as m


class ScopedAdmin(ScopedAdminMixin, admin.ModelAdmin):
    pass


@admin.register(m.Region)
class RegionAdmin(ScopedAdmin):
    list_display = ["code", "name", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["code", "name"]
    raw_id_fields = ["parent"]
    list_select_related = ["parent"]


@admin.register(m.Institution)
class InstitutionAdmin(ScopedAdmin):
    list_display = ["code", "name", "kind", "ownership", "locality", "region", "status"]
    list_filter = ["kind", "ownership", "locality", "status", "inclusive", "standardized"]
    search_fields = ["code", "name"]
    raw_id_fields = ["region"]
    list_select_related = ["region"]


class GroupMembershipInline(admin.TabularInline):
    model = m.GroupMembership
    extra = 0
    raw_id_fields = ["institution"]


@admin.register(m.EducationGroup)
class EducationGroupAdmin(ScopedAdmin):
    list_display = ["name", "kind", "lead", "founded"]
    list_filter = ["kind"]
    search_fields = ["name"]
    raw_id_fields = ["lead"]
    inlines = [GroupMembershipInline]


@admin.register(m.GroupMembership)
class GroupMembershipAdmin(ScopedAdmin):
    list_display = ["group", "institution", "joined", "left"]
    raw_id_fields = ["group", "institution"]
    list_select_related = ["group", "institution"]


@admin.register(m.Pairing)
class PairingAdmin(ScopedAdmin):
    list_display = ["supporter", "supported", "start", "end"]
    raw_id_fields = ["supporter", "supported"]
    list_select_related = ["supporter", "supported"]


class TermInline(admin.TabularInline):
    model = m.Term
    extra = 0


@admin.register(m.AcademicYear)
class AcademicYearAdmin(admin.ModelAdmin):
    """Academic years are calendar facts, the same for everyone: nothing to scope."""

    list_display = ["start_year", "is_current"]
    inlines = [TermInline]


@admin.register(m.Term)
class TermAdmin(admin.ModelAdmin):
    list_display = ["academic_year", "number", "start", "end"]


@admin.register(m.SchoolClass)
class SchoolClassAdmin(ScopedAdmin):
    list_display = ["institution", "academic_year", "grade", "number", "name", "head_teacher"]
    list_filter = ["academic_year", "grade"]
    search_fields = ["institution__name", "institution__code", "name"]
    raw_id_fields = ["institution", "head_teacher"]
    list_select_related = ["institution", "academic_year", "head_teacher"]


@admin.display(description=_("身份证号"))
def masked_id_number(obj: m.Student | m.Staff) -> str:
    return mask_id_number(obj.id_number)


@admin.display(description=_("学籍号"), ordering="student_no")
def masked_student_no(obj: m.Student) -> str:
    return mask_student_no(obj.student_no)


@admin.register(m.Student)
class StudentAdmin(ScopedAdmin):
    list_display = [masked_student_no, "name", "sex", "birth_date", masked_id_number,
                    "hukou_type", "current_institution"]
    list_display_links = [masked_student_no, "name"]
    list_filter = ["sex", "hukou_type", "left_behind", "disabled", "hardship"]
    search_fields = ["=student_no", "name"]
    raw_id_fields = ["current_institution"]
    list_select_related = ["current_institution"]


@admin.register(m.Enrolment)
class EnrolmentAdmin(ScopedAdmin):
    list_display = ["student", "academic_year", "institution", "grade", "school_class", "status"]
    list_filter = ["academic_year", "grade", "status"]
    search_fields = ["=student__student_no", "student__name"]
    raw_id_fields = ["student", "institution", "school_class"]
    list_select_related = ["student", "academic_year", "institution", "school_class"]


class AssignmentInline(admin.TabularInline):
    model = m.Assignment
    extra = 0
    raw_id_fields = ["institution"]


@admin.register(m.Staff)
class StaffAdmin(ScopedAdmin):
    list_display = ["name", "sex", masked_id_number, "current_institution", "current_post",
                    "education", "title", "establishment"]
    list_filter = ["current_post", "education", "title", "establishment", "backbone_level"]
    search_fields = ["name", "=id_number"]
    raw_id_fields = ["current_institution"]
    list_select_related = ["current_institution"]
    inlines = [AssignmentInline]


@admin.register(m.Assignment)
class AssignmentAdmin(ScopedAdmin):
    list_display = ["staff", "institution", "post", "start", "end"]
    list_filter = ["post"]
    search_fields = ["staff__name"]
    raw_id_fields = ["staff", "institution"]
    list_select_related = ["staff", "institution"]
