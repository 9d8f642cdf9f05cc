"""Filter forms of the registry list pages: query parameters → filters on a scoped queryset.

The forms only narrow querysets that ``registry.selectors`` already scoped; choices that
name rows (regions, institutions) come from the same selectors, so a county user cannot
filter by, or even see the names of, another county's schools.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from edugov.registry import selectors
from edugov.registry.choices import (
    BackboneLevel,
    Education,
    EnrolmentStatus,
    Establishment,
    Grade,
    HukouType,
    InstitutionKind,
    InstitutionStatus,
    Locality,
    Ownership,
    Post,
    RegionLevel,
    Sex,
    Subject,
    Title,
)
from edugov.registry.models import AcademicYear
from edugov.registry.rules.class_size import BANDS


def choice_field(label: Any, choices: Any) -> forms.TypedChoiceField:
    """An optional select whose labels translate (registry labels are plain Chinese)."""
    return forms.TypedChoiceField(
        label=label, required=False, empty_value="",
        choices=[("", _("全部")), *((value, _(str(text))) for value, text in choices)],
    )


class FilterForm(forms.Form):
    """Base: ``simple`` maps field → lookup; subclasses add search and special cases."""

    #: Field name → queryset lookup for fields whose value filters directly.
    simple: dict[str, str] = {}
    #: Lookup from the listed model to its Institution ("" for Institution itself).
    institution_path = ""

    q = forms.CharField(label=_("搜索"), required=False, max_length=64)
    region: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("区县"), queryset=None, required=False, to_field_name="code",
        empty_label=_("全部"))

    def __init__(self, data: QueryDict, *, user: Any) -> None:
        super().__init__(data)
        self.params = data
        region_field = self.fields["region"]
        assert isinstance(region_field, forms.ModelChoiceField)
        region_field.queryset = selectors.regions_for(user).filter(
            level__in=[RegionLevel.CITY, RegionLevel.COUNTY])
        # A county or school user has one region or none: the filter would be noise.
        if region_field.queryset.count() < 2:
            del self.fields["region"]

    def prefixed(self, lookup: str) -> str:
        return f"{self.institution_path}__{lookup}" if self.institution_path else lookup

    def apply(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        """Narrow ``queryset`` by every valid, non-empty field (invalid ones are ignored)."""
        self.is_valid()
        data = self.cleaned_data
        filters = {lookup: data[name] for name, lookup in self.simple.items()
                   if data.get(name) not in (None, "")}
        queryset = queryset.filter(**filters)
        if data.get("region"):
            queryset = queryset.filter(
                **{self.prefixed("region__path__startswith"): data["region"].path})
        if data.get("q"):
            queryset = queryset.filter(self.search(data["q"].strip()))
        return self.extra(queryset, data)

    def search(self, text: str) -> Q:
        return Q(name__contains=text)

    def extra(self, queryset: QuerySet[Any], data: dict[str, Any]) -> QuerySet[Any]:
        return queryset

    def querystring(self) -> str:
        """The current filters as "a=1&b=2&" so pager links keep them."""
        params = self.params.copy()
        params.pop("page", None)
        encoded = params.urlencode()
        return f"{encoded}&" if encoded else ""

    @property
    def active(self) -> bool:
        return any(v for k, v in self.params.items() if k != "page")


class InstitutionScopedFilter(FilterForm):
    """Lists of a school's people and classes: ``?institution=<id>`` narrows to one school
    (a hidden field, set by the links on the school's page)."""

    institution: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        queryset=None, required=False, widget=forms.HiddenInput)

    def __init__(self, data: QueryDict, *, user: Any) -> None:
        super().__init__(data, user=user)
        field = self.fields["institution"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = selectors.institutions_for(user)

    def extra(self, queryset: QuerySet[Any], data: dict[str, Any]) -> QuerySet[Any]:
        if data.get("institution"):
            queryset = queryset.filter(**{self.institution_path: data["institution"]})
        return queryset


class InstitutionFilter(FilterForm):
    simple = {"kind": "kind", "ownership": "ownership", "locality": "locality",
              "status": "status"}

    kind = choice_field(_("办学类型"), InstitutionKind.choices)
    ownership = choice_field(_("举办者"), Ownership.choices)
    locality = choice_field(_("城乡分类"), Locality.choices)
    status = choice_field(_("状态"), InstitutionStatus.choices)

    def search(self, text: str) -> Q:
        return Q(name__contains=text) | Q(code__startswith=text)


class StudentFilter(InstitutionScopedFilter):
    institution_path = "current_institution"
    simple = {"sex": "sex", "hukou_type": "hukou_type"}
    FLAGS = (("left_behind", "留守儿童"), ("disabled", "残疾"), ("hardship", "家庭经济困难"))

    grade = forms.TypedChoiceField(
        label=_("年级"), required=False, coerce=int, empty_value=None,
        choices=[("", _("全部")), *((v, _(str(t))) for v, t in Grade.choices)])
    sex = choice_field(_("性别"), Sex.choices)
    hukou_type = choice_field(_("户籍类型"), HukouType.choices)
    status = choice_field(_("学籍状态"), EnrolmentStatus.choices)
    flag = choice_field(_("关爱对象"), FLAGS)

    def search(self, text: str) -> Q:
        text_upper = text.upper()
        q = Q(name__contains=text) | Q(student_no__startswith=text_upper)
        if len(text) == 18:
            q |= Q(id_number=text_upper)
        return q

    def extra(self, queryset: QuerySet[Any], data: dict[str, Any]) -> QuerySet[Any]:
        queryset = super().extra(queryset, data)
        if data.get("flag"):
            queryset = queryset.filter(**{data["flag"]: True})
        # Grade and status live on this year's enrolment: one filter() call, one join.
        enrolment: dict[str, Any] = {}
        if data.get("grade") is not None:
            enrolment["enrolments__grade"] = data["grade"]
        if data.get("status"):
            enrolment["enrolments__status"] = data["status"]
        if enrolment:
            enrolment["enrolments__academic_year"] = selectors.current_year()
            queryset = queryset.filter(**enrolment)
        return queryset


class StaffFilter(InstitutionScopedFilter):
    institution_path = "current_institution"
    simple = {"current_post": "current_post", "education": "education", "title": "title",
              "establishment": "establishment", "subject": "subject", "sex": "sex",
              "backbone_level": "backbone_level"}

    current_post = choice_field(_("岗位"), Post.choices)
    education = choice_field(_("最高学历"), Education.choices)
    title = choice_field(_("职称"), Title.choices)
    establishment = choice_field(_("编制情况"), Establishment.choices)
    subject = choice_field(_("主要任教学科"), Subject.choices)
    backbone_level = choice_field(_("骨干教师级别"), BackboneLevel.choices)
    sex = choice_field(_("性别"), Sex.choices)

    def search(self, text: str) -> Q:
        q = Q(name__contains=text)
        if len(text) == 18:
            q |= Q(id_number=text.upper())
        return q


class ClassFilter(InstitutionScopedFilter):
    institution_path = "institution"
    simple = {"grade": "grade"}

    year = forms.ModelChoiceField(label=_("学年"), queryset=AcademicYear.objects.all(),
                                  required=False, to_field_name="start_year",
                                  empty_label=_("当前学年"))
    grade = forms.TypedChoiceField(
        label=_("年级"), required=False, coerce=int, empty_value=None,
        choices=[("", _("全部")), *((v, _(str(t))) for v, t in Grade.choices)])
    size = forms.ChoiceField(
        label=_("班额"), required=False,
        choices=[("", _("全部")), *((k, _(label)) for k, (_n, label) in BANDS.items())])

    def search(self, text: str) -> Q:
        return Q(institution__name__contains=text) | Q(institution__code__startswith=text)

    def extra(self, queryset: QuerySet[Any], data: dict[str, Any]) -> QuerySet[Any]:
        queryset = super().extra(queryset, data)
        if data.get("size"):
            least, _label = BANDS[data["size"]]
            queryset = queryset.filter(size__gte=least)
        return queryset

    def year_chosen(self) -> AcademicYear | None:
        self.is_valid()
        return self.cleaned_data.get("year")
