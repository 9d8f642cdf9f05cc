"""Forms of the safety pages; validation messages in Chinese."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from edugov.registry.models import Institution, Region
from edugov.safety.choices import (
    AreaKind,
    Domain,
    Frequency,
    Grade,
    IncidentSeverity,
    InspectionKind,
    PostLevel,
)
from edugov.safety.models import Hazard, Inspection
from edugov.safety.rules import grid


class PublicReportForm(forms.Form):
    """The anonymous public report (群众举报): no account, optional contact."""

    institution = forms.ModelChoiceField(
        label=_("涉及学校"), queryset=Institution.objects.filter(status="active").order_by("code"),
        to_field_name="code")
    domain = forms.ChoiceField(label=_("隐患类别"), choices=Domain.choices)
    title = forms.CharField(label=_("隐患情况"), max_length=200)
    location = forms.CharField(label=_("具体位置"), max_length=100, required=False)
    description = forms.CharField(label=_("补充说明"), widget=forms.Textarea(attrs={"rows": 3}),
                                  required=False, max_length=1000)
    contact = forms.RegexField(label=_("联系电话（选填）"), regex=r"^\d{7,15}$", required=False,
                               error_messages={"invalid": "请填写7–15位数字"})
    # A field people never see: bots fill it in, and such posts are dropped.
    website = forms.CharField(required=False, widget=forms.HiddenInput)


class StaffReportForm(forms.Form):
    institution = forms.ModelChoiceField(label=_("学校"), queryset=Institution.objects.none())
    domain = forms.ChoiceField(label=_("隐患类别"), choices=Domain.choices)
    grade = forms.ChoiceField(label=_("隐患等级"), choices=Grade.choices, initial="general")
    title = forms.CharField(label=_("隐患描述"), max_length=200)
    location = forms.CharField(label=_("具体位置"), max_length=100, required=False)
    description = forms.CharField(label=_("详细情况"), widget=forms.Textarea(attrs={"rows": 3}),
                                  required=False)


class AssignForm(forms.Form):
    owner_name = forms.CharField(label=_("整改责任人"), max_length=64)
    measures = forms.CharField(label=_("整改措施"), widget=forms.Textarea(attrs={"rows": 2}))
    grade = forms.ChoiceField(label=_("隐患等级"), choices=Grade.choices)
    interim_controls = forms.CharField(label=_("临时管控措施（重大隐患必填）"), required=False,
                                       widget=forms.Textarea(attrs={"rows": 2}))


class ListsForm(forms.Form):
    region = forms.CharField(label=_("区域代码"), required=False)
    start = forms.DateField(label=_("开始日期"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("结束日期"), widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self) -> dict:
        data = super().clean() or {}
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            raise forms.ValidationError("结束日期不能早于开始日期")
        return data


# -- maintenance pages: grid, checklists, schedules, risk register, incidents -----------
# Querysets of school and region choices are set per request to the user's reach.


class AppointForm(forms.Form):
    """Appoint (or replace: the earlier holder steps down, kept) one grid post."""

    level = forms.ChoiceField(label=_("责任层级"), choices=PostLevel.choices)
    institution = forms.ModelChoiceField(label=_("学校（学校层级）"), required=False,
                                         queryset=Institution.objects.none())
    region = forms.ModelChoiceField(label=_("区域（教育局层级）"), required=False,
                                    queryset=Region.objects.none())
    person_name = forms.CharField(label=_("责任人"), max_length=64)
    phone = forms.RegexField(label=_("联系电话"), regex=r"^\d{7,15}$", required=False,
                             error_messages={"invalid": "请填写7–15位数字"})
    duty = forms.CharField(label=_("主要职责"), max_length=255, required=False)
    since = forms.DateField(label=_("任职日期"), required=False,
                            widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self) -> dict:
        data = super().clean() or {}
        level = data.get("level")
        if level in grid.REGION_LEVELS and not data.get("region"):
            raise forms.ValidationError("教育局层级的责任人须选择区域")
        if level in grid.SCHOOL_LEVELS and not data.get("institution"):
            raise forms.ValidationError("学校层级的责任人须选择学校")
        if level == grid.AREA_OWNER:
            raise forms.ValidationError("楼栋/区域责任人请在学校的责任区域中指定")
        return data


class TemplateForm(forms.Form):
    """A new version of a checklist: one item per line, "内容|等级" (等级 一般/较大/重大)."""

    code = forms.SlugField(label=_("模板编码"), max_length=32)
    domain = forms.ChoiceField(label=_("领域"), choices=Domain.choices)
    name = forms.CharField(label=_("名称"), max_length=128)
    items = forms.CharField(label=_("检查项目（每行一项，可写“内容|较大”指定不合格时的隐患等级）"),
                            widget=forms.Textarea(attrs={"rows": 6}))

    def clean_items(self) -> list[tuple[str, str]]:
        grades = {label: code for code, label in Grade.choices}
        parsed = []
        for line in self.cleaned_data["items"].splitlines():
            text, _, grade = line.strip().partition("|")
            if not text.strip():
                continue
            if grade.strip() and grade.strip() not in grades:
                raise forms.ValidationError(f"未知的隐患等级：{grade.strip()}")
            parsed.append((text.strip()[:255], grades.get(grade.strip(), "general")))
        if not parsed:
            raise forms.ValidationError("检查清单至少需要一个检查项目")
        return parsed


class ScheduleForm(forms.Form):
    institution = forms.ModelChoiceField(label=_("学校"), queryset=Institution.objects.none())
    template_code = forms.ChoiceField(label=_("检查清单"), choices=())
    kind = forms.ChoiceField(label=_("检查类型"), choices=InspectionKind.choices)
    frequency = forms.ChoiceField(label=_("频次"), choices=Frequency.choices)
    inspector_level = forms.ChoiceField(label=_("检查责任层级"), choices=PostLevel.choices)
    start = forms.DateField(label=_("开始日期"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("结束日期"), widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self) -> dict:
        data = super().clean() or {}
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            raise forms.ValidationError("结束日期不能早于开始日期")
        return data


class RiskForm(forms.Form):
    institution = forms.ModelChoiceField(label=_("学校"), queryset=Institution.objects.none())
    domain = forms.ChoiceField(label=_("风险类别"), choices=Domain.choices)
    title = forms.CharField(label=_("风险点"), max_length=255)
    likelihood = forms.IntegerField(label=_("可能性（1–5）"), min_value=1, max_value=5)
    severity = forms.IntegerField(label=_("严重程度（1–5）"), min_value=1, max_value=5)
    controls = forms.CharField(label=_("管控措施"), widget=forms.Textarea(attrs={"rows": 2}))
    owner_name = forms.CharField(label=_("管控责任人"), max_length=64)
    review_due = forms.DateField(label=_("下次评估日期"),
                                 widget=forms.DateInput(attrs={"type": "date"}))


class RiskEditForm(forms.Form):
    """Correct or re-assess an entry; the school stays (a risk does not move)."""

    domain = forms.ChoiceField(label=_("风险类别"), choices=Domain.choices)
    title = forms.CharField(label=_("风险点"), max_length=255)
    likelihood = forms.IntegerField(label=_("可能性（1–5）"), min_value=1, max_value=5)
    severity = forms.IntegerField(label=_("严重程度（1–5）"), min_value=1, max_value=5)
    controls = forms.CharField(label=_("管控措施"), widget=forms.Textarea(attrs={"rows": 2}))
    owner_name = forms.CharField(label=_("管控责任人"), max_length=64)
    review_due = forms.DateField(label=_("下次评估日期"),
                                 widget=forms.DateInput(attrs={"type": "date"}))
    reviewed = forms.DateField(label=_("本次评估日期（填写即记为一次复评）"), required=False,
                               widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self) -> dict:
        data = super().clean() or {}
        if data.get("reviewed") and data.get("review_due") and \
                data["review_due"] <= data["reviewed"]:
            raise forms.ValidationError("下次评估日期应晚于本次评估日期")
        return data


class RetireForm(forms.Form):
    reason = forms.CharField(label=_("销册理由"), max_length=255)


def _phone(label: Any) -> forms.RegexField:
    """A phone field; label is a (lazy) translatable string."""
    return forms.RegexField(label=label, regex=r"^\d{7,15}$", required=False,
                            error_messages={"invalid": "请填写7–15位数字"})


class AreaEditForm(forms.Form):
    """An area's name and type and its owner (楼栋/区域责任人)."""

    name = forms.CharField(label=_("区域名称"), max_length=64)
    kind = forms.ChoiceField(label=_("区域类型"), choices=AreaKind.choices)
    owner_name = forms.CharField(label=_("区域责任人（留空表示暂无，列入网格空缺）"), max_length=64,
                                 required=False)
    owner_phone = _phone(_("责任人电话（留空则沿用原电话）"))


