"""Admission rounds, places, district maps, points tables, guardians, applications, draws."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from edugov.enrollment.rules.priority import DEFAULT_CATEGORIES
from edugov.enrollment.workflow import ACTIVE_STATES, APPLICATION
from edugov.registry.choices import Grade, Sex
from edugov.workflow.models import WorkflowItem

#: Standard class sizes by entry grade (policy-rules.md §3): 小学 45, 初中 50, 幼儿园小班 25.
STANDARD_CLASS_SIZE = {Grade.G1: 45, Grade.G7: 50, Grade.KG_SMALL: 25}
ENTRY_GRADES = [(g.value, g.label) for g in (Grade.G1, Grade.G7, Grade.KG_SMALL)]


class Phase(models.TextChoices):
    """Where a round is, from its windows and what has been run (see AdmissionRound.phase)."""

    UPCOMING = "upcoming", "未开始"
    REGISTRATION = "registration", "报名中"
    VERIFICATION = "verification", "审核中"
    LOTTERY = "lottery", "待摇号与录取"
    ASSIGNED = "assigned", "已录取待公布"
    PUBLISHED = "published", "已公布"
    CLOSED = "closed", "已结束"


class AdmissionRound(models.Model):
    """One year's admission for a region and entry grade, with its windows."""

    # A round belongs to a region; it is public information (parents browse open rounds),
    # so selectors list rounds to everyone and check the region only for management.
    name = models.CharField(_("名称"), max_length=128)
    region = models.ForeignKey("registry.Region", on_delete=models.PROTECT,
                               related_name="admission_rounds", verbose_name=_("行政区划"))
    academic_year = models.ForeignKey("registry.AcademicYear", on_delete=models.PROTECT,
                                      related_name="admission_rounds", verbose_name=_("入学学年"))
    entry_grade = models.SmallIntegerField(_("入学年级"), choices=ENTRY_GRADES)
    registration_opens = models.DateTimeField(_("报名开始"))
    registration_closes = models.DateTimeField(_("报名截止"))
    verification_closes = models.DateTimeField(_("审核截止"))
    lottery_at = models.DateTimeField(_("摇号时间"))
    publication_at = models.DateTimeField(_("结果公布"))
    confirmation_closes = models.DateTimeField(_("确认入学截止"))
    #: Priority categories, best first (rules/priority.py); configurable per round.
    categories = models.JSONField(_("录取类别顺序"), default=list)
    class_size = models.PositiveSmallIntegerField(_("标准班额"))
    points_table = models.ForeignKey("PointsTable", null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="rounds",
                                     verbose_name=_("积分方案"))
    max_choices = models.PositiveSmallIntegerField(_("志愿数上限"), default=3)
    assigned_at = models.DateTimeField(_("录取时间"), null=True, blank=True)
    published_at = models.DateTimeField(_("公布时间"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("招生批次")
        verbose_name_plural = _("招生批次")
        ordering = ["-academic_year__start_year", "region__code", "entry_grade"]
        constraints = [
            models.UniqueConstraint(fields=["region", "academic_year", "entry_grade"],
                                    name="one_round_per_region_year_grade"),
            models.CheckConstraint(
                name="round_windows_in_order",
                condition=Q(registration_opens__lt=F("registration_closes"))
                & Q(registration_closes__lte=F("verification_closes"))
                & Q(verification_closes__lte=F("lottery_at"))
                & Q(lottery_at__lte=F("publication_at"))
                & Q(publication_at__lte=F("confirmation_closes")),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self.categories:
            self.categories = list(DEFAULT_CATEGORIES)
        if not self.class_size:
            self.class_size = STANDARD_CLASS_SIZE.get(Grade(self.entry_grade), 45)
        super().save(*args, **kwargs)

    def phase(self, now: dt.datetime | None = None) -> str:
        now = now or timezone.now()
        if self.published_at is not None:
            return Phase.CLOSED if now >= self.confirmation_closes else Phase.PUBLISHED
        if self.assigned_at is not None:
            return Phase.ASSIGNED
        if now < self.registration_opens:
            return Phase.UPCOMING
        if now < self.registration_closes:
            return Phase.REGISTRATION
        if now < self.verification_closes:
            return Phase.VERIFICATION
        return Phase.LOTTERY

    def phase_label(self) -> str:
        return Phase(self.phase()).label


class SchoolPlaces(models.Model):
    """A school's places in a round: classes × class size − reserved (e.g. 九年一贯制直升)."""

    scope_institution = "institution"

    round = models.ForeignKey(AdmissionRound, on_delete=models.CASCADE, related_name="places")
    institution = models.ForeignKey("registry.Institution", on_delete=models.PROTECT,
                                    related_name="admission_places", verbose_name=_("学校"))
    classes_planned = models.PositiveSmallIntegerField(_("计划班数"))
    class_size = models.PositiveSmallIntegerField(_("班额"))
    reserved = models.PositiveIntegerField(_("预留学位"), default=0)
    reserved_note = models.CharField(_("预留说明"), max_length=128, blank=True)
    #: 公民同招: a private school admits its applicants by lottery alone (policy §6.2).
    lottery_only = models.BooleanField(_("电脑随机录取"), default=False)
    #: classes × size − reserved, stored so the database can check admissions against it.
    places = models.PositiveIntegerField(_("招生计划"), editable=False)
    admitted = models.PositiveIntegerField(_("已录取"), default=0, editable=False)

    class Meta:
        verbose_name = _("学校招生计划")
        verbose_name_plural = _("学校招生计划")
        ordering = ["round", "institution__code"]
        constraints = [
            models.UniqueConstraint(fields=["round", "institution"],
                                    name="one_places_row_per_school_round"),
            # The last line of defence against over-admission, whatever the code does.
            models.CheckConstraint(name="admitted_within_places",
                                   condition=Q(admitted__lte=F("places"))),
        ]

    def __str__(self) -> str:
        return f"{self.institution} · {self.places}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.places = max(self.classes_planned * self.class_size - self.reserved, 0)
        super().save(*args, **kwargs)

    @property
    def free(self) -> int:
        return self.places - self.admitted


class Community(models.Model):
    """A residential community (小区/社区) in the register the district map must cover."""

    region = models.ForeignKey("registry.Region", on_delete=models.PROTECT,
                               related_name="communities", verbose_name=_("所属区县"))
    code = models.CharField(_("小区代码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=128)
    address = models.CharField(_("地址"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("居民小区")
        verbose_name_plural = _("居民小区")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class DistrictMap(models.Model):
    """One version of a round's catchment map; boundary changes make a new version."""

    round = models.ForeignKey(AdmissionRound, on_delete=models.CASCADE,
                              related_name="district_maps")
    version = models.PositiveIntegerField(_("版本"))
    note = models.CharField(_("变更说明"), max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("学区划分")
        verbose_name_plural = _("学区划分")
        ordering = ["round", "-version"]
        constraints = [models.UniqueConstraint(fields=["round", "version"],
                                               name="district_map_version_unique")]

    def __str__(self) -> str:
        return f"{self.round} v{self.version}"


class DistrictRule(models.Model):
    """A community code or an address pattern → school, in one map version."""

    scope_institution = "institution"

    map = models.ForeignKey(DistrictMap, on_delete=models.CASCADE, related_name="rules")
    institution = models.ForeignKey("registry.Institution", on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("学校"))
    community_code = models.CharField(_("小区代码"), max_length=32, blank=True)
    address_pattern = models.CharField(_("地址规则"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("学区规则")
        verbose_name_plural = _("学区规则")
        constraints = [models.CheckConstraint(
            name="district_rule_has_code_or_pattern",
            condition=~Q(community_code="") | ~Q(address_pattern=""))]

    def __str__(self) -> str:
        return f"{self.community_code or self.address_pattern} → {self.institution_id}"


class PointsTable(models.Model):
    """A city's 积分方案 for one year (policy-rules.md §6.1): factors as JSON rows."""

    region = models.ForeignKey("registry.Region", on_delete=models.PROTECT,
                               related_name="points_tables", verbose_name=_("城市"))
    year = models.PositiveSmallIntegerField(_("年度"))
    name = models.CharField(_("名称"), max_length=128)
    factors = models.JSONField(_("积分项目"), default=list)

    class Meta:
        verbose_name = _("积分方案")
        verbose_name_plural = _("积分方案")
        constraints = [models.UniqueConstraint(fields=["region", "year"],
                                               name="one_points_table_per_city_year")]

    def __str__(self) -> str:
        return self.name


class ParentAccount(models.Model):
    """A parent who registered online (零跑): the account's phone and verified ID number."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="parent_account")
    name = models.CharField(_("姓名"), max_length=64)
    phone = models.CharField(_("手机号"), max_length=11, unique=True)
    id_number = models.CharField(_("身份证号"), max_length=18, unique=True)
    created_at = models.DateTimeField(_("注册时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("家长账号")
        verbose_name_plural = _("家长账号")

    def __str__(self) -> str:
        return self.name


class Guardian(models.Model):
    """A parent account's link to a child, known by ID number (maybe not yet in the registry)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="children")
    child_id_number = models.CharField(_("子女身份证号"), max_length=18)
    child_name = models.CharField(_("子女姓名"), max_length=64)
    child_sex = models.CharField(_("性别"), max_length=1, choices=Sex.choices)
    child_birth_date = models.DateField(_("出生日期"))
    relation = models.CharField(_("关系"), max_length=16, default="父母")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("监护关系")
        verbose_name_plural = _("监护关系")
        constraints = [models.UniqueConstraint(fields=["user", "child_id_number"],
                                               name="guardian_child_unique")]

    def __str__(self) -> str:
        return f"{self.user} · {self.child_name}"


class Application(WorkflowItem):
    """One child's application in one round (零跑: filed online with declared evidence)."""

    workflow = APPLICATION
    # Schools see applications naming them; counties those naming their schools.
    # Parents see their own through Guardian (selectors.applications_for).
    scope_institution = "choices__institution"

    number = models.CharField(_("报名编号"), max_length=24, unique=True, editable=False)
    round = models.ForeignKey(AdmissionRound, on_delete=models.PROTECT,
                              related_name="applications", verbose_name=_("招生批次"))
    guardian = models.ForeignKey(Guardian, on_delete=models.PROTECT,
                                 related_name="applications")
    child_id_number = models.CharField(_("子女身份证号"), max_length=18)
    phone = models.CharField(_("联系电话"), max_length=20)
    migrant = models.BooleanField(_("随迁子女"), default=False)
    hukou_community = models.CharField(_("户籍小区代码"), max_length=32, blank=True)
    hukou_address = models.CharField(_("户籍地址"), max_length=255, blank=True)
    property_community = models.CharField(_("房产小区代码"), max_length=32, blank=True)
    property_address = models.CharField(_("房产地址"), max_length=255, blank=True)
    residence_community = models.CharField(_("居住证小区代码"), max_length=32, blank=True)
    residence_address = models.CharField(_("居住地址"), max_length=255, blank=True)
    #: Declared documents: [{"kind": "hukou_book", "number": "…", …}] (metadata, no files).
    evidence = models.JSONField(_("证明材料"), default=list, blank=True)
    #: Declared units per points factor, and the itemised result (rules/points.py).
    points_declared = models.JSONField(_("积分申报"), default=dict, blank=True)
    points_detail = models.JSONField(_("积分明细"), default=dict, blank=True)
    points_total = models.DecimalField(_("积分"), max_digits=8, decimal_places=2, default=0)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    admitted_institution = models.ForeignKey(
        "registry.Institution", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", verbose_name=_("录取学校"))
    admitted_choice = models.PositiveSmallIntegerField(_("录取志愿"), null=True, blank=True)
    admitted_category = models.CharField(_("录取类别"), max_length=32, blank=True)
    unplaced_reasons = models.JSONField(_("未录取原因"), default=list, blank=True)
    student = models.ForeignKey("registry.Student", null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="+")
    #: When the parent accepted the published admission (the school confirms on 报到).
    accepted_at = models.DateTimeField(_("家长接受时间"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("入学申请")
        verbose_name_plural = _("入学申请")
        ordering = ["round", "number"]
        constraints = [
            # One active application per child per round, enforced by the database so a
            # double submission cannot slip between a check and an insert.
            models.UniqueConstraint(fields=["round", "child_id_number"],
                                    condition=Q(state__in=sorted(ACTIVE_STATES)),
                                    name="one_active_application_per_child"),
        ]

    def __str__(self) -> str:
        return self.number


class ApplicationChoice(models.Model):
    """The n-th school an application asks for (志愿), most wanted first."""

    scope_institution = "institution"

    application = models.ForeignKey(Application, on_delete=models.CASCADE,
                                    related_name="choices")
    rank = models.PositiveSmallIntegerField(_("志愿序号"))
    institution = models.ForeignKey("registry.Institution", on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("学校"))
    category = models.CharField(_("类别"), max_length=32, blank=True)

    class Meta:
        verbose_name = _("志愿")
        verbose_name_plural = _("志愿")
        ordering = ["application", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["application", "rank"], name="choice_rank_unique"),
            models.UniqueConstraint(fields=["application", "institution"],
                                    name="choice_school_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.application_id} 第{self.rank}志愿"


class LotteryDraw(models.Model):
    """A round's computer lottery: commitment published first, seed revealed at the draw."""

    round = models.OneToOneField(AdmissionRound, on_delete=models.CASCADE,
                                 related_name="lottery")
    commitment = models.CharField(_("承诺值（SHA-256）"), max_length=64)
    # Kept secret until the draw: selectors and pages show it only once drawn_at is set.
    seed = models.CharField(max_length=128)
    committed_at = models.DateTimeField(_("承诺时间"))
    drawn_at = models.DateTimeField(_("摇号时间"), null=True, blank=True)
    applicants = models.JSONField(_("参与名单"), default=list, blank=True)
    order = models.JSONField(_("摇号顺序"), default=list, blank=True)

    class Meta:
        verbose_name = _("电脑摇号")
        verbose_name_plural = _("电脑摇号")

    def __str__(self) -> str:
        return f"{self.round} · {self.commitment[:12]}"

    @property
    def revealed_seed(self) -> str | None:
        return self.seed if self.drawn_at else None


class ClassPlacement(models.Model):
    """均衡分班 run for a school in a round: the seed and the classes, reproducible."""

    scope_institution = "institution"

    round = models.ForeignKey(AdmissionRound, on_delete=models.CASCADE,
                              related_name="class_placements")
    institution = models.ForeignKey("registry.Institution", on_delete=models.PROTECT,
                                    related_name="+")
    seed = models.CharField(max_length=128)
    use_score = models.BooleanField(default=False)
    result = models.JSONField(default=list)
    balance = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("均衡分班")
        verbose_name_plural = _("均衡分班")
        constraints = [models.UniqueConstraint(fields=["round", "institution"],
                                               name="one_placement_per_school_round")]

    def __str__(self) -> str:
        return f"{self.round} · {self.institution_id} 分班"
