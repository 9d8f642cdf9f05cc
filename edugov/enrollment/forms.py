"""Forms of the admissions pages: input checks only; the rules live in the services."""

from __future__ import annotations

import itertools
import json
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from edugov.enrollment.models import ENTRY_GRADES, AdmissionRound, PointsTable
from edugov.enrollment.rules import points
from edugov.registry.choices import Sex
from edugov.registry.models import AcademicYear, Institution, Region

#: Declared documents a parent can list (metadata only: no files are uploaded).
EVIDENCE_KINDS = [
    ("hukou_book", "户口簿"),
    ("property_cert", "房产证（不动产权证）"),
    ("residence_permit", "居住证"),
    ("rental_contract", "租赁合同（备案）"),
    ("social_insurance", "社保缴费证明"),
    ("birth_cert", "出生医学证明"),
    ("other", "其他"),
]
EVIDENCE_ROWS = 4
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class SignupForm(forms.Form):
    """家长注册: phone (the login name), ID number, name and a password typed twice."""

    name = forms.CharField(label=_("家长姓名"), max_length=64)
    phone = forms.RegexField(label=_("手机号"), regex=r"^1[3-9]\d{9}$",
                             error_messages={"invalid": "请填写11位手机号"})
    id_number = forms.CharField(label=_("家长身份证号"), max_length=18, min_length=18)
    password = forms.CharField(label=_("密码"), widget=forms.PasswordInput)
    password_again = forms.CharField(label=_("再次输入密码"), widget=forms.PasswordInput)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password") and data.get("password") != data.get("password_again"):
            self.add_error("password_again", "两次输入的密码不一致")
        return data


class ChildForm(forms.Form):
    name = forms.CharField(label=_("子女姓名"), max_length=64)
    id_number = forms.CharField(label=_("子女身份证号"), max_length=18, min_length=18)
    sex = forms.ChoiceField(label=_("性别"), choices=Sex.choices)
    birth_date = forms.DateField(label=_("出生日期"),
                                 widget=forms.DateInput(attrs={"type": "date"}))
    relation = forms.CharField(label=_("与子女关系"), max_length=16, initial="父母")


class ApplicationForm(forms.Form):
    """One application: choices, contact, homes, declared documents and points."""

    phone = forms.RegexField(label=_("联系电话"), regex=r"^1\d{10}$|^0\d{2,3}-?\d{7,8}$",
                             error_messages={"invalid": "请填写11位手机号或座机号"})
    migrant = forms.BooleanField(label=_("随迁子女（非本地户籍）"), required=False)
    hukou_community = forms.CharField(label=_("户籍小区代码"), max_length=32, required=False)
    hukou_address = forms.CharField(label=_("户籍地址"), max_length=255, required=False)
    property_community = forms.CharField(label=_("房产小区代码"), max_length=32,
                                         required=False)
    property_address = forms.CharField(label=_("房产地址"), max_length=255, required=False)
    residence_community = forms.CharField(label=_("居住证小区代码"), max_length=32,
                                          required=False)
    residence_address = forms.CharField(label=_("实际居住地址"), max_length=255,
                                        required=False)

    def __init__(self, *args: Any, round: AdmissionRound, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.round = round
        schools = Institution.objects.filter(
            admission_places__round=round).order_by("code")
        for rank in range(1, round.max_choices + 1):
            self.fields[f"choice_{rank}"] = forms.ModelChoiceField(
                label=f"第{rank}志愿", queryset=schools, required=rank == 1)
        for n in range(1, EVIDENCE_ROWS + 1):
            self.fields[f"evidence_kind_{n}"] = forms.ChoiceField(
                label=f"材料{n}", choices=[("", "—"), *EVIDENCE_KINDS], required=False)
            self.fields[f"evidence_number_{n}"] = forms.CharField(
                label=f"材料{n}编号", max_length=64, required=False)
        self.factors = (points.parse_table(round.points_table.factors)
                        if round.points_table is not None else [])
        for factor in self.factors:
            name = f"points_{factor.code}"
            if factor.options:
                self.fields[name] = forms.ChoiceField(
                    label=factor.name, required=False,
                    choices=[("", "—"), *((o, o) for o in factor.options)])
            else:
                self.fields[name] = forms.DecimalField(
                    label=f"{factor.name}（{factor.unit}）" if factor.unit else factor.name,
                    min_value=0, required=False, max_digits=8, decimal_places=2)

    def choice_fields(self) -> list[forms.BoundField]:
        return [self[f"choice_{r}"] for r in range(1, self.round.max_choices + 1)]

    def evidence_fields(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[f"evidence_kind_{n}"], self[f"evidence_number_{n}"])
                for n in range(1, EVIDENCE_ROWS + 1)]

    def points_fields(self) -> list[forms.BoundField]:
        return [self[f"points_{f.code}"] for f in self.factors]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for n in range(1, EVIDENCE_ROWS + 1):
            if data.get(f"evidence_kind_{n}") and not data.get(f"evidence_number_{n}"):
                self.add_error(f"evidence_number_{n}", "请填写材料编号")
        return data

    def schools(self) -> list[Institution]:
        chosen = [self.cleaned_data.get(f"choice_{r}")
                  for r in range(1, self.round.max_choices + 1)]
        return [s for s in chosen if s is not None]

    def fields_for_service(self) -> dict[str, Any]:
        data = self.cleaned_data
        evidence = [{"kind": data[f"evidence_kind_{n}"],
                     "number": data[f"evidence_number_{n}"].strip()}
                    for n in range(1, EVIDENCE_ROWS + 1) if data.get(f"evidence_kind_{n}")]
        declared = {f.code: str(data[f"points_{f.code}"]) for f in self.factors
                    if data.get(f"points_{f.code}") not in (None, "")}
        return {
            "phone": data["phone"], "migrant": data["migrant"],
            "hukou_community": data["hukou_community"].strip(),
            "hukou_address": data["hukou_address"].strip(),
            "property_community": data["property_community"].strip(),
            "property_address": data["property_address"].strip(),
            "residence_community": data["residence_community"].strip(),
            "residence_address": data["residence_address"].strip(),
            "evidence": evidence,
            "points_declared": declared if data["migrant"] else {},
        }

    @staticmethod
    def initial_from(application: Any) -> dict[str, Any]:
        initial: dict[str, Any] = {
            name: getattr(application, name) for name in (
                "phone", "migrant", "hukou_community", "hukou_address", "property_community",
                "property_address", "residence_community", "residence_address")}
        for choice in application.choices.all():
            initial[f"choice_{choice.rank}"] = choice.institution_id
        for n, doc in enumerate(application.evidence[:EVIDENCE_ROWS], start=1):
            initial[f"evidence_kind_{n}"] = doc.get("kind", "")
            initial[f"evidence_number_{n}"] = doc.get("number", "")
        for code, value in (application.points_declared or {}).items():
            initial[f"points_{code}"] = value
        return initial


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(choices=[("verify", "审核通过"), ("return", "退回补正"),
                                          ("reject", "审核不通过")])
    reason = forms.CharField(label=_("理由"), max_length=500, required=False,
                             widget=forms.Textarea(attrs={"rows": 2}))


