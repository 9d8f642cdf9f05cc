"""The workforce tables: rotation plans and proposals, the 师德 negative list and the barred
list, appraisals, the training ledger, titles and honours, points, competitive posting.

Items that move through states (rotation proposals, title applications, posting
applications, pool entries) are WorkflowItems moved by the shared workflow."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from edugov.registry.choices import Subject, Title
from edugov.registry.models import AcademicYear, Institution, Region, Staff
from edugov.workflow.definitions import Transition, Workflow
from edugov.workflow.models import WorkflowItem
from edugov.workforce.rules.conduct import APPRAISAL_GRADES, CATEGORIES, SANCTIONS
from edugov.workforce.rules.points import SOURCES as POINT_SOURCES
from edugov.workforce.rules.titles import HONOURS, TIERS
from edugov.workforce.rules.training import LEVELS as TRAINING_LEVELS

BUREAU = frozenset({"county_bureau", "city_bureau"})
SCHOOL_SIDE = frozenset({"school_admin", "teacher"})

#: proposed → notified (school and teacher) → confirmed / contested (reason) → executed.
ROTATION = Workflow(
    name="workforce_rotation",
    states={"proposed": "拟交流", "notified": "已通知", "confirmed": "已确认",
            "contested": "有异议", "executed": "已调动", "withdrawn": "已撤回"},
    initial="proposed",
    transitions=(
        Transition("notify", "通知学校和教师", frozenset({"proposed"}), "notified",
                   roles=BUREAU),
        Transition("confirm", "确认", frozenset({"notified"}), "confirmed",
                   roles=SCHOOL_SIDE | BUREAU),
        Transition("contest", "提出异议", frozenset({"notified"}), "contested",
                   roles=SCHOOL_SIDE, needs_reason=True),
        Transition("uphold", "维持交流安排", frozenset({"contested"}), "confirmed",
                   roles=BUREAU, needs_reason=True),
        Transition("withdraw", "撤回", frozenset({"proposed", "notified", "contested"}),
                   "withdrawn", roles=BUREAU),
        Transition("execute", "办理调动", frozenset({"confirmed"}), "executed", roles=BUREAU),
    ),
    final=frozenset({"executed", "withdrawn"}),
    deadlines={"notified": dt.timedelta(days=10)},
)


class RotationPlan(models.Model):
    """One county's rotation for one academic year: the rules, locks and the solver's result.

    Scoped through its county: selectors keep plans whose county is visible to the user.
    """

    county = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="rotation_plans")
    academic_year = models.ForeignKey(AcademicYear, on_delete=models.PROTECT,
                                      related_name="rotation_plans")
    effective = models.DateField(_("交流生效日期"))
    #: staff id (str, JSON keys) → destination institution id, set by officials.
    locked = models.JSONField(_("锁定人员"), default=dict, blank=True)
    excluded = models.JSONField(_("排除人员"), default=list, blank=True)
    #: Last solve: status, seconds, coefficients before/after, rule checks, quota.
    result = models.JSONField(_("求解结果"), default=dict, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    solved_at = models.DateTimeField(_("求解时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("交流轮岗方案")
        verbose_name_plural = _("交流轮岗方案")
        constraints = [
            models.UniqueConstraint(fields=["county", "academic_year"],
                                    name="one_rotation_plan_per_county_year"),
        ]

    def __str__(self) -> str:
        return f"{self.county} {self.academic_year} 交流轮岗"


class RotationProposal(WorkflowItem):
    """One teacher's proposed move; visible to the sending school (and, through the
    selector, to the receiving one)."""

    workflow = ROTATION
    scope_institution = "source"

    plan = models.ForeignKey(RotationPlan, on_delete=models.CASCADE, related_name="proposals")
    staff = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="rotations")
    source = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="+")
    destination = models.ForeignKey(Institution, on_delete=models.PROTECT,
                                    related_name="rotations_in")
    post = models.CharField(_("岗位"), max_length=12)
    backbone = models.BooleanField(_("骨干教师"), default=False)
    locked = models.BooleanField(_("人工锁定"), default=False)

    class Meta:
        verbose_name = _("交流轮岗人选")
        verbose_name_plural = _("交流轮岗人选")
        constraints = [
            models.UniqueConstraint(fields=["plan", "staff"], name="one_proposal_per_staff"),
        ]


class RotationCandidate(models.Model):
    """A teacher the eligibility rules listed when the plan was last solved: the
    denominator of 交流轮岗比例 (rotated ÷ eligible) in the data center."""

    scope_institution = "institution"

    plan = models.ForeignKey(RotationPlan, on_delete=models.CASCADE, related_name="candidates")
    staff = models.ForeignKey(Staff, on_delete=models.CASCADE, related_name="+")
    institution = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="+")
    backbone = models.BooleanField(_("骨干教师"), default=False)

    class Meta:
        verbose_name = _("符合交流条件教师")
        verbose_name_plural = _("符合交流条件教师")
        constraints = [
            models.UniqueConstraint(fields=["plan", "staff"], name="one_candidate_per_staff"),
        ]

    def __str__(self) -> str:
        return f"{self.plan_id}:{self.staff_id}"


# --- 师德 ---------------------------------------------------------------------------------

class ConductCase(models.Model):
    """An entry of the 师德 negative list. Restricted: only bureau roles read or write it
    (selectors.conduct_cases_for); scoped through the teacher's current school."""

    scope_institution = "institution"

    staff = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="conduct_cases")
    #: The school at the time of the violation (the case stays with it for statistics).
    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="+")
    occurred = models.DateField(_("违规日期"))
    decided = models.DateField(_("处理决定日期"))
    category = models.CharField(_("违反准则"), max_length=16, choices=list(CATEGORIES.items()))
    sanction = models.CharField(_("处理处分"), max_length=16, choices=list(SANCTIONS.items()))
    description = models.TextField(_("事实摘要"), blank=True)
    veto_until = models.DateField(_("一票否决截止"), null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True,
                                    on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("师德违规记录")
        verbose_name_plural = _("师德负面清单")
        ordering = ["-decided", "-id"]
        constraints = [
            models.CheckConstraint(name="conduct_decided_after_occurred",
                                   condition=models.Q(decided__gte=models.F("occurred"))),
        ]

    def __str__(self) -> str:
        return f"{self.staff} {self.get_category_display()} {self.get_sanction_display()}"


class BarredPerson(models.Model):
    """Someone barred from teaching (从业禁止/撤销教师资格…), imported by a bureau.

    Not scoped by school: the pre-hire check matches against every entry, while reading the
    list is for bureau roles whose region imported it or lies below the importer
    (selectors.barred_for)."""

    id_number = models.CharField(_("身份证号"), max_length=18, unique=True)
    name = models.CharField(_("姓名"), max_length=64)
    reason = models.CharField(_("禁止从教原因"), max_length=255)
    source = models.CharField(_("信息来源"), max_length=128)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True,
                                    on_delete=models.SET_NULL, related_name="+")
    imported_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("禁止从教人员")
        verbose_name_plural = _("禁止从教人员名单")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class HireCheck(models.Model):
    """入职查询: every pre-hire check against the barred list and the negative list, passed
    or blocked, kept whether or not the hire went ahead."""

    scope_institution = "institution"

    id_number = models.CharField(_("身份证号"), max_length=18, db_index=True)
    name = models.CharField(_("姓名"), max_length=64)
    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="+")
    blocked = models.BooleanField(_("不得聘用"))
    reason = models.CharField(_("查询结果"), max_length=255)
    barred = models.ForeignKey(BarredPerson, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+")
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True,
                                   on_delete=models.SET_NULL, related_name="+")
    checked_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("入职查询记录")
        verbose_name_plural = _("入职查询记录")
        ordering = ["-checked_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} {'不得聘用' if self.blocked else '通过'}"


class Appraisal(models.Model):
    """年度考核 result of one teacher for one academic year."""

    scope_institution = "staff__current_institution"

    staff = models.ForeignKey(Staff, on_delete=models.CASCADE, related_name="appraisals")
    academic_year = models.ForeignKey(AcademicYear, on_delete=models.PROTECT, related_name="+")
    grade = models.CharField(_("考核等次"), max_length=12, choices=list(APPRAISAL_GRADES.items()))
    rated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                 related_name="+")
    rated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("年度考核")
        verbose_name_plural = _("年度考核")
        constraints = [
            models.UniqueConstraint(fields=["staff", "academic_year"],
                                    name="one_appraisal_per_staff_year"),
        ]

    def __str__(self) -> str:
        return f"{self.staff} {self.academic_year} {self.get_grade_display()}"


