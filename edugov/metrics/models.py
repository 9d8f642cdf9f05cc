"""Data center tables: aggregate data values, indicators, targets and result snapshots."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from edugov.metrics.workflow import DATA_VALUE_WORKFLOW
from edugov.workflow.models import WorkflowItem


class Unit(models.TextChoices):
    PERCENT = "%", "%"
    PERMILLE = "‰", "‰"
    PERSONS = "人", "人"
    COUNT = "个", "个"
    SCHOOLS = "所", "所"
    YUAN = "元", "元"
    SQUARE_METRES = "m²", "m²"
    PER_HUNDRED = "人/百生", "人/百生"
    ROOMS_PER_HUNDRED = "间/百生", "间/百生"
    RATIO = "比", _("比值")


class Direction(models.TextChoices):
    HIGHER = "higher", _("越高越好")
    LOWER = "lower", _("越低越好")


class UnitLevel(models.TextChoices):
    CITY = "city", _("市")
    COUNTY = "county", _("县（区）")
    TOWNSHIP = "township", _("乡镇（街道）")
    INSTITUTION = "institution", _("学校")


class DataValue(WorkflowItem):
    """An aggregate figure no record holds (新增学位, 项目投资额, 宣讲场次).

    Entered for a region or one institution per year; the county submits, the city
    approves and so locks it. Only approved values reach the indicators; a correction
    after locking reopens the value with a reason, the history keeps every step.
    """

    workflow = DATA_VALUE_WORKFLOW

    measure = models.CharField(_("度量"), max_length=64)
    region = models.ForeignKey("registry.Region", null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("行政区划"))
    institution = models.ForeignKey("registry.Institution", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("学校"))
    year = models.PositiveSmallIntegerField(_("学年（起始年份）"))
    value = models.DecimalField(_("数值"), max_digits=18, decimal_places=4)
    note = models.CharField(_("说明"), max_length=255, blank=True)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+",
                                   verbose_name=_("填报人"))
    entered_at = models.DateTimeField(_("填报时间"))

    class Meta:
        verbose_name = _("汇总数据")
        verbose_name_plural = _("汇总数据")
        ordering = ["year", "measure", "id"]
        constraints = [
            models.CheckConstraint(
                name="datavalue_one_unit",
                condition=(Q(region__isnull=False, institution__isnull=True)
                           | Q(region__isnull=True, institution__isnull=False)),
            ),
            # Two partial constraints, not nulls_distinct=False, which SQLite cannot enforce.
            models.UniqueConstraint(fields=["measure", "region", "year"],
                                    condition=Q(institution__isnull=True),
                                    name="datavalue_unique_region"),
            models.UniqueConstraint(fields=["measure", "institution", "year"],
                                    condition=Q(region__isnull=True),
                                    name="datavalue_unique_institution"),
        ]

    def __str__(self) -> str:
        return f"{self.measure} {self.region or self.institution} {self.year}: {self.value}"


class Indicator(models.Model):
    """A named formula over measures (rules/formula.py), checked whenever it is saved."""

    code = models.SlugField(_("指标代码"), max_length=64, unique=True)
    name = models.CharField(_("指标名称"), max_length=128)
    formula = models.TextField(_("公式"))
    factor = models.FloatField(_("系数"), default=1.0)
    unit = models.CharField(_("单位"), max_length=8, choices=Unit.choices)
    direction = models.CharField(_("方向"), max_length=8, choices=Direction.choices,
                                 default=Direction.HIGHER)
    decimals = models.PositiveSmallIntegerField(_("小数位数"), default=2)
    levels = models.JSONField(_("适用层级"), default=list, blank=True)
    policy_source = models.CharField(_("政策依据"), max_length=255, blank=True)
    description = models.TextField(_("说明"), blank=True)
    builtin = models.BooleanField(_("内置指标"), default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("指标")
        verbose_name_plural = _("指标")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_rate(self) -> bool:
        """Rates change in percentage points (百分点), not percent of percent."""
        return self.unit in (Unit.PERCENT, Unit.PERMILLE)


class Target(models.Model):
    """目标: an indicator's target value for a region in a year."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="targets")
    region = models.ForeignKey("registry.Region", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("学年（起始年份）"))
    value = models.FloatField(_("目标值"))
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+")
    set_at = models.DateTimeField(_("设定时间"), auto_now=True)

    class Meta:
        verbose_name = _("目标")
        verbose_name_plural = _("目标")
        constraints = [models.UniqueConstraint(fields=["indicator", "region", "year"],
                                               name="target_unique")]

    def __str__(self) -> str:
        return f"{self.indicator} {self.region} {self.year}: {self.value}"


class ComputationRun(models.Model):
    """One computation of the catalog for a year: the dated snapshot results belong to."""

    year = models.PositiveSmallIntegerField(_("学年（起始年份）"))
    engine = models.CharField(_("计算引擎"), max_length=16)
    computed_at = models.DateTimeField(_("计算时间"), db_index=True)
    computed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    seconds = models.FloatField(_("耗时（秒）"), default=0)

    class Meta:
        verbose_name = _("计算批次")
        verbose_name_plural = _("计算批次")
        ordering = ["-computed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.year} {self.engine} {self.computed_at:%Y-%m-%d %H:%M}"


class Result(models.Model):
    """An indicator's value for one region or institution in one run (None: no value)."""

    run = models.ForeignKey(ComputationRun, on_delete=models.CASCADE, related_name="results")
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="results")
    region = models.ForeignKey("registry.Region", null=True, blank=True,
                               on_delete=models.CASCADE, related_name="+")
    institution = models.ForeignKey("registry.Institution", null=True, blank=True,
                                    on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField(_("学年（起始年份）"))
    value = models.FloatField(_("数值"), null=True, blank=True)

    class Meta:
        verbose_name = _("指标结果")
        verbose_name_plural = _("指标结果")
        constraints = [
            models.CheckConstraint(
                name="result_one_unit",
                condition=(Q(region__isnull=False, institution__isnull=True)
                           | Q(region__isnull=True, institution__isnull=False)),
            ),
        ]
        indexes = [
            models.Index(fields=["run", "indicator"], name="result_run_indicator"),
            models.Index(fields=["indicator", "year", "region"], name="result_region"),
            models.Index(fields=["indicator", "year", "institution"], name="result_institution"),
        ]

    def __str__(self) -> str:
        return f"{self.indicator} {self.region or self.institution} {self.year}: {self.value}"
