"""Forms of the safety pages; validation messages in Chinese."""

from __future__ import annotations

from django import forms

from edugov.registry.models import Institution
from edugov.safety.choices import Domain, Grade


class PublicReportForm(forms.Form):
    """The anonymous public report (群众举报): no account, optional contact."""

    institution = forms.ModelChoiceField(
        label="涉及学校", queryset=Institution.objects.filter(status="active").order_by("code"),
        to_field_name="code")
    domain = forms.ChoiceField(label="隐患类别", choices=Domain.choices)
    title = forms.CharField(label="隐患情况", max_length=200)
    location = forms.CharField(label="具体位置", max_length=100, required=False)
    description = forms.CharField(label="补充说明", widget=forms.Textarea(attrs={"rows": 3}),
                                  required=False, max_length=1000)
    contact = forms.RegexField(label="联系电话（选填）", regex=r"^\d{7,15}$", required=False,
                               error_messages={"invalid": "请填写7–15位数字"})
    # A field people never see: bots fill it in, and such posts are dropped.
    website = forms.CharField(required=False, widget=forms.HiddenInput)


class StaffReportForm(forms.Form):
    institution = forms.ModelChoiceField(label="学校", queryset=Institution.objects.none())
    domain = forms.ChoiceField(label="隐患类别", choices=Domain.choices)
    grade = forms.ChoiceField(label="隐患等级", choices=Grade.choices, initial="general")
    title = forms.CharField(label="隐患描述", max_length=200)
    location = forms.CharField(label="具体位置", max_length=100, required=False)
    description = forms.CharField(label="详细情况", widget=forms.Textarea(attrs={"rows": 3}),
                                  required=False)


class AssignForm(forms.Form):
    owner_name = forms.CharField(label="整改责任人", max_length=64)
    measures = forms.CharField(label="整改措施", widget=forms.Textarea(attrs={"rows": 2}))
    grade = forms.ChoiceField(label="隐患等级", choices=Grade.choices)
    interim_controls = forms.CharField(label="临时管控措施（重大隐患必填）", required=False,
                                       widget=forms.Textarea(attrs={"rows": 2}))


class ListsForm(forms.Form):
    region = forms.CharField(label="区域代码", required=False)
    start = forms.DateField(label="开始日期", widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label="结束日期", widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self) -> dict:
        data = super().clean() or {}
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            raise forms.ValidationError("结束日期不能早于开始日期")
        return data