# --- 继续教育 -----------------------------------------------------------------------------

class TrainingRecord(models.Model):
    """One course a teacher completed: the continuing-education ledger."""

    scope_institution = "staff__current_institution"

    staff = models.ForeignKey(Staff, on_delete=models.CASCADE, related_name="training")
    course = models.CharField(_("课程名称"), max_length=128)
    hours = models.DecimalField(_("学时"), max_digits=6, decimal_places=1)
    level = models.CharField(_("培训级别"), max_length=12, choices=list(TRAINING_LEVELS.items()))
    date = models.DateField(_("完成日期"))
    provider = models.CharField(_("培训机构"), max_length=128)
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True,
                                    on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("培训记录")
        verbose_name_plural = _("培训学时台账")
        ordering = ["-date", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["staff", "course", "date"],
                                    name="training_once_per_course_day"),
            models.CheckConstraint(name="training_hours_positive",
                                   condition=models.Q(hours__gt=0)),
        ]
        indexes = [models.Index(fields=["staff", "date"], name="training_staff_date")]

    def __str__(self) -> str:
        return f"{self.staff} {self.course} {self.hours}"


# --- 职称与荣誉 ---------------------------------------------------------------------------

class TitleRecord(models.Model):
    """职称 history: each title a teacher held, from when (the registry keeps the current)."""

    scope_institution = "staff__current_institution"

    staff = models.ForeignKey(Staff, on_delete=models.CASCADE, related_name="title_history")
    title = models.CharField(_("职称"), max_length=20, choices=Title.choices)
    obtained = models.DateField(_("取得日期"))
    application = models.OneToOneField("TitleApplication", null=True, blank=True,
                                       on_delete=models.SET_NULL, related_name="record")

    class Meta:
        verbose_name = _("职称记录")
        verbose_name_plural = _("职称记录")
        ordering = ["staff_id", "obtained"]

    def __str__(self) -> str:
        return f"{self.staff} {self.get_title_display()}"


