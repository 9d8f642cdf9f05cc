"""Campus safety tables: the grid, checklists, schedules, inspections, hazards, risks,
incidents and notifications. Nothing here is ever deleted: rows close, deactivate or
are superseded by a new version, and every step is in the workflow history and audit log.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from edugov.core.masking import mask_phone
from edugov.safety import workflow as wf
from edugov.safety.choices import (
    SERIOUS_INCIDENT,
    AreaKind,
    Domain,
    Evidence,
    Frequency,
    Grade,
    HazardSource,
    IncidentSeverity,
    InspectionKind,
    NotificationKind,
    PostLevel,
    SupervisionLevel,
)
from edugov.safety.rules import grid
from edugov.workflow.models import WorkflowItem

USER = settings.AUTH_USER_MODEL


class SafetyArea(models.Model):
    """A building or area inside a school that needs an owner (楼栋/区域)."""

    scope_institution = "institution"

    institution = models.ForeignKey("registry.Institution", on_delete=models.PROTECT,
                                    related_name="safety_areas", verbose_name=_("学校"))
    name = models.CharField(_("区域名称"), max_length=64)
    kind = models.CharField(_("区域类型"), max_length=16, choices=AreaKind.choices)
    active = models.BooleanField(_("在用"), default=True)

    class Meta:
        verbose_name = _("安全责任区域")
        verbose_name_plural = _("安全责任区域")
        constraints = [models.UniqueConstraint(fields=["institution", "name"],
                                               name="safety_area_unique_name")]

    def __str__(self) -> str:
        return self.name


class GridPost(models.Model):
    """One named responsible person at one level of the grid (网格化责任)."""

    scope_institution = "institution"

    level = models.CharField(_("责任层级"), max_length=16, choices=PostLevel.choices)
    region = models.ForeignKey("registry.Region", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+", verbose_name=_("区域"))
    institution = models.ForeignKey("registry.Institution", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="safety_posts",
                                    verbose_name=_("学校"))
    area = models.ForeignKey(SafetyArea, null=True, blank=True, on_delete=models.PROTECT,
                             related_name="posts", verbose_name=_("责任区域"))
    user = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="safety_posts", verbose_name=_("账号"))
    person_name = models.CharField(_("责任人"), max_length=64)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    duty = models.CharField(_("主要职责"), max_length=255, blank=True)
    active = models.BooleanField(_("在岗"), default=True)
    since = models.DateField(_("任职日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("网格责任人")
        verbose_name_plural = _("网格责任人")
        constraints = [
            models.CheckConstraint(
                name="safety_post_scope_matches_level",
                condition=(
                    Q(level__in=list(grid.REGION_LEVELS), region__isnull=False,
                      institution__isnull=True, area__isnull=True)
                    | Q(level__in=list(grid.SCHOOL_LEVELS), region__isnull=True,
                        institution__isnull=False, area__isnull=True)
                    | Q(level=grid.AREA_OWNER, region__isnull=True, institution__isnull=False,
                        area__isnull=False)
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_level_display()} {self.person_name}"

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)


class ChecklistTemplate(models.Model):
    """One version of an inspection checklist (排查清单模板); a change is a new version."""

    code = models.CharField(_("模板编码"), max_length=32)
    version = models.PositiveIntegerField(_("版本"), default=1)
    domain = models.CharField(_("领域"), max_length=16, choices=Domain.choices)
    name = models.CharField(_("名称"), max_length=128)
    current = models.BooleanField(_("现行版本"), default=True)
    published_at = models.DateTimeField(_("发布时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("检查清单模板")
        verbose_name_plural = _("检查清单模板")
        ordering = ["domain", "code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="safety_template_version"),
            models.UniqueConstraint(fields=["code"], condition=Q(current=True),
                                    name="safety_template_one_current"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（第{self.version}版）"


class ChecklistItem(models.Model):
    template = models.ForeignKey(ChecklistTemplate, on_delete=models.PROTECT,
                                 related_name="items")
    order = models.PositiveSmallIntegerField(_("序号"))
    text = models.CharField(_("检查内容"), max_length=255)
    guidance = models.TextField(_("检查要点"), blank=True)
    evidence = models.CharField(_("证据要求"), max_length=8, choices=Evidence.choices,
                                default=Evidence.YES_NO)
    #: For readings (e.g. 灭火器压力 MPa, 冷藏温度 ℃): the acceptable range.
    reading_min = models.FloatField(_("读数下限"), null=True, blank=True)
    reading_max = models.FloatField(_("读数上限"), null=True, blank=True)
    reading_unit = models.CharField(_("读数单位"), max_length=12, blank=True)
    failure_grade = models.CharField(_("不合格对应隐患等级"), max_length=12,
                                     choices=Grade.choices, default="general")

    class Meta:
        verbose_name = _("检查项目")
        verbose_name_plural = _("检查项目")
        ordering = ["template", "order"]
        constraints = [models.UniqueConstraint(fields=["template", "order"],
                                               name="safety_item_order")]

    def __str__(self) -> str:
        return self.text


class Schedule(models.Model):
    """Who inspects what how often: a school's own patrols or a county's inspections."""

    scope_institution = "institution"

    institution = models.ForeignKey("registry.Institution", on_delete=models.PROTECT,
                                    related_name="safety_schedules", verbose_name=_("学校"))
    template_code = models.CharField(_("模板编码"), max_length=32)
    kind = models.CharField(_("检查类型"), max_length=12, choices=InspectionKind.choices,
                            default=InspectionKind.SELF)
    frequency = models.CharField(_("频次"), max_length=12, choices=Frequency.choices)
    #: The grid level whose holder inspects (安全专干 patrols, 县区安全股室 term inspections).
    inspector_level = models.CharField(_("检查责任层级"), max_length=16, choices=PostLevel.choices)
    fixed_dates = models.JSONField(_("指定日期"), default=list, blank=True)
    start = models.DateField(_("开始日期"))
    end = models.DateField(_("结束日期"))
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("检查计划")
        verbose_name_plural = _("检查计划")

    def __str__(self) -> str:
        return f"{self.institution} {self.template_code} {self.get_frequency_display()}"


class Inspection(WorkflowItem):
    """One inspection due on one date; done on a phone, item by item."""

    workflow = wf.INSPECTION
    scope_institution = "institution"

    institution = models.ForeignKey("registry.Institution", on_delete=models.PROTECT,
                                    related_name="safety_inspections", verbose_name=_("学校"))
    schedule = models.ForeignKey(Schedule, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="inspections")
    template = models.ForeignKey(ChecklistTemplate, on_delete=models.PROTECT,
                                 related_name="inspections", verbose_name=_("检查清单"))
    # Copied from the template: lists group by domain over hundreds of thousands of rows.
    domain = models.CharField(_("领域"), max_length=16, choices=Domain.choices)
    kind = models.CharField(_("检查类型"), max_length=12, choices=InspectionKind.choices,
                            default=InspectionKind.SELF)
    due_date = models.DateField(_("应检日期"), db_index=True)
    inspector = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+", verbose_name=_("检查人"))
    performed_at = models.DateTimeField(_("检查时间"), null=True, blank=True)
    note = models.TextField(_("备注"), blank=True)

    class Meta:
        verbose_name = _("安全检查")
        verbose_name_plural = _("安全检查")
        ordering = ["-due_date", "-id"]
        indexes = [models.Index(fields=["institution", "due_date"], name="safety_insp_inst_due")]

    def __str__(self) -> str:
        return f"{self.institution} {self.get_domain_display()} {self.due_date}"


class InspectionResult(models.Model):
    scope_institution = "inspection__institution"

    inspection = models.ForeignKey(Inspection, on_delete=models.PROTECT, related_name="results")
    item = models.ForeignKey(ChecklistItem, on_delete=models.PROTECT, related_name="+")
    passed = models.BooleanField(_("合格"))
    reading = models.FloatField(_("读数"), null=True, blank=True)
    note = models.CharField(_("说明"), max_length=255, blank=True)
    #: Photo metadata (file name, size, type, sha256, taken at): the file itself stays on
    #: the phone or the school's storage; the record proves what was seen.
    evidence = models.JSONField(_("证据"), default=dict, blank=True)

    class Meta:
        verbose_name = _("检查结果")
        verbose_name_plural = _("检查结果")
        constraints = [models.UniqueConstraint(fields=["inspection", "item"],
                                               name="safety_result_once")]

    def __str__(self) -> str:
        return f"{self.item_id}: {'合格' if self.passed else '不合格'}"


class Hazard(WorkflowItem):
    """A hazard (隐患) from a failed item or an ad-hoc report, tracked to 销号."""

    workflow = wf.HAZARD
    scope_institution = "institution"

    code = models.CharField(_("隐患编号"), max_length=24, unique=True, null=True, blank=True)
    institution = models.ForeignKey("registry.Institution", on_delete=models.PROTECT,
                                    related_name="safety_hazards", verbose_name=_("学校"))
    domain = models.CharField(_("隐患类别"), max_length=16, choices=Domain.choices)
    grade = models.CharField(_("隐患等级"), max_length=12, choices=Grade.choices)
    title = models.CharField(_("隐患描述"), max_length=255)
    description = models.TextField(_("详细情况"), blank=True)
    location = models.CharField(_("具体位置"), max_length=128, blank=True)
    area = models.ForeignKey(SafetyArea, null=True, blank=True, on_delete=models.PROTECT,
                             related_name="hazards", verbose_name=_("责任区域"))
    source = models.CharField(_("发现途径"), max_length=12, choices=HazardSource.choices)
    inspection = models.ForeignKey(Inspection, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="hazards")
    result = models.OneToOneField(InspectionResult, null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="hazard")
    reported_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name=_("上报人"))
    reporter_contact = models.CharField(_("举报人联系方式"), max_length=32, blank=True)
    reported_at = models.DateTimeField(_("发现时间"), db_index=True)
    # Plain dates and figures fixed at 销号: the data center's engines (SQLite, DuckDB,
    # Spark) compare dates the same way, while time-zone-aware timestamps they do not.
    reported_on = models.DateField(_("发现日期"), db_index=True)
    owner = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="safety_hazards_owned", verbose_name=_("整改责任人"))
    owner_name = models.CharField(_("整改责任人"), max_length=64, blank=True)
    measures = models.TextField(_("整改措施"), blank=True)
    interim_controls = models.TextField(_("临时管控措施"), blank=True)
    rectify_deadline = models.DateTimeField(_("整改期限"), null=True, blank=True)
    supervision_level = models.PositiveSmallIntegerField(
        _("督办层级"), choices=SupervisionLevel.choices, default=SupervisionLevel.SCHOOL)
    supervised = models.BooleanField(_("挂牌督办"), default=False)
    submitted_at = models.DateTimeField(_("整改完成时间"), null=True, blank=True)
    verified_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name=_("验收人"))
    closed_at = models.DateTimeField(_("销号时间"), null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("重新打开次数"), default=0)
    closed_on_time = models.BooleanField(_("按期整改"), null=True, blank=True)
    rectification_days = models.FloatField(_("整改天数"), null=True, blank=True)

    class Meta:
        verbose_name = _("安全隐患")
        verbose_name_plural = _("安全隐患")
        ordering = ["-reported_at", "-id"]
        indexes = [
            models.Index(fields=["institution", "reported_at"], name="safety_hazard_inst_rep"),
            models.Index(fields=["state", "due_at"], name="safety_hazard_state_due"),
            # The hazard list's order (newest first, id to break ties), scanned backwards.
            models.Index(fields=["reported_at", "id"], name="safety_hazard_rep_id"),
        ]

    def __str__(self) -> str:
        return f"{self.code or '-'} {self.title}"

    @property
    def masked_contact(self) -> str:
        return mask_phone(self.reporter_contact)


class RiskEntry(models.Model):
    """A standing risk in the register (风险分级管控): graded, controlled, reviewed."""

    scope_institution = "institution"

    institution = models.ForeignKey("registry.Institution", on_delete=models.PROTECT,
                                    related_name="safety_risks", verbose_name=_("学校"))
    domain = models.CharField(_("风险类别"), max_length=16, choices=Domain.choices)
    title = models.CharField(_("风险点"), max_length=255)
    likelihood = models.PositiveSmallIntegerField(_("可能性"))
    severity = models.PositiveSmallIntegerField(_("严重程度"))
    grade = models.CharField(_("风险等级"), max_length=12, choices=Grade.choices)
    controls = models.TextField(_("管控措施"), blank=True)
    owner_name = models.CharField(_("管控责任人"), max_length=64, blank=True)
    review_due = models.DateField(_("下次评估日期"))
    last_reviewed = models.DateField(_("最近评估日期"), null=True, blank=True)
    active = models.BooleanField(_("在册"), default=True)

    class Meta:
        verbose_name = _("风险点")
        verbose_name_plural = _("风险分级管控清单")
        ordering = ["institution", "grade", "title"]
        constraints = [
            models.CheckConstraint(name="safety_risk_levels_1_5",
                                   condition=Q(likelihood__gte=1, likelihood__lte=5,
                                               severity__gte=1, severity__lte=5)),
        ]

    def __str__(self) -> str:
        return self.title


class Incident(models.Model):
    """A safety incident (安全事故) with response, follow-up and what preceded it."""

    scope_institution = "institution"

    institution = models.ForeignKey("registry.Institution", on_delete=models.PROTECT,
                                    related_name="safety_incidents", verbose_name=_("学校"))
    occurred_at = models.DateTimeField(_("发生时间"), db_index=True)
    domain = models.CharField(_("事故类别"), max_length=16, choices=Domain.choices)
    severity = models.CharField(_("事故等级"), max_length=4, choices=IncidentSeverity.choices)
    title = models.CharField(_("事故概况"), max_length=255)
    description = models.TextField(_("经过"), blank=True)
    injured = models.PositiveIntegerField(_("受伤人数"), default=0)
    deaths = models.PositiveIntegerField(_("死亡人数"), default=0)
    response = models.TextField(_("应急处置"), blank=True)
    follow_up = models.TextField(_("后续整改"), blank=True)
    hazards = models.ManyToManyField(Hazard, blank=True, related_name="incidents",
                                     verbose_name=_("关联隐患"))
    inspections = models.ManyToManyField(Inspection, blank=True, related_name="incidents",
                                         verbose_name=_("关联检查"))
    reported_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("安全事故")
        verbose_name_plural = _("安全事故")
        ordering = ["-occurred_at"]

    def __str__(self) -> str:
        return self.title

    @property
    def serious(self) -> bool:
        """较大及以上, or any death: the serious-incident indicator counts these."""
        return self.severity in SERIOUS_INCIDENT or self.deaths > 0


class Notification(models.Model):
    """An in-app notice; ``dedupe_key`` keeps a daily job from repeating the same notice."""

    recipient = models.ForeignKey(USER, on_delete=models.CASCADE,
                                  related_name="safety_notifications")
    kind = models.CharField(_("类型"), max_length=16, choices=NotificationKind.choices)
    hazard = models.ForeignKey(Hazard, null=True, blank=True, on_delete=models.CASCADE,
                               related_name="notifications")
    inspection = models.ForeignKey(Inspection, null=True, blank=True, on_delete=models.CASCADE,
                                   related_name="notifications")
    message = models.CharField(_("内容"), max_length=500)
    dedupe_key = models.CharField(max_length=80)
    created_at = models.DateTimeField(_("时间"))
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("安全通知")
        verbose_name_plural = _("安全通知")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["recipient", "dedupe_key"],
                                               name="safety_notice_once")]

    def __str__(self) -> str:
        return self.message