class AreaForm(AreaEditForm):
    institution = forms.ModelChoiceField(label=_("学校"), queryset=Institution.objects.none())
    owner_name = forms.CharField(label=_("区域责任人（可稍后指定）"), max_length=64, required=False)
    owner_phone = _phone(_("责任人电话"))
    field_order = ["institution", "name", "kind", "owner_name", "owner_phone"]


class HazardChoices(forms.ModelMultipleChoiceField):
    """A hazard as people pick it: code, date, category, grade, what, where it stands."""

    def label_from_instance(self, obj: Any) -> str:
        return (f"{obj.code or '#' + str(obj.pk)} {obj.reported_at:%Y-%m-%d} "
                f"{obj.get_domain_display()} {obj.get_grade_display()} {obj.title}"
                f"（{obj.state_label}）")


class InspectionChoices(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return (f"{obj.due_date:%Y-%m-%d} {obj.get_domain_display()} {obj.template.name}"
                f"（{obj.state_label}）")


def _link_fields() -> tuple[HazardChoices, InspectionChoices]:
    return (
        HazardChoices(label=_("关联隐患（事故发生前发现的）"), required=False,
                      queryset=Hazard.objects.none(), widget=forms.CheckboxSelectMultiple,
                      error_messages={"invalid_choice": "所选隐患 %(value)s 不属于该学校的可选隐患",
                                      "invalid_pk_value": "“%(pk)s”不是有效的隐患"}),
        InspectionChoices(label=_("关联检查（事故发生前的）"), required=False,
                          queryset=Inspection.objects.none(),
                          widget=forms.CheckboxSelectMultiple,
                          error_messages={
                              "invalid_choice": "所选检查 %(value)s 不属于该学校的可选检查",
                              "invalid_pk_value": "“%(pk)s”不是有效的检查"}),
    )


class LinksMixin:
    """Set the choices of ``hazards`` and ``inspections`` (the school's candidates)."""

    fields: dict[str, Any]

    def set_candidates(self, hazards: QuerySet[Hazard],
                       inspections: QuerySet[Inspection]) -> None:
        self.fields["hazards"].queryset = hazards
        self.fields["inspections"].queryset = inspections


class IncidentSchoolForm(forms.Form):
    """Step one of recording an incident: the school (and category), whose hazards and
    inspections step two then offers."""

    school = forms.ModelChoiceField(label=_("学校"), queryset=Institution.objects.none(),
                                    empty_label=_("请选择学校"))
    domain = forms.ChoiceField(label=_("事故类别"), required=False,
                               choices=[("", _("（稍后选择）")), *Domain.choices])


class IncidentForm(LinksMixin, forms.Form):
    institution = forms.ModelChoiceField(label=_("学校"), queryset=Institution.objects.none())
    occurred_at = forms.DateTimeField(label=_("发生时间"), widget=forms.DateTimeInput(
        attrs={"type": "datetime-local"}))
    domain = forms.ChoiceField(label=_("事故类别"), choices=Domain.choices)
    severity = forms.ChoiceField(label=_("事故等级"), choices=IncidentSeverity.choices,
                                 initial="IV")
    title = forms.CharField(label=_("事故概况"), max_length=255)
    injured = forms.IntegerField(label=_("受伤人数"), min_value=0, initial=0)
    deaths = forms.IntegerField(label=_("死亡人数"), min_value=0, initial=0)
    response = forms.CharField(label=_("应急处置"), required=False,
                               widget=forms.Textarea(attrs={"rows": 2}))
    follow_up = forms.CharField(label=_("后续整改"), required=False,
                                widget=forms.Textarea(attrs={"rows": 2}))
    hazards, inspections = _link_fields()


class IncidentLinksForm(LinksMixin, forms.Form):
    """Links found later (or wrong ones removed): the ticked ones are the links."""

    hazards, inspections = _link_fields()


class PlanForm(forms.Form):
    """Which part of a schedule to expand into inspections (within the schedule's dates)."""

    start = forms.DateField(label=_("开始日期"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("结束日期"), widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self) -> dict:
        data = super().clean() or {}
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            raise forms.ValidationError("结束日期不能早于开始日期")
        return data