#: submitted → recommended by the school → approved / rejected by the bureau's 评审.
TITLE_APPLICATION = Workflow(
    name="workforce_title",
    states={"submitted": "已申报", "recommended": "学校已推荐", "approved": "评审通过",
            "rejected": "未通过", "withdrawn": "已撤回"},
    initial="submitted",
    transitions=(
        Transition("recommend", "学校推荐", frozenset({"submitted"}), "recommended",
                   roles=frozenset({"school_admin"}) | BUREAU),
        Transition("approve", "评审通过", frozenset({"recommended"}), "approved", roles=BUREAU),
        Transition("reject", "不予通过", frozenset({"submitted", "recommended"}), "rejected",
                   roles=frozenset({"school_admin"}) | BUREAU, needs_reason=True),
        Transition("withdraw", "撤回申报", frozenset({"submitted"}), "withdrawn",
                   roles=SCHOOL_SIDE),
    ),
    final=frozenset({"approved", "rejected", "withdrawn"}),
    deadlines={"submitted": dt.timedelta(days=30), "recommended": dt.timedelta(days=60)},
)


class TitleApplication(WorkflowItem):
    workflow = TITLE_APPLICATION
    scope_institution = "staff__current_institution"

    staff = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="title_applications")
    current_title = models.CharField(_("现职称"), max_length=20, choices=Title.choices)
    title = models.CharField(_("申报职称"), max_length=20, choices=Title.choices)
    year = models.PositiveSmallIntegerField(_("评审年度"))
    evidence = models.JSONField(_("申报材料"), default=dict, blank=True)

    class Meta:
        verbose_name = _("职称申报")
        verbose_name_plural = _("职称申报")
        constraints = [
            models.UniqueConstraint(fields=["staff", "year"], name="one_title_application_a_year"),
        ]