class RoundForm(forms.Form):
    name = forms.CharField(label=_("批次名称"), max_length=128)
    region = forms.ModelChoiceField(label=_("区域"), queryset=Region.objects.none())
    academic_year = forms.ModelChoiceField(label=_("入学学年"),
                                           queryset=AcademicYear.objects.all())
    entry_grade = forms.TypedChoiceField(label=_("入学年级"), choices=ENTRY_GRADES, coerce=int)
    registration_opens = forms.DateTimeField(label=_("报名开始"), widget=DATETIME)
    registration_closes = forms.DateTimeField(label=_("报名截止"), widget=DATETIME)
    verification_closes = forms.DateTimeField(label=_("审核截止"), widget=DATETIME)
    lottery_at = forms.DateTimeField(label=_("摇号时间"), widget=DATETIME)
    publication_at = forms.DateTimeField(label=_("结果公布"), widget=DATETIME)
    confirmation_closes = forms.DateTimeField(label=_("确认入学截止"), widget=DATETIME)
    class_size = forms.IntegerField(label=_("标准班额（空为默认）"), min_value=1, max_value=80,
                                    required=False)
    max_choices = forms.IntegerField(label=_("志愿数上限"), min_value=1, max_value=10,
                                     initial=3)
    points_table = forms.ModelChoiceField(label=_("积分方案"), required=False,
                                          queryset=PointsTable.objects.none())

    def __init__(self, *args: Any, regions: QuerySet[Region],
                 tables: QuerySet[PointsTable], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions  # type: ignore[attr-defined]
        self.fields["points_table"].queryset = tables  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        order = ["registration_opens", "registration_closes", "verification_closes",
                 "lottery_at", "publication_at", "confirmation_closes"]
        times = [data[n] for n in order if data.get(n) is not None]
        if len(times) == len(order) and (
                times[0] >= times[1] or any(a > b for a, b in itertools.pairwise(times))):
            raise forms.ValidationError("各时间节点须依次排列：报名开始 < 报名截止 ≤ 审核截止 ≤ "
                                        "摇号 ≤ 公布 ≤ 确认入学截止")
        return data


class PlacesForm(forms.Form):
    institution = forms.ModelChoiceField(label=_("学校"), queryset=Institution.objects.none())
    classes_planned = forms.IntegerField(label=_("计划班数"), min_value=0, max_value=60)
    class_size = forms.IntegerField(label=_("班额（空为批次标准）"), min_value=1, max_value=80,
                                    required=False)
    reserved = forms.IntegerField(label=_("预留学位"), min_value=0, initial=0)
    reserved_note = forms.CharField(label=_("预留说明"), max_length=128, required=False)
    lottery_only = forms.TypedChoiceField(
        label=_("录取方式"), required=False, coerce=lambda v: {"1": True, "0": False}.get(v),
        empty_value=None,
        choices=[("", "按办学性质（民办电脑随机录取）"), ("1", "电脑随机录取"),
                 ("0", "按类别顺序录取")])

    def __init__(self, *args: Any, schools: QuerySet[Institution], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = schools  # type: ignore[attr-defined]


class DistrictUploadForm(forms.Form):
    file = forms.FileField(label=_("学区划分表（xlsx、xls 或 csv）"))
    note = forms.CharField(label=_("变更说明"), max_length=255, required=False)


class PointsTableForm(forms.Form):
    name = forms.CharField(label=_("方案名称"), max_length=128)
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    factors = forms.CharField(label=_("积分项目（JSON）"),
                              widget=forms.Textarea(attrs={"rows": 14, "class": "mono"}))

    def clean_factors(self) -> list[dict[str, Any]]:
        try:
            value = json.loads(self.cleaned_data["factors"])
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(f"JSON格式错误：第{exc.lineno}行第{exc.colno}列") from exc
        if not isinstance(value, list):
            raise forms.ValidationError("积分项目应为列表")
        return value


class AllocateForm(forms.Form):
    institution = forms.ModelChoiceField(label=_("统筹安排到"), queryset=Institution.objects.none())

    def __init__(self, *args: Any, schools: QuerySet[Institution], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = schools  # type: ignore[attr-defined]


class PlacementForm(forms.Form):
    seed = forms.CharField(label=_("随机种子（空为自动生成）"), max_length=128, required=False)
