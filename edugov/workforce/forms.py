"""Forms of the workforce pages (validation messages in Chinese). Querysets of choices are set
per request to the user's reach; the services check everything again."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from edugov.imports.forms import UploadForm
from edugov.registry.choices import Subject
from edugov.registry.models import AcademicYear, Institution, Region, Staff
from edugov.workforce.models import PostOpening
from edugov.workforce.rules.conduct import CATEGORIES, SANCTIONS, ConductRules
from edugov.workforce.rules.titles import HONOURS, LADDER, TIERS, TITLE_LABELS, HonourRules


def date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def veto_periods() -> list[tuple[str, str]]:
    """(sanction, how long it vetoes) under the default rules, for the form's help table."""
    months = ConductRules().veto_months
    return [(label, f"{months[code]}个月" if months[code] else "长期")
            for code, label in SANCTIONS.items()]


def honour_terms() -> list[tuple[str, str]]:
    years = HonourRules().validity_years
    return [(label, f"{years[code]}年" if years[code] else "长期有效")
            for code, label in HONOURS.items()]


class ImportForm(UploadForm):
    """The shared upload form (size and file type checks) plus, for the barred list, the
    region the list belongs to (empty: the user's own)."""

    region = forms.ModelChoiceField(label=_("名单所属行政区划"), queryset=Region.objects.none(),
                                    required=False, empty_label=_("本人所在教育局的行政区划"))

    def __init__(self, *args: Any, kind: str, regions: QuerySet[Region], **kwargs: Any) -> None:
        super().__init__(*args, needs_year=False, **kwargs)
        if kind == "barred":
            self.fields["region"].queryset = regions  # type: ignore[attr-defined]
        else:
            del self.fields["region"]


class ConductCaseForm(forms.Form):
    occurred = forms.DateField(label=_("违规日期"), widget=date_input())
    decided = forms.DateField(label=_("处理决定日期"), widget=date_input())
    category = forms.ChoiceField(label=_("违反准则（《新时代中小学教师职业行为十项准则》）"),
                                 choices=list(CATEGORIES.items()))
    sanction = forms.ChoiceField(label=_("处理处分"), choices=list(SANCTIONS.items()),
                                 help_text=_("一票否决期限按处理处分确定，见下表"))
    description = forms.CharField(label=_("事实摘要"), required=False, max_length=2000,
                                  widget=forms.Textarea(attrs={"rows": 4}))


class HonourForm(forms.Form):
    kind = forms.ChoiceField(label=_("荣誉称号"), choices=list(HONOURS.items()))
    tier = forms.ChoiceField(label=_("级别"), choices=list(TIERS.items()), initial="county")
    awarded = forms.DateField(label=_("授予日期"), widget=date_input())
    awarded_by = forms.CharField(label=_("授予单位"), required=False, max_length=128)


class TitleApplicationForm(forms.Form):
    title = forms.ChoiceField(label=_("申报职称"),
                              choices=[(code, TITLE_LABELS[code]) for code in LADDER[1:]])
    year = forms.IntegerField(label=_("评审年度"), min_value=2000, max_value=2100)
    note = forms.CharField(label=_("申报说明（选填）"), required=False, max_length=1000,
                           widget=forms.Textarea(attrs={"rows": 3}))


class PostingApplicationForm(forms.Form):
    """A teacher applies for themselves (no staff field); a school or bureau names one."""

    staff = forms.ModelChoiceField(label=_("教师"), queryset=Staff.objects.none())
    opening = forms.ModelChoiceField(label=_("报名岗位"), queryset=PostOpening.objects.none())
    preference = forms.IntegerField(label=_("志愿顺序"), min_value=1, max_value=20, initial=1,
                                    help_text=_("1为第一志愿"))

    def __init__(self, *args: Any, openings: QuerySet[PostOpening],
                 staff: QuerySet[Staff] | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["opening"].queryset = openings  # type: ignore[attr-defined]
        if staff is None:
            del self.fields["staff"]
        else:
            self.fields["staff"].queryset = staff  # type: ignore[attr-defined]
            self.fields["staff"].label_from_instance = staff_label  # type: ignore[attr-defined]


def staff_label(staff: Staff) -> str:
    school = staff.current_institution
    return f"{staff.name}（{school.name if school else '—'}）"


class RoundForm(forms.Form):
    """Open a 竞聘 round: the county (preset for a county bureau), the year, the dates."""

    county = forms.ModelChoiceField(label=_("县（区）"), queryset=Region.objects.none(),
                                    empty_label=None)
    academic_year = forms.ModelChoiceField(label=_("学年"), queryset=AcademicYear.objects.none(),
                                           empty_label=None)
    number = forms.TypedChoiceField(label=_("轮次"), coerce=int,
                                    choices=[(1, _("第一轮竞聘")), (2, _("第二轮竞聘"))],
                                    help_text=_("第二轮只面向第一轮后进入县域待岗的教师"))
    name = forms.CharField(label=_("名称（选填）"), required=False, max_length=64,
                           help_text=_("如“2025年秋季教师竞聘上岗”；不填则显示轮次"))
    opens = forms.DateField(label=_("报名开始日期"), required=False, widget=date_input())
    closes = forms.DateField(label=_("报名截止日期"), required=False, widget=date_input())
    effective = forms.DateField(label=_("聘任生效日期"), widget=date_input())

    def __init__(self, *args: Any, counties: QuerySet[Region],
                 years: QuerySet[AcademicYear], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["county"].queryset = counties  # type: ignore[attr-defined]
        self.fields["academic_year"].queryset = years  # type: ignore[attr-defined]


class OpeningForm(forms.Form):
    """A school's posts for a subject in a round (setting it again changes the count)."""

    institution = forms.ModelChoiceField(label=_("学校"), queryset=Institution.objects.none())
    subject = forms.ChoiceField(label=_("学科"), choices=Subject.choices)
    places = forms.IntegerField(label=_("岗位数"), min_value=1, max_value=999)

    def __init__(self, *args: Any, schools: QuerySet[Institution], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = schools  # type: ignore[attr-defined]


#: What the bureau does with a teacher waiting in the county pool.
POOL_DECISIONS = [("allocate", _("组织调剂到学校")), ("train", _("待岗培训"))]


class PoolDecisionForm(forms.Form):
    decision = forms.ChoiceField(label=_("处理方式"), choices=POOL_DECISIONS,
                                 widget=forms.RadioSelect, initial="allocate")
    institution = forms.ModelChoiceField(label=_("调剂到学校"), queryset=Institution.objects.none(),
                                         required=False, help_text=_("组织调剂时必选"))
    reason = forms.CharField(label=_("理由"), max_length=500,
                             widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, schools: QuerySet[Institution], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = schools  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("decision") == "allocate" and not data.get("institution"):
            self.add_error("institution", "组织调剂须选择学校")
        return data


class TitleReviewForm(forms.Form):
    """One decision on a 职称 application from the review list (the workflow checks the
    role and whether a reason is needed)."""

    transition = forms.ChoiceField(choices=[("recommend", _("学校推荐")),
                                            ("approve", _("评审通过")),
                                            ("reject", _("不予通过"))])
    reason = forms.CharField(required=False, max_length=500)
