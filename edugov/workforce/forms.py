"""Forms of the workforce pages (validation messages in Chinese). Querysets of choices are set
per request to the user's reach; the services check everything again."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet

from edugov.imports.forms import UploadForm
from edugov.registry.models import Region, Staff
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

    region = forms.ModelChoiceField(label="名单所属行政区划", queryset=Region.objects.none(),
                                    required=False, empty_label="本人所在教育局的行政区划")

    def __init__(self, *args: Any, kind: str, regions: QuerySet[Region], **kwargs: Any) -> None:
        super().__init__(*args, needs_year=False, **kwargs)
        if kind == "barred":
            self.fields["region"].queryset = regions  # type: ignore[attr-defined]
        else:
            del self.fields["region"]


class ConductCaseForm(forms.Form):
    occurred = forms.DateField(label="违规日期", widget=date_input())
    decided = forms.DateField(label="处理决定日期", widget=date_input())
    category = forms.ChoiceField(label="违反准则（《新时代中小学教师职业行为十项准则》）",
                                 choices=list(CATEGORIES.items()))
    sanction = forms.ChoiceField(label="处理处分", choices=list(SANCTIONS.items()),
                                 help_text="一票否决期限按处理处分确定，见下表")
    description = forms.CharField(label="事实摘要", required=False, max_length=2000,
                                  widget=forms.Textarea(attrs={"rows": 4}))


class HonourForm(forms.Form):
    kind = forms.ChoiceField(label="荣誉称号", choices=list(HONOURS.items()))
    tier = forms.ChoiceField(label="级别", choices=list(TIERS.items()), initial="county")
    awarded = forms.DateField(label="授予日期", widget=date_input())
    awarded_by = forms.CharField(label="授予单位", required=False, max_length=128)


class TitleApplicationForm(forms.Form):
    title = forms.ChoiceField(label="申报职称",
                              choices=[(code, TITLE_LABELS[code]) for code in LADDER[1:]])
    year = forms.IntegerField(label="评审年度", min_value=2000, max_value=2100)
    note = forms.CharField(label="申报说明（选填）", required=False, max_length=1000,
                           widget=forms.Textarea(attrs={"rows": 3}))


class PostingApplicationForm(forms.Form):
    """A teacher applies for themselves (no staff field); a school or bureau names one."""

    staff = forms.ModelChoiceField(label="教师", queryset=Staff.objects.none())
    opening = forms.ModelChoiceField(label="报名岗位", queryset=PostOpening.objects.none())
    preference = forms.IntegerField(label="志愿顺序", min_value=1, max_value=20, initial=1,
                                    help_text="1为第一志愿")

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