class Honour(models.Model):
    """An honour held for a term (教坛新秀, 名师, 骨干教师 …, with its tier)."""

    scope_institution = "staff__current_institution"

    staff = models.ForeignKey(Staff, on_delete=models.CASCADE, related_name="honours")
    kind = models.CharField(_("荣誉类别"), max_length=16, choices=list(HONOURS.items()))
    tier = models.CharField(_("级别"), max_length=12, choices=list(TIERS.items()))
    awarded = models.DateField(_("授予日期"))
    valid_until = models.DateField(_("有效期至"), null=True, blank=True)
    awarded_by = models.CharField(_("授予单位"), max_length=128, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True,
                                    on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("荣誉称号")
        verbose_name_plural = _("荣誉称号")
        ordering = ["-awarded", "-id"]

    def __str__(self) -> str:
        return f"{self.staff} {self.get_tier_display()}{self.get_kind_display()}"


# --- 积分制 -------------------------------------------------------------------------------

class PointsItem(models.Model):
    """One scoring item of a county's 积分 scheme for a year."""

    county = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("年度"))
    code = models.SlugField(_("代码"), max_length=32)
    label = models.CharField(_("积分项目"), max_length=64)
    source = models.CharField(_("计分依据"), max_length=16, choices=list(POINT_SOURCES.items()))
    per_unit = models.DecimalField(_("每单位分值"), max_digits=7, decimal_places=2)
    cap = models.DecimalField(_("上限"), max_digits=7, decimal_places=2, null=True, blank=True)
    unit = models.CharField(_("计量单位"), max_length=16, blank=True)

    class Meta:
        verbose_name = _("积分项目")
        verbose_name_plural = _("积分项目")
        ordering = ["county_id", "year", "id"]
        constraints = [
            models.UniqueConstraint(fields=["county", "year", "code"], name="points_item_unique"),
        ]

    def __str__(self) -> str:
        return self.label


