"""The form a bureau uses to define an indicator by formula."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from edugov.metrics.catalog import DataMeasure, measures
from edugov.metrics.models import Direction, Unit


class IndicatorForm(forms.Form):
    code = forms.SlugField(label=_("指标代码"), max_length=64,
                           help_text=_("英文字母、数字、下划线，如 kg_rural_share"))
    name = forms.CharField(label=_("指标名称"), max_length=128)
    formula = forms.CharField(label=_("公式"), widget=forms.Textarea(attrs={"rows": 3}),
                              help_text=_('如 students.enrolled{kind="kindergarten", '
                                          'locality="rural"} / students.enrolled{kind='
                                          '"kindergarten"}'))
    unit = forms.ChoiceField(label=_("单位"), choices=Unit.choices)
    factor = forms.FloatField(label=_("系数"), initial=1.0,
                              help_text=_("百分比填 100，千分比填 1000"))
    direction = forms.ChoiceField(label=_("方向"), choices=Direction.choices)
    decimals = forms.IntegerField(label=_("小数位数"), min_value=0, max_value=6, initial=2)
    policy_source = forms.CharField(label=_("政策依据"), max_length=255, required=False)

    def service_fields(self) -> dict[str, Any]:
        return dict(self.cleaned_data)

    def take_errors(self, exc: ValidationError) -> dict[str, Any] | None:
        """Put the service's errors on the form; returns the formula error's position."""
        formula_error = None
        for field, errors in exc.error_dict.items() if hasattr(exc, "error_dict") else ():
            for error in errors:
                if field == "formula" and error.params:
                    formula = self.cleaned_data.get("formula", "")
                    start = int(error.params.get("start", 0))
                    end = max(int(error.params.get("end") or start + 1), start + 1)
                    formula_error = {"message": error.message, "before": formula[:start],
                                     "at": formula[start:end] or " ", "after": formula[end:],
                                     "position": start + 1,
                                     "reason": error.params.get("reason", "")}
                self.add_error(field if field in self.fields else None, error)
        if not hasattr(exc, "error_dict"):
            self.add_error(None, exc)
        return formula_error

    @staticmethod
    def measure_help() -> list[tuple[str, str, str]]:
        """(name, label, dimensions) of every measure, for the help beside the form."""
        rows = []
        for name, measure in sorted(measures().measures.items()):
            dims = "、".join(d.name for d in measure.dimensions) or (
                "—" if not isinstance(measure, DataMeasure) else "（填报数据）")
            rows.append((name, measure.label, dims))
        return rows