class PointsEvidence(models.Model):
    """Units of an ``evidence`` item for a teacher, with what proves them."""

    scope_institution = "staff__current_institution"

    item = models.ForeignKey(PointsItem, on_delete=models.CASCADE, related_name="entries")
    staff = models.ForeignKey(Staff, on_delete=models.CASCADE, related_name="points_evidence")
    units = models.DecimalField(_("数量"), max_digits=8, decimal_places=2)
    evidence = models.CharField(_("证明材料"), max_length=255)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True,
                                    on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("积分材料")
        verbose_name_plural = _("积分材料")
        constraints = [
            models.UniqueConstraint(fields=["item", "staff"], name="points_evidence_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.staff} {self.item} {self.units}"


# --- 竞聘上岗 -----------------------------------------------------------------------------

class PostingRound(models.Model):
    """A county's competitive posting round: 1 = 竞聘, 2 = second round for the pool."""

    county = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    academic_year = models.ForeignKey(AcademicYear, on_delete=models.PROTECT, related_name="+")
    number = models.PositiveSmallIntegerField(_("轮次"), choices=[(1, "第一轮竞聘"),
                                                                  (2, "第二轮竞聘")])
    name = models.CharField(_("名称"), max_length=64, blank=True, default="")
    #: The application window (报名时间); open-ended on a side left empty.
    opens = models.DateField(_("报名开始日期"), null=True, blank=True)
    closes = models.DateField(_("报名截止日期"), null=True, blank=True)
    effective = models.DateField(_("聘任生效日期"))
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("竞聘轮次")
        verbose_name_plural = _("竞聘轮次")
        constraints = [
            models.UniqueConstraint(fields=["county", "academic_year", "number"],
                                    name="one_posting_round_number"),
            models.CheckConstraint(name="posting_window_in_order",
                                   condition=models.Q(opens__isnull=True)
                                   | models.Q(closes__isnull=True)
                                   | models.Q(opens__lte=models.F("closes"))),
        ]

    def __str__(self) -> str:
        return f"{self.county} {self.academic_year} {self.name or self.get_number_display()}"


class PostOpening(models.Model):
    scope_institution = "institution"

    round = models.ForeignKey(PostingRound, on_delete=models.CASCADE, related_name="openings")
    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="+")
    subject = models.CharField(_("学科"), max_length=16, choices=Subject.choices)
    places = models.PositiveSmallIntegerField(_("岗位数"))

    class Meta:
        verbose_name = _("竞聘岗位")
        verbose_name_plural = _("竞聘岗位")
        constraints = [
            models.UniqueConstraint(fields=["round", "institution", "subject"],
                                    name="one_opening_per_school_subject"),
        ]

    def __str__(self) -> str:
        return f"{self.institution} {self.get_subject_display()}×{self.places}"


#: applied → ranked by the school → placed / not placed (settled when the round closes).
POSTING = Workflow(
    name="workforce_posting",
    states={"applied": "已报名", "ranked": "学校已排序", "placed": "已聘任",
            "not_placed": "未聘任", "withdrawn": "已撤回"},
    initial="applied",
    transitions=(
        Transition("rank", "学校排序", frozenset({"applied", "ranked"}), "ranked",
                   roles=frozenset({"school_admin"}) | BUREAU),
        Transition("place", "聘任", frozenset({"applied", "ranked"}), "placed", roles=BUREAU),
        Transition("not_place", "未聘任", frozenset({"applied", "ranked"}), "not_placed",
                   roles=BUREAU),
        Transition("withdraw", "撤回报名", frozenset({"applied", "ranked"}), "withdrawn",
                   roles=SCHOOL_SIDE | BUREAU),
    ),
    final=frozenset({"placed", "not_placed", "withdrawn"}),
)


class PostingApplication(WorkflowItem):
    workflow = POSTING
    scope_institution = "opening__institution"

    opening = models.ForeignKey(PostOpening, on_delete=models.CASCADE, related_name="applications")
    staff = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+")
    preference = models.PositiveSmallIntegerField(_("志愿顺序"))
    school_rank = models.PositiveSmallIntegerField(_("学校排序"), null=True, blank=True)

    class Meta:
        verbose_name = _("竞聘报名")
        verbose_name_plural = _("竞聘报名")
        constraints = [
            models.UniqueConstraint(fields=["opening", "staff"], name="one_application_per_post"),
        ]


#: Teachers without a post after a round: placed in round 2, allocated by the bureau
#: (组织调剂), or sent to training (待岗培训).
POOL = Workflow(
    name="workforce_pool",
    states={"pooled": "待岗", "placed": "二轮聘任", "allocated": "组织调剂",
            "training": "待岗培训"},
    initial="pooled",
    transitions=(
        Transition("place", "二轮聘任", frozenset({"pooled"}), "placed", roles=BUREAU),
        Transition("allocate", "组织调剂", frozenset({"pooled", "training"}), "allocated",
                   roles=BUREAU, needs_reason=True),
        Transition("train", "待岗培训", frozenset({"pooled"}), "training", roles=BUREAU,
                   needs_reason=True),
    ),
    final=frozenset({"placed", "allocated"}),
)


class PoolEntry(WorkflowItem):
    workflow = POOL
    scope_institution = "staff__current_institution"

    round = models.ForeignKey(PostingRound, on_delete=models.CASCADE, related_name="pool")
    staff = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+")
    destination = models.ForeignKey(Institution, null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("县域待岗人员")
        verbose_name_plural = _("县域待岗人员")
        constraints = [
            models.UniqueConstraint(fields=["round", "staff"], name="one_pool_entry_per_round"),
        ]
